"""The lessons, by name, in the order the course teaches them.

Every lesson is a module here with the same small face:

- its docstring: the explanation, in Markdown (shown in TensorBoard's Text dashboard);
- `TITLE` and `CLAIM`: a one-line title and the claim the run checks;
- `Config`: a frozen dataclass of hyperparameters with commented defaults (`dlintro.config`);
- `variants(config)`: the `Variant`s to train, one TensorBoard run each;
- `train(config, variant, log_dir)`: trains one variant, logs it, returns its final metrics;
- `check(config, results)`: decides the claim from every variant's metrics (a `Verdict`).

`dlintro.runner.run_lesson` drives that face the same way for every lesson. This module does
not import TensorFlow, so listing lessons and refusing an unknown one are instant.
"""

import importlib

NAMES = (
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


class UnknownLessonError(ValueError):
    """No lesson has that name."""


def load(name):
    """Imports the lesson module called `name`.

    Raises:
        UnknownLessonError: when `name` is not a registered lesson.
    """
    if name not in NAMES:
        raise UnknownLessonError(f"unknown lesson {name!r} (known: {', '.join(NAMES)})")
    return importlib.import_module(f"{__name__}.{name}")
