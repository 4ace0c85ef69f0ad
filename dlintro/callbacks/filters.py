"""Pictures of the filters (kernels) a 2-D convolution layer has learned."""

import numpy as np

from dlintro.callbacks.heat_maps import heat_map_tiles, write_heat_map_tiles
from dlintro.callbacks.pictures import picture_title, run_name
from dlintro.callbacks.probe import ProbeCallback, all_finite
from dlintro.i18n import _


class FilterImages(ProbeCallback):
    """Logs the kernels of a `Conv2D` layer as a grid of small heat maps.

    The image `filters/<layer>` has one tile per filter (and per input channel, one row of
    tiles each): every weight of the kernel is a square, orange for a positive weight, blue
    for a negative one, white near zero, all filters on one colour scale whose range the colour
    bar gives. A filter responds most where the image looks like its orange part and unlike its
    blue part, so the tiles show which little patterns the layer looks for. The title names the
    run and the step.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        layer_name: the `Conv2D` layer to draw.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        pixels_per_weight: side of the square that draws one weight.
        title: what the picture calls the run; the last part of `log_dir` by default.

    Example:
        >>> callback = FilterImages("runs/mine", "conv")
        >>> model.fit(images, labels, epochs=10, callbacks=[callback])
    """

    def __init__(self, log_dir, layer_name, every=1, passes_per_epoch=1, pixels_per_weight=10,
                 title=None):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.layer_name = layer_name
        self.pixels_per_weight = pixels_per_weight
        self.title = title or run_name(log_dir)
        self._panel = None

    def summarize(self, step):
        kernel = np.asarray(self.model.get_layer(self.layer_name).kernel)
        if kernel.ndim != 4:
            raise ValueError(f"layer {self.layer_name!r} is not a 2-D convolution (kernel {kernel.shape})")
        if not all_finite([kernel]):
            return False
        self.in_background(step, self._draw, kernel)
        return True

    def _draw(self, step, kernel):
        unused, unused, channels, filters = kernel.shape
        kernels = [kernel[:, :, channel, index] for channel in range(channels) for index in range(filters)]
        tiles, scale = heat_map_tiles(kernels, columns=filters, pixels_per_value=self.pixels_per_weight,
                                      gap=max(2, self.pixels_per_weight // 3))
        title = picture_title(_("{name}: {layer} filters").format(name=self.title, layer=self.layer_name), step)
        self._panel = write_heat_map_tiles(f"filters/{self.layer_name}", tiles, scale, _("weight"), title, step)
