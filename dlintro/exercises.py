"""Exercises: predict what a change will do, run it, and see the prediction checked in numbers.

Every lesson declares its exercises as `EXERCISES`, a tuple of `Exercise`. An exercise turns
one or two knobs of the lesson's `Config` (`changes`), trains the lesson's variants (or the
ones `keep` selects) with them, and checks its expected outcome in numbers, the way a lesson
checks its claim. `python -m dlintro exercises LESSON` lists them; `python -m dlintro run
LESSON --exercise NAME` runs one. This module does not import TensorFlow.

Example (in a lesson module):

    EXERCISES = (
        Exercise(
            name="one_unit",
            question=N_("With one hidden unit, can the tanh net still solve XOR?"),
            changes={"hidden_units": 1},
            expected=N_("No: one tanh unit is one bent line, and XOR needs two."),
            check=_check_one_unit,  # (config, results) -> Verdict, like the lesson's check
            explanation=N_("A single hidden unit ..."),
        ),
    )
"""

import dataclasses
from typing import Callable

from dlintro.config import ConfigError
from dlintro.i18n import _


class UnknownExerciseError(ValueError):
    """The lesson has no exercise of that name."""


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One predict-run-check exercise of a lesson.

    Args:
        name: short name, used on the command line and in the run directory's name.
        question: what the learner is asked to predict, one sentence. The question, `expected`
            and `explanation` are English, marked with `dlintro.i18n.N_` and translated where shown.
        changes: the `Config` fields the exercise sets, and their values.
        expected: the outcome the exercise expects, as a sentence (what `check` checks).
        check: `check(config, results) -> Verdict`, like a lesson's `check`: `results` maps
            each trained variant to its metrics.
        explanation: why it comes out that way, shown after the run.
        keep: selects the variants to train (`keep(variant) -> bool`); all of them by default.
        quick: further `Config` changes that shrink the exercise for the tests and still show
            the same outcome (none when only the full exercise shows it).
    """

    name: str
    question: str
    changes: dict
    expected: str
    check: Callable
    explanation: str
    keep: Callable | None = None
    quick: dict = dataclasses.field(default_factory=dict)

    def config(self, config_class, overrides=None):
        """The lesson's `Config` with this exercise's changes and the user's other `overrides`.

        Raises:
            ConfigError: when an override sets a field the exercise sets, to another value.
        """
        overrides = dict(overrides or {})
        for key, value in overrides.items():
            if key in self.changes and self.changes[key] != value:
                raise ConfigError(_("{flag} {value} conflicts with exercise {name!r}, which sets it to {set_to}").format(
                    flag="--" + key.replace("_", "-"), value=value, name=self.name, set_to=self.changes[key]))
        return config_class(**{**overrides, **self.changes})

    def variants(self, lesson, config):
        """The lesson's variants this exercise trains."""
        return [variant for variant in lesson.variants(config) if self.keep is None or self.keep(variant)]


def exercises_of(lesson):
    """The `EXERCISES` of a lesson module, by name."""
    return {exercise.name: exercise for exercise in getattr(lesson, "EXERCISES", ())}


def find(lesson, name):
    """The exercise `name` of a lesson module.

    Raises:
        UnknownExerciseError: with the lesson's exercise names, when it has none of that name.
    """
    known = exercises_of(lesson)
    if name not in known:
        lesson_name = lesson.__name__.rsplit(".", 1)[-1]
        raise UnknownExerciseError(_("lesson {lesson!r} has no exercise {name!r} (known: {known})").format(
            lesson=lesson_name, name=name, known=", ".join(known) or _("none")))
    return known[name]


def markdown_list(lesson):
    """The lesson's exercises as a Markdown list, for its Text tab and the report."""
    lesson_name = lesson.__name__.rsplit(".", 1)[-1]
    lines = [
        f"- **{exercise.name}**: {_(exercise.question)} "
        f"(`make lesson-{lesson_name} EXERCISE={exercise.name}`)"
        for exercise in exercises_of(lesson).values()
    ]
    return "\n".join(lines)
