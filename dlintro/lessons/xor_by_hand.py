"""Lesson xor by hand: a 2-2-1 net's forward pass and backpropagation, the chain rule written out.

`backpropagation` computes the net's output on the four corners, its cross-entropy loss, and
the loss's gradient for every weight, one link of the chain rule per line. `compare` builds
the lesson's net (`xor.xor_network` with two tanh hidden units) and checks those gradients
against `tf.GradientTape`'s for the same weights.
"""

import keras
import numpy as np
import tensorflow as tf

from dlintro import datasets
from dlintro.i18n import N_
from dlintro.lessons import xor
from dlintro.lessons.by_hand import Comparison, largest_difference


def backpropagation(x, y, hidden_kernel, hidden_bias, output_kernel, output_bias):
    """The loss of a 2-2-1 net (tanh hidden units, sigmoid output) and its gradient, by hand.

    Returns the mean cross-entropy and the gradients of the four weight arrays, in the
    order given: `[hidden_kernel, hidden_bias, output_kernel, output_bias]`.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    # Forward pass: corners -> hidden units -> output.
    z1 = x @ hidden_kernel + hidden_bias  # the hidden units' weighted sums
    h = np.tanh(z1)  # the hidden units' outputs
    z2 = h @ output_kernel + output_bias  # the output unit's weighted sum
    p = 1.0 / (1.0 + np.exp(-z2))  # the output: how sure the net is that the answer is 1
    loss = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))  # binary cross-entropy
    # Backward pass: the chain rule, one link per line, from the loss back to every weight.
    d_p = (p - y) / (p * (1 - p)) / len(x)  # d loss / d p (the mean divides by 4)
    d_z2 = d_p * p * (1 - p)  # times d p / d z2, the sigmoid's slope: p (1 - p)
    d_output_kernel = h.T @ d_z2  # d z2 / d output_kernel = h
    d_output_bias = d_z2.sum(axis=0)  # d z2 / d output_bias = 1
    d_h = d_z2 @ output_kernel.T  # d z2 / d h = output_kernel
    d_z1 = d_h * (1 - h**2)  # times d h / d z1, tanh's slope: 1 - tanh^2
    d_hidden_kernel = x.T @ d_z1  # d z1 / d hidden_kernel = x
    d_hidden_bias = d_z1.sum(axis=0)  # d z1 / d hidden_bias = 1
    return loss, [d_hidden_kernel, d_hidden_bias, d_output_kernel, d_output_bias]


FUNCTION = backpropagation
HIDDEN_UNITS = 2
# The gradients are about 0.01 to 0.5; float32 (TensorFlow) rounds them to about 1e-8 of that
# against float64 (NumPy). 1e-6 allows a hundred times that; a wrong slope or a missing link of
# the chain changes a gradient by 1e-2 or more.
TOLERANCE = 1e-6


def compare(seed=0):
    """The hand-made gradients against `tf.GradientTape`'s, on XOR, for the same random weights."""
    keras.utils.set_random_seed(seed)
    x, y = datasets.gates("xor")
    config = xor.Config()
    model = xor.xor_network(hidden_units=HIDDEN_UNITS, hidden_activation="tanh", learning_rate=config.learning_rate)
    # Keras starts the biases at 0; random ones make every term of the chain rule count.
    rng = np.random.default_rng(seed)
    for layer in ("hidden", "output"):
        bias = model.get_layer(layer).bias
        bias.assign(rng.normal(0.0, 0.5, bias.shape).astype("float32"))
    with tf.GradientTape() as tape:
        loss = model.compute_loss(x=x, y=y, y_pred=model(x, training=False), training=False)
    tape_gradients = tape.gradient(loss, model.trainable_weights)
    weights = [np.asarray(weight, dtype=np.float64) for weight in model.get_weights()]
    my_loss, my_gradients = backpropagation(x, y, *weights)
    return Comparison(
        what=N_("the loss and its gradient for every weight of a 2-{hidden_units}-1 tanh net on XOR, "
                "NumPy chain rule vs tf.GradientTape on the lesson's xor_network"),
        details={"hidden_units": HIDDEN_UNITS},
        largest_difference=largest_difference([my_loss, *my_gradients], [loss, *tape_gradients]),
        tolerance=TOLERANCE,
    )
