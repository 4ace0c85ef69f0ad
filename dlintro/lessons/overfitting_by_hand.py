"""Lesson overfitting by hand: a dropout mask and an L2 penalty.

`dropout_and_l2` switches off hidden units at random and scales up the others, as dropout does
at a training step, and adds up the L2 penalty of the kernels. `compare` checks both against
Keras: the dropout of the lesson's `wide_network` given the same mask (Keras draws its own
random numbers, so the mask is read from Keras's output on all ones and applied by hand), and
the penalty against the model's `losses`.
"""

import keras
import numpy as np

from dlintro.i18n import N_
from dlintro.lessons import overfitting
from dlintro.lessons.by_hand import Comparison, largest_difference


def dropout_and_l2(outputs, dropout_rate, kernels, l2, keep=None, rng=None):
    """A layer's outputs after dropout at a training step, and the L2 penalty of the kernels.

    `keep` says which units survive (True), one per output; it is drawn at random when not
    given. Returns the outputs after dropout and the penalty that is added to the loss.
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    if keep is None:  # each unit survives with probability 1 - dropout_rate
        keep = (rng or np.random.default_rng()).random(outputs.shape) >= dropout_rate
    # Switched-off units give 0; the others are scaled up by 1 / (1 - rate), so that the sum
    # keeps its expected size. Predictions use every unit and no scaling.
    dropped = outputs * keep / (1 - dropout_rate)
    # The L2 penalty: l2 times the sum of every squared weight of the kernels (not the biases).
    penalty = l2 * sum(np.sum(np.asarray(kernel, dtype=np.float64) ** 2) for kernel in kernels)
    return dropped, penalty


FUNCTION = dropout_and_l2
# The hidden outputs are below 1 (doubled by dropout), and the penalty about 0.5: float32
# (Keras) rounds them to about 1e-7 of that against float64 (NumPy), the penalty's sum over
# 130 000 squared weights included. 1e-5 allows for that; a missing 1 / (1 - rate) halves
# every kept output, and a penalty at 1 % off its rate is 5e-3 away.
TOLERANCE = 1e-5


def compare(seed=0):
    """Dropout given Keras's mask, and the L2 penalty, against the lesson's wide net with both."""
    keras.utils.set_random_seed(seed)
    config = overfitting.Config(seed=seed)
    (x, unused), validation, test = overfitting.moons_splits(config)
    model = overfitting.wide_network(config.hidden_layers, config.hidden_units, dropout_rate=config.dropout_rate,
                                     l2=config.l2, learning_rate=config.learning_rate)
    hidden = np.asarray(keras.Model(model.input, model.get_layer("hidden_1").output)(x))
    # Two copies of the lesson's first dropout layer with the same seed draw the same mask:
    # one shows it (on all ones, what survives is not 0), the other applies it to the outputs.
    layer = model.get_layer("dropout_1")
    shows, applies = (keras.layers.Dropout.from_config({**layer.get_config(), "seed": seed}) for copy in range(2))
    on_ones = np.asarray(shows(np.ones_like(hidden), training=True))
    on_outputs = np.asarray(applies(hidden, training=True))
    keep = on_ones != 0
    kernels = [dense.kernel for dense in model.layers if isinstance(dense, keras.layers.Dense)]
    scaled_ones, unused = dropout_and_l2(np.ones_like(hidden), config.dropout_rate, kernels, config.l2, keep=keep)
    dropped, penalty = dropout_and_l2(hidden, config.dropout_rate, kernels, config.l2, keep=keep)
    keras_penalty = float(np.sum([np.asarray(loss) for loss in model.losses]))
    return Comparison(
        what=N_("dropout (rate {rate:g}) on {units} hidden outputs of {points} points given the same mask, and the L2 "
                "penalty ({l2:g}), NumPy vs Keras Dropout and the lesson's wide_network losses"),
        details={"rate": config.dropout_rate, "units": hidden.shape[1], "points": len(x), "l2": config.l2},
        largest_difference=max(largest_difference([scaled_ones, dropped], [on_ones, on_outputs]), abs(penalty - keras_penalty)),
        tolerance=TOLERANCE,
    )
