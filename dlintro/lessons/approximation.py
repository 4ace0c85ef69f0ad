"""One hidden layer of non-linear units can draw almost any curve, given enough units. Each
tanh unit contributes one smooth step: its weight and bias set where the step sits and how
steep it is, its output weight how high it is; the output adds the steps up. One unit gives
one step, which cannot follow a wave; a few units give a few bends; with dozens the sum of
steps traces the curve closely. This is the *universal approximation* theorem: a single
hidden layer can approximate any continuous function on a bounded interval as closely as you
like, if it is wide enough, provided its activation is not a polynomial (Leshno, Lin, Pinkus
and Schocken, 1993; sigmoid, tanh and ReLU all qualify). Non-linear is not enough: with a
polynomial activation of degree d the net can only ever draw a polynomial of degree d, however
wide it is. (The theorem says nothing about how many units it takes, or whether training finds
them.)

Here the target is sin(2x) + 0.5 sin(5x) on [-3, 3], learned from 200 random points (100
more held out for validation) by nets that differ only in the width of their hidden layer, all
trained for the same 1000 full-batch Adam steps at the same learning rate. The last net is as
wide as the widest, but with a *linear* hidden activation (the polynomial of degree 1): a
linear map of a linear map is a linear map, so however many units it has, it draws one
straight line.

**Wider is not always lower after a fixed budget.** In the default run the validation error
falls from 0.52 at width 1 to 5.2e-4 at width 32, but width 128 ends a little higher, at
8.7e-4. That is not a lack of capacity: a 128-unit net can draw everything a 32-unit one can
(give the extra units zero output weight). It is unfinished optimisation. Width 128 is ahead
at every log point up to step 800 (1.1e-3 against 2.0e-3 there), then slows down and is
overtaken. The likely reason: Adam moves every weight by about the learning rate per step
whatever the net's size, and the 128-unit net's output adds up four times as many moving
units, so near the bottom its steps overshoot. Measured on this run's nets step by step:
between steps 800 and 1000 the 128-unit net's training error rises on 26 % of the steps (and
swings by a factor of 15), while the 32-unit net's falls at every step. Its training error is
still falling on average: it reaches width 32's 1000-step error (5.3e-4) after about 2000 steps.
Its validation error stays close to its training error (8.7e-4 against 1.1e-3), so it is not
overfitting either.

**What to look at in TensorBoard**

- *Images*: `fitted_curve` for each run: the target in dark grey, the net's curve in orange,
  the training points in blue on the target. Drag the step slider: width 1 manages one step,
  widths 2 and 4 a few bends, width 8 follows the big waves but cuts the small bumps, widths
  32 and 128 lie on the target; the linear net only ever tilts a line.
- *Scalars*: `final_error_vs_width`, shown by the `error_vs_width/tanh` run (and a single
  point for `error_vs_width/linear`): the validation error of every net after training,
  plotted with the **hidden width on the x axis** (TensorBoard calls that axis "step" here).
  Its twin `log10_final_error_vs_width` is the same on a log scale, readable as it opens: it
  falls by about three (orders of magnitude) from width 1 to width 32, and rises a little at
  width 128 (see above).
- *Scalars*: `fitted_curve/distance_from_line`: how far each net's curve is from its own best
  straight line, relative to the target's spread; the linear net stays at float round-off
  (about 2e-6) the whole time, every other net ends above 0.4.
- *Time Series*: `epoch_loss` per run, on the training points (`train`) and the held-out
  ones (`validation`): the 128-unit net's curves drop fastest at first and are overtaken by
  the 32-unit net's between steps 800 and 1000. *HParams*: the table of runs with their
  `hidden_units`, `hidden_activation` and `final_error`.
"""

import dataclasses
import math
from pathlib import Path
from typing import Annotated, Literal

import keras
import numpy as np

from dlintro import datasets
from dlintro.callbacks import FittedCurveImages
from dlintro.callbacks.curve import distance_from_line
from dlintro.config import ConfigError, LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.runs import Variant, Verdict
from dlintro.training import LoopLog, fit
from dlintro.views import View

TITLE = "approximation: one wide enough hidden layer fits any curve; a linear one draws a line"
CLAIM = (
    "The widest net with a non-linear hidden activation (tanh by default) ends with a "
    "validation error at least 10x below the narrowest one's, and the net with a linear hidden "
    "activation stays a straight line (within 1e-5 of one, relative to the target's spread)."
)

# A curve that lies within this distance of a straight line (relative to the target's
# standard deviation) counts as straight. float32 round-off alone leaves about 2e-6 at width
# 128 and 5e-6 at width 1024, the widest allowed; any net that bends is 1e-2 or more away.
LINE_TOLERANCE = 1e-5


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    epochs: Annotated[int, Range(1, 100_000)] = 1000  # full-batch passes over the training points
    log_every: Annotated[int, Range(1, 10_000)] = 200  # passes between log points and pictures
    widths: tuple[Annotated[int, Range(1, 1024)], ...] = (1, 2, 4, 8, 32, 128)  # hidden widths
    hidden_activation: Literal["tanh", "sigmoid", "relu"] = "tanh"  # the non-linear nets'
    learning_rate: Annotated[float, Range(0, 1, open_low=True)] = 0.01  # Adam's step size
    train_points: Annotated[int, Range(8, 100_000)] = 200  # inputs drawn uniformly from [-3, 3]
    validation_points: Annotated[int, Range(8, 100_000)] = 100  # held out, same distribution

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "epochs", of="log_every")
        if len(self.widths) < 2 or list(self.widths) != sorted(set(self.widths)):
            raise ConfigError(f"widths must be at least two increasing numbers, got {self.widths}")


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(epochs=300, log_every=150, widths=(1, 32))

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("approximation-curves", "The fitted curve (orange) against the target (grey), one card per net: one step at width 1, the target itself at 32 and 128.",
         tag_filter="^fitted_curve$", shows=("fitted_curve",), size=(1600, 1300)),
    View("approximation-error-vs-width", "log10 of the final error against the hidden width (on the x axis): about 3 lower (1000x) from width 1 to 32, a little higher at 128 (training not finished).",
         tag_filter="^log10_final_error_vs_width$", run_filter="error_vs_width/", shows=("log10_final_error_vs_width",),
         full_size=True),
)


# Models.
def curve_network(hidden_units=32, hidden_activation="tanh", learning_rate=0.01, input_range=3.0):
    """A compiled one-input regressor with one hidden layer, fitting a curve y = f(x).

    The hidden kernel uses He initialization, whose spread depends only on the number of
    inputs, so every width starts with equally steep units. Keras's default, Glorot, draws
    from +-sqrt(6 / (inputs + units)): a 128-unit layer's weights would start sqrt(129 / 2),
    about 8x, flatter than a 1-unit layer's (and sqrt(129), about 11x, flatter than He's),
    which slows the wide nets down. The
    biases are spread uniformly over the input interval, so the units' bends start scattered
    across it rather than all at x = 0.

    Args:
        hidden_units: width of the hidden layer.
        hidden_activation: its activation; `"linear"` makes the whole net a straight line.
        learning_rate: Adam's step size.
        input_range: inputs are expected in [-input_range, input_range].

    Returns:
        A `keras.Model` compiled with Adam and mean squared error.

    Example:
        >>> model = curve_network(hidden_units=32)
        >>> (x, y), validation = datasets.curve()
        >>> model.fit(x, y, epochs=2000, batch_size=len(x), verbose=0)
    """
    inputs = keras.Input(shape=(1,), name="x")
    hidden = keras.layers.Dense(
        hidden_units,
        activation=hidden_activation,
        kernel_initializer="he_uniform",
        bias_initializer=keras.initializers.RandomUniform(-input_range, input_range),
        name="hidden",
    )(inputs)
    outputs = keras.layers.Dense(1, name="output")(hidden)
    model = keras.Model(inputs, outputs, name="curve_network")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error")
    return model


FACTORIES = (curve_network,)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Net(Variant):
    """One net fitting the curve: the arguments of `curve_network` that set it apart."""

    hidden_activation: str  # "linear" makes the whole net a straight line
    hidden_units: int  # the width of the hidden layer


def variant_name(config, activation, width):
    """The run name of a net, for example `tanh-width_008` (zero-padded: runs sort by width)."""
    return f"{activation}-width_{width:0{len(str(max(config.widths)))}d}"


def variants(config):
    """One non-linear net per width, and the widest width with a linear hidden layer."""
    nets = [(config.hidden_activation, width) for width in config.widths]
    nets.append(("linear", max(config.widths)))
    return [
        Net(name=variant_name(config, activation, width), hidden_activation=activation, hidden_units=width)
        for activation, width in nets
    ]


# Training.
def train(config, variant, log_dir):
    """Fits one net to the curve, with pictures of its curve and its final error by width."""
    (x, y), (x_val, y_val) = datasets.curve(config.train_points, config.validation_points, config.seed)
    model = curve_network(
        variant.hidden_units, variant.hidden_activation, config.learning_rate, input_range=datasets.CURVE_RANGE[1]
    )
    curve = FittedCurveImages(log_dir, datasets.target_curve, datasets.CURVE_RANGE, points=(x, y))
    fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
        validation_data=(x_val, y_val), callbacks=[curve], seed=config.seed)
    error = float(np.mean((np.asarray(model(x_val, training=False)) - y_val) ** 2))
    train_error = float(np.mean((np.asarray(model(x, training=False)) - y) ** 2))
    grid = np.linspace(*datasets.CURVE_RANGE, 401, dtype=np.float32)[:, None]
    spread = np.std(datasets.target_curve(grid))
    straightness = distance_from_line(grid, model(grid, training=False)) / spread
    _log_final_error(log_dir, variant, error, config.epochs)
    return {"val_error": error, "train_error": train_error, "distance_from_line": float(straightness)}


def _log_final_error(log_dir, variant, error, step):
    """Logs the final error in the variant's run and, at step = width, in a run per activation.

    The runs `error_vs_width/<activation>` live one level below the lesson run's directory,
    beside the variants, and collect one point per net: their chart has the width as x axis.
    """
    with LoopLog(log_dir) as log:
        log.scalars(step, {"final_error": error})
    sibling = Path(log_dir).parent / "error_vs_width" / variant.hidden_activation
    with LoopLog(sibling) as log:
        # Also its log10: the errors span orders of magnitude, which TensorBoard's default
        # linear axis would flatten into one line at zero and one point far above it.
        log.scalars(variant.hidden_units, {"final_error_vs_width": error,
                                           "log10_final_error_vs_width": math.log10(max(error, 1e-30))})


# The claim.
def _bends(variant):
    """True for the nets with a non-linear hidden activation."""
    return variant.hidden_activation != "linear"


def _by_width(results):
    """The non-linear nets' metrics by hidden width."""
    return {variant.hidden_units: metrics for variant, metrics in results.items() if _bends(variant)}


def _errors(results):
    """Every net's validation error, by run name."""
    return {f"val_error/{variant.name}": metrics["val_error"] for variant, metrics in results.items()}


def check(config, results):
    """The widest non-linear net 10x below the narrowest; the linear net a straight line."""
    nonlinear = _by_width(results)
    linear_nets = [m for v, m in results.items() if not _bends(v)]
    narrowest, widest = min(nonlinear), max(nonlinear)
    narrow, wide = nonlinear[narrowest]["val_error"], nonlinear[widest]["val_error"]
    linear = linear_nets[0]["distance_from_line"]
    ratio = narrow / wide if wide > 0 else float("inf")
    numbers = {**_errors(results), "error_ratio_narrowest_over_widest": ratio, "linear_distance_from_line": linear}
    holds = ratio >= 10.0 and linear <= LINE_TOLERANCE
    explanation = (
        f"Validation error falls from {narrow:.3g} at width {narrowest} to {wide:.3g} at "
        f"width {widest} ({ratio:.0f}x lower; at least 10x needed). The linear net's "
        f"curve is {linear:.1e} from a straight line (at most {LINE_TOLERANCE:.0e} allowed)."
    )
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)


# Exercises: predict, run, check.
def _check_relu(config, results):
    nets = _by_width(results)
    narrowest, widest = min(nets), max(nets)
    ratio = nets[narrowest]["val_error"] / nets[widest]["val_error"]
    numbers = {**_errors(results), "error_ratio_narrowest_over_widest": ratio}
    explanation = (
        f"With ReLU, validation error falls from {nets[narrowest]['val_error']:.3g} at width "
        f"{narrowest} to {nets[widest]['val_error']:.3g} at width {widest} ({ratio:.0f}x lower; at "
        f"least 10x expected)."
    )
    return Verdict(ratio >= 10, numbers, explanation)


def _check_few_points(config, results):
    nets = _by_width(results)
    widest = nets[max(nets)]
    ratio = widest["val_error"] / widest["train_error"]
    numbers = {**_errors(results), f"train_error/width_{max(nets)}": widest["train_error"],
               "widest_val_over_train": ratio}
    explanation = (
        f"With {config.train_points} training points, width {max(nets)} ends with training error "
        f"{widest['train_error']:.3g} and validation error {widest['val_error']:.3g}, {ratio:.0f}x "
        f"higher (at least 10x expected)."
    )
    return Verdict(ratio >= 10, numbers, explanation)


def _check_smaller_step(config, results):
    nets = _by_width(results)
    narrower, wider = sorted(nets)[-2:]
    narrow, wide = nets[narrower]["val_error"], nets[wider]["val_error"]
    numbers = _errors(results)
    explanation = (
        f"With learning rate {config.learning_rate:g}, validation error after {config.epochs} "
        f"steps: width {narrower} {narrow:.3g}, width {wider} {wide:.3g} (width {wider} lower "
        f"expected)."
    )
    return Verdict(wide < narrow, numbers, explanation)


EXERCISES = (
    Exercise(
        name="relu",
        question="A ReLU net draws a broken line, straight between its kinks. With ReLU hidden units instead of tanh, does a wider layer still fit the curve better?",
        changes={"hidden_activation": "relu"},
        keep=_bends,
        expected="Yes: the widest ReLU net's validation error is at least 10x below the narrowest one's.",
        check=_check_relu,
        explanation=(
            "Each ReLU unit adds one kink where its weighted input crosses 0, so a net of n units "
            "draws a broken line of at most n + 1 straight pieces, and more pieces follow a curve "
            "more closely: in the runs (seeds 0 to 2) the error fell from 0.51 to 0.71 at width 1 "
            "to 0.0039 to 0.0065 at width 128, 85 to 180 times lower. ReLU is not a polynomial, "
            "so the universal approximation theorem covers it. Straight pieces fit a smooth curve "
            "less closely than tanh's smooth steps for the same budget: the default tanh run ends "
            "at 8.7e-4 at width 128. Watch the narrow nets too: a ReLU unit whose kink moves out "
            "of [-3, 3], or which is off at every training point, is straight across the whole "
            "interval; with seed 1 the nets of width 1, 2 and 4 all ended as straight lines."
        ),
        quick={"widths": (1, 128)},
    ),
    Exercise(
        name="few_points",
        question="With 20 training points instead of 200, does the 128-unit tanh net still fit points it has not seen?",
        changes={"train_points": 20, "widths": (8, 128)},
        keep=_bends,
        expected="No: the widest net's validation error ends at least 10x above its training error.",
        check=_check_few_points,
        explanation=(
            "A 128-unit layer has far more weights than 20 points can pin down, so many curves "
            "pass close to all 20, and training picks one that need not follow the target between "
            "them: it overfits. In the runs (seeds 0 to 2) width 128 ended with training error "
            "0.0006 to 0.0009 and validation error 0.021 to 0.127, 26 to 216 times higher; with "
            "200 points (the lesson's default run) they are 1.1e-3 and 8.7e-4. The gaps between "
            "the training points are where the curve is free; `fitted_curve` shows them."
        ),
    ),
    Exercise(
        name="smaller_step",
        question="In the lesson, width 128 ends a little above width 32 after 1000 Adam steps. With a step size of 0.003 instead of 0.01, which of the two ends lower?",
        changes={"learning_rate": 0.003, "widths": (32, 128)},
        keep=_bends,
        expected="Width 128: its validation error ends below width 32's.",
        check=_check_smaller_step,
        explanation=(
            "With the smaller step both nets are slower and end higher than at 0.01 after the "
            "same 1000 steps, but width 32 loses more: with seed 0 its error grows from 5.2e-4 to "
            "0.037, width 128's from 8.7e-4 to 0.0032. In the runs (seeds 0 to 2) width 32 ended "
            "at 0.013 to 0.040 and width 128 at 0.0032 to 0.011, 3 to 12 times lower. That fits "
            "the lesson's reading of the default run: width 128 falling behind at step size 0.01 "
            "was not a lack of capacity, and its steps there were too large near the bottom; a "
            "smaller step lets the wider net keep its lead (this exercise does not measure the "
            "step-by-step overshoot itself)."
        ),
    ),
)
