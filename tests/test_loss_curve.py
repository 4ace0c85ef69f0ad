"""LossCurvePaths on a tiny one-weight ensemble: the paths are recorded and drawn."""

import io

import keras
import numpy as np
import pytest
from PIL import Image

from dlintro import events
from dlintro.callbacks.loss_curve import LossCurvePaths


class Scale(keras.layers.Layer):
    """Three starts, each one weight w: the output is w * x per start."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(3,), initializer="zeros")

    def call(self, inputs):
        return inputs * self.w


def test_records_every_start_and_draws_the_paths(tmp_path):
    x = np.linspace(-1, 1, 10, dtype="float32").reshape(-1, 1)
    y = 2 * x
    inputs = keras.Input((1,))
    model = keras.Model(inputs, Scale(name="scale")(inputs))
    model.compile(keras.optimizers.SGD(0.3), "mse")
    model.get_layer("scale").set_weights([np.array([-1.0, 0.5, 4.0], "float32")])

    def losses_of(weights):
        return np.mean((np.outer(x[:, 0], weights) - y) ** 2, axis=0)

    paths = LossCurvePaths(tmp_path, losses_of, weight_range=(-2, 5), title="w x against 2x")
    model.fit(x, y, batch_size=10, epochs=3, verbose=0, callbacks=[paths])
    assert paths.steps == [0, 1, 2, 3]
    np.testing.assert_allclose(paths.path[0], [-1.0, 0.5, 4.0])
    # Every start walks towards w = 2 on this one-valley curve.
    assert np.all(np.abs(paths.path[-1] - 2) < np.abs(paths.path[0] - 2))
    run = events.load_run(tmp_path)
    steps, (image,) = events.tensor_series(run, "loss_curve_paths")
    assert steps == [3] and events.plugin_of(run, "loss_curve_paths") == "images"
    pixels = np.asarray(Image.open(io.BytesIO(image[2])))
    assert pixels.shape[:2] == (int(image[1]), int(image[0])) and pixels.std() > 0


def test_refuses_an_empty_range(tmp_path):
    with pytest.raises(ValueError):
        LossCurvePaths(tmp_path, lambda w: w, weight_range=(1, 1))
