"""Keras's TensorBoard callback, with steps in passes over the data and no non-finite values."""

import keras

from dlintro.callbacks.probe import all_finite


class TensorBoard(keras.callbacks.TensorBoard):
    """`keras.callbacks.TensorBoard` that counts steps like the other dlintro callbacks.

    Everything is Keras's own (loss and metric curves, weight histograms, the graph); two things
    differ. The step of an epoch is the number of passes over the data completed, so that a
    repeated dataset whose one `fit` epoch covers several passes (`passes_per_epoch`) lines up
    with the probe callbacks, whose step 0 is the untrained model. And an epoch whose metrics
    or weights are not finite (a diverging run) is not written at all, because a histogram of
    NaN is silently drawn as garbage.

    Args:
        log_dir: the run directory; Keras writes `train/` and `validation/` inside it.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        **kwargs: passed on to `keras.callbacks.TensorBoard` (`histogram_freq` defaults to 1).

    Example:
        >>> model.fit(x, y, epochs=10, callbacks=[TensorBoard("runs/mine")])
    """

    def __init__(self, log_dir, passes_per_epoch=1, **kwargs):
        kwargs.setdefault("histogram_freq", 1)
        super().__init__(log_dir=str(log_dir), **kwargs)
        self.passes_per_epoch = passes_per_epoch
        self.skipped_steps = []  # steps not written because a value was not finite

    def on_epoch_end(self, epoch, logs=None):
        step = (epoch + 1) * self.passes_per_epoch
        values = [value for value in (logs or {}).values() if isinstance(value, (int, float))]
        if not all_finite([values, *self.model.get_weights()]):
            self.skipped_steps.append(step)
            return
        super().on_epoch_end(step, logs)
