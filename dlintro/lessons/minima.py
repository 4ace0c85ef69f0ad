"""Lesson minima: where gradient descent ends depends on where it starts (local minima, saddle
points, plateaus). Its text is in dlintro/texts/en/minima.md."""

import dataclasses
import functools
import json
import math
from pathlib import Path
from typing import Annotated, Literal

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from matplotlib.figure import Figure

from dlintro import datasets
from dlintro.callbacks.critical_points import CLASSES, StartClasses
from dlintro.callbacks.network_map import NetworkMap
from dlintro.callbacks.loss_curve import LossCurvePaths
from dlintro.callbacks.probe import figure_to_array
from dlintro.callbacks.start_losses import StartLosses, per_start_losses, start_losses
from dlintro.config import ConfigError, LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.i18n import N_, _
from dlintro.runs import Variant, Verdict
from dlintro.training import LoopLog, fit
from dlintro.views import View

TITLE = N_("minima: from many random starts, a narrow net often gets stuck; a wider one rarely does")
CLAIM = N_(
    "Trained with Adam from many random starts on XOR, at least 20 % of the starts of a net "
    "with 2 hidden sigmoid units end stuck (final loss above ln(2)/4), and every stuck one has "
    "stalled (gradient under 3 % of the median start's before training: on a valley floor or "
    "at a saddle by the second-order test, not still moving); with 8 hidden units at most 5 % end "
    "stuck, with each of SGD, SGD with momentum and Adam. A neuron sin(w x) fitting a sum of two sines by "
    "plain gradient descent has true local minima: at least one of its random starts ends in "
    "a valley other than the deepest, with its gradient about 0 and positive curvature there. "
    "(The 2-unit stuck shares of SGD and momentum are reported, not checked: they move with "
    "the step size.)"
)

OPTIMIZERS = ("sgd", "momentum", "adam")


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    starts: Annotated[int, Range(1, 10_000)] = 100  # random starts per run, trained together
    epochs: Annotated[int, Range(1, 100_000)] = 1000  # full-batch passes over the four points
    log_every: Annotated[int, Range(1, 10_000)] = 100  # passes between two log points
    narrow_units: Annotated[int, Range(1, 64)] = 2  # hidden units of the narrow net
    wide_units: Annotated[int, Range(1, 64)] = 8  # hidden units of the wide net
    optimizers: tuple[Literal["sgd", "momentum", "adam"], ...] = OPTIMIZERS  # a run per width each
    sgd_learning_rate: Annotated[float, Range(0, 100, open_low=True)] = 3.0  # plain SGD's step size
    momentum_learning_rate: Annotated[float, Range(0, 100, open_low=True)] = 0.3  # with momentum
    momentum: Annotated[float, Range(0, 1, open_high=True)] = 0.9  # momentum's decay factor
    adam_learning_rate: Annotated[float, Range(0, 10, open_low=True)] = 0.05  # Adam's step size
    slice_points: Annotated[int, Range(3, 1000)] = 50  # points on each loss-surface slice
    sine_starts: Annotated[int, Range(1, 20)] = 8  # random starts of the sine-frequency neuron
    sine_epochs: Annotated[int, Range(1, 100_000)] = 300  # its full-batch passes over the curve
    sine_log_every: Annotated[int, Range(1, 10_000)] = 10  # passes between two points of its paths
    sine_learning_rate: Annotated[float, Range(0, 1, open_low=True)] = 0.05  # its plain SGD step

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "epochs", of="log_every")
        require_multiple(self, "sine_epochs", of="sine_log_every")
        if self.narrow_units >= self.wide_units:
            raise ConfigError(
                _("narrow_units ({narrow_units}) must be below wide_units ({wide_units})").format(
                    narrow_units=self.narrow_units, wide_units=self.wide_units)
            )
        if len(set(self.optimizers)) != len(self.optimizers):
            raise ConfigError(_("optimizers must not repeat, got {optimizers}").format(optimizers=",".join(self.optimizers)))
        if "adam" not in self.optimizers:
            raise ConfigError(_("optimizers must include adam: the claim is checked on it"))

    def learning_rate(self, optimizer):
        """The configured step size of `optimizer`."""
        return getattr(self, f"{optimizer}_learning_rate")


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(starts=40, epochs=400, log_every=200, sine_epochs=200, sine_log_every=20)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("minima-sine-paths", N_("sin(w x) from 8 random frequencies: some starts end in the deepest valley, others in true local minima."),
         dashboard="images", tag_filter="^loss_curve_paths$", run_filter="sine_frequency$", shows=("loss_curve_paths",),
         actual_size=True, size=(1400, 900)),
    View("minima-final-losses", N_("The loss of every one of the starts: 2 hidden units leave lumps of stuck starts, 8 almost none."),
         tag_filter="^start_losses$", run_filter="(2|8)_units-adam", shows=("start_losses",)),
    View("minima-stuck-share", N_("The share of stuck starts per run, width against optimizer."),
         tag_filter="^stuck_share$", run_filter=r"\d+_units-\w+$", shows=("stuck_share",), full_size=True),
    View("minima-start-classes", N_("Where the starts stand over training: solved, on a valley floor, at a saddle, still moving."),
         tag_filter="^start_classes$", run_filter="2_units-", shows=("start_classes",)),
    View("minima-network-maps", N_("One solved and one stuck start of the 2-unit Adam net, each trained alone and drawn whole: the stuck one leaves corners wrong or undecided."),
         dashboard="images", tag_filter="^network_map$", run_filter="2_units-adam/(solved|stuck)_start",
         shows=("network_map", "solved_start", "stuck_start"), actual_size=True, size=(1500, 1300)),
    View("minima-loss-slices", N_("The loss along the line from a start to its end: a stuck start flattens out above zero."),
         tag_filter="^loss_slice/", run_filter="2_units-adam$", shows=("loss_slice/stuck",), actual_size=True),
)

# A start is stuck when its final mean loss over the four points is above ln(2)/4: one corner
# on the wrong side of 0.5 costs at least ln 2 by itself, a quarter of the mean, so every start
# below this line gets all four corners right (the converse needs enough epochs to get close).
STUCK_LOSS = math.log(2) / 4

# The second-order test's two tolerances (`dlintro.callbacks.critical_points`). A gradient is
# "about 0" below 3 % of the median start's gradient norm before training: at the end of the
# default run every stalled 2-unit start is under about 1 % of it, and every start still on
# its way down over 10 %. An eigenvalue is "clearly negative" below -1e-6 times the start's
# largest one: ten orders of magnitude above float64 rounding (about 1e-16 of it), and below
# every negative eigenvalue of a stalled start in the default run (the one nearest 0, about
# -2e-5 of the largest).
GRADIENT_TOLERANCE = 0.03
CURVATURE_TOLERANCE = 1e-6

# What the text shows for a number of an optimizer the run did not train.
NOT_TRAINED = "—"

# The sine neuron's frequencies: where its random starts are drawn, and the drawn curve's range.
SINE_STARTS_RANGE = (1.0, 7.5)
SINE_CURVE_RANGE = (0.0, 8.5)

# The slice runs from a little before the initial weights (0) to a little past the final (1).
SLICE_RANGE = (-0.25, 1.25)

# The titles of a slice picture and of a replayed start's network map, by kind of start.
SLICE_TITLES = {
    "stuck": N_("start {start} (stuck): loss from its initial to its trained weights"),
    "solved": N_("start {start} (solved): loss from its initial to its trained weights"),
}
REPLAY_TITLES = {
    "stuck": N_("{run}, start {start} (stuck)"),
    "solved": N_("{run}, start {start} (solved)"),
}


# Models: a dense layer with a starts dimension, and a loss that adds up the starts' losses.
@keras.saving.register_keras_serializable(package="dlintro")
class EnsembleDense(keras.layers.Layer):
    """`starts` independent dense layers side by side: output `(batch, starts, units)`.

    The input is either `(batch, features)`, shared by all starts (the first layer), or
    `(batch, starts, features)`, one slice per start (the layers after it). Each start's
    kernel is initialised like a plain `Dense` layer's (Glorot uniform for its own fan-in and
    fan-out, zero bias), so one start is exactly a plain Keras net.

    Args:
        starts: how many independent copies of the layer.
        units: output units of each copy.
        activation: activation function, as for `keras.layers.Dense`.

    Example:
        >>> layer = EnsembleDense(starts=100, units=2, activation="sigmoid")
        >>> layer(np.zeros((4, 2), "float32")).shape
        TensorShape([4, 100, 2])
    """

    def __init__(self, starts, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        if starts < 1 or units < 1:
            raise ValueError(f"starts and units must be at least 1, got {starts} and {units}")
        self.starts = starts
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        features = input_shape[-1]
        # Keras's own Glorot initializer would count the starts dimension into the fan-in and
        # draw every start's weights ten times too small for 100 starts.
        limit = math.sqrt(6.0 / (features + self.units))
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.starts, features, self.units),
            initializer=keras.initializers.RandomUniform(-limit, limit),
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.starts, self.units), initializer="zeros"
        )

    def call(self, inputs):
        if len(inputs.shape) == 2:
            outputs = ops.einsum("bi,sio->bso", inputs, self.kernel)
        else:
            outputs = ops.einsum("bsi,sio->bso", inputs, self.kernel)
        return self.activation(outputs + self.bias)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.starts, self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "starts": self.starts,
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
        }


@keras.saving.register_keras_serializable(package="dlintro")
class EnsembleBinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy summed over the starts and averaged over the batch.

    Targets are `(batch, 1)`, predictions `(batch, starts, 1)`. Summing (not averaging) over
    the starts gives every start exactly the gradient it would get trained alone.
    """

    def __init__(self, name="ensemble_binary_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return ops.sum(start_losses(y_true, y_pred), axis=1)


def make_optimizer(optimizer, learning_rate, momentum=0.9):
    """A fresh Keras optimizer: `"sgd"`, `"momentum"` (SGD with momentum) or `"adam"`.

    Raises:
        ValueError: for any other name.
    """
    optimizers = {
        "sgd": lambda: keras.optimizers.SGD(learning_rate),
        "momentum": lambda: keras.optimizers.SGD(learning_rate, momentum=momentum),
        "adam": lambda: keras.optimizers.Adam(learning_rate),
    }
    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be one of {', '.join(optimizers)}, got {optimizer!r}")
    return optimizers[optimizer]()


def ensemble_xor_network(
    starts=100, hidden_units=2, optimizer="adam", learning_rate=0.05, momentum=0.9
):
    """A compiled ensemble of `starts` independent 2-input, 1-hidden-layer sigmoid nets.

    Args:
        starts: how many nets (random starts) the model trains side by side.
        hidden_units: sigmoid units in each net's hidden layer.
        optimizer: `"sgd"`, `"momentum"` (SGD with momentum) or `"adam"`.
        learning_rate: the optimizer's step size.
        momentum: the decay factor of `"momentum"` (ignored by the others).

    Returns:
        A `keras.Model` from inputs `(batch, 2)` to probabilities `(batch, starts, 1)`,
        compiled with `EnsembleBinaryCrossentropy` on targets `(batch, 1)`.

    Example:
        >>> model = ensemble_xor_network(starts=100, hidden_units=2, optimizer="adam")
        >>> x, y = datasets.gates("xor")
        >>> model.fit(x, y, epochs=1000, verbose=0)
        >>> per_start_losses(model, x, y)  # 100 final losses, one per start
    """
    inputs = keras.Input(shape=(2,), name="inputs")
    hidden = EnsembleDense(starts, hidden_units, activation="sigmoid", name="hidden")(inputs)
    outputs = EnsembleDense(starts, 1, activation="sigmoid", name="output")(hidden)
    model = keras.Model(inputs, outputs, name="ensemble_xor_network")
    model.compile(optimizer=make_optimizer(optimizer, learning_rate, momentum), loss=EnsembleBinaryCrossentropy())
    return model


@keras.saving.register_keras_serializable(package="dlintro")
class SineFrequency(keras.layers.Layer):
    """`starts` one-weight neurons side by side: `sin(w * x)` with one frequency `w` per start.

    Input `(batch, 1)`, output `(batch, starts)`. The frequencies start uniformly at random
    in `initial_range`.

    Args:
        starts: how many neurons (random starts).
        initial_range: `(low, high)` of the random initial frequencies.

    Example:
        >>> SineFrequency(starts=8)(np.zeros((5, 1), "float32")).shape
        TensorShape([5, 8])
    """

    def __init__(self, starts, initial_range=SINE_STARTS_RANGE, **kwargs):
        super().__init__(**kwargs)
        low, high = initial_range
        if starts < 1 or not low < high:
            raise ValueError(f"starts must be at least 1 and initial_range rise, got {starts}, {initial_range}")
        self.starts = starts
        self.initial_range = (float(low), float(high))

    def build(self, input_shape):
        self.frequency = self.add_weight(
            name="frequency", shape=(self.starts,),
            initializer=keras.initializers.RandomUniform(*self.initial_range),
        )

    def call(self, inputs):
        return ops.sin(inputs * self.frequency)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.starts)

    def get_config(self):
        return {**super().get_config(), "starts": self.starts, "initial_range": self.initial_range}


@keras.saving.register_keras_serializable(package="dlintro")
class EnsembleMeanSquaredError(keras.losses.Loss):
    """Squared error summed over the starts and averaged over the batch.

    Targets are `(batch, 1)`, predictions `(batch, starts)`. Summing over the starts gives
    every start exactly the gradient it would get trained alone.
    """

    def __init__(self, name="ensemble_mean_squared_error", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return ops.sum(ops.square(y_pred - ops.cast(y_true, y_pred.dtype)), axis=-1)


def sine_frequency_network(starts=8, learning_rate=0.05):
    """A compiled ensemble of `starts` neurons `sin(w * x)`, each with one weight, its frequency.

    Trained with plain SGD (no momentum) on the mean squared error, each start walks down
    its own loss curve over `w`.

    Args:
        starts: how many neurons (random starts) the model trains side by side.
        learning_rate: SGD's step size.

    Returns:
        A `keras.Model` from inputs `(batch, 1)` to outputs `(batch, starts)`, compiled with
        `EnsembleMeanSquaredError` on targets `(batch, 1)`.

    Example:
        >>> model = sine_frequency_network(starts=8)
        >>> (x, y), unused = datasets.curve()
        >>> model.fit(x, y, batch_size=len(x), epochs=300, verbose=0)
    """
    inputs = keras.Input(shape=(1,), name="inputs")
    outputs = SineFrequency(starts, name="sine")(inputs)
    model = keras.Model(inputs, outputs, name="sine_frequency_network")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss=EnsembleMeanSquaredError())
    return model


FACTORIES = (ensemble_xor_network, sine_frequency_network)


# Every start's loss as a function of its weights, in float64, for the second-order test.
def xor_start_losses(weights, x, y):
    """Each start's mean cross-entropy on `(x, y)` from the weights of `ensemble_xor_network`.

    Computed from the output's logit, not from its probability, so that no clipping of nearly
    sure outputs (weights of size 10 and more) flattens the derivatives.
    """
    hidden = tf.cast(x, tf.float64)
    for kernel, bias in zip(weights[:-2:2], weights[1:-2:2]):
        equation = "bi,sio->bso" if len(hidden.shape) == 2 else "bsi,sio->bso"
        hidden = tf.sigmoid(tf.einsum(equation, hidden, kernel) + bias)
    logits = tf.einsum("bsi,sio->bso", hidden, weights[-2]) + weights[-1]
    targets = tf.broadcast_to(tf.cast(y, tf.float64)[:, None, :], tf.shape(logits))
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(targets, logits)[..., 0], axis=0)


def sine_start_losses(weights, x, y):
    """Each start's mean squared error on `(x, y)` from the frequencies `(starts,)`."""
    (frequency,) = weights
    errors = tf.sin(tf.cast(x, tf.float64) * frequency) - tf.cast(y, tf.float64)
    return tf.reduce_mean(tf.square(errors), axis=0)


def loss_slices(initial_weights, final_weights, starts, x, y, positions):
    """The loss of each of `starts` at `positions` on the line from its initial to final weights.

    Position 0 is a start's initial weights and 1 its trained weights. Every point of every
    slice is one member of a single ensemble, so all of them take one forward pass.

    Returns:
        A `(len(starts), len(positions))` array of mean losses over the examples.
    """
    positions = np.asarray(positions, dtype=np.float32)
    points = []
    for initial, final in zip(initial_weights, final_weights):
        # One member per (start, position): initial + position * (final - initial).
        steps = positions.reshape(-1, *[1] * (initial.ndim - 1))
        lines = [initial[i] + steps * (final[i] - initial[i]) for i in starts]
        points.append(np.concatenate(lines))
    line = ensemble_xor_network(starts=len(points[0]), hidden_units=initial_weights[0].shape[-1])
    line.set_weights(points)
    return per_start_losses(line, x, y).reshape(len(starts), len(positions))


def render_loss_slice(positions, losses, ends, title):
    """Draws the loss along a slice, the two ends and the stuck line, as an RGB array."""
    figure = Figure(figsize=(5.6, 3.4), dpi=80)
    # Fixed margins: `tight_layout` would cost more than everything else in the picture.
    figure.subplots_adjust(left=0.11, right=0.97, bottom=0.14, top=0.9)
    axes = figure.add_subplot()
    axes.plot(positions, losses, color="#2166ac", linewidth=2)
    axes.axhline(STUCK_LOSS, color="grey", linestyle="--", linewidth=1)
    axes.text(positions[0], STUCK_LOSS, _(" stuck above ln(2)/4"), va="bottom", fontsize=8,
              color="grey")
    labels = (_("initial\n{loss:.3f}"), _("trained\n{loss:.3f}"))
    for position, loss, label in zip((0.0, 1.0), ends, labels):
        axes.plot([position], [loss], "o", color="#e66101")
        axes.annotate(label.format(loss=loss), (position, loss), textcoords="offset points",
                      xytext=(0, 8), ha="center", fontsize=8)
    axes.set_ylim(0, max(np.max(losses), *ends) * 1.25)
    axes.set_xlabel(_("position on the line (0 = initial weights, 1 = trained weights)"))
    axes.set_ylabel(_("mean loss on XOR"))
    axes.set_title(title, fontsize=10)
    return figure_to_array(figure)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Ensemble(Variant):
    """All starts of one net and optimizer: the arguments of `ensemble_xor_network` and its data."""

    hidden_units: int  # sigmoid units in each start's hidden layer
    optimizer: str  # "sgd", "momentum" or "adam"
    learning_rate: float  # the optimizer's step size
    data: str  # the gate learned (`datasets.gates`)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SineStarts(Variant):
    """All starts of the sine-frequency neuron: the arguments of `sine_frequency_network`, its data."""

    starts: int  # random starts, trained together
    optimizer: str  # always "sgd": plain gradient descent, so every step goes downhill
    learning_rate: float  # SGD's step size
    data: str  # "curve" (`datasets.curve`), the approximation lesson's sum of two sines


def variants(config):
    """The narrow and the wide net, each with every configured optimizer; and the sine neuron."""
    sine = SineStarts(name="sine_frequency", starts=config.sine_starts, optimizer="sgd",
                      learning_rate=config.sine_learning_rate, data="curve")
    return [
        Ensemble(
            name=f"{units}_units-{optimizer}",
            hidden_units=units,
            optimizer=optimizer,
            learning_rate=config.learning_rate(optimizer),
            data="xor",
        )
        for units in (config.narrow_units, config.wide_units)
        for optimizer in config.optimizers
    ] + [sine]


# Training.
def train(config, variant, log_dir):
    """Trains all starts of one variant together and classes where each ended."""
    if isinstance(variant, SineStarts):
        return train_sine(config, variant, log_dir)
    return train_xor(config, variant, log_dir)


def class_metrics(classes):
    """The four class shares of a `StartClasses` callback after training, as metrics, and how
    far the valley-floor starts stand from the bottom their curvature predicts (fewest, most)."""
    metrics = {f"{name}_share": float(np.mean(classes.classes == name)) for name in CLASSES}
    on_floor = classes.classes == "valley_floor"
    if on_floor.any():
        metrics["floor_bottom_distance_min"] = float(classes.bottom_distances[on_floor].min())
        metrics["floor_bottom_distance_max"] = float(classes.bottom_distances[on_floor].max())
    return metrics


def train_xor(config, variant, log_dir):
    """Trains all starts of one XOR net together; logs their losses, classes and two slices."""
    x, y = datasets.gates(variant.data)
    # Built first thing after the runner's seeding, so every optimizer gets the same starts.
    model = ensemble_xor_network(
        starts=config.starts,
        hidden_units=variant.hidden_units,
        optimizer=variant.optimizer,
        learning_rate=variant.learning_rate,
        momentum=config.momentum,
    )
    initial_weights = model.get_weights()
    probe = StartLosses(log_dir, x, y, stuck_loss=STUCK_LOSS)
    classes = StartClasses(
        log_dir, xor_start_losses, (x, y), solved_loss=STUCK_LOSS,
        gradient_tolerance=GRADIENT_TOLERANCE, curvature_tolerance=CURVATURE_TOLERANCE,
        title=_("{run}: where the {starts} starts stand").format(run=variant.name, starts=config.starts),
    )
    fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
        callbacks=[probe, classes], seed=config.seed)
    final_weights = model.get_weights()
    losses = per_start_losses(model, x, y)
    stuck = losses > STUCK_LOSS
    with LoopLog(log_dir):
        write_slices(config, initial_weights, final_weights, stuck, x, y)
    write_start_classes(log_dir, classes)
    correct = (np.asarray(model(x, training=False))[..., 0] > 0.5) == (y > 0.5)
    metrics = {
        "stuck_share": float(np.mean(stuck)),
        "unsolved_share": float(np.mean(~np.all(correct, axis=0))),
        "median_loss": float(np.median(losses)),
        **class_metrics(classes),
        **got_out(probe.history, stuck),
    }
    if variant.hidden_units == config.narrow_units and variant.optimizer == "adam":
        for kind, starts in (("solved", np.flatnonzero(~stuck)), ("stuck", np.flatnonzero(stuck))):
            if len(starts):
                alone = replay_start(config, variant, initial_weights, int(starts[0]), kind, x, y, log_dir)
                metrics[f"replayed_{kind}_loss_gap"] = abs(alone - float(losses[starts[0]]))
    return metrics


def got_out(history, stuck):
    """For a run longer than the lesson's: the starts stuck after the lesson's number of passes,
    and the share of those that are no longer stuck at the end (empty for other runs)."""
    lesson_length = Config().epochs
    at_lesson_length = [losses for step, losses in history if step == lesson_length]
    if not at_lesson_length or history[-1][0] <= lesson_length:
        return {}
    stuck_then = at_lesson_length[0] > STUCK_LOSS
    return {
        "stuck_share_at_lesson_length": float(np.mean(stuck_then)),
        "got_out_share": float(np.mean(~stuck[stuck_then])) if stuck_then.any() else 0.0,
    }


def one_start_network(variant, initial_weights, start, momentum):
    """One start of an ensemble as a plain Keras net (2 inputs, sigmoid hidden layer, sigmoid output).

    Its weights are the start's initial weights, and it is compiled with the same optimizer
    and the mean binary cross-entropy, whose gradient is exactly the start's gradient in the
    ensemble: trained alone, it follows the same path.
    """
    hidden_kernel, hidden_bias, output_kernel, output_bias = initial_weights
    model = keras.Sequential(
        [
            keras.Input(shape=(2,), name="inputs"),
            keras.layers.Dense(variant.hidden_units, activation="sigmoid", name="hidden"),
            keras.layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name=f"start_{start}",
    )
    model.set_weights([hidden_kernel[start], hidden_bias[start], output_kernel[start], output_bias[start]])
    model.compile(optimizer=make_optimizer(variant.optimizer, variant.learning_rate, momentum),
                  loss="binary_crossentropy")
    return model


def replay_start(config, variant, initial_weights, start, kind, x, y, log_dir):
    """Trains one start alone, drawn whole by NetworkMap in the run `<variant>/<kind>_start`.

    Returns:
        Its final mean loss, which matches the start's loss in the ensemble.
    """
    model = one_start_network(variant, initial_weights, start, config.momentum)
    title = _(REPLAY_TITLES[kind]).format(run=variant.name, start=start)
    network = NetworkMap(Path(log_dir) / f"{kind}_start", x, y, extent=(-0.5, 1.5, -0.5, 1.5), title=title)
    fit(model, x, y, log_dir=None, epochs=config.epochs, log_every=config.log_every,
        callbacks=[network], seed=config.seed, report=False)
    return float(np.mean(keras.losses.binary_crossentropy(y, model(x, training=False))))


def sine_losses_on_grid(weights, x, y):
    """The sine neuron's loss at every frequency of a NumPy array (for pictures and valleys)."""
    return sine_start_losses([tf.constant(weights, tf.float64)], tf.constant(x), tf.constant(y)).numpy()


def valley_floors(x, y, points=4000):
    """The losses at the bottoms of the valleys of the sine neuron's loss over `SINE_CURVE_RANGE`."""
    grid = np.linspace(*SINE_CURVE_RANGE, points)
    losses = sine_losses_on_grid(grid, x, y)
    inner = losses[1:-1]
    return np.sort(inner[(inner < losses[:-2]) & (inner < losses[2:])])


def train_sine(config, variant, log_dir):
    """Trains the sine neuron's starts together; draws their paths; classes where each ended."""
    (x, y), unused = datasets.load(variant.data)
    model = sine_frequency_network(variant.starts, variant.learning_rate)
    floors = valley_floors(x, y)
    # Solved: in the global valley, below the middle between its floor and the next one's.
    solved_loss = float((floors[0] + floors[1]) / 2)
    paths = LossCurvePaths(
        log_dir, functools.partial(sine_losses_on_grid, x=x, y=y), SINE_CURVE_RANGE,
        title=_("{run}: {starts} starts of sin(w x) walking down the loss over w").format(
            run=variant.name, starts=variant.starts),
    )
    classes = StartClasses(
        log_dir, sine_start_losses, (x, y), solved_loss=solved_loss,
        gradient_tolerance=GRADIENT_TOLERANCE, curvature_tolerance=CURVATURE_TOLERANCE,
        title=_("{run}: where the {starts} starts stand").format(run=variant.name, starts=variant.starts),
    )
    fit(model, x, y, log_dir=log_dir, epochs=config.sine_epochs, log_every=config.sine_log_every,
        callbacks=[paths, classes], seed=config.seed)
    write_start_classes(log_dir, classes)
    on_floor = classes.classes == "valley_floor"
    settled = classes.gradient_norms < classes.gradient_tolerance * classes.gradient_scale
    # One weight: the Hessian is the second derivative, its one eigenvalue the curvature.
    curvature = float(classes.eigenvalues[on_floor, 0].min()) if on_floor.any() else 0.0
    return {
        **class_metrics(classes),
        "smallest_floor_curvature": curvature,
        # Settled in the deepest valley: below its line and with the gradient about 0 there
        # (a start only passing through is below the line too, but with a large gradient).
        "settled_in_deepest_share": float(np.mean((classes.classes == "solved") & settled)),
    }


def write_start_classes(log_dir, classes):
    """Saves every start's loss, gradient norm, Hessian eigenvalues, bottom distance and class as `starts.json`.

    With the thresholds beside them, so that anyone can check each start's class by hand.
    """
    record = {
        "solved_loss": classes.solved_loss,
        "gradient_scale": classes.gradient_scale,
        "gradient_tolerance": classes.gradient_tolerance,
        "curvature_tolerance": classes.curvature_tolerance,
        "starts": [
            {"class": str(kind), "loss": float(loss), "gradient_norm": float(norm),
             "eigenvalues": [float(value) for value in values], "bottom_distance": float(distance)}
            for kind, loss, norm, values, distance in zip(classes.classes, classes.losses, classes.gradient_norms,
                                                          classes.eigenvalues, classes.bottom_distances)
        ],
    }
    (Path(log_dir) / "starts.json").write_text(json.dumps(record, indent=1))


def write_slices(config, initial_weights, final_weights, stuck, x, y):
    """Logs the loss-surface slice of the first stuck and the first solved start, if any.

    Writes to the default summary writer (the `LoopLog` that `train` opens after `fit`).
    """
    candidates = {"stuck": np.flatnonzero(stuck), "solved": np.flatnonzero(~stuck)}
    chosen = {kind: int(starts[0]) for kind, starts in candidates.items() if len(starts)}
    positions = np.linspace(*SLICE_RANGE, config.slice_points)
    # The two ends are evaluated with the slice, so the dots sit exactly on the curve's ends.
    losses = loss_slices(
        initial_weights, final_weights, list(chosen.values()), x, y, [*positions, 0.0, 1.0]
    )
    for (kind, start), line in zip(chosen.items(), losses):
        title = _(SLICE_TITLES[kind]).format(start=start)
        image = render_loss_slice(positions, line[:-2], line[-2:], title)
        tf.summary.image(f"loss_slice/{kind}", image[None], step=config.epochs)


# The claim.
def check(config, results):
    """Adam's narrow net: 20 % or more stuck, all stalled; the wide net: 5 % or less stuck;
    the sine neuron: some start in a true local minimum (gradient about 0, positive curvature)."""
    xor = {variant: metrics for variant, metrics in results.items() if isinstance(variant, Ensemble)}
    sine = [metrics for variant, metrics in results.items() if isinstance(variant, SineStarts)]
    narrow = [metrics for variant, metrics in xor.items()
              if variant.hidden_units == config.narrow_units and variant.optimizer == "adam"]
    wide = [metrics["stuck_share"] for variant, metrics in xor.items() if variant.hidden_units == config.wide_units]
    holds = (
        all(metrics["stuck_share"] >= 0.2 and metrics["still_moving_share"] == 0 for metrics in narrow)
        and all(share <= 0.05 for share in wide)
        and all(metrics["valley_floor_share"] > 0 and metrics["smallest_floor_curvature"] > 0 for metrics in sine)
    )
    numbers = {variant.name: metrics["stuck_share"] for variant, metrics in xor.items()}
    sentences = [
        _("Share of {starts} starts stuck: {shares}.").format(
            starts=config.starts, shares=", ".join(f"{name} {share:.0%}" for name, share in numbers.items())),
        _("Stalled, on a valley floor or at a saddle: {shares}.").format(shares=", ".join(
            f"{variant.name} {metrics['valley_floor_share'] + metrics['saddle_share']:.0%}"
            for variant, metrics in xor.items() if variant.hidden_units == config.narrow_units)),
    ]
    for variant, metrics in results.items():
        if isinstance(variant, SineStarts):
            numbers[variant.name] = metrics["valley_floor_share"]
            sentences.append(_(
                "Sine neuron: {deepest:.0%} of {starts} starts in the deepest valley, {other:.0%} on the "
                "floor of another (smallest curvature there {curvature:.3g})."
            ).format(deepest=metrics["solved_share"], starts=variant.starts, other=metrics["valley_floor_share"],
                     curvature=metrics["smallest_floor_curvature"]))
    return Verdict(holds=holds, numbers=numbers, explanation=" ".join(sentences))


def text_numbers(config, results):
    """The run's numbers the lesson text (dlintro/texts/en/minima.md) fills in, by name.

    Shares come as percentages already written out ("42%"), so that the ones of an optimizer
    the run did not train (`--optimizers adam`) can read "—" instead.
    """
    found = {
        "starts": config.starts, "narrow_units": config.narrow_units, "wide_units": config.wide_units,
        # Weights of a 2-input net with one hidden layer and one output: 2h + h + h + 1.
        "narrow_weights": 4 * config.narrow_units + 1, "wide_weights": 4 * config.wide_units + 1,
        "momentum": config.momentum, "sine_learning_rate": config.sine_learning_rate,
        **{f"{optimizer}_learning_rate": config.learning_rate(optimizer) for optimizer in OPTIMIZERS},
    }
    for optimizer in OPTIMIZERS:
        found.update({f"{width}_{optimizer}_stuck": NOT_TRAINED for width in ("narrow", "wide")})
        found.update({f"narrow_{optimizer}_{name}": NOT_TRAINED for name in CLASSES})
    for variant, metrics in results.items():
        if isinstance(variant, SineStarts):
            found.update(
                sine_starts=variant.starts,
                sine_deepest=round(metrics["solved_share"] * variant.starts),
                sine_other=round(metrics["valley_floor_share"] * variant.starts),
                sine_curvature=metrics["smallest_floor_curvature"],
                sine_bottom_distance=metrics.get("floor_bottom_distance_max", 0.0),
            )
            continue
        width = "narrow" if variant.hidden_units == config.narrow_units else "wide"
        found[f"{width}_{variant.optimizer}_stuck"] = f"{metrics['stuck_share']:.0%}"
        if width == "narrow":
            for name in CLASSES:
                found[f"narrow_{variant.optimizer}_{name}"] = f"{metrics[f'{name}_share']:.0%}"
            if variant.optimizer == "adam":
                found["narrow_adam_bottom_distance"] = metrics.get("floor_bottom_distance_min", 0.0)
    return found


# Exercises: predict, run, check.
def _adam_nets(variant):
    """True for the XOR nets trained with Adam, the optimizer the lesson's claim is checked on."""
    return isinstance(variant, Ensemble) and variant.optimizer == "adam"


def _two_unit_adam_net(variant):
    """The 2-unit net with Adam (the exercise that keeps it also sets `narrow_units` to 2)."""
    return _adam_nets(variant) and variant.hidden_units == 2


def _sine_neuron(variant):
    return isinstance(variant, SineStarts)


def _stuck_shares(config, results):
    """The stuck share of every XOR net trained, by width (the configured units)."""
    return {variant.hidden_units: metrics["stuck_share"] for variant, metrics in results.items()
            if isinstance(variant, Ensemble)}


def _stuck_numbers(results):
    return {variant.name: metrics["stuck_share"] for variant, metrics in results.items()}


def _shares_sentence(config, results):
    return _("Share of {starts} starts stuck: {shares}.").format(starts=config.starts, shares=", ".join(
        f"{variant.name} {metrics['stuck_share']:.0%}" for variant, metrics in results.items()))


def _classes_sentence(results):
    """Where the stuck starts of each net stand, by the second-order test."""
    return _("Of all starts, on a valley floor / at a saddle / still moving: {shares}.").format(shares=", ".join(
        f"{variant.name} {metrics['valley_floor_share']:.0%} / {metrics['saddle_share']:.0%} / "
        f"{metrics['still_moving_share']:.0%}" for variant, metrics in results.items()))


def _check_three_units(config, results):
    shares = _stuck_shares(config, results)
    narrow, wide = shares[config.narrow_units], shares[config.wide_units]
    # 0.2: the least the lesson's claim lets the 2-unit Adam net leave stuck.
    holds = wide < narrow < 0.2
    return Verdict(holds, _stuck_numbers(results), _shares_sentence(config, results) + " " + _classes_sentence(results))


def _check_still_stuck(config, results):
    (metrics,) = results.values()
    holds = metrics["got_out_share"] <= 0.1
    numbers = {"stuck_at_lesson_length": metrics["stuck_share_at_lesson_length"],
               "stuck_at_end": metrics["stuck_share"], "got_out": metrics["got_out_share"]}
    explanation = _(
        "Stuck after {lesson_epochs} passes: {stuck_then:.0%} of {starts} starts; after {epochs}: "
        "{stuck_now:.0%}. Of the stuck ones, {got_out:.0%} got out."
    ).format(lesson_epochs=Config().epochs, stuck_then=metrics["stuck_share_at_lesson_length"],
             starts=config.starts, epochs=config.epochs, stuck_now=metrics["stuck_share"],
             got_out=metrics["got_out_share"]) + " " + _classes_sentence(results)
    return Verdict(holds, numbers, explanation)


def _check_fast_adam(config, results):
    shares = _stuck_shares(config, results)
    narrow, wide = shares[config.narrow_units], shares[config.wide_units]
    # 0.05: the most the lesson's claim lets the 8-unit net leave stuck at the lesson's step.
    holds = wide > 0.05 and narrow > wide
    return Verdict(holds, _stuck_numbers(results), _shares_sentence(config, results) + " " + _classes_sentence(results))


def _check_sine_big_step(config, results):
    (variant, metrics), = results.items()
    holds = metrics["settled_in_deepest_share"] == 0
    numbers = {f"{variant.name}/{name}_share": metrics[f"{name}_share"]
               for name in ("settled_in_deepest", *CLASSES)}
    explanation = _(
        "Of {starts} starts: {settled:.0%} settled in the deepest valley ({inside:.0%} were inside it "
        "when training stopped), {other:.0%} settled on the floor of another valley, {moving:.0%} still moving."
    ).format(starts=variant.starts, settled=metrics["settled_in_deepest_share"], inside=metrics["solved_share"],
             other=metrics["valley_floor_share"], moving=metrics["still_moving_share"])
    return Verdict(holds, numbers, explanation)


EXERCISES = (
    Exercise(
        name="three_units",
        question=N_(
            "With 3 hidden units instead of 2, do as many starts get stuck as with 2, as few as "
            "with 8, or a share in between?"
        ),
        changes={"narrow_units": 3},
        keep=_adam_nets,
        expected=N_(
            "In between: more of the 3-unit starts than of the 8-unit starts end stuck, but fewer "
            "than 20 %, the least the lesson's claim lets the 2-unit net leave stuck."
        ),
        check=_check_three_units,
        explanation=N_(
            "A third hidden unit gives the net more ways to split the four corners between its "
            "units, so fewer random starts end on a plateau; eight give so many that hardly any "
            "does. The stuck 3-unit starts mostly sit where the 2-unit net's 0.35 starts sit, two "
            "corners undecided, but there the second-order test now finds a direction curving "
            "down: they are at saddle points (the verdict counts them). A way down exists there, "
            "but one so flat that Adam did not take it in the lesson's passes. More width is no "
            "guarantee, though: with the squared error the 3-unit net is known to have true local "
            "minima elsewhere (Sprinkhuizen-Kuyper and Boers, 1999)."
        ),
        quick={"starts": 40, "epochs": 400, "log_every": 200},
    ),
    Exercise(
        name="train_longer",
        question=N_(
            "Trained 4 times longer, 4000 passes instead of 1000, do the starts of the 2-unit net "
            "that are stuck after 1000 passes get out?"
        ),
        changes={"epochs": 4000, "narrow_units": 2},
        keep=_two_unit_adam_net,
        expected=N_("Hardly any: at most 1 in 10 of the starts stuck after 1000 passes gets out by 4000."),
        check=_check_still_stuck,
        explanation=N_(
            "The stuck starts sit on plateaus and at saddle points where the sigmoid units are "
            "saturated: the gradient there is tiny and shrinks further as the weights grow. Adam "
            "keeps taking steps of about its learning rate while a weight's gradient keeps its "
            "sign, so the weights do keep moving, but along a floor that leads nowhere: the loss "
            "creeps towards ln(2)/2 = 0.347 (two corners undecided) or 0.477 (three corners at "
            "about 2/3), not towards 0. Longer training is not the cure here; a wider net is."
        ),
    ),
    Exercise(
        name="fast_adam",
        question=N_(
            "With Adam's step 10 times larger (0.5 instead of 0.05), does the 8-unit net still "
            "almost never get stuck?"
        ),
        changes={"adam_learning_rate": 0.5},
        keep=_adam_nets,
        expected=N_(
            "No: more than 5 % of the 8-unit starts end stuck (at the lesson's step at most 5 % "
            "do, as its claim checks), and the 2-unit net still gets stuck more often."
        ),
        check=_check_fast_adam,
        explanation=N_(
            "Adam moves each weight by up to about its learning rate per step, whatever the size "
            "of its gradient (Kingma and Ba, 2015). At 0.5 the weights grow large within a few "
            "dozen passes, before the hidden units have sorted out the corners; the units "
            "saturate, their slope is nearly 0, and the start is left on a plateau or at a "
            "saddle point. Width helps only if the steps leave the units time to find their roles."
        ),
        quick={"starts": 40, "epochs": 400, "log_every": 200},
    ),
    Exercise(
        name="sine_big_step",
        question=N_(
            "With a step 20 times larger (1.0 instead of 0.05), can a start of the sine neuron "
            "settle in the deepest valley, the narrowest one in the picture?"
        ),
        changes={"sine_learning_rate": 1.0},
        keep=_sine_neuron,
        expected=N_(
            "No: none of the starts settles in the deepest valley (gradient about 0 there); a "
            "start may pass through it, but does not stay."
        ),
        check=_check_sine_big_step,
        explanation=N_(
            "Gradient descent can settle on a valley floor only if its step is below 2 / curvature "
            "there, the limit the linear lesson found for its bowl: above it, each step overshoots "
            "the floor further than the last. The sine neuron's valleys curve by 3.87 (the "
            "deepest, at w = 2.10), 2.19 (at 4.69) and 0.44 (at 7.28), so their limits are 0.52, "
            "0.91 and 4.5. A step of 1.0 is above the first two: a start in either of them is "
            "thrown out; of these three, only the wide, shallow valley at 7.28 can hold one. A larger step does "
            "not find the deeper valleys: it is thrown out of the narrow ones."
        ),
        quick={"sine_epochs": 200, "sine_log_every": 20},
    ),
)
