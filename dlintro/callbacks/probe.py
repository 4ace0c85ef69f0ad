"""What the callbacks share: the step convention, the probe gradient, histogram and figure helpers, ProbeCallback."""

import keras
import numpy as np
import tensorflow as tf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from tensorboard.plugins.histogram import metadata as histogram_metadata


def figure_to_array(figure):
    """Renders a Matplotlib figure into an (height, width, 3) uint8 RGB array.

    A bare `Figure` drawn by the Agg canvas renders in memory, without pyplot's global state.
    """
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def epoch_step(epoch, passes_per_epoch):
    """The TensorBoard step after Keras epoch `epoch`: passes over the data completed.

    Every dlintro callback counts steps this way (step 0 is the untrained model), so that
    curves, histograms and pictures line up even when one Keras epoch covers several passes.
    """
    return (epoch + 1) * passes_per_epoch


def all_finite(arrays):
    """True when every value in every array is finite (no NaN, no Inf)."""
    return all(np.all(np.isfinite(array)) for array in arrays)


def symbolic_input(model, probe_x):
    """The model's symbolic input, building one from the probe's shape when it has none.

    A Sequential model declared without an `Input` has no symbolic input before it is called
    (Keras builds it at the first training step, after `on_train_begin`); `build` gives it one.
    """
    try:
        inputs = model.inputs
    except AttributeError:
        model.build((None, *probe_x.shape[1:]))
        inputs = model.inputs
    return inputs[0] if len(inputs) == 1 else inputs


def probe_gradients(model, probe_x, per_layer=None):
    """The layers with trainable weights and a traced function of their loss gradients.

    The gradient is that of the compiled loss (regularization included) in inference mode, so
    that dropout does not make a probe noisy. The callbacks that look at gradients share this
    one definition, so that their numbers describe the same gradient.

    Args:
        model: a compiled `keras.Model`.
        probe_x: a batch of inputs, to build a Sequential model declared without `Input`.
        per_layer: optional function applied to each layer's list of gradients inside the
            traced function (for example `tf.linalg.global_norm`).

    Returns:
        (layers, gradients): `gradients(x, y)` returns one entry per layer, the list of the
        gradients of its trainable weights in their order (or `per_layer` of that list).
    """
    symbolic_input(model, probe_x)  # builds a never-called Sequential's weights
    layers = [layer for layer in model.layers if layer.trainable_weights]
    weights = [layer.trainable_weights for layer in layers]

    @tf.function
    def gradients(x, y):
        with tf.GradientTape() as tape:
            y_pred = model(x, training=False)
            loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
        per_weight = tape.gradient(loss, weights)
        return per_weight if per_layer is None else [per_layer(layer) for layer in per_weight]

    return layers, gradients


def histogram_buckets(values, bucket_count=30, value_range=None):
    """(bucket_count, 3) rows of left edge, right edge and count: TensorBoard's histogram format.

    The same buckets as `tf.summary.histogram` (equal widths from min to max; every value in
    the last bucket when all are equal), computed in NumPy: in eager mode TensorBoard's own op
    costs about 5 ms a call, which made the histograms most of a small lesson's run time.
    With `value_range=(low, high)` the buckets span that range instead (values outside it
    count in the first or last bucket), so that several histograms can share their edges.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        return np.zeros((bucket_count, 3))
    low, high = value_range if value_range is not None else (values.min(), values.max())
    if low == high:
        counts = np.zeros(bucket_count)
        counts[-1] = values.size
        return np.stack([np.full(bucket_count, high), np.full(bucket_count, high), counts], axis=1)
    edges = np.linspace(low, high, bucket_count + 1)
    edges[-1] = high
    width = (high - low) / bucket_count
    index = np.clip(np.floor((values - low) / width).astype(np.int64), 0, bucket_count - 1)
    counts = np.bincount(index, minlength=bucket_count).astype(np.float64)
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def write_histogram(tag, values, step=None, bucket_count=30, value_range=None):
    """Writes a histogram to the default summary writer, as `tf.summary.histogram` would."""
    return tf.summary.write(
        tag,
        tf.constant(histogram_buckets(values, bucket_count, value_range)),
        step=step,
        metadata=histogram_metadata.create_summary_metadata(display_name=tag, description=""),
    )


class ProbeCallback(keras.callbacks.Callback):
    """Logs something about the model on a fixed probe batch, before training and every N epochs.

    Subclasses implement `summarize(step)`, which computes its values, and returns False,
    writing nothing, when any of them is not finite. TensorBoard steps count passes over the
    data: step 0 is the untrained model, and one Keras epoch adds `passes_per_epoch` (more than
    1 when a repeated dataset makes one `fit` epoch cover several passes).

    Args:
        log_dir: directory of the TensorBoard run to write into.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
    """

    def __init__(self, log_dir, every=1, passes_per_epoch=1):
        super().__init__()
        if every < 1 or passes_per_epoch < 1:
            raise ValueError("every and passes_per_epoch must be at least 1")
        self.log_dir = str(log_dir)
        self.every = every
        self.passes_per_epoch = passes_per_epoch
        self.skipped_steps = []  # steps not written because a value was not finite
        self._writer = None

    @property
    def writer(self):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        return self._writer

    def on_train_begin(self, logs=None):
        self._log(0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._log(epoch_step(epoch, self.passes_per_epoch))

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()

    def _log(self, step):
        with self.writer.as_default(step=step):
            if not self.summarize(step):
                self.skipped_steps.append(step)

    def summarize(self, step):
        raise NotImplementedError
