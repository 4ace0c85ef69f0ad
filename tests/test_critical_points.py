"""StartClasses on tiny ensembles whose critical points are known by hand."""

import keras
import numpy as np
import pytest

from dlintro import events
from dlintro.callbacks.critical_points import CLASSES, StartClasses, classify, start_derivatives


def saddle_losses(weights, centre):
    """Each start's loss at (a, b): (a - c)^2 - b^2 / 4 + b^4: a minimum at (c, ±0.35), a saddle at (c, 0)."""
    (points,) = weights
    a, b = points[:, 0] - centre, points[:, 1]
    return a**2 - b**2 / 4 + b**4


def test_derivatives_match_the_hand_computed_ones():
    points = np.array([[1.0, 0.0], [0.0, 0.5], [2.0, -1.0]])
    losses, gradients, hessians = start_derivatives(saddle_losses, [points], (np.float64(1.0),))
    a, b = points[:, 0] - 1.0, points[:, 1]
    np.testing.assert_allclose(losses, a**2 - b**2 / 4 + b**4)
    np.testing.assert_allclose(gradients, np.stack([2 * a, -b / 2 + 4 * b**3], axis=1))
    expected = np.zeros((3, 2, 2))
    expected[:, 0, 0] = 2
    expected[:, 1, 1] = -0.5 + 12 * b**2
    np.testing.assert_allclose(hessians, expected, atol=1e-12)


def test_classify_follows_the_definitions():
    losses = np.array([0.01, 1.0, 1.0, 1.0])
    norms = np.array([5.0, 1e-4, 1e-4, 0.5])
    eigenvalues = np.array([[1.0, 2.0], [1e-9, 2.0], [-0.1, 2.0], [-0.1, 2.0]])
    kinds = classify(losses, norms, eigenvalues, solved_loss=0.1, gradient_scale=1.0,
                     gradient_tolerance=0.03, curvature_tolerance=1e-6)
    assert list(kinds) == ["solved", "minimum", "saddle", "still_moving"]
    with pytest.raises(ValueError):
        classify(losses, norms, eigenvalues, solved_loss=0.1, gradient_scale=0.0,
                 gradient_tolerance=0.03, curvature_tolerance=1e-6)


class Points(keras.layers.Layer):
    """Four starts, each one point (a, b) in the plane, the layer's only weight."""

    def build(self, input_shape):
        self.points = self.add_weight(name="points", shape=(4, 2), initializer="zeros")

    def call(self, inputs):
        return inputs + keras.ops.sum(self.points)


def test_logs_the_shares_and_a_stacked_picture(tmp_path):
    inputs = keras.Input((1,))
    model = keras.Model(inputs, Points(name="points")(inputs))
    model.compile(keras.optimizers.SGD(0.0), "mse")  # the points stay where they are put
    # Start 0 sits on the saddle (1, 0), start 1 on the minimum (1, sqrt(1/8)); starts 2 and 3
    # are far from both, on steep slopes, and set the gradient scale (the median start's).
    points = [[1.0, 0.0], [1.0, np.sqrt(1 / 8)], [3.0, 0.5], [-1.0, -0.5]]
    model.get_layer("points").set_weights([np.array(points, "float32")])
    callback = StartClasses(tmp_path, saddle_losses, (np.float64(1.0),), solved_loss=-1.0, title="two points")
    x = np.zeros((4, 1), "float32")
    model.fit(x, x, epochs=2, verbose=0, callbacks=[callback])
    assert list(callback.classes) == ["saddle", "minimum", "still_moving", "still_moving"]
    run = events.load_run(tmp_path)
    for name in CLASSES:
        steps, values = events.scalar_series(run, f"{name}_share")
        assert steps == [0, 1, 2]
        assert list(values) == [{"saddle": 0.25, "minimum": 0.25, "still_moving": 0.5}.get(name, 0.0)] * 3
    steps, (image,) = events.tensor_series(run, "start_classes")
    assert steps == [2] and image[2].startswith(b"\x89PNG")
