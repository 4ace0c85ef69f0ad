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
    >>> print(comparison)  # one line, in the current language (`dlintro.i18n`)
"""

import dataclasses

import numpy as np

from dlintro.i18n import _
from dlintro.lessons import NAMES

# Every lesson has its by-hand module (`tests/test_by_hand.py` checks all of them).
LESSONS = NAMES


@dataclasses.dataclass(frozen=True)
class Comparison:
    """A by-hand computation checked against the framework's.

    Attributes:
        what: the two things compared, as a short English sentence marked with `N_()`: a
            template whose named placeholders (`{steps}`) are filled from `details`, after it
            is translated (`describe`).
        largest_difference: the largest difference between them (its kind, absolute or
            relative, is named in `what`).
        tolerance: the largest difference that still counts as the same computation: a few
            times what float32 rounding (the framework's) can leave against float64 (NumPy's).
        details: the numbers of `what`, by placeholder name.
    """

    what: str
    largest_difference: float
    tolerance: float
    details: dict = dataclasses.field(default_factory=dict, hash=False)

    @property
    def holds(self):
        """True when the two computations agree within the tolerance."""
        return bool(self.largest_difference <= self.tolerance)

    def describe(self):
        """The two things compared, in the current language, with their numbers filled in."""
        return _(self.what).format(**self.details)

    def __str__(self):
        verdict = _("agree") if self.holds else _("DIFFER")
        return _("{what}: largest difference {difference:.1e}, tolerance {tolerance:.0e} ({verdict})").format(
            what=self.describe(), difference=self.largest_difference, tolerance=self.tolerance, verdict=verdict)


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
