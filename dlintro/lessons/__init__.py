"""The lessons, by name, in the order the course teaches them.

Every lesson is a module here with the same small face:

- its text, in `dlintro/texts/<lang>/<name>.md` (`dlintro.texts`): the idea, what to look at,
  going deeper and the terms it introduces, shown in TensorBoard's Text dashboard;
- `TITLE` and `CLAIM`: a one-line title and the claim the run checks;
- `Config`: a frozen dataclass of hyperparameters with commented defaults (`dlintro.config`);
- `QUICK`: a shrunken `Config` that still shows the lesson's phenomenon, for the tests;
- `VIEWS`: the TensorBoard views that tell its story (`dlintro.views.View`), for the
  screenshots and the links printed after a run;
- `FACTORIES`: its model factories, re-exported by `dlintro.models`;
- `variants(config)`: the variants to train, one TensorBoard run each: instances of a frozen
  dataclass (a `dlintro.runs.Variant`) whose fields are the factory's arguments and its data;
- `train(config, variant, log_dir)`: trains one variant, logs it, returns its final metrics;
- `text_numbers(config, results)`: the run's numbers its text fills in, by name;
- `check(config, results)`: decides the claim (a `Verdict`) from `results`, a dict from each
  variant to its metrics; it selects variants by their fields, never by their names.

Adding a lesson is one new module with that face, its text file, its name in `NAMES`, and its
test file.

`dlintro.runner.run_lesson` drives that face the same way for every lesson. This module does
not import TensorFlow, so listing lessons and refusing an unknown one are instant.
"""

import contextlib
import importlib
import os
import sys
import tempfile

from dlintro.i18n import _

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


def check_name(name):
    """Returns `name` when it is a lesson's.

    Raises:
        UnknownLessonError: when `name` is not a registered lesson.
    """
    if name not in NAMES:
        raise UnknownLessonError(_("unknown lesson {name!r} (known: {known})").format(name=name, known=", ".join(NAMES)))
    return name


def load(name):
    """Imports the lesson module called `name`.

    Raises:
        UnknownLessonError: when `name` is not a registered lesson.
    """
    check_name(name)
    with _quiet_native_stderr():
        return importlib.import_module(f"{__name__}.{name}")


@contextlib.contextmanager
def _quiet_native_stderr():
    """Holds back what TensorFlow's C++ start-up writes to the process's stderr (an English log
    line about oneDNN that TF_CPP_MIN_LOG_LEVEL does not silence); shows it if the import fails."""
    if "tensorflow" in sys.modules:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
