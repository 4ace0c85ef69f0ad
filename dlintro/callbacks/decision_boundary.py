"""Pictures of a two-input binary classifier's output over the input plane."""

import numpy as np
import tensorflow as tf

from dlintro.callbacks.probe import ProbeCallback, all_finite

# Colours: class 0 blue, class 1 orange, the undecided middle white, as in most textbooks.
_CLASS_0 = np.array([33, 102, 172], dtype=np.float32)
_CLASS_1 = np.array([230, 97, 1], dtype=np.float32)
_WHITE = np.array([247, 247, 247], dtype=np.float32)


def render_decision_boundary(probability, points, labels, extent, point_radius=None):
    """Draws a probability grid with the 0.5 line and the data points as an RGB image.

    Args:
        probability: (rows, cols) array of P(class 1); row 0 is the top of the picture.
        points: (n, 2) data points in input coordinates.
        labels: (n,) 0/1 labels of the points.
        extent: (x_min, x_max, y_min, y_max) of the grid in input coordinates.
        point_radius: radius of a point in pixels; by default a 40th of the picture's side.

    Returns:
        A (rows, cols, 3) uint8 array.
    """
    rows, cols = probability.shape
    p = np.clip(probability, 0.0, 1.0)[..., None]
    toward = np.where(p >= 0.5, _CLASS_1, _CLASS_0)
    strength = np.abs(p - 0.5) * 2.0 * 0.75  # keep the strongest colour light enough to see points
    image = _WHITE + (toward - _WHITE) * strength
    above = probability >= 0.5
    edge = np.zeros_like(above)
    edge[:, 1:] |= above[:, 1:] != above[:, :-1]
    edge[1:, :] |= above[1:, :] != above[:-1, :]
    image[edge] = 40.0
    x_min, x_max, y_min, y_max = extent
    column = (points[:, 0] - x_min) / (x_max - x_min) * (cols - 1)
    row = (y_max - points[:, 1]) / (y_max - y_min) * (rows - 1)
    radius = point_radius or max(2.0, min(rows, cols) / 40.0)
    grid_row, grid_column = np.mgrid[0:rows, 0:cols]
    for r, c, label in zip(row, column, labels):
        distance = np.hypot(grid_row - r, grid_column - c)
        image[distance <= radius + 1.0] = 0.0
        image[distance <= radius] = _CLASS_1 if label else _CLASS_0
    return image.astype(np.uint8)


def default_extent(points, margin=0.25):
    """The points' bounding box, widened by `margin` of its size on every side."""
    low, high = points.min(axis=0), points.max(axis=0)
    pad = (high - low) * margin
    return (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])


class DecisionBoundaryImages(ProbeCallback):
    """Logs a picture of where a two-input binary classifier says 0 and where 1.

    The image `decision_boundary` shows P(class 1) over the input plane (blue 0, orange 1,
    with a dark line at 0.5) and the data points coloured by their true label. With `every`
    set, the Images dashboard's step slider shows the boundary forming over training.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        points: (n, 2) points to draw (usually the training data).
        labels: (n,) or (n, 1) 0/1 labels of the points.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        extent: (x_min, x_max, y_min, y_max) of the plane; the points' box widened by a quarter.
        resolution: pixels per side of the picture.
        point_radius: radius of a data point in pixels (smaller for many points).

    Example:
        >>> callback = DecisionBoundaryImages("runs/mine", points=x, labels=y, every=10)
        >>> model.fit(x, y, epochs=100, callbacks=[callback])
    """

    def __init__(
        self,
        log_dir,
        points,
        labels,
        every=1,
        passes_per_epoch=1,
        extent=None,
        resolution=96,
        point_radius=None,
    ):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.points = np.asarray(points, dtype=np.float32)
        self.labels = np.asarray(labels).reshape(-1).astype(int)
        self.point_radius = point_radius
        self.extent = tuple(extent) if extent is not None else default_extent(self.points)
        x_min, x_max, y_min, y_max = self.extent
        xs = np.linspace(x_min, x_max, resolution, dtype=np.float32)
        ys = np.linspace(y_max, y_min, resolution, dtype=np.float32)
        grid_x, grid_y = np.meshgrid(xs, ys)
        self._grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
        self._shape = grid_x.shape

    def probability_grid(self):
        """P(class 1) over the plane, as a (resolution, resolution) array."""
        output = np.asarray(self.model(self._grid, training=False))
        if output.ndim != 2 or output.shape[1] != 1:
            raise ValueError(f"expected one sigmoid output per point, got shape {output.shape}")
        return output.reshape(self._shape)

    def summarize(self, step):
        probability = self.probability_grid()
        if not all_finite([probability]):
            return False
        image = render_decision_boundary(
            probability, self.points, self.labels, self.extent, self.point_radius
        )
        tf.summary.image("decision_boundary", image[None], step=step)
        return True
