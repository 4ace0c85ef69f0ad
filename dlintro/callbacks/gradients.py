"""Histograms of the loss gradient for every weight, and per-layer gradient norms."""

import numpy as np
import tensorflow as tf
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary

from dlintro.callbacks.probe import ProbeCallback, all_finite, probe_gradients, write_histogram

# One Custom Scalars chart per statistic, each drawing every layer of a run as its own line.
_PER_LAYER_CHARTS = (
    ("Gradient norm per layer", r"gradient_norm/.*"),
    ("Activation mean per layer", r"activation_mean/.*"),
    ("Activation std per layer", r"activation_std/.*"),
    ("Saturated sigmoid/tanh share per layer", r"saturated_share/.*"),
    ("Dead ReLU share per layer", r"dead_share/.*"),
)


def per_layer_layout():
    """The Custom Scalars layout that puts all layers of a run into one chart per statistic."""
    charts = [
        layout_pb2.Chart(title=title, multiline=layout_pb2.MultilineChartContent(tag=[regex]))
        for title, regex in _PER_LAYER_CHARTS
    ]
    return layout_pb2.Layout(category=[layout_pb2.Category(title="Per layer", chart=charts)])


def log10_magnitudes(gradients):
    """log10 of the magnitudes of all entries of a layer's gradients, exact zeros dropped.

    An exact zero has no logarithm; such entries (a dead ReLU unit's weights, for example)
    are left out rather than floored at an arbitrary value that would stretch the axis. The
    `dead_share` scalars of `ActivationStatistics` count the dead units instead.
    """
    magnitudes = np.concatenate([np.abs(np.asarray(g, dtype=np.float64)).ravel() for g in gradients])
    return np.log10(magnitudes[magnitudes > 0])


def shared_range(arrays):
    """(low, high) whole numbers around the values of all the arrays: common histogram edges."""
    filled = [array for array in arrays if array.size]
    if not filled:
        return None
    low = np.floor(min(array.min() for array in filled))
    high = np.ceil(max(array.max() for array in filled))
    return float(low), float(max(high, low + 1))


class GradientStatistics(ProbeCallback):
    """Logs the gradient of the loss with respect to every trainable weight on a probe batch.

    Writes the histogram `gradients/<weight path>` for every trainable weight, the scalar
    `gradient_norm/<layer>` (L2 norm over all of a layer's weight gradients) for every layer,
    `gradient_norm_ratio/first_over_last` (how much smaller the first layer's norm is than the
    last layer's) and a Custom Scalars layout that draws every layer's norm in one chart. The
    gradient is the compiled loss (regularization included) in inference mode, so dropout does
    not make the probe noisy.

    It also writes, per layer, the histogram `gradient_magnitude_log10/<layer>`: log10 of the
    magnitude of every entry of all the layer's weight gradients (exact zeros, which have no
    logarithm, are left out). Why this tag exists: TensorBoard draws every histogram on an axis
    fitted to its own values, so `gradients/hidden_01/kernel` of a deep sigmoid net, a million
    times smaller than `gradients/output/kernel`, looks just like it; the difference hides in
    the axis labels (1e-8 against 1e-2). On a log10 axis the size of a gradient becomes a
    position, and all layers of a run share the same bucket edges at every step (whole numbers
    around the smallest and largest value of all layers), so TensorBoard gives their charts the
    same axis: the vanishing sigmoid net's first layer sits about six units left of its output
    layer, visible at first sight, with no log-axis toggle and no Custom Scalars layout.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        probe_x: a fixed batch of inputs.
        probe_y: their targets.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.

    Example:
        >>> callback = GradientStatistics("runs/mine", probe_x=x[:64], probe_y=y[:64])
        >>> model.fit(x, y, epochs=10, callbacks=[callback])
    """

    def __init__(self, log_dir, probe_x, probe_y, every=1, passes_per_epoch=1):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.probe_x = probe_x
        self.probe_y = probe_y
        self._gradients = None

    def _build(self):
        """Traces the gradient computation once; writes the chart layout."""
        self._layers, self._gradients = probe_gradients(self.model, self.probe_x)
        with self.writer.as_default(step=0):
            tf.summary.experimental.write_raw_pb(
                custom_scalar_summary.pb(per_layer_layout()).SerializeToString(), step=0
            )

    def summarize(self, step):
        if self._gradients is None:
            self._build()
        per_layer = [
            list(zip(layer.trainable_weights, map(np.asarray, gradients)))
            for layer, gradients in zip(self._layers, self._gradients(self.probe_x, self.probe_y))
        ]
        if not all_finite(g for pairs in per_layer for _, g in pairs):
            return False
        norms = []
        for layer, pairs in zip(self._layers, per_layer):
            for weight, gradient in pairs:
                write_histogram(f"gradients/{weight.path}", gradient)
            norm = float(np.sqrt(sum(np.sum(gradient.astype("float64") ** 2) for _, gradient in pairs)))
            tf.summary.scalar(f"gradient_norm/{layer.name}", norm)
            norms.append(norm)
        if len(norms) > 1 and norms[-1] > 0:
            tf.summary.scalar("gradient_norm_ratio/first_over_last", norms[0] / norms[-1])
        self._write_log_magnitudes(per_layer)
        return True

    def _write_log_magnitudes(self, per_layer):
        """One log10-magnitude histogram per layer, all on the same bucket edges."""
        logs = [log10_magnitudes([gradient for _, gradient in pairs]) for pairs in per_layer]
        value_range = shared_range(logs)
        for layer, values in zip(self._layers, logs):
            if values.size:  # a layer whose gradient is exactly zero has nothing to draw
                write_histogram(f"gradient_magnitude_log10/{layer.name}", values, value_range=value_range)
