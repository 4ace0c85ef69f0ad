"""Lesson vanishing by hand: the gradient carried back layer by layer, W^T times the activation's slope.

`backward_gradient_norms` runs a deep net forward on a batch of digits, then hands the
cross-entropy's gradient back from the output towards the input, multiplying at every layer
by the weights read backwards (W^T) and by the units' slopes f'(z), and measures each layer's
gradient norm on the way. `compare` checks those norms against the ones the lesson logs as
`gradient_norm/<layer>` (`tf.GradientTape` on the lesson's `deep_network`), for its sigmoid,
tanh and ReLU nets.
"""

import keras
import numpy as np
import tensorflow as tf

from dlintro import datasets
from dlintro.callbacks.probe import probe_gradients
from dlintro.i18n import N_
from dlintro.lessons import vanishing
from dlintro.lessons.by_hand import Comparison


def backward_gradient_norms(x, labels, kernels, biases, activation, slope):
    """Each layer's gradient norm, input side first, from backpropagation by hand.

    `kernels` and `biases` hold the hidden layers' weights, then the softmax output layer's;
    `activation` is the hidden units' function f and `slope` its slope f'.
    """
    outputs, sums = [np.asarray(x, dtype=np.float64)], []
    for kernel, bias in zip(kernels[:-1], biases[:-1]):  # forward through the hidden layers
        sums.append(outputs[-1] @ kernel + bias)  # each unit's weighted input z
        outputs.append(activation(sums[-1]))
    logits = outputs[-1] @ kernels[-1] + biases[-1]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)  # softmax: the ten class probabilities
    # The mean cross-entropy's gradient at the output layer's weighted inputs.
    delta = (p - np.eye(p.shape[1])[labels]) / len(x)
    norms = []
    for layer in reversed(range(len(kernels))):
        kernel_gradient = outputs[layer].T @ delta  # this layer's weights' gradient
        bias_gradient = delta.sum(axis=0)
        norms.append(np.sqrt(np.sum(kernel_gradient**2) + np.sum(bias_gradient**2)))
        if layer > 0:  # one layer back: times W^T, then times each unit's slope f'(z)
            delta = (delta @ kernels[layer].T) * slope(sums[layer - 1])
    return norms[::-1]


FUNCTION = backward_gradient_norms
PROBE = 64  # the lesson's probe batch: the first 64 training digits
# Relative differences: the norms span six orders of magnitude (1e-7 to 1e-1 in the sigmoid
# net). float32 (TensorFlow) keeps about 7 significant digits, and 11 layers of 64-term sums
# add up their rounding to a few 1e-7 of each norm against float64 (NumPy). 1e-5 allows for
# that; a missing slope or W instead of W^T changes a norm by a factor, not by 1e-5.
TOLERANCE = 1e-5


def compare(seed=0):
    """The hand-made norms against the logged gradient norms, per layer, for the three nets at their start."""
    config = vanishing.Config(seed=seed)
    (x, y), validation = datasets.digits(config.validation_size, config.seed)
    x, y = x[:PROBE], y[:PROBE]
    differences = []
    for variant in vanishing.variants(config):
        keras.utils.set_random_seed(seed)
        model = vanishing.deep_network(
            activation=variant.activation, hidden_layers=config.hidden_layers, hidden_units=config.hidden_units,
            kernel_initializer=variant.kernel_initializer, learning_rate=config.learning_rate,
        )
        layers, gradients = probe_gradients(model, x, per_layer=tf.linalg.global_norm)
        logged = np.array([float(norm) for norm in gradients(x, y)])
        activation, slope = vanishing.ACTIVATIONS[variant.activation][:2]  # f and f', as the lesson draws them
        kernels = [np.asarray(layer.kernel, dtype=np.float64) for layer in layers]
        biases = [np.asarray(layer.bias, dtype=np.float64) for layer in layers]
        by_hand = np.array(backward_gradient_norms(x, y, kernels, biases, activation, slope))
        differences.append(float(np.max(np.abs(by_hand - logged) / logged)))
    return Comparison(
        what=N_("each layer's gradient norm on {digits} digits, sigmoid, tanh and ReLU nets of {hidden_layers} hidden layers "
                "at their start, NumPy backward product vs tf.GradientTape (gradient_norm/<layer>), relative difference"),
        details={"digits": len(x), "hidden_layers": config.hidden_layers},
        largest_difference=max(differences),
        tolerance=TOLERANCE,
    )
