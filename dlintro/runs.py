"""Run directories, variants, verdicts and `summary.json`; nothing here imports TensorFlow.

A run lives in `runs/<lesson>/<YYYYmmdd-HHMMSS>/`, one sub-directory per variant (one
TensorBoard run each) and `summary.json` beside them. A run directory is created with an
exclusive `mkdir`, so two runs started in the same second, even by two processes, get two
directories (the second gets a `-2` suffix) and no run ever writes into an earlier one.
"""

import dataclasses
import datetime
import json
import math
import os
import tempfile
import threading
from pathlib import Path

from dlintro.i18n import N_, _


# Set by the command line when Ctrl-C or SIGTERM arrives, besides raising KeyboardInterrupt.
# Python drops (prints as "Exception ignored") a KeyboardInterrupt that lands inside a weakref
# callback or a `__del__`, which TensorFlow runs often; training loops check this flag too.
stop_requested = threading.Event()


def stop_if_requested():
    """Raises KeyboardInterrupt when a stop was requested, in case its first one was dropped."""
    if stop_requested.is_set():
        raise KeyboardInterrupt


# A run's or variant's status, as a learner reads it (summary.json keeps the English word).
STATUS = {
    "pending": N_("pending"),
    "running": N_("running"),
    "completed": N_("completed"),
    "diverged": N_("diverged"),
    "interrupted": N_("interrupted"),
    "failed": N_("failed"),
}


def status_word(status):
    """A status (`"diverged"`) in the current language."""
    return _(STATUS.get(status, status))


class RunDirectoryError(ValueError):
    """The runs directory cannot be written, or a named run already exists."""


class Diverged(RuntimeError):
    """Training produced a non-finite loss or weight at `step` (passes over the data)."""

    def __init__(self, step):
        super().__init__(f"diverged: the loss became non-finite by step {step}")
        self.step = step


@dataclasses.dataclass(frozen=True, kw_only=True)
class Variant:
    """One way of training a lesson's model, logged as its own TensorBoard run.

    A lesson subclasses it with one field per thing that sets its variants apart (the model
    factory's arguments, the name of the data it trains on), so that `train` and `check` read
    fields and never parse a name:

        @dataclasses.dataclass(frozen=True, kw_only=True)
        class Net(Variant):
            gate: str  # the data: "xor" or "xnor"
            hidden_units: int  # 0: a single neuron

        Net(name="xor-one_layer", gate="xor", hidden_units=0)

    Args:
        name: short name, used as the run's directory name (letters, digits, `-` and `_`).
    """

    name: str

    @property
    def hparams(self):
        """Every field but the name, for the HParams dashboard and `summary.json`."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self) if field.name != "name"}


@dataclasses.dataclass(frozen=True)
class Verdict:
    """Whether a lesson's claim held, and the measured numbers that decided it.

    Args:
        holds: True when every part of the claim held.
        numbers: the measured values the decision rests on, by name.
        explanation: one or two sentences that say what was measured against what.
    """

    holds: bool
    numbers: dict
    explanation: str


def check_writable(runs_root):
    """Makes sure `runs_root` exists (creating it) and that files can be created inside it.

    Raises:
        RunDirectoryError: with a one-line reason when it cannot.
    """
    root = Path(runs_root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=".write-test-", dir=root)
        os.rmdir(probe)
    except OSError as error:
        reason = error.strerror or str(error)
        raise RunDirectoryError(_("cannot write to runs directory {root!r}: {reason}").format(root=str(root), reason=reason)) from None


def create_run_directory(runs_root, lesson, run_name=None, now=None, suffix=None):
    """Creates and returns a fresh `runs_root/lesson/<run name>` directory.

    Args:
        runs_root: the directory that holds all runs (usually `runs`).
        lesson: the lesson's name.
        run_name: a name of your choice; refused if a run of that name exists. By default the
            local time `YYYYmmdd-HHMMSS`, with `-2`, `-3`... added when that name is taken.
        now: the time to name the run after (for tests); the current time by default.
        suffix: added to the time stamp (an exercise's name): `YYYYmmdd-HHMMSS-<suffix>`.

    Raises:
        RunDirectoryError: when the directory cannot be created, or `run_name` is taken.
    """
    parent = Path(runs_root) / lesson
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if run_name is not None:
            if not run_name or "/" in run_name or run_name.startswith("."):
                raise RunDirectoryError(_("bad run name {name!r}").format(name=run_name))
            path = parent / run_name
            try:
                path.mkdir()
            except FileExistsError:
                raise RunDirectoryError(_("run directory {path!r} already exists").format(path=str(path))) from None
            return path
        stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S") + (f"-{suffix}" if suffix else "")
        for attempt in range(1, 1000):
            path = parent / (stamp if attempt == 1 else f"{stamp}-{attempt}")
            try:
                path.mkdir()
                return path
            except FileExistsError:
                continue
    except OSError as error:
        raise RunDirectoryError(_("cannot create a run under {parent!r}: {reason}").format(parent=str(parent), reason=error.strerror)) from None
    raise RunDirectoryError(_("too many runs named {name!r} under {parent!r}").format(name=stamp, parent=str(parent)))


def _json_safe(value):
    """Replaces non-finite floats (invalid JSON) by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def write_summary(run_dir, summary):
    """Writes `summary.json` atomically (a reader never sees half a file)."""
    path = Path(run_dir) / "summary.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(_json_safe(summary), indent=2, allow_nan=False) + "\n")
    os.replace(temporary, path)
    return path


def _runs_newest_first(runs_root, lesson):
    """`(run directory, status)` of every run of `lesson` (not of its exercises), newest first."""
    found = []
    for path in (Path(runs_root) / lesson).glob("*/summary.json"):
        try:
            summary = json.loads(path.read_text())
            if summary.get("exercise"):
                continue  # an exercise's run is not the lesson's
            found.append((path.stat().st_mtime, path.parent, summary.get("status", "unknown")))
        except (OSError, ValueError):
            continue  # a summary being replaced right now, or damaged by hand
    return [(run_dir, status) for unused_time, run_dir, status in sorted(found, key=lambda item: item[0], reverse=True)]


def latest_run(runs_root, lesson):
    """The newest *completed* run directory of `lesson` (its claim was checked), or None.

    A newer run that was interrupted, diverged, failed or is still running is passed over:
    see `unfinished_runs` to name them.
    """
    return next((run_dir for run_dir, status in _runs_newest_first(runs_root, lesson) if status == "completed"), None)


def unfinished_runs(runs_root, lesson):
    """`(run directory, status)` of the runs of `lesson` newer than its latest completed one."""
    newer = []
    for run_dir, status in _runs_newest_first(runs_root, lesson):
        if status == "completed":
            break
        newer.append((run_dir, status))
    return newer
