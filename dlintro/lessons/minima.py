"""Gradient descent only ever walks downhill from where it stands, so where it ends depends on
where it starts. Train the same small XOR net from many random starting weights and the final
losses do not all land near 0: they split into a group that **solved** XOR (loss close to 0)
and a group that got **stuck** on a level it never leaves, typically about 0.35 (two of the
four corners answered 0.5, undecided) or about 0.48 (one corner right, the other three all
answered 2/3). Those places are nearly flat, so more epochs hardly help.

Here the XOR net with **2** hidden sigmoid units is trained from 100 random starts, and so is
the same net with **8** hidden units, each with three optimizers: plain SGD, SGD with
momentum, and Adam. With 2 hidden units a clear share of the starts ends stuck whatever the
optimizer: about two in five with Adam, about one in four with SGD and with momentum (at
these step sizes; their share moves with the step size, so only Adam's is held to the 20 %
of the claim). Adam, for all its adaptive step sizes, gets stuck more often than SGD. With 8
hidden units almost no start gets stuck, with any of the three. A wider net has many more
ways to arrange its hidden units into a solution, and where a narrow net stalls a wide one
still finds a way down. Width is the cure here, not a cleverer optimizer. (Strictly, the
stalls of the 2-unit XOR net are flat valleys and saddles rather than bowl-shaped minima: the
slice pictures show the stuck loss staying level past the trained weights. To gradient
descent, which stops improving either way, the effect is the same.)

**How the starts are trained.** All starts of one configuration live in one Keras model: every
layer carries a *starts* dimension (`EnsembleDense`, kernel shape `(starts, inputs, units)`),
so the model answers each input once per start, and its loss is the *sum* of the starts'
losses. The derivative of a sum with respect to one start's weights is that start's own
derivative, and SGD, momentum and Adam update every weight from its own gradient history
only, so each start trains exactly as it would alone, only all in one graph: roughly a
hundred times more starts per second than one `fit` per start (`make bench` measures it).
The three optimizers of one width start from the very same random weights.

**When is a start stuck?** When its final loss (mean binary cross-entropy over the four
points) is above ln(2)/4 = 0.173. A net that gets even one corner wrong has at least that
loss, since that corner alone costs ln 2 or more; so every start below the line classifies
all four corners right, and the solved starts end far below it (around 0.003).

**What to look at in TensorBoard**

- *Histograms*: `start_losses`, the loss of every start at every log point. At step 0 it is one
  lump around 0.7; over training it splits into a lump at 0 (solved) and one or two lumps at
  0.35 and 0.48 (stuck) for 2 hidden units, and collapses onto 0 for 8.
- *Time Series*: `stuck_share`, the share of starts above ln(2)/4, per run; `mean_start_loss`.
  (`epoch_loss` is the *sum* over all starts, the quantity the gradients come from.)
- *Images*: `loss_slice/stuck` and `loss_slice/solved`, the loss along the straight line from a
  start's initial weights (0) to its trained weights (1), a little beyond both ends. The stuck
  start's curve flattens out far above the dashed line; the solved one reaches 0.
- *Histograms*: `activations/hidden` and `gradients/...` pool all starts of a run together.
- *HParams*: the six runs side by side, width against optimizer.
"""

import dataclasses
import math
from typing import Annotated, Literal

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from matplotlib.figure import Figure

from dlintro import datasets
from dlintro.callbacks.probe import figure_to_array
from dlintro.callbacks.start_losses import StartLosses, per_start_losses, start_losses
from dlintro.config import ConfigError, LessonConfig, Range, require_multiple
from dlintro.runs import Variant, Verdict
from dlintro.training import LoopLog, fit
from dlintro.views import View

TITLE = "minima: from many random starts, a narrow net often gets stuck; a wider one rarely does"
CLAIM = (
    "Trained with Adam from many random starts on XOR, at least 20 % of the starts of a net "
    "with 2 hidden sigmoid units end stuck (final loss above ln(2)/4); with 8 hidden units at "
    "most 5 % do, with each of SGD, SGD with momentum and Adam. (The 2-unit shares of SGD and "
    "momentum are reported, not checked: they sit near 20 % and move with the step size.)"
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

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "epochs", of="log_every")
        if self.narrow_units >= self.wide_units:
            raise ConfigError(
                f"narrow_units ({self.narrow_units}) must be below wide_units ({self.wide_units})"
            )
        if len(set(self.optimizers)) != len(self.optimizers):
            raise ConfigError(f"optimizers must not repeat, got {','.join(self.optimizers)}")
        if "adam" not in self.optimizers:
            raise ConfigError("optimizers must include adam: the claim is checked on it")

    def learning_rate(self, optimizer):
        """The configured step size of `optimizer`."""
        return getattr(self, f"{optimizer}_learning_rate")


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(starts=40, epochs=400, log_every=200)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("minima-final-losses", "The loss of every one of the starts: 2 hidden units leave lumps of stuck starts, 8 almost none.",
         tag_filter="^start_losses$", run_filter="(2|8)_units-adam", shows=("start_losses",)),
    View("minima-stuck-share", "The share of stuck starts per run, width against optimizer.",
         tag_filter="^stuck_share$", run_filter=r"\d+_units-\w+$", shows=("stuck_share",), full_size=True),
    View("minima-loss-slices", "The loss along the line from a start to its end: a stuck start flattens out above zero.",
         tag_filter="^loss_slice/", run_filter="2_units-adam$", shows=("loss_slice/stuck",), actual_size=True),
)

# A start is stuck when its final mean loss over the four points is above ln(2)/4: one corner
# on the wrong side of 0.5 costs at least ln 2 by itself, a quarter of the mean, so every start
# below this line gets all four corners right (the converse needs enough epochs to get close).
STUCK_LOSS = math.log(2) / 4

# The slice runs from a little before the initial weights (0) to a little past the final (1).
SLICE_RANGE = (-0.25, 1.25)


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
    optimizers = {
        "sgd": lambda: keras.optimizers.SGD(learning_rate),
        "momentum": lambda: keras.optimizers.SGD(learning_rate, momentum=momentum),
        "adam": lambda: keras.optimizers.Adam(learning_rate),
    }
    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be one of {', '.join(optimizers)}, got {optimizer!r}")
    inputs = keras.Input(shape=(2,), name="inputs")
    hidden = EnsembleDense(starts, hidden_units, activation="sigmoid", name="hidden")(inputs)
    outputs = EnsembleDense(starts, 1, activation="sigmoid", name="output")(hidden)
    model = keras.Model(inputs, outputs, name="ensemble_xor_network")
    model.compile(optimizer=optimizers[optimizer](), loss=EnsembleBinaryCrossentropy())
    return model


FACTORIES = (ensemble_xor_network,)


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
    axes.text(positions[0], STUCK_LOSS, " stuck above ln(2)/4", va="bottom", fontsize=8,
              color="grey")
    for position, loss, label in zip((0.0, 1.0), ends, ("initial", "trained")):
        axes.plot([position], [loss], "o", color="#e66101")
        axes.annotate(f"{label}\n{loss:.3f}", (position, loss), textcoords="offset points",
                      xytext=(0, 8), ha="center", fontsize=8)
    axes.set_ylim(0, max(np.max(losses), *ends) * 1.25)
    axes.set_xlabel("position on the line (0 = initial weights, 1 = trained weights)")
    axes.set_ylabel("mean loss on XOR")
    axes.set_title(title, fontsize=10)
    return figure_to_array(figure)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Ensemble(Variant):
    """All starts of one net and optimizer: the arguments of `ensemble_xor_network` and its data."""

    hidden_units: int  # sigmoid units in each start's hidden layer
    optimizer: str  # "sgd", "momentum" or "adam"
    learning_rate: float  # the optimizer's step size
    data: str  # the gate learned (`datasets.gates`)


def variants(config):
    """The narrow and the wide net, each with every configured optimizer."""
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
    ]


# Training.
def train(config, variant, log_dir):
    """Trains all starts of one variant together; logs their losses and two loss slices."""
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
    fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
        callbacks=[probe], seed=config.seed)
    final_weights = model.get_weights()
    losses = per_start_losses(model, x, y)
    stuck = losses > STUCK_LOSS
    with LoopLog(log_dir):
        write_slices(config, initial_weights, final_weights, stuck, x, y)
    correct = (np.asarray(model(x, training=False))[..., 0] > 0.5) == (y > 0.5)
    return {
        "stuck_share": float(np.mean(stuck)),
        "unsolved_share": float(np.mean(~np.all(correct, axis=0))),
        "median_loss": float(np.median(losses)),
    }


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
        title = f"start {start} ({kind}): loss from its initial to its trained weights"
        image = render_loss_slice(positions, line[:-2], line[-2:], title)
        tf.summary.image(f"loss_slice/{kind}", image[None], step=config.epochs)


# The claim.
def check(config, results):
    """At least 20 % of the narrow net's starts stuck with Adam; at most 5 % of the wide net's."""
    numbers = {variant.name: metrics["stuck_share"] for variant, metrics in results.items()}
    narrow = [metrics["stuck_share"] for variant, metrics in results.items()
              if variant.hidden_units == config.narrow_units and variant.optimizer == "adam"]
    wide = [metrics["stuck_share"] for variant, metrics in results.items()
            if variant.hidden_units == config.wide_units]
    holds = all(share >= 0.2 for share in narrow) and all(share <= 0.05 for share in wide)
    explanation = f"Share of {config.starts} starts stuck: " + ", ".join(
        f"{name} {share:.0%}" for name, share in numbers.items()
    )
    return Verdict(holds=holds, numbers=numbers, explanation=explanation + ".")
