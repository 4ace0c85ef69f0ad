"""WeightScalars on a one-neuron model: each weight as its own scalar curve."""

import keras
import numpy as np
import pytest

from callbacks_test_support import tiny_data
from dlintro import events
from dlintro.callbacks import WeightScalars


def neuron(learning_rate=0.1):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid", name="neuron")])
    model.compile(keras.optimizers.SGD(learning_rate), "binary_crossentropy")
    return model


def test_one_curve_per_weight_at_every_epoch_matching_the_model(tmp_path):
    x, y = tiny_data()
    model = neuron()
    model.set_weights([np.array([[0.5], [-0.25]]), np.array([0.125])])
    model.fit(x, y, epochs=2, verbose=0, callbacks=[WeightScalars(tmp_path)])
    run = events.load_run(tmp_path)
    assert events.tags(run) == {"weights/neuron/w1", "weights/neuron/w2", "weights/neuron/b"}
    steps, w1 = events.scalar_series(run, "weights/neuron/w1")
    assert steps == [0, 1, 2] and w1[0] == 0.5
    assert events.scalar_series(run, "weights/neuron/b")[1][0] == 0.125
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(w1[-1], kernel[0, 0])
    np.testing.assert_allclose(events.scalar_series(run, "weights/neuron/b")[1][-1], bias[0])


def test_each_step_logs_after_every_optimizer_step(tmp_path):
    x, y = tiny_data()
    model = neuron()
    model.fit(x, y, epochs=2, batch_size=5, verbose=0, callbacks=[WeightScalars(tmp_path, each_step=True)])
    steps, _ = events.scalar_series(events.load_run(tmp_path), "weights/neuron/w2")
    assert steps == [0, 1, 2, 3, 4]  # two batches per epoch


def test_refuses_a_model_with_too_many_weights(tmp_path):
    x, y = tiny_data()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="max_weights"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[WeightScalars(tmp_path)])
