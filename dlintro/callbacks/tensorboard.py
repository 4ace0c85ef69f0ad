"""Keras's TensorBoard callback, with steps in passes over the data and no non-finite values."""

import os

import keras
import numpy as np
import tensorflow as tf

from dlintro.callbacks.probe import all_finite, epoch_step
from dlintro.callbacks.summaries import Summaries


def weight_image(weight):
    """A weight as Keras's `write_images` lays it out, stretched to 0-255, or None.

    The layout is Keras's: a bias is one row, a Dense kernel one picture (wider than tall),
    a 1-D convolution kernel one picture per input channel; a weight of more dimensions is
    drawn only when its last axis has 1, 3 or 4 entries (Keras's rule), else not at all.
    Keras hands the raw weights to `tf.summary.image`, which clips floats to [0, 1], so most
    weights show as black or white; here each weight's own range is stretched over the grey
    scale (its minimum black, its maximum white), so that the picture shows the weights.
    """
    values = np.squeeze(np.asarray(weight, dtype=np.float64))
    if values.ndim == 1:
        values = values.reshape(1, values.shape[0], 1, 1)
    elif values.ndim == 2:
        if values.shape[0] > values.shape[1]:
            values = values.T
        values = values.reshape(1, *values.shape, 1)
    elif values.ndim == 3:
        if keras.config.image_data_format() == "channels_last":
            values = np.transpose(values, (2, 0, 1))
        values = values.reshape(*values.shape, 1)
    if values.ndim != 4 or values.shape[-1] not in (1, 3, 4):
        return None
    low, high = values.min(), values.max()
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    return np.round(scaled * 255).astype(np.uint8)


class TensorBoard(keras.callbacks.TensorBoard):
    """`keras.callbacks.TensorBoard` that counts steps like the other dlintro callbacks.

    A drop-in replacement: it takes every argument of Keras's callback, and each does what it
    does in Keras's (the same tags, in the same `train/` and `validation/` runs):
    `update_freq` ("epoch", "batch" or a number of batches: the `batch_*` curves),
    `write_graph` (the conceptual graph of a Functional or Sequential model, tag `keras`;
    Keras 3 writes no op graph of its training function, and neither does this),
    `write_images` (each weight as an image, `<weight path>/image`, next to its histogram),
    `write_steps_per_second`, `profile_batch` (the profiler's trace in `train/plugins/profile`)
    and `embeddings_freq` / `embeddings_metadata` (Keras's projector config and weight
    checkpoints). Loss and metric curves and the graphs are Keras's own. What differs:

    - The step of an epoch is the number of passes over the data completed (1 after the first
      epoch; Keras writes 0), so that a repeated dataset whose one `fit` epoch covers several
      passes (`passes_per_epoch`) lines up with the probe callbacks, whose step 0 is the
      untrained model. With `histogram_freq` or `embeddings_freq` N, weights are written after
      epochs N, 2N... (Keras writes after epochs 1, N + 1...). Batch steps are Keras's.
    - `histogram_freq` defaults to 1 (Keras: 0): weight histograms are on unless turned off.
    - An epoch whose metrics or weights are not finite (a diverging run) is not written at all,
      nor is a batch's non-finite metric: a histogram of NaN is silently drawn as garbage.
    - Weight histograms carry Keras's tags (`<weight path>/histogram`, in `train/`) but are
      bucketed in NumPy: Keras's eager `tf.summary.histogram` costs about 10 ms a weight, which
      on a small lesson made the weight histograms cost as much as the training itself.
    - An epoch's values (its metrics, learning rate and weight histograms) are written as one
      event per run directory (see `dlintro.callbacks.summaries`), not one `tf.summary` call
      each: the same tags, steps and values, read back alike.
    - Weight images stretch each weight's range over the grey scale (see `weight_image`).
    - Nothing is written before the first batch has trained (Keras writes the model's graph
      and the projector's configuration when the model is set, and opens its `train/` event
      file when training starts; so an unknown layer name in `embeddings_metadata` is refused
      at the first batch here, when the model is set in Keras), so that
      a callback refusing its probe, or a first batch that fails, leaves no log. With
      `update_freq` "batch" or a number, the `train/` event file is opened when the first
      batch starts, since summaries written inside the model's `call` need it.

    Args:
        log_dir: the run directory; Keras writes `train/` and `validation/` inside it.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        histogram_freq: write weight histograms (and images) every this many epochs (0: never).
        **kwargs: any other argument of `keras.callbacks.TensorBoard`.

    Example:
        >>> model.fit(x, y, epochs=10, callbacks=[TensorBoard("runs/mine")])
        >>> model.fit(x, y, epochs=10, callbacks=[TensorBoard("runs/mine", update_freq="batch", write_images=True)])
    """

    def __init__(self, log_dir="logs", passes_per_epoch=1, histogram_freq=1, **kwargs):
        super().__init__(log_dir=str(log_dir), histogram_freq=histogram_freq, **kwargs)
        self.passes_per_epoch = passes_per_epoch
        self.skipped_steps = []  # steps not written because a value was not finite
        self._should_write_model_summary = False

    def set_model(self, model):
        # Keras writes the model's graph and the projector's configuration here, before
        # training starts; both wait for the first batch, so that nothing is written if another
        # callback refuses to start.
        write_graph, embeddings_freq = self.write_graph, self.embeddings_freq
        self.write_graph, self.embeddings_freq = False, 0
        try:
            super().set_model(model)
        finally:
            self.write_graph, self.embeddings_freq = write_graph, embeddings_freq
        self._should_write_model_summary = self._should_write_train_graph = bool(write_graph)
        self._should_configure_embeddings = bool(embeddings_freq)

    def on_train_begin(self, logs=None):
        # Keras opens the `train/` writer here (creating its event file) even when it has
        # nothing to write; it is opened at the first batch instead, for the same reason.
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._batch_writer_pushed = False

    def on_train_batch_begin(self, batch, logs=None):
        if not self._batch_writer_pushed and self.update_freq != "epoch":
            # Keras's on_train_begin: the writer that batch-level summaries write to.
            self._push_writer(self._train_writer, self._global_train_batch)
            self._batch_writer_pushed = True
        super().on_train_batch_begin(batch, logs)

    def on_train_end(self, logs=None):
        if self._prev_summary_state:  # the batch writer, when a batch pushed it
            self._pop_writer()
        if self._is_tracing:
            self._stop_trace()
        self._close_writers()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_write_model_summary:
            self._write_keras_model_summary()
            self._should_write_model_summary = False
        if self._should_configure_embeddings:
            os.makedirs(self.log_dir, exist_ok=True)
            self._configure_embeddings()
            self._should_configure_embeddings = False
        if isinstance(logs, dict):
            logs = {name: value for name, value in logs.items() if all_finite([value])}
        super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        step = epoch_step(epoch, self.passes_per_epoch)
        values = [value for value in (logs or {}).values() if np.ndim(value) == 0]
        # Each weight is read once: checked here, and its histogram made from the same copy.
        weights = {id(weight): np.asarray(weight.numpy()) for weight in self.model.weights}
        if not all_finite([values, *weights.values()]):
            self.skipped_steps.append(step)
            return
        # Keras writes every value with its own `tf.summary` call; here each run's values of
        # the epoch go out as one event (see `Summaries`), with Keras's tags and steps.
        train, validation = Summaries(), Summaries()
        self._add_epoch_metrics(train, validation, logs)
        images = []
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0:
            images = self._add_weights(train, weights)
        if len(train) or images:
            with self._train_writer.as_default(step=step):
                train.write()
                for tag, image in images:
                    tf.summary.image(tag, image)
            self._train_writer.flush()
        if len(validation):
            with self._val_writer.as_default(step=step):
                validation.write()
        if self.embeddings_freq and (epoch + 1) % self.embeddings_freq == 0:
            self._log_embeddings(step)

    def _add_epoch_metrics(self, train, validation, logs):
        """Keras's `epoch_*` scalars: metrics, learning rate and steps per second, and `val_` ones."""
        if not logs:
            return
        train_logs = {name: value for name, value in logs.items() if not name.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            train_logs["steps_per_second"] = self._compute_steps_per_second()
        for name, value in train_logs.items():
            train.scalar(f"epoch_{name}", value)
        for name, value in logs.items():
            if name.startswith("val_"):
                validation.scalar(f"epoch_{name[4:]}", value)

    def _add_weights(self, summaries, weights):
        """Keras's weight histograms, bucketed in NumPy; returns Keras's weight images to write.

        `weights` maps `id(weight)` to the weight's values, as read for this epoch.
        """
        images = []
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = weights.get(id(weight))
                if values is None:
                    values = np.asarray(weight.numpy())
                summaries.histogram(f"{name}/histogram", values)
                image = weight_image(values) if self.write_images else None
                if image is not None:
                    images.append((f"{name}/image", image))
        return images
