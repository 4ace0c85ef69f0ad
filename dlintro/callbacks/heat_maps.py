"""Heat maps of signed values and grids of small pictures, in plain NumPy (fast enough to log)."""

import numpy as np

# Negative values blue, zero white, positive orange: the colours of the decision boundaries.
NEGATIVE = np.array([33, 102, 172], dtype=np.float32)
ZERO = np.array([247, 247, 247], dtype=np.float32)
POSITIVE = np.array([230, 97, 1], dtype=np.float32)


def diverging_heat_map(values, scale=None):
    """Colours a 2-D array: blue below zero, white at zero, orange above, as RGB uint8.

    Args:
        values: a (rows, cols) array.
        scale: the magnitude drawn at full colour; the array's largest magnitude by default.
    """
    values = np.asarray(values, dtype=np.float32)
    if scale is None:
        scale = float(np.max(np.abs(values)))
    share = np.clip(values / (scale or 1.0), -1.0, 1.0)[..., None]
    toward = np.where(share >= 0, POSITIVE, NEGATIVE)
    return (ZERO + (toward - ZERO) * np.abs(share)).astype(np.uint8)


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
