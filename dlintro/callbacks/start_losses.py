"""The loss of every random start of an ensemble model: a histogram and the share of stuck starts.

An ensemble model trains many independent copies of one small net side by side (one per
random start): its output has a *starts* dimension, `(batch, starts, 1)` probabilities for
binary targets `(batch, 1)`. `per_start_losses` measures each copy's own mean loss, and the
`StartLosses` callback logs them over training.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from dlintro.callbacks.probe import ProbeCallback, all_finite
from dlintro.callbacks.summaries import write_histogram


def start_losses(y_true, y_pred):
    """Binary cross-entropy of every example for every start: `(batch, starts)`.

    Args:
        y_true: targets, `(batch, 1)`, shared by every start.
        y_pred: probabilities, `(batch, starts, 1)`.
    """
    y_true = ops.broadcast_to(ops.expand_dims(ops.cast(y_true, y_pred.dtype), 1), ops.shape(y_pred))
    return keras.losses.binary_crossentropy(y_true, y_pred)


def per_start_losses(model, x, y):
    """Every start's mean loss over the examples, as a `(starts,)` NumPy array."""
    return np.asarray(ops.mean(start_losses(y, model(x, training=False)), axis=0), dtype=np.float64)


class StartLosses(ProbeCallback):
    """Logs every start's loss (histogram `start_losses`) and the share of stuck starts.

    Also logs `stuck_share` (the share of starts whose loss is above `stuck_loss`) and
    `mean_start_loss`, before training and every `every` Keras epochs. After training,
    `history` holds the `(step, losses)` of every log point, so that a lesson can tell which
    starts were stuck at some step and whether they got out later.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        x, y: the training data, on which every start's loss is measured.
        stuck_loss: a start whose mean loss is above this counts as stuck.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.

    Example:
        >>> callback = StartLosses("runs/mine", x, y, stuck_loss=0.173)
        >>> model.fit(x, y, epochs=100, verbose=0, callbacks=[callback])
    """

    def __init__(self, log_dir, x, y, stuck_loss, every=1, passes_per_epoch=1):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        if not stuck_loss > 0:
            raise ValueError(f"stuck_loss must be positive, got {stuck_loss}")
        self.x = x
        self.y = y
        self.stuck_loss = stuck_loss
        self.history = []

    def summarize(self, step):
        losses = per_start_losses(self.model, self.x, self.y)
        if not all_finite([losses]):
            return False
        self.history.append((step, losses))
        write_histogram("start_losses", losses)
        tf.summary.scalar("stuck_share", float(np.mean(losses > self.stuck_loss)))
        tf.summary.scalar("mean_start_loss", float(losses.mean()))
        return True
