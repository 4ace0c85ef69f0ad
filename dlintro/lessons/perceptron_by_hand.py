"""Lesson perceptron by hand: Rosenblatt's perceptron rule, in a `for` loop over the corners.

`perceptron_rule` answers one corner at a time and, after each wrong answer, moves the
weights and the bias. `compare` trains the lesson's step neuron (`perceptron.perceptron`,
whose `train_step` applies the rule) from the same start, one corner per `train_on_batch`
in the same order, and checks that its weights after every pass are the loop's.
"""

import keras
import numpy as np

from dlintro import datasets
from dlintro.i18n import N_
from dlintro.lessons import perceptron
from dlintro.lessons.by_hand import Comparison, largest_difference


def perceptron_rule(corners, targets, weights, bias, learning_rate=0.5, passes=20):
    """Rosenblatt's rule, one corner at a time; (w1, w2, b) after every pass.

    Returns an array of shape (passes + 1, 3): the start, then the weights and the bias
    after each pass over the four corners.
    """
    weights = np.array(weights, dtype=np.float64).ravel()  # w1, w2
    bias = float(np.ravel(bias)[0])
    history = [np.append(weights, bias)]
    for epoch in range(passes):
        for x, target in zip(np.asarray(corners, dtype=np.float64), np.ravel(targets)):
            # The step neuron's answer: 1 when its weighted sum is at least 0, else 0.
            answer = 1.0 if x @ weights + bias >= 0 else 0.0
            error = target - answer  # +1: should have fired; -1: fired wrongly; 0: right
            # A wrong answer moves the line towards getting this corner right.
            weights += learning_rate * error * x
            bias += learning_rate * error
        history.append(np.append(weights, bias))
    return np.array(history)


FUNCTION = perceptron_rule
PASSES = 20
GATES = ("and", "xor")  # one the rule learns, one where it never stops making mistakes
# Every change is +-0.5 times an input of 0 or 1: only the random float32 start is not exact,
# so float32 (Keras) and float64 (NumPy) differ by rounding of about 1e-7 on weights of size 1.
# 1e-6 allows for that; one wrong update moves a weight by 0.5.
TOLERANCE = 1e-6


def compare(seed=0):
    """The loop's (w1, w2, b) against the lesson's Perceptron's, after every pass, on AND and XOR."""
    learning_rate = perceptron.Config().perceptron_learning_rate
    differences = []
    for gate in GATES:
        keras.utils.set_random_seed(seed)
        x, y = datasets.gates(gate)
        model = perceptron.perceptron(learning_rate=learning_rate)
        neuron = model.get_layer("output")

        def weights_and_bias():
            return np.append(np.asarray(neuron.kernel).ravel(), np.asarray(neuron.bias))

        keras_path = [weights_and_bias()]
        for epoch in range(PASSES):
            # One corner per step, in the same order every pass (the lesson's `fit` shuffles
            # them); `train_on_batch` runs the same `train_step` as `fit`, with less overhead.
            for corner in range(len(x)):
                model.train_on_batch(x[corner : corner + 1], y[corner : corner + 1])
            keras_path.append(weights_and_bias())
        start = keras_path[0]
        numpy_path = perceptron_rule(x, y, start[:2], start[2], learning_rate=learning_rate, passes=PASSES)
        differences.append(largest_difference(numpy_path, np.array(keras_path)))
    return Comparison(
        what=N_("(w1, w2, b) after each of {passes} passes of the perceptron rule on AND and XOR, NumPy loop vs the lesson's Keras Perceptron"),
        details={"passes": PASSES},
        largest_difference=max(differences),
        tolerance=TOLERANCE,
    )
