"""A picture of a one-weight model's loss curve, with the path every random start took along it."""

import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from dlintro.callbacks.probe import ProbeCallback, all_finite, figure_to_array
from dlintro.i18n import _


class LossCurvePaths(ProbeCallback):
    """Draws the loss over a single weight and the path of every start of an ensemble along it.

    The model must have exactly one weight, of shape `(starts,)`: one number per random start
    (for example the frequency of a sine neuron per start). Each start's weight is recorded
    before training and after every Keras epoch; when training ends, the image
    `loss_curve_paths` shows the loss curve, every start's path on it (a circle where it
    started, a star where it ended), and a legend with each start's first and last weight.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        losses_of: a function from a `(n,)` NumPy array of weights to their `(n,)` losses.
        weight_range: `(low, high)` of the weight axis; the curve is drawn over it.
        title: the picture's title (name the run: TensorBoard cuts long run names).
        curve_points: points on the drawn curve.
        passes_per_epoch: passes over the data that one Keras epoch stands for.

    Example:
        >>> paths = LossCurvePaths("runs/mine", my_losses, weight_range=(0, 8), title="sine")
        >>> model.fit(x, y, epochs=300, verbose=0, callbacks=[paths])
    """

    def __init__(self, log_dir, losses_of, weight_range, title="", curve_points=800, passes_per_epoch=1):
        super().__init__(log_dir, passes_per_epoch=passes_per_epoch)
        low, high = weight_range
        if not low < high or curve_points < 2:
            raise ValueError(f"weight_range must rise and curve_points be at least 2, got {weight_range}, {curve_points}")
        self.losses_of = losses_of
        self.weight_range = (float(low), float(high))
        self.title = title
        self.curve_points = curve_points
        self.steps = []
        self.path = []  # one (starts,) array of weights per recorded step

    def summarize(self, step):
        (weights,) = self.model.get_weights()
        if weights.ndim != 1:
            raise ValueError(f"LossCurvePaths needs one weight of shape (starts,), got {weights.shape}")
        if not all_finite([weights]):
            return False
        self.steps.append(step)
        self.path.append(np.asarray(weights, dtype=np.float64))
        return True

    def on_train_end(self, logs=None):
        if self.path:
            self.in_background(self.steps[-1], self._draw)
        super().on_train_end(logs)

    def _draw(self, step):
        tf.summary.image("loss_curve_paths", self.render()[None])

    def render(self):
        """The picture of the curve and the paths so far, as an RGB array."""
        path = np.stack(self.path)  # (recorded steps, starts)
        grid = np.linspace(*self.weight_range, self.curve_points)
        figure = Figure(figsize=(7.2, 4.4), dpi=80)
        # Fixed margins: `tight_layout` would cost more than everything else in the picture.
        figure.subplots_adjust(left=0.09, right=0.7, bottom=0.12, top=0.91)
        axes = figure.add_subplot()
        axes.plot(grid, self.losses_of(grid), color="black", linewidth=1.2, label=_("loss"))
        colours = start_colours(path.shape[1])
        for start in range(path.shape[1]):
            weights = path[:, start]
            losses = self.losses_of(weights)
            axes.plot(weights, losses, ".-", color=colours[start], markersize=3, linewidth=0.8,
                      label=_("start {number}: {first:.2f} → {last:.2f}").format(
                          number=start, first=weights[0], last=weights[-1]))
            axes.plot(weights[0], losses[0], "o", color=colours[start], markersize=7, fillstyle="none")
            axes.plot(weights[-1], losses[-1], "*", color=colours[start], markersize=12)
        axes.set_xlim(*self.weight_range)
        axes.set_xlabel(_("the weight (o: where a start began, *: where it ended)"))
        axes.set_ylabel(_("loss"))
        axes.set_title(self.title, fontsize=10)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        return figure_to_array(figure)


def start_colours(count):
    """`count` distinct colours from Matplotlib's qualitative `tab10` (then `tab20`) palette."""
    from matplotlib import colormaps

    palette = colormaps["tab10" if count <= 10 else "tab20"]
    return [palette(index % palette.N) for index in range(count)]

