"""Pictures of a two-input binary classifier's output over the input plane."""

import numpy as np
from matplotlib.lines import Line2D

from dlintro.i18n import _
from dlintro.callbacks.dense import dense_chain, dense_outputs
from dlintro.callbacks.pictures import (
    BLUE,
    ORANGE,
    PicturePanel,
    diverging_colormap,
    diverging_colours,
    hex_colour,
    picture_title,
    plane_grid,
    run_name,
    shared_panel,
)
from dlintro.callbacks.probe import ProbeCallback, all_finite
from dlintro.callbacks.summaries import write_image

# The strongest colour of the plane stays light, so that the dots and the 0.5 line stand out.
STRONGEST_PROBABILITY_COLOUR = 0.75
BOUNDARY_GREY = 40.0  # the grey level of the line where P(class 1) crosses 0.5


def render_decision_boundary(probability):
    """Colours a probability grid (blue 0, white 0.5, orange 1) and draws its 0.5 line, in NumPy.

    Args:
        probability: (rows, cols) array of P(class 1); row 0 is the top of the picture.

    Returns:
        A (rows, cols, 3) uint8 array.
    """
    p = np.clip(probability, 0.0, 1.0)
    image = diverging_colours((p - 0.5) * 2.0 * STRONGEST_PROBABILITY_COLOUR)
    above = probability >= 0.5
    edge = np.zeros_like(above)
    edge[:, 1:] |= above[:, 1:] != above[:, :-1]
    edge[1:, :] |= above[1:, :] != above[:-1, :]
    image[edge] = BOUNDARY_GREY
    return image.astype(np.uint8)


def default_extent(points, margin=0.25):
    """The points' bounding box, widened by `margin` of its size on every side."""
    low, high = points.min(axis=0), points.max(axis=0)
    pad = (high - low) * margin
    return (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])


def class_legend():
    """Legend entries of the data points, by class, in the current language."""
    return [
        Line2D([], [], marker="o", linestyle="none", markerfacecolor=hex_colour(colour),
               markeredgecolor="black", markeredgewidth=0.6, label=label)
        for colour, label in ((BLUE, _("class 0 point")), (ORANGE, _("class 1 point")))
    ]


def decision_boundary_panel(extent, resolution):
    """The frame of the pictures: axes in input units, a P(class 1) colour bar, the class legend."""
    legend = class_legend()
    legend.append(Line2D([], [], color=hex_colour([BOUNDARY_GREY] * 3), label="P = 0.5"))
    return PicturePanel(
        (resolution, resolution),
        zoom=max(1, 288 // resolution),
        extent=extent,
        colour_bar=(diverging_colormap(STRONGEST_PROBABILITY_COLOUR), 0.0, 1.0, _("P(class 1)")),
        legend=legend,
    )


class DecisionBoundaryImages(ProbeCallback):
    """Logs a picture of where a two-input binary classifier says 0 and where 1.

    The image `decision_boundary` shows P(class 1) over the input plane (blue 0, white 0.5,
    orange 1, as its colour bar says, with a dark line at 0.5) and the data points coloured by
    their true label, as small outlined, half-transparent dots that leave the line visible.
    Its title names the run and the step; with `every` set, the Images dashboard's step slider
    shows the boundary forming over training.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        points: (n, 2) points to draw (usually the training data).
        labels: (n,) or (n, 1) 0/1 labels of the points.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        extent: (x_min, x_max, y_min, y_max) of the plane; the points' box widened by a quarter.
        resolution: points of the plane per side of the picture.
        title: what the picture calls the run; the last part of `log_dir` by default.

    Example:
        >>> callback = DecisionBoundaryImages("runs/mine", points=x, labels=y, every=10)
        >>> model.fit(x, y, epochs=100, callbacks=[callback])
    """

    def __init__(self, log_dir, points, labels, every=1, passes_per_epoch=1, extent=None,
                 resolution=96, title=None):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.points = np.asarray(points, dtype=np.float32)
        self.labels = np.asarray(labels).reshape(-1).astype(int)
        self.extent = tuple(extent) if extent is not None else default_extent(self.points)
        self.resolution = resolution
        self.title = title or run_name(log_dir)
        self._grid, self._shape = plane_grid(self.extent, resolution)
        self._panel = None
        self._dots = None
        self._chain = None  # the model's Dense layers, when it is a chain of them

    def on_train_begin(self, logs=None):
        # A network of Dense layers is computed in NumPy (see `dense_outputs`), any other model
        # by calling it.
        try:
            self._chain = dense_chain(self.model)
        except (ValueError, AttributeError):
            self._chain = None
        super().on_train_begin(logs)

    def probability_grid(self):
        """P(class 1) over the plane, as a (resolution, resolution) array."""
        if self._chain:
            output = dense_outputs(self._chain, self._grid)[-1]
        else:
            output = np.asarray(self.model(self._grid, training=False))
        if output.ndim != 2 or output.shape[1] != 1:
            raise ValueError(f"expected one sigmoid output per point, got shape {output.shape}")
        return output.reshape(self._shape)

    def summarize(self, step):
        probability = self.probability_grid()
        if not all_finite([probability]):
            return False
        self.in_background(step, self._draw, probability)
        return True

    def _draw(self, step, probability):
        extent = tuple(float(value) for value in self.extent)
        panel = shared_panel(decision_boundary_panel, extent, self.resolution)  # one per language
        if panel is not self._panel:
            self._panel = panel
            colours = np.where(self.labels[:, None] == 1, ORANGE, BLUE) / 255.0
            # Few points are drawn big enough to find, many small enough to leave the plane visible.
            size = float(np.clip(1500 / len(self.points), 10, 60))
            self._dots = self._panel.points(self.points, colours, size)
        image = self._panel.render(render_decision_boundary(probability), picture_title(self.title, step),
                                   marks=[self._dots])
        write_image("decision_boundary", image, step=step)
