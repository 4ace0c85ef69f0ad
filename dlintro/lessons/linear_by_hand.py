"""Lesson linear by hand: gradient descent on the four equations, in a NumPy loop.

`gradient_descent` is the whole of training: compute the errors, their gradient, and step
downhill. `compare` runs the lesson's Keras neuron (`linear.linear_neuron`, plain SGD) from the
same start and checks that its weights after every step are the loop's.
"""

import keras
import numpy as np

from dlintro import datasets
from dlintro.i18n import N_
from dlintro.lessons import linear
from dlintro.lessons.by_hand import Comparison, largest_difference


def gradient_descent(coefficients, right_hand_sides, start, learning_rate=0.05, steps=20):
    """Gradient descent on the mean squared error of the equations; the weights after every step.

    Returns an array of shape (steps + 1, 2): the start (w1, w2), then the weights after
    each step.
    """
    x = np.asarray(coefficients, dtype=np.float64)  # one row per equation: its two coefficients
    y = np.asarray(right_hand_sides, dtype=np.float64).ravel()  # what each equation should equal
    w = np.array(start, dtype=np.float64)  # the neuron's two weights, w1 and w2
    path = [w.copy()]
    for step in range(steps):
        errors = x @ w - y  # left side minus right side, one per equation
        # The slope of the mean squared error in w1 and in w2: mean of 2 * error * coefficient.
        gradient = 2.0 / len(x) * (x.T @ errors)
        w -= learning_rate * gradient  # a small step against the gradient: downhill
        path.append(w.copy())
    return np.array(path)


FUNCTION = gradient_descent
STEPS = 20
# The weights are about 1 to 2; float32 rounds each of Keras's numbers to about 1e-7 of that,
# and 20 steps add up such rounding to a few 1e-7. 1e-5 leaves room for that, and is still
# far below what a learning rate off by 1 % changes in 20 steps (about 1e-2).
TOLERANCE = 1e-5


def compare(seed=0):
    """The loop's weights against the Keras neuron's, after each of `STEPS` steps from one start."""
    keras.utils.set_random_seed(seed)
    learning_rate = linear.Config().learning_rate
    x, y = datasets.equations()
    model = linear.linear_neuron(learning_rate=learning_rate)
    kernel = model.get_layer("neuron").kernel
    keras_path = [np.asarray(kernel).ravel()]
    for step in range(STEPS):
        # One full-batch step, as the lesson's `fit` takes per pass (`train_on_batch` runs
        # the same training step with less overhead).
        model.train_on_batch(x, y)
        keras_path.append(np.asarray(kernel).ravel())
    numpy_path = gradient_descent(x, y, keras_path[0], learning_rate=learning_rate, steps=STEPS)
    return Comparison(
        what=N_("weights (w1, w2) after each of {steps} steps of gradient descent, NumPy loop vs Keras Dense(1) with SGD"),
        details={"steps": STEPS},
        largest_difference=largest_difference(numpy_path, np.array(keras_path)),
        tolerance=TOLERANCE,
    )
