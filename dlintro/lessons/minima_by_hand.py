"""Lesson minima by hand: the loss over one weight, and its slope and curvature by finite differences.

`slope_and_curvature` measures the sine neuron's loss (mean squared error of sin(w x)) at a
frequency w and one small step h either side, and gets the slope and the curvature from
those three heights alone. `compare` checks them against the exact gradient and Hessian the
lesson's second-order test uses (`critical_points.start_derivatives`: float64 automatic
differentiation with `tf.GradientTape`), at the random starts of the lesson's
`sine_frequency_network` and across the range of frequencies it draws.
"""

import keras
import numpy as np

from dlintro import datasets
from dlintro.callbacks.critical_points import start_derivatives
from dlintro.i18n import N_
from dlintro.lessons import minima
from dlintro.lessons.by_hand import Comparison


def slope_and_curvature(x, y, w, h=1e-4):
    """The sine neuron's loss at frequency w, and its slope and curvature there, by finite differences."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()

    def loss(frequency):  # the mean squared error of sin(frequency * x) against the targets
        return np.mean((np.sin(frequency * x) - y) ** 2)

    below, here, above = loss(w - h), loss(w), loss(w + h)  # three heights, h apart
    # The slope: how much the loss rises per unit of w, from one point either side.
    slope = (above - below) / (2 * h)
    # The curvature: how much the slope changes per unit of w; the slope on the right of w
    # minus the slope on its left, divided by the step between them.
    curvature = ((above - here) / h - (here - below) / h) / h
    return here, slope, curvature


FUNCTION = slope_and_curvature
# Relative to each exact value's size, at least 1. Both sides compute in float64; what is
# left is the finite differences' own error. With h = 1e-4 the slope is off by about h^2 / 6
# times the third derivative (up to about 25 here: 4e-8) and the curvature by about h^2 / 12
# times the fourth (up to about 100: 8e-8), plus float64 rounding over h^2 (1e-16 / 1e-8 =
# 1e-8). 1e-6 allows ten times that; a slope read one-sided, (L(w + h) - L(w)) / h, is 2e-4
# away, and h = 1e-3 leaves the curvature 8e-6 away.
TOLERANCE = 1e-6
GRID = np.linspace(*minima.SINE_STARTS_RANGE, 27)  # frequencies across the range the starts are drawn from


def compare(seed=0):
    """Finite differences against the exact gradient and Hessian, at the sine neuron's starts and on a grid."""
    keras.utils.set_random_seed(seed)
    config = minima.Config()
    (x, y), unused = datasets.load("curve")  # the sine lesson's data
    model = minima.sine_frequency_network(starts=config.sine_starts, learning_rate=config.sine_learning_rate)
    (starts,) = model.get_weights()
    frequencies = np.concatenate([starts.astype(np.float64), GRID])
    losses, gradients, hessians = start_derivatives(minima.sine_start_losses, [frequencies], (x, y))
    exact = np.stack([losses, gradients[:, 0], hessians[:, 0, 0]], axis=1)
    by_hand = np.array([slope_and_curvature(x, y, w) for w in frequencies])
    return Comparison(
        what=N_("the loss, slope and curvature of sin(w x) at {starts} random starts and {frequencies} frequencies, "
                "NumPy finite differences vs the exact float64 gradient and Hessian (tf.GradientTape), relative difference"),
        details={"starts": len(starts), "frequencies": len(GRID)},
        largest_difference=float(np.max(np.abs(by_hand - exact) / np.maximum(np.abs(exact), 1.0))),
        tolerance=TOLERANCE,
    )
