"""Reading a run's TensorBoard event files back, with TensorBoard's own event accumulator.

Every summary dlintro writes (scalars, histograms, images, text, hparams) is stored as a
tensor, so one accumulator that keeps every tensor (not TensorBoard's default sample of 10)
reads them all. Tests and the report use this to check what a learner would see.

Example:
    >>> run = load_run("runs/xor/20261124-081157/xor-two_layer_nonlinear")
    >>> steps, values = scalar_series(run, "gradient_norm/hidden")
"""

from pathlib import Path

import numpy as np
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util


def load_run(log_dir):
    """Loads every event file directly inside `log_dir`, keeping all tensors."""
    accumulator = event_accumulator.EventAccumulator(
        str(log_dir), size_guidance={event_accumulator.TENSORS: 0}
    )
    return accumulator.Reload()


def tags(run):
    """The tensor tags of a loaded run."""
    return set(run.Tags()["tensors"])


def tensor_series(run, tag):
    """(steps, arrays) of one tag, in step order."""
    events = sorted(run.Tensors(tag), key=lambda event: event.step)
    return [e.step for e in events], [tensor_util.make_ndarray(e.tensor_proto) for e in events]


def scalar_series(run, tag):
    """(steps, values) of a scalar tag as a list of ints and a float array."""
    steps, arrays = tensor_series(run, tag)
    return steps, np.array([float(array) for array in arrays])


def plugin_of(run, tag):
    """The TensorBoard plugin (`scalars`, `histograms`, `images`, `text`...) that draws a tag."""
    return run.SummaryMetadata(tag).plugin_data.plugin_name


def variant_dirs(run_dir):
    """The variant run directories of a lesson run (those with event files), sorted by name."""
    return sorted({path.parent for path in Path(run_dir).glob("*/events.out.tfevents.*")})
