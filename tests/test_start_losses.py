"""StartLosses on a tiny two-start ensemble: every start's loss and the stuck share, read back."""

import keras
import numpy as np
import pytest

from dlintro import events
from dlintro.callbacks.start_losses import StartLosses, per_start_losses


def tiny_data():
    rng = np.random.default_rng(0)
    x = rng.random((10, 2), dtype=np.float32)
    return x, (x.sum(axis=1, keepdims=True) > 1).astype(np.float32)


def two_start_model(learning_rate=0.1):
    """Two one-neuron classifiers side by side (output `(batch, 2, 1)`): start 0 undecided
    (0.5 everywhere, loss ln 2), start 1 nearly sure and right on every example."""
    inputs = keras.Input((2,))
    logits = keras.layers.Dense(2, name="neurons")(inputs)
    outputs = keras.layers.Reshape((2, 1))(keras.layers.Activation("sigmoid")(logits))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(learning_rate), "mse")
    kernel = np.array([[0, 20], [0, 20]], "float32")
    model.get_layer("neurons").set_weights([kernel, np.array([0, -20], "float32")])
    return model


def cross_entropy(y, probability):
    """The oracle: mean binary cross-entropy written out in NumPy."""
    return float(-np.mean(y * np.log(probability) + (1 - y) * np.log(1 - probability)))


def test_per_start_losses_are_each_starts_own_cross_entropy():
    x, y = tiny_data()
    model = two_start_model()
    predictions = np.asarray(model(x), dtype=np.float64)
    assert predictions.shape == (10, 2, 1)
    expected = [cross_entropy(y, predictions[:, start]) for start in range(2)]
    np.testing.assert_allclose(per_start_losses(model, x, y), expected, rtol=1e-4)
    assert expected[0] == pytest.approx(np.log(2))


def test_logs_every_start_and_the_stuck_share(tmp_path):
    x, y = tiny_data()
    model = two_start_model(learning_rate=0.0)  # the weights stay put: known values to read back
    losses = per_start_losses(model, x, y)
    callback = StartLosses(tmp_path, x, y, stuck_loss=0.6)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    # The history keeps every start's loss at every log point, as logged.
    assert [step for step, _ in callback.history] == [0, 1, 2]
    for _, kept in callback.history:
        np.testing.assert_allclose(kept, losses, rtol=1e-6)
    run = events.load_run(tmp_path)
    assert events.plugin_of(run, "start_losses") == "histograms"
    assert {events.plugin_of(run, tag) for tag in ("stuck_share", "mean_start_loss")} == {"scalars"}
    steps, histograms = events.tensor_series(run, "start_losses")
    assert steps == [0, 1, 2] and all(h[:, 2].sum() == 2 for h in histograms)
    steps, shares = events.scalar_series(run, "stuck_share")
    assert steps == [0, 1, 2] and list(shares) == [0.5] * 3  # start 0 above the line, start 1 below
    _, means = events.scalar_series(run, "mean_start_loss")
    np.testing.assert_allclose(means, [losses.mean()] * 3, rtol=1e-6)


def test_refuses_a_threshold_that_is_not_positive(tmp_path):
    x, y = tiny_data()
    with pytest.raises(ValueError):
        StartLosses(tmp_path, x, y, stuck_loss=0)
