"""The TensorBoard callbacks on a user's own Keras model, outside any lesson."""

import keras
import numpy as np

from callbacks_test_support import tiny_classifier, tiny_data
from dlintro import events
from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard
from dlintro.callbacks.summaries import histogram_buckets
from dlintro.training import fit


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
    # Weight tags follow the weights' paths, which start with the model's name ("sequential"
    # for the first unnamed Sequential model of a process, "sequential_1" for the next...).
    assert {"activations/hidden", "dead_share/hidden", "saturated_share/out",
            f"gradients/{model.name}/hidden/kernel", "gradient_norm/out"} <= events.tags(run)
    steps, histograms = events.tensor_series(run, "activations/hidden")
    assert steps == [0, 1, 2] and all(h[:, 2].sum() == 4 * 3 for h in histograms)
    train = events.load_run(tmp_path / "train")
    assert events.scalar_series(train, "epoch_loss")[0] == [1, 2]
    assert events.plugin_of(train, f"{model.name}/hidden/kernel/histogram") == "histograms"


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


def every_callback(log_dir, x, y):
    """One of each dlintro callback that counts epochs, on a tiny two-input classifier."""
    from dlintro.callbacks import (DecisionBoundaryImages, GradientNormBars, HiddenUnitImages,
                                   TrainValidationChart, WeightScalars)

    return {
        "activation_mean/hidden": ActivationStatistics(log_dir, x),
        "gradient_norm/hidden": GradientStatistics(log_dir, x, y),
        "decision_boundary": DecisionBoundaryImages(log_dir, x, y, resolution=8),
        "gradient_norm_bars": GradientNormBars(log_dir, x, y),
        "hidden_units/hidden": HiddenUnitImages(log_dir, "hidden", (0, 1, 0, 1), resolution=8),
        "weights/hidden/w1_1": WeightScalars(log_dir, max_weights=20),
        "train/epoch_loss": TensorBoard(log_dir),
        "train/train_vs_validation/mine": TrainValidationChart(log_dir, "mine"),
    }


def logged_steps(log_dir, tag):
    """The steps of a tag; `train/<tag>` is read from the run's `train/` directory."""
    if tag.startswith("train/"):
        return events.tensor_series(events.load_run(log_dir / "train"), tag.removeprefix("train/"))[0]
    return events.tensor_series(events.load_run(log_dir), tag)[0]


def test_every_callback_counts_one_pass_per_epoch_in_a_plain_fit(tmp_path):
    x, y = tiny_data()
    callbacks = every_callback(tmp_path, x, y)
    tiny_classifier().fit(x, y, epochs=2, verbose=0, callbacks=list(callbacks.values()))
    for tag, callback in callbacks.items():
        assert callback.passes_per_epoch == 1
        first = [] if tag.startswith("train/") else [0]  # probe callbacks also log the untrained model
        assert logged_steps(tmp_path, tag) == [*first, 1, 2], tag


def test_training_fit_sets_passes_per_epoch_on_every_callback_and_shifts_their_steps(tmp_path):
    x, y = tiny_data()
    callbacks = every_callback(tmp_path, x, y)
    fit(tiny_classifier(), x, y, log_dir=tmp_path / "reporting", epochs=6, log_every=3,
        callbacks=list(callbacks.values()), report=False)
    for tag, callback in callbacks.items():
        assert callback.passes_per_epoch == 3
        first = [] if tag.startswith("train/") else [0]
        assert logged_steps(tmp_path, tag) == [*first, 3, 6], tag


def test_a_second_fit_reuses_the_traced_probe_functions_and_logs_alike(tmp_path):
    x, y = tiny_data()
    keras.utils.set_random_seed(0)
    model = tiny_classifier()
    activations, gradients = ActivationStatistics(tmp_path / "a", x), GradientStatistics(tmp_path / "a", x, y)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[activations, gradients])
    traced = activations._forward, gradients._gradients
    # The second fit, logged by the same callbacks (reusing their traces) and by fresh ones.
    fresh = [ActivationStatistics(tmp_path / "b", x), GradientStatistics(tmp_path / "b", x, y)]
    model.fit(x, y, epochs=1, verbose=0, callbacks=[activations, gradients, *fresh])
    assert (activations._forward, gradients._gradients) == traced
    reused, recomputed = events.load_run(tmp_path / "a"), events.load_run(tmp_path / "b")
    for tag in ("activation_mean/hidden", "gradient_norm/hidden"):
        steps, values = events.scalar_series(reused, tag)
        assert sorted(steps) == [0, 0, 1, 1]
        for step, value in zip(*events.scalar_series(recomputed, tag)):
            assert any(np.isclose(value, logged, rtol=1e-6) for at, logged in zip(steps, values) if at == step), tag
