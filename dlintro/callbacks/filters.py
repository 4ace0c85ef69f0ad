"""Pictures of the filters (kernels) a 2-D convolution layer has learned."""

import numpy as np
import tensorflow as tf

from dlintro.callbacks.heat_maps import diverging_heat_map, tile, upscale
from dlintro.callbacks.probe import ProbeCallback, all_finite


class FilterImages(ProbeCallback):
    """Logs the kernels of a `Conv2D` layer as a grid of small heat maps.

    The image `filters/<layer>` has one tile per filter (and per input channel, one row of
    tiles each): every weight of the kernel is a square, orange for a positive weight, blue
    for a negative one, white near zero, each filter scaled to its own largest weight. A
    filter responds most where the image looks like its orange part and unlike its blue part,
    so the tiles show which little patterns (strokes, edges, corners) the layer looks for.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        layer_name: the `Conv2D` layer to draw.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        pixels_per_weight: side of the square that draws one weight.

    Example:
        >>> callback = FilterImages("runs/mine", "conv")
        >>> model.fit(images, labels, epochs=10, callbacks=[callback])
    """

    def __init__(self, log_dir, layer_name, every=1, passes_per_epoch=1, pixels_per_weight=10):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.layer_name = layer_name
        self.pixels_per_weight = pixels_per_weight

    def summarize(self, step):
        kernel = np.asarray(self.model.get_layer(self.layer_name).kernel)
        if kernel.ndim != 4:
            raise ValueError(f"layer {self.layer_name!r} is not a 2-D convolution (kernel {kernel.shape})")
        if not all_finite([kernel]):
            return False
        _, _, channels, filters = kernel.shape
        tiles = [
            upscale(diverging_heat_map(kernel[:, :, channel, index]), self.pixels_per_weight)
            for channel in range(channels)
            for index in range(filters)
        ]
        image = tile(tiles, columns=filters, gap=max(2, self.pixels_per_weight // 3))
        tf.summary.image(f"filters/{self.layer_name}", image[None], step=step)
        return True
