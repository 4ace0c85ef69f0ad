"""Every lesson's data, by name: pure functions of their arguments and a seed.

As in TensorFlow Playground, a data set is a generator registered by name; a lesson's variants
name the data they train on, and lessons take their data from here, never from each other.
Every generator takes `seed` (those that draw nothing ignore it), returns NumPy float32
inputs, and gives the same arrays for the same arguments. Generators with a validation part
return `((x_train, y_train), (x_validation, y_validation))`; the others return `(x, y)`.

Example:
    >>> from dlintro import datasets
    >>> x, y = datasets.load("gates", gate="xor")
    >>> (x, y), (x_val, y_val) = datasets.load("moons", train_points=100, validation_points=500,
    ...                                        noise=0.3, seed=0)
"""

import numpy as np

DATASETS = {}


def register(name):
    """Registers the decorated generator under `name`."""

    def decorate(generator):
        DATASETS[name] = generator
        return generator

    return decorate


def load(name, **arguments):
    """The data set `name`, generated with `arguments`.

    Raises:
        ValueError: when no data set has that name.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r} (known: {', '.join(DATASETS)})")
    return DATASETS[name](**arguments)


def _split(x, y, train_points):
    """((x, y) of the first `train_points`, (x, y) of the rest)."""
    return (x[:train_points], y[:train_points]), (x[train_points:], y[train_points:])


# The four corners of the unit square, labelled by each two-input logic gate.
CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xor": (0, 1, 1, 0),
    "xnor": (1, 0, 0, 1),
}
SEPARABLE_GATES = ("and", "or", "nand", "nor")  # one straight line separates their 0s from their 1s


@register("gates")
def gates(gate, seed=0):
    """The four input pairs of a logic gate and its output for each: (4, 2) and (4, 1) float32."""
    if gate not in GATES:
        raise ValueError(f"unknown gate {gate!r} (known: {', '.join(GATES)})")
    return CORNERS.copy(), np.array(GATES[gate], dtype=np.float32).reshape(-1, 1)


# Four linear equations in two unknowns: coefficients are the inputs, right-hand sides the targets.
COEFFICIENTS = np.array([[1, 2], [2, 1], [1, -1], [3, 1]], dtype=np.float32)
RIGHT_HAND_SIDES = np.array([5.0, 4.0, -1.0, 5.6], dtype=np.float32)


@register("equations")
def equations(seed=0):
    """The four equations as (inputs of shape (4, 2), targets of shape (4, 1)), float32."""
    return COEFFICIENTS.copy(), RIGHT_HAND_SIDES.reshape(-1, 1).copy()


# Pavlov's experiment: a stimulus is (food, bell), each 1 when present.
STIMULI = {"food": (1.0, 0.0), "bell": (0.0, 1.0), "bell_and_food": (1.0, 1.0), "nothing": (0.0, 0.0)}
SCHEDULES = {"paired": "bell_and_food", "food_only": "food", "bell_only": "bell"}


@register("conditioning")
def conditioning(schedule, trials, seed=0):
    """The stimuli of `trials` conditioning trials of a schedule, one row (food, bell) per trial.

    Args:
        schedule: `"paired"` (bell and food), `"food_only"` or `"bell_only"`.
        trials: how many trials.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r} (known: {', '.join(SCHEDULES)})")
    return np.tile(np.array([STIMULI[SCHEDULES[schedule]]], dtype=np.float32), (trials, 1))


def stimulus(name):
    """One stimulus (`"food"`, `"bell"`, `"bell_and_food"`, `"nothing"`) as a (1, 2) batch."""
    return np.array([STIMULI[name]], dtype=np.float32)


# A sum of two sines on [-3, 3], sampled at random points with no noise: the error left after
# training is the net's inability (or failure) to draw the curve.
CURVE_RANGE = (-3.0, 3.0)


def target_curve(x):
    """The curve the approximation nets fit: sin(2x) + 0.5 sin(5x)."""
    return np.sin(2.0 * x) + 0.5 * np.sin(5.0 * x)


@register("curve")
def curve(train_points=200, validation_points=100, seed=0):
    """Random inputs on [-3, 3] and their target values: ((x, y) train, (x, y) validation)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(*CURVE_RANGE, size=(train_points + validation_points, 1)).astype(np.float32)
    return _split(x, target_curve(x).astype(np.float32), train_points)


@register("circles")
def circles(train_points=400, validation_points=400, noise=0.1, seed=0):
    """Noisy concentric circles (scikit-learn's `make_circles`, radii 1 and 0.5).

    Class 1 is the inner circle, class 0 the outer one, half the points each; both are rings
    of points, blurred by Gaussian noise of standard deviation `noise`. Labels are (n, 1).
    """
    from sklearn.datasets import make_circles

    x, y = make_circles(train_points + validation_points, noise=noise, factor=0.5, random_state=seed)
    return _split(x.astype(np.float32), y.reshape(-1, 1).astype(np.float32), train_points)


@register("moons")
def moons(train_points=100, validation_points=500, noise=0.3, seed=0):
    """Two interleaved half-moons with Gaussian noise on every point; labels (n, 1) 0/1."""
    from sklearn.datasets import make_moons

    x, y = make_moons(train_points + validation_points, noise=noise, random_state=seed)
    return _split(x.astype(np.float32), y.astype(np.float32).reshape(-1, 1), train_points)


@register("digits")
def digits(validation_points=400, seed=0):
    """scikit-learn's 1797 grey 8x8 digits (no download), shuffled, pixels scaled to [0, 1].

    Returns flat 64-pixel images and integer labels: ((x, y) train, (x, y) validation).
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    y = data.target.astype(np.int32)
    order = np.random.default_rng(seed).permutation(len(x))
    (x_val, y_val), (x_train, y_train) = _split(x[order], y[order], validation_points)
    return (x_train, y_train), (x_val, y_val)
