"""The TensorBoard callbacks on a user's own Keras model, outside any lesson."""

import keras
import numpy as np

from dlintro import events
from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard
from dlintro.callbacks.probe import histogram_buckets


def tiny_data():
    rng = np.random.default_rng(0)
    x = rng.random((10, 2), dtype=np.float32)
    return x, (x.sum(axis=1, keepdims=True) > 1).astype(np.float32)


def test_callbacks_work_on_a_sequential_model_declared_without_input(tmp_path):
    x, y = tiny_data()
    model = keras.Sequential([keras.layers.Dense(3, activation="relu", name="hidden"),
                              keras.layers.Dense(1, activation="sigmoid", name="out")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        TensorBoard(tmp_path),
        ActivationStatistics(tmp_path, probe_x=x[:4]),
        GradientStatistics(tmp_path, probe_x=x[:4], probe_y=y[:4]),
    ])
    run = events.load_run(tmp_path)
    assert {"activations/hidden", "dead_share/hidden", "saturated_share/out",
            "gradients/sequential/hidden/kernel", "gradient_norm/out"} <= events.tags(run)
    steps, histograms = events.tensor_series(run, "activations/hidden")
    assert steps == [0, 1, 2] and all(h[:, 2].sum() == 4 * 3 for h in histograms)
    train = events.load_run(tmp_path / "train")
    assert events.scalar_series(train, "epoch_loss")[0] == [1, 2]
    assert events.plugin_of(train, "sequential/hidden/kernel/histogram") == "histograms"


def test_tensorboard_writes_nothing_for_a_non_finite_epoch(tmp_path):
    x, y = tiny_data()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    # A step size this large sends the weights to infinity within a few steps.
    model.compile(keras.optimizers.SGD(1e30), "mse")
    board = TensorBoard(tmp_path)
    model.fit(x * 1e10, y, epochs=4, verbose=0, callbacks=[board])
    assert board.skipped_steps, "the run was meant to diverge"
    train = events.load_run(tmp_path / "train")
    for tag in events.tags(train):
        for array in events.tensor_series(train, tag)[1]:
            if array.dtype.kind == "f":
                assert np.all(np.isfinite(array)), tag


def test_histogram_buckets_match_tensorboards_own_op():
    import tensorflow as tf
    from tensorboard.plugins.histogram import summary_v2

    for values in (np.array([0.5, 0.5, 0.5]), np.linspace(-3, 7, 101) ** 3, np.arange(10.0)):
        ours = histogram_buckets(values, 30)
        theirs = summary_v2.histogram_pb("h", values, buckets=30).value[0].tensor
        np.testing.assert_allclose(ours, tf.make_ndarray(theirs), rtol=1e-9, atol=1e-12)
