"""Lesson approximation by hand: a one-hidden-layer net's curve is a sum of shifted, scaled tanh steps.

`sum_of_steps` draws the net's output at any x from its weights alone: one S-shaped tanh rise
per hidden unit, each placed, steepened and scaled by that unit's three numbers, added to the
output's bias. `compare` builds the lesson's net (`approximation.curve_network`) and checks the
sum against Keras's `predict` over the whole interval.
"""

import keras
import numpy as np

from dlintro import datasets
from dlintro.i18n import N_
from dlintro.lessons import approximation
from dlintro.lessons.by_hand import Comparison, largest_difference


def sum_of_steps(x, hidden_kernel, hidden_bias, output_kernel, output_bias):
    """The net's output at the points x, built as a sum of tanh steps, one per hidden unit.

    The weights are the hidden layer's (kernel (1, units), bias (units,)) and the output
    layer's (kernel (units, 1), bias (1,)), as Keras keeps them.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    curve = np.full_like(x, float(np.ravel(output_bias)[0]))  # start from a flat line: the output's bias
    for w, b, v in zip(np.ravel(hidden_kernel), np.ravel(hidden_bias), np.ravel(output_kernel)):
        # One hidden unit: a tanh step from -1 to 1, centred at x = -b / w and steeper the
        # larger w is, then made v times as tall (a negative v turns it upside down).
        step = np.tanh(w * x + b)
        curve += v * step
    return curve


FUNCTION = sum_of_steps
HIDDEN_UNITS = 32  # a width from the lesson's default run
# A little training first, so that every weight, the output's bias too, has moved from its start.
TRAINING_STEPS = 20
# The output is a sum of 32 terms of size up to about 1; float32 (Keras) rounds each to about
# 1e-7 against float64 (NumPy), a few 1e-7 in all. 1e-5 allows for that; leaving out one
# unit, or moving one step by 1 %, changes the curve by 1e-3 or more somewhere.
TOLERANCE = 1e-5


def compare(seed=0):
    """The sum of steps against `predict` of the lesson's curve network, partly trained, on 401 points of [-3, 3]."""
    keras.utils.set_random_seed(seed)
    config = approximation.Config()
    model = approximation.curve_network(HIDDEN_UNITS, "tanh", config.learning_rate, input_range=datasets.CURVE_RANGE[1])
    (x, y), unused = datasets.curve(config.train_points, config.validation_points, seed)
    for step in range(TRAINING_STEPS):  # full-batch Adam steps, as the lesson takes
        model.train_on_batch(x, y)
    grid = np.linspace(*datasets.CURVE_RANGE, 401, dtype=np.float32)[:, None]
    # `predict_on_batch`: all 401 points in one batch, with no tf.data pipeline (whose MapDataset
    # makes TensorFlow print an E0000 line about use_unbounded_threadpool on this machine).
    predicted = np.asarray(model.predict_on_batch(grid)).ravel()
    hidden, output = model.get_layer("hidden"), model.get_layer("output")
    by_hand = sum_of_steps(grid, np.asarray(hidden.kernel), np.asarray(hidden.bias), np.asarray(output.kernel), np.asarray(output.bias))
    return Comparison(
        what=N_("the output of a {hidden_units}-unit tanh net after {training_steps} Adam steps, on {points} points of "
                "[{low:g}, {high:g}], NumPy sum of tanh steps vs Keras predict"),
        details={"hidden_units": HIDDEN_UNITS, "training_steps": TRAINING_STEPS, "points": len(grid),
                 "low": datasets.CURVE_RANGE[0], "high": datasets.CURVE_RANGE[1]},
        largest_difference=largest_difference(by_hand, predicted),
        tolerance=TOLERANCE,
    )
