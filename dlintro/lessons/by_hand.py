"""What every lesson's by-hand module shares: the result of checking NumPy against the framework.

Each lesson `<name>` has a module `<name>_by_hand` beside it with the lesson's one mechanism
written in plain NumPy (`FUNCTION`, a single function a beginner can read and type) and
`compare(seed=0)`, which runs the same computation with Keras or TensorFlow, as the lesson
does, and returns a `Comparison`: the largest difference between the two and the tolerance it
must stay within.

Example:
    >>> from dlintro.lessons import linear_by_hand
    >>> comparison = linear_by_hand.compare()
    >>> comparison.holds, comparison.largest_difference, comparison.tolerance
"""

import dataclasses

import numpy as np

# The lessons that have a by-hand module, in the course's order (`dlintro.lessons.NAMES`).
LESSONS = (
    "linear",
    "perceptron",
    "hebbian",
    "xor",
    "approximation",
    "features",
    "vanishing",
    "overfitting",
    "minima",
)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """A by-hand computation checked against the framework's.

    Attributes:
        what: the two things compared, as a short English sentence.
        largest_difference: the largest difference between them (its kind, absolute or
            relative, is named in `what`).
        tolerance: the largest difference that still counts as the same computation: a few
            times what float32 rounding (the framework's) can leave against float64 (NumPy's).
    """

    what: str
    largest_difference: float
    tolerance: float

    @property
    def holds(self):
        """True when the two computations agree within the tolerance."""
        return self.largest_difference <= self.tolerance

    def __str__(self):
        verdict = "agree" if self.holds else "DIFFER"
        return f"{self.what}: largest difference {self.largest_difference:.1e}, tolerance {self.tolerance:.0e} ({verdict})"


def largest_difference(mine, theirs):
    """The largest absolute difference between two arrays (or lists of arrays), as a float."""
    if isinstance(mine, (list, tuple)):
        return max(largest_difference(a, b) for a, b in zip(mine, theirs, strict=True))
    mine, theirs = np.asarray(mine, np.float64), np.asarray(theirs, np.float64)
    if mine.shape != theirs.shape:
        raise ValueError(f"shapes differ: {mine.shape} by hand, {theirs.shape} by the framework")
    return float(np.max(np.abs(mine - theirs))) if mine.size else 0.0


def load(name):
    """The by-hand module of lesson `name`."""
    import importlib

    if name not in LESSONS:
        raise ValueError(f"no by-hand module for lesson {name!r} (known: {', '.join(LESSONS)})")
    return importlib.import_module(f"dlintro.lessons.{name}_by_hand")
