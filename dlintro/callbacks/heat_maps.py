"""Heat maps of signed values and grids of small pictures, in plain NumPy (fast enough to log)."""

import numpy as np

from dlintro.callbacks.pictures import (
    PicturePanel,
    diverging_colormap,
    diverging_colours,
    shared_panel,
)
from dlintro.callbacks.summaries import write_image

_GAP = 150  # the grey between tiles


def diverging_heat_map(values, scale=None):
    """Colours a 2-D array: blue below zero, white at zero, orange above, as RGB uint8.

    Args:
        values: a (rows, cols) array.
        scale: the magnitude drawn at full colour; the array's largest magnitude by default.
    """
    values = np.asarray(values, dtype=np.float32)
    if scale is None:
        scale = float(np.max(np.abs(values)))
    return diverging_colours(values / (scale or 1.0)).astype(np.uint8)


def upscale(image, factor):
    """Repeats every pixel of an (rows, cols, 3) image into a factor x factor block."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def tile(images, columns, gap=2, background=255):
    """Lays equally sized (rows, cols, 3) pictures out in a grid, `gap` pixels apart."""
    if not images:
        raise ValueError("need at least one picture to tile")
    rows_of_tiles = -(-len(images) // columns)
    height, width = images[0].shape[:2]
    grid = np.full(
        (rows_of_tiles * (height + gap) - gap, columns * (width + gap) - gap, 3), background, np.uint8
    )
    for index, image in enumerate(images):
        top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
        grid[top : top + height, left : left + width] = image
    return grid


def heat_map_tiles(arrays, columns, pixels_per_value=1, gap=2):
    """Tiles of 2-D arrays on one shared colour scale, and that scale (their largest magnitude).

    One scale for all tiles lets a learner compare them: a weak unit or filter looks pale, a
    silent one white.
    """
    scale = max(float(np.max(np.abs(array))) for array in arrays)
    tiles = [upscale(diverging_heat_map(array, scale), pixels_per_value) for array in arrays]
    # Grey gaps: a white gap would run into the white of a tile's zero values.
    return tile(tiles, columns, gap=gap, background=_GAP), scale


def heat_map_panel(shape, label, smallest_side=280):
    """A frame for tiled heat maps: their title and a colour bar labelled with each one's range.

    The tiles are enlarged by a whole factor until their longer side is at least `smallest_side`.
    """
    zoom = max(1, -(-smallest_side // max(shape)))
    return PicturePanel(shape, zoom=zoom, colour_bar=(diverging_colormap(), None, None, label))


def write_heat_map_tiles(tag, tiles, scale, label, title, step):
    """Frames and writes tiles from `heat_map_tiles` (colour bar -scale to scale); returns the panel."""
    panel = shared_panel(heat_map_panel, tiles.shape[:2], label)
    write_image(tag, panel.render(tiles, title, value_range=(-scale, scale)), step=step)
    return panel
