"""Writing TensorBoard values fast: many values as one event, histograms and PNGs in NumPy.

`tf.summary.scalar`, `tf.summary.histogram` and `tf.summary.image` each run one eager
TensorFlow op (the histogram and image ones several), about 0.2 ms apiece however small the
value: for a small network, whose reporting writes some thirty values per log point, that was
more than the arithmetic of the training itself. `Summaries` collects the values of one log
point and writes them as one event (`tf.summary.experimental.write_raw_pb`): the same tags,
plugin metadata and tensors as those functions write, so TensorBoard and
`EventAccumulator` read them alike.

Example:
    >>> with writer.as_default(step=step):
    ...     summaries = Summaries()
    ...     summaries.scalar("activation_mean/hidden", 0.12)
    ...     summaries.histogram("activations/hidden", outputs)
    ...     summaries.write()
"""

import struct
import zlib

import numpy as np
import tensorflow as tf
from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.plugins.histogram import metadata as histogram_metadata
from tensorboard.plugins.image import metadata as image_metadata
from tensorboard.plugins.scalar import metadata as scalar_metadata


# Values bucketed at a time by `histogram_buckets`: their float64 work fits in the CPU's cache.
_BLOCK = 1 << 16


def histogram_buckets(values, bucket_count=30, value_range=None):
    """(bucket_count, 3) rows of left edge, right edge and count: TensorBoard's histogram format.

    The same buckets as `tf.summary.histogram` (equal widths from min to max; every value in
    the last bucket when all are equal), computed in NumPy: in eager mode TensorBoard's own op
    costs about 5 ms a call, which made the histograms most of a small lesson's run time.
    With `value_range=(low, high)` the buckets span that range instead (values outside it
    count in the first or last bucket), so that several histograms can share their edges.
    Each value's bucket is worked out in float64, whatever the values' type, a block of them
    at a time: a float32 layer output is not copied whole into float64 first.
    """
    values = _flat(values)
    if values.size == 0 and value_range is None:
        return np.zeros((bucket_count, 3))
    low, high = value_range if value_range is not None else (values.min(), values.max())
    return _bucket(values, float(low), float(high), bucket_count)[0]


def buckets_and_moments(values, bucket_count=30):
    """(the buckets of `histogram_buckets`, mean, std) of an array, or None when a value is not finite.

    One pass over the values after their minimum and maximum (which tell whether they are all
    finite): each block is bucketed and summed in float64 at once. The std comes from the sums
    of the values and of their squares measured from the minimum, in float64; it agrees with
    NumPy's two-pass `np.std(values, dtype=np.float64)` to about 1e-12 for any layer output.
    """
    values = _flat(values)
    if values.size == 0:
        return np.zeros((bucket_count, 3)), float("nan"), float("nan")
    low, high = float(values.min()), float(values.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    buckets, total, squares = _bucket(values, low, high, bucket_count, moments=True)
    shift = total / values.size
    return buckets, low + shift, float(np.sqrt(max(squares / values.size - shift * shift, 0.0)))


def _flat(values):
    """The values as a flat array of floats (other numbers in float64)."""
    values = np.asarray(values).ravel()
    return values if values.dtype.kind == "f" else values.astype(np.float64)


def _bucket(values, low, high, bucket_count, moments=False):
    """(buckets from low to high, sum of values - low, sum of their squares), in float64 blockwise.

    The sums are computed only with `moments` (else 0).
    """
    total = squares = 0.0
    if low == high:
        counts = np.zeros(bucket_count)
        counts[-1] = values.size
        buckets = np.stack([np.full(bucket_count, high), np.full(bucket_count, high), counts], axis=1)
        return buckets, total, squares
    edges = np.linspace(low, high, bucket_count + 1)
    edges[-1] = high
    width = (high - low) / bucket_count
    counts = np.zeros(bucket_count, dtype=np.int64)
    work = np.empty(min(_BLOCK, values.size))
    for start in range(0, values.size, _BLOCK):
        block = work[:min(_BLOCK, values.size - start)]
        np.subtract(values[start:start + _BLOCK], low, out=block, dtype=np.float64)
        if moments:
            total += float(block.sum())
            squares += float(np.dot(block, block))
        block /= width
        np.floor(block, out=block)
        index = block.astype(np.intp)
        np.clip(index, 0, bucket_count - 1, out=index)
        counts += np.bincount(index, minlength=bucket_count)
    return np.stack([edges[:-1], edges[1:], counts.astype(np.float64)], axis=1), total, squares


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image):
    """The PNG file of an RGB uint8 image, encoded for speed and size.

    Every row is stored as its difference from the row above (PNG's "Up" filter): the frames,
    margins and heat maps change little from one row to the next, so the differences are
    mostly zeros, which zlib's fast level 3 packs well. This takes about 2 ms for a 680 x 342
    network map, against 8 ms for Pillow's fastest level, and gives a file a tenth smaller.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a (height, width, 3) uint8 image, got {image.dtype} {image.shape}")
    height, width = image.shape[:2]
    rows = image.reshape(height, width * 3)
    filtered = np.empty((height, width * 3 + 1), dtype=np.uint8)
    filtered[:, 0] = 2  # the filter type of every row: Up
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # uint8 arithmetic wraps, as PNG's does
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, not interlaced
    return b"".join([b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", header),
                     _png_chunk(b"IDAT", zlib.compress(filtered, 3)), _png_chunk(b"IEND", b"")])


def _shape(dims):
    return tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=size) for size in dims])


class Summaries:
    """The values of one log point, written as one event to the default summary writer.

    Each method adds one value with its tag, as the `tf.summary` function it is named after
    would write it; `write` writes them all (and forgets them). Nothing reaches the file
    before `write`.
    """

    def __init__(self):
        self._summary = summary_pb2.Summary()

    def __len__(self):
        return len(self._summary.value)

    def scalar(self, tag, value):
        """A float32 scalar, as `tf.summary.scalar` writes it."""
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, tensor_shape=_shape(()),
                                        float_val=[float(value)])
        self._add(tag, tensor, scalar_metadata.create_summary_metadata(display_name=tag, description=""))

    def histogram(self, tag, values, bucket_count=30, value_range=None):
        """A histogram of `values` (see `histogram_buckets`), as `tf.summary.histogram` writes it."""
        self.buckets(tag, histogram_buckets(values, bucket_count, value_range))

    def buckets(self, tag, buckets):
        """A histogram already bucketed (the rows of `histogram_buckets`), as `tf.summary.histogram` writes it."""
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_DOUBLE, tensor_shape=_shape(buckets.shape),
                                        tensor_content=buckets.astype("<f8").tobytes())
        self._add(tag, tensor, histogram_metadata.create_summary_metadata(display_name=tag, description=""))

    def image(self, tag, image):
        """An RGB uint8 image as a PNG (see `encode_png`), as `tf.summary.image` writes one."""
        height, width = np.shape(image)[:2]
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, tensor_shape=_shape((3,)),
                                        string_val=[str(width).encode(), str(height).encode(), encode_png(image)])
        self._add(tag, tensor, image_metadata.create_summary_metadata(display_name=tag, description=""))

    def write(self, step=None):
        """Writes the values as one event at `step` (the default writer's step when None)."""
        if not self._summary.value:
            return False
        written = tf.summary.experimental.write_raw_pb(self._summary.SerializeToString(), step=step)
        self._summary = summary_pb2.Summary()
        return written

    def _add(self, tag, tensor, metadata):
        self._summary.value.add(tag=tag, tensor=tensor, metadata=metadata)


def write_histogram(tag, values, step=None, bucket_count=30, value_range=None):
    """Writes one histogram to the default summary writer, as `tf.summary.histogram` would."""
    summaries = Summaries()
    summaries.histogram(tag, values, bucket_count, value_range)
    return summaries.write(step)


def write_image(tag, image, step=None):
    """Writes one RGB uint8 image to the default summary writer, as `tf.summary.image` would."""
    summaries = Summaries()
    summaries.image(tag, image)
    return summaries.write(step)
