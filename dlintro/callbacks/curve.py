"""Pictures of a one-input regression model's curve drawn over the curve it should fit."""

import numpy as np
import tensorflow as tf
from matplotlib.lines import Line2D

from dlintro.callbacks.pictures import (
    BLUE,
    GREY,
    ORANGE,
    PicturePanel,
    hex_colour,
    picture_title,
    run_name,
    shared_panel,
)
from dlintro.callbacks.probe import ProbeCallback, all_finite
from dlintro.i18n import _
from dlintro.callbacks.summaries import write_image

# Colours: the target curve dark grey, the model's curve orange, training points blue.
_BACKGROUND = np.array([255, 255, 255], dtype=np.uint8)
_AXIS = np.array([200, 200, 200], dtype=np.uint8)
_TARGET = GREY.astype(np.uint8)
_FITTED = ORANGE.astype(np.uint8)
_POINTS = BLUE.astype(np.uint8)


def distance_from_line(x, y):
    """The largest distance of the points (x, y) from their least-squares straight line.

    Zero (up to float round-off) exactly when the points lie on one straight line.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    design = np.stack([x, np.ones_like(x)], axis=1)
    coefficients, *unused = np.linalg.lstsq(design, y, rcond=None)
    return float(np.max(np.abs(y - design @ coefficients)))


def _rows(values, y_range, height):
    """Picture rows (0 at the top, may lie outside the picture) of values on the y axis."""
    y_min, y_max = y_range
    return (y_max - np.asarray(values, dtype=np.float64)) / (y_max - y_min) * (height - 1)


def _draw_curve(image, rows, colour, thickness):
    """Draws a curve given by one row position per picture column, joining neighbours."""
    height = image.shape[0]
    rows = np.clip(rows, -1.0, height)  # off-picture parts run along the edge
    previous = np.concatenate([rows[:1], rows[:-1]])
    low = np.minimum(rows, previous) - thickness / 2
    high = np.maximum(rows, previous) + thickness / 2
    grid = np.arange(height)[:, None]
    image[(grid >= low) & (grid <= high)] = colour


def default_y_range(target):
    """The target's range widened by a quarter of it on each side."""
    low, high = float(np.min(target)), float(np.max(target))
    pad = 0.25 * (high - low or 1.0)
    return (low - pad, high + pad)


def curve_panel(size, extent):
    """The frame of the curve pictures: axes in input and output units and a legend."""
    legend = [
        Line2D([], [], color=hex_colour(GREY), linewidth=2.5, label=_("target")),
        Line2D([], [], color=hex_colour(ORANGE), linewidth=2, label=_("model")),
        Line2D([], [], color=hex_colour(BLUE), marker="s", markersize=3, linestyle="none",
               label=_("training points")),
    ]
    return PicturePanel(size, extent=extent, axis_labels=("x", "y"), legend=legend)


def render_curve(x_grid, target, fitted, points=None, y_range=None, size=(200, 320)):
    """Draws a target curve, a fitted curve and optional data points as an RGB image.

    Args:
        x_grid: (size[1],) evenly spaced inputs, one per picture column, left to right.
        target: (size[1],) the target function on `x_grid`.
        fitted: (size[1],) the model's output on `x_grid`.
        points: optional (x, y) arrays of data points to mark.
        y_range: (y_min, y_max) of the picture; the target's range widened by a quarter.
        size: (height, width) in pixels; `width` must equal `len(x_grid)`.

    Returns:
        A (height, width, 3) uint8 array: target dark grey, fitted curve orange, points blue,
        and a light grey line at y = 0.
    """
    height, width = size
    if len(x_grid) != width:
        raise ValueError(f"need one x per picture column ({width}), got {len(x_grid)}")
    if y_range is None:
        y_range = default_y_range(target)
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:] = _BACKGROUND
    zero_row = int(round(float(_rows(0.0, y_range, height))))
    if 0 <= zero_row < height:
        image[zero_row] = _AXIS
    _draw_curve(image, _rows(target, y_range, height), _TARGET, thickness=3.0)
    # The points go over the target, which they usually lie on, and under the model's curve.
    if points is not None:
        x_min, x_max = float(x_grid[0]), float(x_grid[-1])
        columns = np.round((np.asarray(points[0]).ravel() - x_min) / (x_max - x_min) * (width - 1))
        point_rows = np.round(_rows(np.asarray(points[1]).ravel(), y_range, height))
        for row, column in zip(point_rows.astype(int), columns.astype(int)):
            image[max(row - 1, 0) : row + 2, max(column - 1, 0) : column + 2] = _POINTS
    _draw_curve(image, _rows(fitted, y_range, height), _FITTED, thickness=2.0)
    return image


class FittedCurveImages(ProbeCallback):
    """Logs a picture of a one-input, one-output model's curve against the target curve.

    The image `fitted_curve` shows the target (dark grey), the model's output (orange) and the
    training points (blue) over the input interval, with axes, a legend and a title naming the
    run and the step; the Images dashboard's step slider shows the curve bending into shape
    over training. The scalar `fitted_curve/distance_from_line`
    is how far the model's curve is from its own best straight line, in units of the target's
    standard deviation: about 1e-6 (float32 round-off) for a net that can only draw lines.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        target_function: maps an array of inputs to the target outputs (NumPy in, NumPy out).
        x_range: (x_min, x_max) of the picture.
        points: optional (x, y) training data to mark.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        size: (height, width) of the plotting area in pixels.
        title: what the picture calls the run; the last part of `log_dir` by default.

    Example:
        >>> callback = FittedCurveImages("runs/mine", np.sin, x_range=(-3, 3), points=(x, y))
        >>> model.fit(x, y, epochs=100, callbacks=[callback])
    """

    def __init__(self, log_dir, target_function, x_range, points=None, every=1, passes_per_epoch=1,
                 size=(200, 320), title=None):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.size = tuple(size)
        self.points = points
        self.title = title or run_name(log_dir)
        self.x_grid = np.linspace(x_range[0], x_range[1], size[1], dtype=np.float32)
        self.target = np.asarray(target_function(self.x_grid), dtype=np.float32)
        self.y_range = default_y_range(self.target)
        self._scale = float(np.std(self.target)) or 1.0
        self._panel = None

    def summarize(self, step):
        fitted = np.asarray(self.model(self.x_grid[:, None], training=False)).reshape(-1)
        if not all_finite([fitted]):
            return False
        distance = distance_from_line(self.x_grid, fitted) / self._scale
        tf.summary.scalar("fitted_curve/distance_from_line", distance, step=step)
        self.in_background(step, self._draw, fitted)
        return True

    def _draw(self, step, fitted):
        extent = (float(self.x_grid[0]), float(self.x_grid[-1]), *self.y_range)
        self._panel = shared_panel(curve_panel, self.size, extent)  # one per language
        curve = render_curve(self.x_grid, self.target, fitted, self.points, self.y_range, self.size)
        write_image("fitted_curve", self._panel.render(curve, picture_title(self.title, step)), step=step)
