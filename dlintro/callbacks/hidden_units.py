"""Pictures of what each hidden unit of a two-input network responds to, over the input plane."""

import math

import keras
import numpy as np

from dlintro.callbacks.heat_maps import heat_map_tiles, write_heat_map_tiles
from dlintro.callbacks.pictures import picture_title, plane_grid, run_name
from dlintro.callbacks.probe import ProbeCallback, all_finite, symbolic_input
from dlintro.i18n import _


class HiddenUnitImages(ProbeCallback):
    """Logs one small heat map per unit of a layer: the unit's output over the input plane.

    The image `hidden_units/<layer>` is a grid with one tile per unit, left to right and top
    to bottom in unit order; each tile shows that unit's output for every point (x1, x2) of
    the plane, orange where it is positive, blue where negative, white at zero. All tiles share
    one colour scale, whose range the colour bar gives, so a weak unit looks pale and a silent
    one (a dead ReLU) white. A ReLU unit shows a half-plane (it fires on one side of a straight
    line); the layers after it combine these features into the network's decision. The title
    names the run and the step.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        layer_name: the layer whose units to draw; the model must take (x1, x2) inputs.
        extent: (x_min, x_max, y_min, y_max) of the plane.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        resolution: pixels per side of one tile.
        columns: tiles per row of the grid; about the square root of the number of units.
        title: what the picture calls the run; the last part of `log_dir` by default.

    Example:
        >>> callback = HiddenUnitImages("runs/mine", "hidden", extent=(-1.5, 1.5, -1.5, 1.5))
        >>> model.fit(x, y, epochs=100, callbacks=[callback])
    """

    def __init__(self, log_dir, layer_name, extent, every=1, passes_per_epoch=1, resolution=48,
                 columns=None, title=None):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.layer_name = layer_name
        self.columns = columns
        self.title = title or run_name(log_dir)
        self._grid, self._shape = plane_grid(extent, resolution)
        self._layer_output = None
        self._panel = None

    def summarize(self, step):
        if self._layer_output is None:
            layer = self.model.get_layer(self.layer_name)
            self._layer_output = keras.Model(symbolic_input(self.model, self._grid), layer.output)
        outputs = np.asarray(self._layer_output(self._grid, training=False))
        if not all_finite([outputs]):
            return False
        self.in_background(step, self._draw, outputs)
        return True

    def _draw(self, step, outputs):
        units = outputs.shape[-1]
        columns = self.columns or math.ceil(math.sqrt(units))
        maps = [outputs[:, unit].reshape(self._shape) for unit in range(units)]
        tiles, scale = heat_map_tiles(maps, columns)
        title = picture_title(_("{name}: {layer} units").format(name=self.title, layer=self.layer_name), step)
        tag = f"hidden_units/{self.layer_name}"
        self._panel = write_heat_map_tiles(tag, tiles, scale, _("unit output"), title, step)
