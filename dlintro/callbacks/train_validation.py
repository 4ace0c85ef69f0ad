"""One Custom Scalars chart per run with its training and its validation loss as two lines."""

import math
import re

import keras
import tensorflow as tf
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary

from dlintro.callbacks.probe import epoch_step
from dlintro.i18n import N_, _

# The Custom Scalars category a learner opens; written in the run's language.
CATEGORY = N_("Training vs validation")


class TrainValidationChart(keras.callbacks.Callback):
    """Draws a run's training and validation value of one metric together, in a chart of its own.

    Keras's `TensorBoard` callback writes `epoch_loss` into the runs `train/` and `validation/`;
    TensorBoard's Time Series tab overlays them, together with every other run's. This callback
    adds the tag `train_vs_validation/<name>` to the same two runs and a Custom Scalars chart
    called `name` that shows only that tag: one chart per run, two lines in each, so the gap
    between them is easy to see. The layout lives in the `train/` run, which no other dlintro
    callback gives a layout (TensorBoard reads one layout per run and merges the runs' layouts).

    Args:
        log_dir: the run directory given to Keras's `TensorBoard` callback.
        name: the chart's title and the tag's last part, usually the variant's name.
        metric: the metric to draw; Keras's log names `metric` and `val_<metric>` are read.
        passes_per_epoch: passes over the data that one Keras epoch stands for.

    Example:
        >>> chart = TrainValidationChart("runs/mine", name="mine")
        >>> model.fit(x, y, epochs=100, validation_data=(x_val, y_val), callbacks=[chart])
    """

    def __init__(self, log_dir, name, metric="loss", passes_per_epoch=1):
        super().__init__()
        if not re.fullmatch(r"[\w.-]+", name):
            raise ValueError(f"chart name must be letters, digits, '_', '.' or '-'; got {name!r}")
        self.log_dir = str(log_dir)
        self.tag = f"train_vs_validation/{name}"
        self.name = name
        self.metric = metric
        self.passes_per_epoch = passes_per_epoch
        self._writers = None

    def _layout(self):
        """The Custom Scalars layout: one chart that matches exactly this run's tag."""
        chart = layout_pb2.Chart(
            title=f"{self.name}: {self.metric}",
            multiline=layout_pb2.MultilineChartContent(tag=[f"^{re.escape(self.tag)}$"]),
        )
        return layout_pb2.Layout(category=[layout_pb2.Category(title=_(CATEGORY), chart=[chart])])

    def on_train_begin(self, logs=None):
        self._writers = {
            part: tf.summary.create_file_writer(f"{self.log_dir}/{part}")
            for part in ("train", "validation")
        }
        with self._writers["train"].as_default():
            tf.summary.experimental.write_raw_pb(
                custom_scalar_summary.pb(self._layout()).SerializeToString(), step=0
            )

    def on_epoch_end(self, epoch, logs=None):
        step = epoch_step(epoch, self.passes_per_epoch)
        for part, key in (("train", self.metric), ("validation", f"val_{self.metric}")):
            value = (logs or {}).get(key)
            if value is not None and math.isfinite(value):
                with self._writers[part].as_default():
                    tf.summary.scalar(self.tag, float(value), step=step)

    def on_train_end(self, logs=None):
        for writer in (self._writers or {}).values():
            writer.flush()
