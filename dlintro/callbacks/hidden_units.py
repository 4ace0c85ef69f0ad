"""Pictures of what each hidden unit of a two-input network responds to, over the input plane."""

import math

import keras
import numpy as np
import tensorflow as tf

from dlintro.callbacks.heat_maps import diverging_heat_map, tile
from dlintro.callbacks.probe import ProbeCallback, all_finite


class HiddenUnitImages(ProbeCallback):
    """Logs one small heat map per unit of a layer: the unit's output over the input plane.

    The image `hidden_units/<layer>` is a grid with one tile per unit; each tile shows that
    unit's output for every point (x1, x2) of the plane, orange where it is positive, blue
    where negative, white at zero, each tile scaled to its own largest value. A ReLU unit
    shows a half-plane (it fires on one side of a straight line); the layers after it combine
    these features into the network's decision.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        layer_name: the layer whose units to draw; the model must take (x1, x2) inputs.
        extent: (x_min, x_max, y_min, y_max) of the plane.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        resolution: pixels per side of one tile.
        columns: tiles per row of the grid; about the square root of the number of units.

    Example:
        >>> callback = HiddenUnitImages("runs/mine", "hidden", extent=(-1.5, 1.5, -1.5, 1.5))
        >>> model.fit(x, y, epochs=100, callbacks=[callback])
    """

    def __init__(
        self, log_dir, layer_name, extent, every=1, passes_per_epoch=1, resolution=48, columns=None
    ):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.layer_name = layer_name
        self.columns = columns
        x_min, x_max, y_min, y_max = extent
        xs = np.linspace(x_min, x_max, resolution, dtype=np.float32)
        ys = np.linspace(y_max, y_min, resolution, dtype=np.float32)  # row 0 is the top
        grid_x, grid_y = np.meshgrid(xs, ys)
        self._grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
        self._shape = grid_x.shape
        self._layer_output = None

    def summarize(self, step):
        if self._layer_output is None:
            layer = self.model.get_layer(self.layer_name)
            self._layer_output = keras.Model(self.model.input, layer.output)
        outputs = np.asarray(self._layer_output(self._grid, training=False))
        if not all_finite([outputs]):
            return False
        units = outputs.shape[-1]
        columns = self.columns or math.ceil(math.sqrt(units))
        tiles = [diverging_heat_map(outputs[:, unit].reshape(self._shape)) for unit in range(units)]
        tf.summary.image(f"hidden_units/{self.layer_name}", tile(tiles, columns)[None], step=step)
        return True
