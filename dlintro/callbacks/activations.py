"""Histograms and per-layer statistics of every layer's activations on a probe batch."""

import keras
import numpy as np
import tensorflow as tf

from dlintro.callbacks.probe import ProbeCallback, all_finite, symbolic_input, write_histogram

# A sigmoid or tanh unit counts as saturated where its slope is below a tenth of its
# largest slope (0.25 for sigmoid, 1 for tanh): little gradient gets through it there.
_SATURATION_SLOPE = 0.1


def saturated_share(activation_name, outputs):
    """Share of sigmoid/tanh outputs whose local slope is under a tenth of its maximum."""
    if activation_name == "sigmoid":
        slope = outputs * (1.0 - outputs) / 0.25
    elif activation_name == "tanh":
        slope = 1.0 - outputs**2
    else:
        return None
    return float(np.mean(slope < _SATURATION_SLOPE))


def dead_share(activation_name, outputs):
    """Share of ReLU units (last axis) that output 0 for every probe example."""
    if activation_name != "relu":
        return None
    per_unit = outputs.reshape(-1, outputs.shape[-1])
    return float(np.mean(np.all(per_unit <= 0.0, axis=0)))


def activation_name(layer):
    """Name of a layer's activation function (`"linear"` when it has none)."""
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "linear")


class ActivationStatistics(ProbeCallback):
    """Logs every layer's activations on a fixed probe batch.

    Writes, per layer: the histogram `activations/<layer>`, the scalars
    `activation_mean/<layer>` and `activation_std/<layer>`, and where they apply
    `saturated_share/<layer>` (sigmoid and tanh: share of outputs on the flat part of the curve)
    and `dead_share/<layer>` (ReLU: share of units silent on every probe example).

    Args:
        log_dir: directory of the TensorBoard run to write into.
        probe_x: a fixed batch of inputs, the same at every step.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.

    Example:
        >>> callback = ActivationStatistics("runs/mine", probe_x=x_train[:64])
        >>> model.fit(x_train, y_train, epochs=10, callbacks=[callback])
    """

    def __init__(self, log_dir, probe_x, every=1, passes_per_epoch=1):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.probe_x = probe_x
        self._layers = None
        self._forward = None

    def _build(self):
        """A traced function returning every layer's output."""
        inputs = symbolic_input(self.model, self.probe_x)
        self._layers = [
            layer for layer in self.model.layers if not isinstance(layer, keras.layers.InputLayer)
        ]
        inner = keras.Model(inputs, [layer.output for layer in self._layers])
        self._forward = tf.function(lambda x: inner(x, training=False))

    def summarize(self, step):
        if self._forward is None:
            self._build()
        outputs = self._forward(self.probe_x)
        if not isinstance(outputs, (list, tuple)):  # a one-layer model gives a bare tensor
            outputs = [outputs]
        # In float64: the std of large but finite float32 activations (a diverging run just
        # before its loss overflows) would overflow to infinity in float32.
        outputs = [np.asarray(output, dtype=np.float64) for output in outputs]
        if not all_finite(outputs):
            return False
        for layer, output in zip(self._layers, outputs):
            name = activation_name(layer)
            write_histogram(f"activations/{layer.name}", output)
            tf.summary.scalar(f"activation_mean/{layer.name}", float(output.mean()))
            tf.summary.scalar(f"activation_std/{layer.name}", float(output.std()))
            for tag, share in (
                ("saturated_share", saturated_share(name, output)),
                ("dead_share", dead_share(name, output)),
            ):
                if share is not None:
                    tf.summary.scalar(f"{tag}/{layer.name}", share)
        return True
