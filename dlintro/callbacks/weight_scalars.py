"""Every weight of a small model as its own scalar curve, so a learner can watch each number move."""

import numpy as np
import tensorflow as tf

from dlintro.callbacks.probe import ProbeCallback, all_finite


def _entry_name(kind, index, shape):
    """`w1` for input 1 of a one-unit kernel, `w1_2` for input 1 to unit 2; `b`, `b2` for biases."""
    if shape and shape[-1] == 1:
        index = index[:-1]  # one unit: the unit's index adds nothing
    return kind + "_".join(str(i + 1) for i in index)


def weight_tags(model):
    """(tag, weight, index) for every single number in the model's weights.

    A kernel's entries are called `w1`, `w2`... in input order and a bias `b`, so a one-neuron
    layer named `neuron` gives `weights/neuron/w1`, `weights/neuron/w2` and `weights/neuron/b`.
    Other weights keep their own name (`weights/<layer>/<name>1`...).
    """
    kinds = {"kernel": "w", "bias": "b"}
    return [
        (f"weights/{layer.name}/{_entry_name(kinds.get(weight.name, weight.name), index, tuple(weight.shape))}",
         weight, index)
        for layer in model.layers
        for weight in layer.weights
        for index in np.ndindex(*weight.shape)
    ]


class WeightScalars(ProbeCallback):
    """Logs each weight of a small model as a scalar: `weights/<layer>/w1`, `.../w2`, `.../b`.

    Meant for models with a handful of weights (a single neuron), where the numbers themselves
    are the lesson; for bigger models the weight histograms of `TensorBoard` say more.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        each_step: log after every optimizer step instead, at the step the optimizer counts
            (needs an optimizer; use with full-batch training and `steps_per_execution=1`, so
            that one step is one pass and every step is seen).
        max_weights: refuse models with more single weights than this (one curve each).

    Example:
        >>> model.fit(x, y, epochs=100, callbacks=[WeightScalars("runs/mine", each_step=True)])
    """

    def __init__(self, log_dir, every=1, passes_per_epoch=1, each_step=False, max_weights=32):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.each_step = each_step
        self.max_weights = max_weights
        self._entries = None

    def summarize(self, step):
        if self._entries is None:
            self._entries = weight_tags(self.model)
            if len(self._entries) > self.max_weights:
                raise ValueError(
                    f"the model has {len(self._entries)} single weights, more than max_weights "
                    f"({self.max_weights}); log a small model, or use weight histograms"
                )
        arrays = {id(weight): np.asarray(weight) for _, weight, _ in self._entries}
        values = [float(arrays[id(weight)][index]) for _, weight, index in self._entries]
        if not all_finite([values]):
            return False
        for (tag, _, _), value in zip(self._entries, values):
            tf.summary.scalar(tag, value)
        return True

    def on_epoch_end(self, epoch, logs=None):
        if not self.each_step:
            super().on_epoch_end(epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        if self.each_step:
            self._log(int(self.model.optimizer.iterations))
