"""The approximation lesson: one hidden layer of enough non-linear units fits a curve; a linear
one draws a straight line. Its text is in `dlintro/texts/en/approximation.md`."""

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
from dlintro.i18n import N_, _
from dlintro.runs import Variant, Verdict
from dlintro.training import LoopLog, fit
from dlintro.views import View

TITLE = N_("approximation: one wide enough hidden layer fits any curve; a linear one draws a line")
CLAIM = N_(
    "The widest net with a non-linear hidden activation (tanh by default) ends with an "
    "error on held-out points at least 10x below the narrowest one's, and the net with a linear hidden "
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
    View("approximation-curves", N_("The fitted curve (orange) against the target (dark line), one card per net in width order: one S-shaped rise at width 1, close to the target at 32 and 128; the linear net a straight line."),
         dashboard="images", tag_filter="^fitted_curve$", shows=("fitted_curve",),
         size=(1600, 1300)),  # Images sorts cards by run name: width order
    View("approximation-error-vs-width", N_("log10 of the final error on the held-out points against the hidden width (on the x axis): about 3 lower (1000x) from width 1 to 32, a little higher at 128 (its steps overshoot; see the text)."),
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


def variant_name(activation, width):
    """The run name of a net, for example `width-0008-tanh`.

    TensorBoard sorts runs by name: zero-padded to the widest width allowed (1024), the names
    put the cards in width order, the linear net beside the non-linear net of its width.
    """
    return f"width-{width:04d}-{activation}"


def variants(config):
    """One non-linear net per width, and the widest width with a linear hidden layer."""
    nets = [(config.hidden_activation, width) for width in config.widths]
    nets.append(("linear", max(config.widths)))
    return [
        Net(name=variant_name(activation, width), hidden_activation=activation, hidden_units=width)
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


def change_in_words(before, after):
    """How an error changed from `before` to `after`: ("falls", "12x lower") or ("rises", "3.1x higher").

    In the current language: the verb is the predicate of the sentences that use it (in Korean it
    ends them), the change the words in brackets after it.
    """
    if after == before:
        return _("stays"), _("unchanged")
    if after < before:
        return _("falls"), (_("{factor} lower").format(factor=_times(before / after)) if after > 0 else _("to 0"))
    return _("rises"), (_("{factor} higher").format(factor=_times(after / before)) if before > 0 else _("from 0"))


def _times(factor):
    """A factor as a beginner reads it: 1030x, 12x, 3.1x."""
    return (_("{factor:.0f}x") if factor >= 10 else _("{factor:.2g}x")).format(factor=factor)


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
    verb, factor = change_in_words(narrow, wide)
    explanation = _(
        "The error on the held-out points {verb} from {narrow:.3g} at width {narrowest} to {wide:.3g} at "
        "width {widest} ({factor}; at least 10x lower needed). The linear net's "
        "curve is {linear:.1e} from a straight line (at most {tolerance:.0e} allowed)."
    ).format(verb=verb, narrow=narrow, narrowest=narrowest, wide=wide, widest=widest, factor=factor,
             linear=linear, tolerance=LINE_TOLERANCE)
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)


def text_numbers(config, results):
    """The run's numbers the lesson text (dlintro/texts/en/approximation.md) fills in, by name."""
    nonlinear = _by_width(results)
    linear = next(m for v, m in results.items() if not _bends(v))
    narrowest, widest = min(nonlinear), max(nonlinear)
    best = min(nonlinear, key=lambda width: nonlinear[width]["val_error"])
    bending = [m["distance_from_line"] for m in nonlinear.values()]
    return {
        "epochs": config.epochs,
        "learning_rate": config.learning_rate,
        "train_points": config.train_points,
        "validation_points": config.validation_points,
        "activation": config.hidden_activation,
        "narrowest": narrowest,
        "widest": widest,
        "narrow_error": nonlinear[narrowest]["val_error"],
        "wide_error": nonlinear[widest]["val_error"],
        "wide_train_error": nonlinear[widest]["train_error"],
        "error_verb": change_in_words(nonlinear[narrowest]["val_error"], nonlinear[widest]["val_error"])[0],
        "error_factor": change_in_words(nonlinear[narrowest]["val_error"], nonlinear[widest]["val_error"])[1],
        "best_width": best,
        "best_error": nonlinear[best]["val_error"],
        "errors_by_width": ", ".join(_("width {width} {error:.2g}").format(width=w, error=m["val_error"])
                                     for w, m in sorted(nonlinear.items())),
        "linear_error": linear["val_error"],
        "linear_distance": linear["distance_from_line"],
        "least_bend": min(bending),
    }


# Exercises: predict, run, check.
def _check_relu(config, results):
    nets = _by_width(results)
    narrowest, widest = min(nets), max(nets)
    narrow, wide = nets[narrowest]["val_error"], nets[widest]["val_error"]
    numbers = {**_errors(results), "error_ratio_narrowest_over_widest": narrow / wide if wide > 0 else float("inf")}
    verb, factor = change_in_words(narrow, wide)
    explanation = _(
        "With ReLU, the error on the held-out points {verb} from {narrow:.3g} at width {narrowest} "
        "to {wide:.3g} at width {widest} ({factor}; lower expected)."
    ).format(verb=verb, narrow=narrow, narrowest=narrowest, wide=wide, widest=widest, factor=factor)
    return Verdict(wide < narrow, numbers, explanation)


# The few_points exercise expects the held-out error at least this many times the training error.
FEW_POINTS_FACTOR = 5


def _check_few_points(config, results):
    nets = _by_width(results)
    widest = nets[max(nets)]
    ratio = widest["val_error"] / widest["train_error"]
    numbers = {**_errors(results), f"train_error/width_{max(nets)}": widest["train_error"],
               "widest_val_over_train": ratio}
    explanation = _(
        "With {points} training points, width {width} ends with error {train_error:.3g} on them and "
        "{val_error:.3g} on the held-out points, {factor} higher (at least {expected}x expected)."
    ).format(points=config.train_points, width=max(nets), train_error=widest["train_error"],
             val_error=widest["val_error"], factor=_times(ratio), expected=FEW_POINTS_FACTOR)
    return Verdict(ratio >= FEW_POINTS_FACTOR, numbers, explanation)


def _check_smaller_step(config, results):
    nets = _by_width(results)
    narrower, wider = sorted(nets)[-2:]
    narrow, wide = nets[narrower]["val_error"], nets[wider]["val_error"]
    explanation = _(
        "With step size {learning_rate:g}, the error on the held-out points after {epochs} steps: "
        "width {narrower} {narrow:.3g}, width {wider} {wide:.3g} (width {wider} lower expected)."
    ).format(learning_rate=config.learning_rate, epochs=config.epochs, narrower=narrower, narrow=narrow,
             wider=wider, wide=wide)
    return Verdict(wide < narrow, _errors(results), explanation)


EXERCISES = (
    Exercise(
        name="relu",
        question=N_("ReLU draws two straight pieces joined at a kink. With ReLU hidden units instead of tanh, does a wider layer still fit the curve better?"),
        changes={"hidden_activation": "relu"},
        keep=_bends,
        expected=N_("Yes: the widest ReLU net's error on the held-out points ends below the narrowest one's."),
        check=_check_relu,
        explanation=N_(
            "Each ReLU unit adds one kink to the net's curve, where its weighted sum crosses 0, so a net "
            "of n units draws a broken line of at most n + 1 straight pieces, and more pieces can follow "
            "a curve more closely. ReLU is not a polynomial, so the universal approximation theorem covers "
            "it. How much lower the widest net ends varies a lot with the starting weights (the verdict "
            "gives this run's factor): a ReLU unit whose kink ends outside [-3, 3] adds only a straight "
            "piece, and one that is at 0 on every point it learns from adds nothing at all."
        ),
        quick={"widths": (1, 128)},
    ),
    Exercise(
        name="few_points",
        question=N_("Learning from 10 points instead of 200, does the 128-unit tanh net still draw the target curve between them?"),
        changes={"train_points": 10, "widths": (8, 128)},
        keep=_bends,
        # The 5 is FEW_POINTS_FACTOR (a constant marked for translation cannot be formatted).
        expected=N_("No: its error on the held-out points ends at least 5x above its error on the 10 points it learned from."),
        check=_check_few_points,
        explanation=N_(
            "The net learns only from the points it is given. With 10 random points, on average 0.6 apart, and a target "
            "that waves up and down about every 1.3, many different curves pass close to all 10 points, "
            "and training picks one that need not follow the target in the gaps. A 128-unit net has far "
            "more weights than 10 points can pin down, so it can go through the points and still miss the "
            "curve between them; `fitted_curve` shows where. How far above varies a lot with where the 10 "
            "random points fall (the verdict gives this run's factor)."
        ),
    ),
    Exercise(
        name="smaller_step",
        question=N_("With a step size of 0.003 instead of 0.01, which ends with the lower error after 1000 steps: width 32 or width 128?"),
        changes={"learning_rate": 0.003, "widths": (32, 128)},
        keep=_bends,
        expected=N_("Width 128: its error on the held-out points ends below width 32's."),
        check=_check_smaller_step,
        explanation=N_(
            "With the smaller step both nets learn more slowly, and the wider net gains from it: its 128 "
            "units moving at once change the curve more per step than 32 do, so a smaller step lets it go "
            "on falling where a larger one overshoots, while width 32, whose steps change its curve less, "
            "is simply slower. This exercise compares the two errors; it does not measure the overshoot "
            "itself (Going deeper describes that measurement)."
        ),
    ),
)
