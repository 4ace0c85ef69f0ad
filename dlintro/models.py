"""Every lesson's model factories, in one place.

Each factory returns a compiled `keras.Model` that needs nothing from dlintro to train,
evaluate, save or load: use it with plain `model.fit(...)` and your own callbacks.

Example:
    >>> from dlintro.models import xor_network
    >>> from dlintro.lessons.xor import gate_data
    >>> model = xor_network(hidden_units=8, hidden_activation="tanh")
    >>> x, y = gate_data("xor")
    >>> model.fit(x, y, epochs=500, verbose=0)
    >>> model.save("xor.keras")
"""

from dlintro.lessons.linear import linear_neuron
from dlintro.lessons.perceptron import perceptron, sigmoid_neuron
from dlintro.lessons.hebbian import hebbian_neuron
from dlintro.lessons.xor import xor_network
from dlintro.lessons.approximation import curve_network
from dlintro.lessons.features import circle_classifier, digit_cnn, handmade_digit_classifier
from dlintro.lessons.vanishing import deep_network
from dlintro.lessons.overfitting import wide_network
from dlintro.lessons.minima import ensemble_xor_network

__all__ = [
    "linear_neuron",
    "perceptron",
    "sigmoid_neuron",
    "hebbian_neuron",
    "xor_network",
    "curve_network",
    "circle_classifier",
    "handmade_digit_classifier",
    "digit_cnn",
    "deep_network",
    "wide_network",
    "ensemble_xor_network",
]
