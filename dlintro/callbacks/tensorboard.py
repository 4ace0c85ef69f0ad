"""Keras's TensorBoard callback, with steps in passes over the data and no non-finite values."""

import os

import keras
import tensorflow as tf

from dlintro.callbacks.probe import all_finite, epoch_step, write_histogram


class TensorBoard(keras.callbacks.TensorBoard):
    """`keras.callbacks.TensorBoard` that counts steps like the other dlintro callbacks.

    Loss and metric curves and the graph are Keras's own. Three things differ:

    - The step of an epoch is the number of passes over the data completed, so that a repeated
      dataset whose one `fit` epoch covers several passes (`passes_per_epoch`) lines up with
      the probe callbacks, whose step 0 is the untrained model.
    - An epoch whose metrics or weights are not finite (a diverging run) is not written at all:
      a histogram of NaN is silently drawn as garbage.
    - Weight histograms carry Keras's tags (`<weight path>/histogram`, in `train/`) but are
      bucketed in NumPy: Keras's eager `tf.summary.histogram` costs about 10 ms a weight, which
      on a small lesson made the weight histograms cost as much as the training itself.

    Args:
        log_dir: the run directory; Keras writes `train/` and `validation/` inside it.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        histogram_freq: write weight histograms every this many epochs (0: never).
        **kwargs: passed on to `keras.callbacks.TensorBoard`.

    Example:
        >>> model.fit(x, y, epochs=10, callbacks=[TensorBoard("runs/mine")])
    """

    def __init__(self, log_dir, passes_per_epoch=1, histogram_freq=1, **kwargs):
        super().__init__(log_dir=str(log_dir), histogram_freq=0, **kwargs)
        self.passes_per_epoch = passes_per_epoch
        self.weight_histogram_freq = histogram_freq
        self.skipped_steps = []  # steps not written because a value was not finite
        self._weight_writer = None

    def on_epoch_end(self, epoch, logs=None):
        step = epoch_step(epoch, self.passes_per_epoch)
        weights = self.model.get_weights()
        values = [value for value in (logs or {}).values() if isinstance(value, (int, float))]
        if not all_finite([values, *weights]):
            self.skipped_steps.append(step)
            return
        super().on_epoch_end(step, logs)
        if self.weight_histogram_freq and (epoch + 1) % self.weight_histogram_freq == 0:
            self._write_weight_histograms(step)

    def _write_weight_histograms(self, step):
        if self._weight_writer is None:
            self._weight_writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))
        with self._weight_writer.as_default(step=step):
            for layer in self.model.layers:
                for weight in layer.weights:
                    write_histogram(f"{weight.path.replace(':', '_')}/histogram", weight.numpy())

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        if self._weight_writer is not None:
            self._weight_writer.flush()
