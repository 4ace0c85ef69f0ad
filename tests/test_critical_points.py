"""StartClasses on tiny ensembles whose critical points are known by hand."""

import keras
import numpy as np
import pytest

from dlintro import events
from dlintro.callbacks.critical_points import CLASSES, StartClasses, bottom_distances, classify, start_derivatives


def saddle_losses(weights, centre):
    """Each start's loss at (a, b): (a - c)^2 - b^2 / 4 + b^4: minima at (c, ±0.35), a saddle at (c, 0)."""
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
    assert list(kinds) == ["solved", "valley_floor", "saddle", "still_moving"]
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
    # Start 0 sits on the saddle (1, 0), start 1 on a minimum (1, sqrt(1/8)); starts 2 and 3
    # are far from both, on steep slopes, and set the gradient scale (the median start's).
    points = [[1.0, 0.0], [1.0, np.sqrt(1 / 8)], [3.0, 0.5], [-1.0, -0.5]]
    model.get_layer("points").set_weights([np.array(points, "float32")])
    callback = StartClasses(tmp_path, saddle_losses, (np.float64(1.0),), solved_loss=-1.0, title="two points")
    x = np.zeros((4, 1), "float32")
    model.fit(x, x, epochs=2, verbose=0, callbacks=[callback])
    assert list(callback.classes) == ["saddle", "valley_floor", "still_moving", "still_moving"]
    assert callback.bottom_distances[1] < 1e-6  # the minimum: its bowl's bottom is where it stands
    run = events.load_run(tmp_path)
    for name in CLASSES:
        steps, values = events.scalar_series(run, f"{name}_share")
        assert steps == [0, 1, 2]
        assert list(values) == [{"saddle": 0.25, "valley_floor": 0.25, "still_moving": 0.5}.get(name, 0.0)] * 3
    steps, (image,) = events.tensor_series(run, "start_classes")
    assert steps == [2] and image[2].startswith(b"\x89PNG")


def test_bottom_distance_is_the_newton_step_to_the_bowls_lowest_point():
    # A bowl 2 a^2 + b^2 / 2 around (0, 0): from (1, 2) the Newton step -H^-1 g goes straight
    # to (0, 0), a distance sqrt(5); at the bottom itself it is 0.
    points = np.array([[1.0, 2.0], [0.0, 0.0]])
    gradients = np.stack([4 * points[:, 0], points[:, 1]], axis=1)
    hessians = np.broadcast_to(np.diag([4.0, 1.0]), (2, 2, 2))
    np.testing.assert_allclose(bottom_distances(gradients, hessians), [np.sqrt(5), 0.0])
    # A flat direction (eigenvalue 0) adds nothing instead of an infinite step.
    flat = np.broadcast_to(np.diag([4.0, 0.0]), (1, 2, 2))
    np.testing.assert_allclose(bottom_distances(np.array([[4.0, 0.0]]), flat), [1.0])


def test_a_floor_that_sinks_towards_infinity_keeps_its_bottom_out_of_reach():
    # exp(-a) + b^2 curves up in both directions and its gradient shrinks as a grows, but the
    # Newton step along a stays 1: the bowl's bottom recedes as fast as one walks towards it.
    a = np.array([2.0, 5.0, 10.0])
    gradients = np.stack([-np.exp(-a), np.zeros(3)], axis=1)
    hessians = np.zeros((3, 2, 2))
    hessians[:, 0, 0], hessians[:, 1, 1] = np.exp(-a), 2.0
    np.testing.assert_allclose(bottom_distances(gradients, hessians), [1.0, 1.0, 1.0])
