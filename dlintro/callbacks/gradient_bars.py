"""A picture of every layer's gradient norm as bars on a log scale, input layer on the left."""

import numpy as np
import tensorflow as tf

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from dlintro.callbacks.pictures import BLUE, hex_colour, picture_title, run_name
from dlintro.callbacks.summaries import write_image
from dlintro.callbacks.probe import ProbeCallback, all_finite, figure_to_array, probe_gradients
from dlintro.i18n import _


def render_gradient_bars(layer_names, norms, title="", value_range=None):
    """Draws one bar per layer, height = gradient norm on a log axis, as an RGB array.

    Args:
        layer_names: the layers from input to output.
        norms: their gradient norms (positive; zeros are drawn at the bottom of the axis).
        title: the picture's title.
        value_range: (low, high) of the log axis, fixed so that runs can be compared;
            by default it fits the norms.

    Returns:
        A (height, width, 3) uint8 array.
    """
    norms = np.asarray(norms, dtype=np.float64)
    positive = norms[norms > 0]
    low, high = value_range or (
        10 ** np.floor(np.log10(positive.min() if positive.size else 1e-12)),
        10 ** np.ceil(np.log10(positive.max() if positive.size else 1.0)),
    )
    figure = Figure(figsize=(6.4, 3.2), dpi=80)
    # Fixed margins and plain-text tick labels: `tight_layout` and the default mathtext labels
    # of a log axis made one picture cost about half a second.
    figure.subplots_adjust(left=0.13, right=0.98, bottom=0.17, top=0.9)
    axes = figure.add_subplot()
    # Bars start at the bottom of the axis, so a norm below the range still shows as a stub.
    heights = np.clip(norms, low, high)
    axes.bar(range(len(norms)), heights - low, bottom=low, color=hex_colour(BLUE))
    axes.set_yscale("log")
    axes.set_ylim(low, high)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, unused: f"{value:.0e}"))
    axes.yaxis.set_minor_formatter(NullFormatter())
    axes.set_xticks(range(len(norms)), [name.replace("hidden_", "h") for name in layer_names])
    axes.set_xlabel(_("layer (input side on the left)"))
    axes.set_ylabel(_("gradient norm"))
    axes.grid(axis="y", which="major", alpha=0.3)
    axes.set_title(title, fontsize=10)
    return figure_to_array(figure)


class GradientNormBars(ProbeCallback):
    """Logs a bar chart of each layer's gradient norm on a probe batch, on a log scale.

    The image `gradient_norm_bars` puts the layers side by side from input to output, so a
    gradient that fades on its way back to the input is a staircase falling to the left. The
    norms are also kept in `norms` (step -> {layer: norm}) for the caller to read.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        probe_x: a fixed batch of inputs.
        probe_y: their targets.
        every: draw after every this many Keras epochs (the untrained model is always drawn).
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        value_range: (low, high) of the log axis; fix it to compare runs picture by picture.
        title: what the picture's title calls the run; the last part of `log_dir` by default.

    Example:
        >>> bars = GradientNormBars("runs/mine", probe_x=x[:64], probe_y=y[:64], every=10)
        >>> model.fit(x, y, epochs=10, callbacks=[bars])
        >>> bars.norms[0]  # per-layer norms of the untrained model
    """

    def __init__(
        self, log_dir, probe_x, probe_y, every=1, passes_per_epoch=1, value_range=None, title=None
    ):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.probe_x = probe_x
        self.probe_y = probe_y
        self.value_range = value_range
        self.title = title or run_name(log_dir)
        self.norms = {}
        self._gradients = None

    def _build(self):
        """Traces one function that returns the gradient norm of every layer with weights."""
        self._layers, self._gradients = probe_gradients(
            self.model, self.probe_x, per_layer=tf.linalg.global_norm
        )

    def summarize(self, step):
        if self._gradients is None:
            self._build()
        norms = [float(norm) for norm in self._gradients(self.probe_x, self.probe_y)]
        if not all_finite([norms]):
            return False
        names = [layer.name for layer in self._layers]
        self.norms[step] = dict(zip(names, norms))
        self.in_background(step, self._draw, names, norms)
        return True

    def _draw(self, step, names, norms):
        ratio = norms[0] / norms[-1] if norms[-1] > 0 else float("nan")
        title = _("{title}: first/last layer = {ratio:.2g}").format(title=picture_title(self.title, step), ratio=ratio)
        image = render_gradient_bars(names, norms, title=title, value_range=self.value_range)
        write_image("gradient_norm_bars", image, step=step)
