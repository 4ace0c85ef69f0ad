"""Training a Keras model with the full TensorBoard reporting, fast on small data.

`fit` is what most lessons call; `LoopLog` gives a loop that a lesson writes itself (a
learning rule without an optimizer, pictures drawn after training) the same writer,
interruption and divergence handling. `fit` feeds the data as a repeated `tf.data` pipeline in which
one Keras epoch covers `log_every` passes over the data, run as one graph call
(`steps_per_execution`). On a 4-point dataset that is about 25x faster than one `fit` epoch
per pass, whose fixed cost (about 30 ms) would dwarf the few microseconds of arithmetic; and
it is also the natural logging interval. Every dlintro callback counts TensorBoard steps in
passes over the data, so curves, histograms and pictures line up: `fit` is the one step
clock, and tells every callback it is given how many passes one Keras epoch stands for.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard
from dlintro.callbacks.probe import epoch_step
from dlintro.runs import Diverged, stop_if_requested


class Interrupted(KeyboardInterrupt):
    """Training was stopped (Ctrl-C or SIGTERM) after `step` passes over the data."""

    def __init__(self, step):
        super().__init__(f"interrupted after step {step}")
        self.step = step


class StopWhenRequested(keras.callbacks.Callback):
    """Stops training at its next step after a Ctrl-C or SIGTERM whose KeyboardInterrupt was lost."""

    def on_train_begin(self, logs=None):
        stop_if_requested()

    def on_train_batch_end(self, batch, logs=None):
        stop_if_requested()


class TrainingMetricsAtStep(keras.callbacks.Callback):
    """Makes an epoch's training loss and metrics the model's values at the epoch's end.

    Keras reports, for the training data, the average over every batch of the epoch, and
    `fit` makes one Keras epoch cover `log_every` passes: the curves would show averages over
    the passes since the last log point (0.45 or 0.7 for a four-point XOR, which only has
    0, 0.25, 0.5, 0.75 and 1 to give). This callback evaluates the model on the whole training
    set in one batch (in inference mode, as validation is) and writes the result into the
    epoch's logs, before the TensorBoard callback and `History` read them. It calls the
    model's own `test_step` in one traced function rather than `model.evaluate`, whose set-up
    costs more than the evaluation itself on small data.

    Args:
        x, y: the training data, small enough to evaluate in one batch.
    """

    def __init__(self, x, y):
        super().__init__()
        self.data = (tf.convert_to_tensor(x), tf.convert_to_tensor(y))
        self._evaluate = None

    def _evaluate_once(self, data):
        """The model's loss and metrics on `data` alone, in one graph call with their resets."""
        for metric in self.model.metrics:
            metric.reset_state()
        values = self.model.test_step(data)
        for metric in self.model.metrics:
            metric.reset_state()  # Keras resets them too at the next epoch's start
        return values

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if self._evaluate is None:
            self._evaluate = tf.function(self._evaluate_once, reduce_retracing=True, autograph=False)
        values = self._evaluate(self.data)
        for key, value in values.items():
            if key in logs:
                logs[key] = float(value)


def seed_everything(seed):
    """Seeds Python, NumPy and TensorFlow, and makes TensorFlow's ops deterministic."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def repeated_dataset(x, y, batch_size, seed):
    """An endless `tf.data` pipeline of (x, y) batches, reshuffled every pass when batched."""
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if batch_size < len(x):
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).repeat()


def reporting_callbacks(log_dir, probe_x, probe_y):
    """Keras's TensorBoard callback plus activation and gradient statistics, in one list."""
    return [
        TensorBoard(log_dir),
        ActivationStatistics(log_dir, probe_x),
        GradientStatistics(log_dir, probe_x, probe_y),
    ]


def set_step_clock(callbacks, passes_per_epoch):
    """Tells every callback that counts passes (all of dlintro's) what one Keras epoch stands for."""
    for callback in callbacks:
        if hasattr(callback, "passes_per_epoch"):
            callback.passes_per_epoch = passes_per_epoch


def fit(
    model,
    x,
    y,
    *,
    log_dir,
    epochs,
    log_every=1,
    batch_size=None,
    validation_data=None,
    probe_size=64,
    callbacks=(),
    seed=0,
    report=True,
):
    """Trains a compiled model with full TensorBoard reporting and returns its `History`.

    Args:
        model: a compiled `keras.Model`.
        x, y: the training data as NumPy arrays.
        log_dir: the variant's run directory.
        epochs: passes over the training data; a multiple of `log_every`.
        log_every: passes between two log points (one Keras epoch).
        batch_size: examples per gradient step; the whole data set by default.
        validation_data: optional `(x_val, y_val)`, evaluated at every log point. The training
            loss and metrics logged at a log point are the model's values on the whole training
            set at that point, not Keras's average over the passes since the last one.
        probe_size: how many of the first training examples form the probe batch.
        callbacks: more callbacks; every one with a `passes_per_epoch` attribute (all of
            dlintro's) is set to `log_every`, so its steps count passes over the data.
        seed: seeds the shuffling of the batches.
        report: False trains without dlintro's TensorBoard, activation and gradient callbacks
            (for benchmarks, or a learner that logs by its own callbacks).

    Returns:
        The `keras.callbacks.History` of the run, one entry per log point.

    Raises:
        Diverged: when the loss or a weight became NaN or infinite (training stops there).
        Interrupted: on Ctrl-C or SIGTERM, after flushing what was logged so far.
    """
    if epochs % log_every:
        raise ValueError(f"epochs ({epochs}) must be a multiple of log_every ({log_every})")
    batch_size = min(batch_size or len(x), len(x))
    steps_per_epoch = log_every * math.ceil(len(x) / batch_size)
    # One graph call per Keras epoch; set before the first `fit` builds the train function.
    model.steps_per_execution = steps_per_epoch
    if validation_data is not None:
        x_val, y_val = validation_data
        validation_data = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(4096).cache()
    all_callbacks = [StopWhenRequested(), keras.callbacks.TerminateOnNaN()]
    if report or callbacks:
        # Whatever logs the training curves reads the model's values at the log point.
        all_callbacks.append(TrainingMetricsAtStep(x, y))
    if report:
        all_callbacks += reporting_callbacks(log_dir, x[:probe_size], y[:probe_size])
    all_callbacks += list(callbacks)
    set_step_clock(all_callbacks, log_every)
    # History goes last: an epoch counts as done only once every callback has logged it, so the
    # step an interruption reports is one whose logs are all on disk.
    history = keras.callbacks.History()
    try:
        model.fit(
            repeated_dataset(x, y, batch_size, seed),
            epochs=epochs // log_every,
            steps_per_epoch=steps_per_epoch,
            validation_data=validation_data,
            callbacks=[*all_callbacks, history],
            shuffle=False,  # the dataset shuffles itself
            verbose=0,
        )
    except KeyboardInterrupt:
        for callback in all_callbacks:
            callback.on_train_end()  # flushes and closes the event files written so far
        # History counts epochs from its `on_train_begin`, which a very early Ctrl-C precedes.
        raise Interrupted(len(getattr(history, "epoch", [])) * log_every) from None
    losses = history.history.get("loss", [])
    for index, loss in enumerate(losses):
        if not math.isfinite(loss):
            raise Diverged(epoch_step(index, log_every))
    if not all(np.all(np.isfinite(weight)) for weight in model.get_weights()):
        raise Diverged(len(losses) * log_every)
    return history


class LoopLog:
    """The log of a run that a lesson trains with a loop of its own instead of `fit`.

    A context manager around one TensorBoard run directory: inside it, `tf.summary` calls
    write to the run; `scalars(step, values)` checks for a stop request (Ctrl-C or SIGTERM),
    refuses non-finite values with `Diverged(step)` and writes the rest. On leaving, the file
    is flushed and closed, and a Ctrl-C becomes `Interrupted(step)` with the last step logged,
    just as in `fit`.

    Args:
        log_dir: the TensorBoard run directory to write.

    Example:
        >>> with LoopLog("runs/mine") as log:
        ...     for trial in range(1, 31):
        ...         model.train_on_batch(stimulus)
        ...         log.scalars(trial, {"weights/bell": bell_weight(model)})
    """

    def __init__(self, log_dir):
        self.log_dir = str(log_dir)
        self.step = 0  # the last step logged
        self._writer = None
        self._default = None

    def __enter__(self):
        self._writer = tf.summary.create_file_writer(self.log_dir)
        self._default = self._writer.as_default()
        self._default.__enter__()
        return self

    def scalars(self, step, values):
        """Writes `values` (tag: number) at `step`; raises Diverged when one is not finite."""
        stop_if_requested()  # a Ctrl-C that TensorFlow swallowed still stops the loop
        if not all(math.isfinite(value) for value in values.values()):
            raise Diverged(step)
        for tag, value in values.items():
            tf.summary.scalar(tag, value, step=step)
        self.step = step

    def __exit__(self, kind, error, traceback):
        self._default.__exit__(kind, error, traceback)
        self._writer.flush()
        self._writer.close()
        if kind is not None and issubclass(kind, KeyboardInterrupt) and not isinstance(error, Interrupted):
            raise Interrupted(self.step) from None
        return False
