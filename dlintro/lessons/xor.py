"""The xor lesson: one neuron draws one straight line; XOR and XNOR need a hidden layer and a
non-linear activation. Its text is in `dlintro/texts/en/xor.md`."""

import dataclasses
import math
from typing import Annotated, Literal

import keras
import numpy as np

from dlintro import datasets, events
from dlintro.callbacks import DecisionBoundaryImages, NetworkMap
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.i18n import N_, _
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = N_("xor: one neuron draws one straight line; XOR needs two layers and a non-linearity")
CLAIM = N_(
    "A single neuron and a two-layer net with a linear hidden layer stay at or below 75 % "
    "accuracy on XOR and XNOR; a two-layer net with a non-linear hidden layer reaches 100 %."
)


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    epochs: Annotated[int, Range(1, 100_000)] = 600  # full-batch passes over the four points
    log_every: Annotated[int, Range(1, 10_000)] = 50  # passes between log points and pictures
    hidden_units: Annotated[int, Range(1, 1024)] = 8  # width of the two-layer nets' hidden layer
    hidden_activation: Literal["tanh", "sigmoid", "relu"] = "tanh"  # the non-linear net's
    learning_rate: Annotated[float, Range(0, 10, open_low=True)] = 0.05  # Adam's step size

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "epochs", of="log_every")


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(epochs=100, log_every=50)

# The TensorBoard views that tell the story (`make screenshots`, links after a run). The
# three-corner frame is the default run's (seed 0): `three_corner_pass` of xor-one_layer.
VIEWS = (
    View("xor-boundaries-final", N_("XOR after training: the tanh net bends its border around two corners; the one-layer and linear nets end one flat colour, 0.5 everywhere (any line left is rounding)."),
         tag_filter="^decision_boundary$", run_filter="xor-", shows=("decision_boundary", "xor-two_layer_nonlinear")),
    View("xor-boundaries-start", N_("XOR before training (step 0): every net starts from a random border (straight for the one-layer and linear nets)."),
         tag_filter="^decision_boundary$", run_filter="xor-", shows=("decision_boundary", "xor-two_layer_nonlinear"),
         image_step=0),
    View("xor-three-corners", N_("The one-layer XOR net at pass 50: its straight border puts 3 of the 4 corners on their own side (75 %), in pale colours: its outputs are already close to 0.5."),
         tag_filter="^decision_boundary$", run_filter="xor-one_layer$", shows=("decision_boundary", "xor-one_layer"),
         image_step=1),  # the log point at pass 50 (log_every 50)
    View("xor-network-map", N_("Inside the nets on XOR: every hidden unit's output over the plane. The linear net's units are straight ramps; the tanh net's bend, and together they fence off two corners."),
         dashboard="images", tag_filter="^network_map$", run_filter="xor-two_layer.*$",
         shows=("network_map", "xor-two_layer_nonlinear"), actual_size=True, size=(1500, 1700)),
    View("xor-accuracy", N_("Accuracy at each log point, in steps of 0.25: the undecided straight-border nets wander at or below 0.75, the tanh net reaches 1.0."),
         tag_filter="^epoch_accuracy$", run_filter=".*/train", shows=("epoch_accuracy",), full_size=True),
)

GATES = ("xor", "xnor")
# A corner counts as undecided when the net's output is this close to 0.5.
UNDECIDED = 0.01


# Models.
def xor_network(hidden_units=8, hidden_activation="tanh", learning_rate=0.05):
    """A compiled two-input binary classifier: one neuron, or a hidden layer and one neuron.

    Args:
        hidden_units: width of the hidden layer; 0 for a single sigmoid neuron.
        hidden_activation: the hidden layer's activation (`"linear"` makes the net linear).
        learning_rate: Adam's step size.

    Returns:
        A `keras.Model` compiled with Adam, binary cross-entropy and accuracy.

    Example:
        >>> model = xor_network(hidden_units=8, hidden_activation="tanh")
        >>> x, y = datasets.gates("xor")
        >>> model.fit(x, y, epochs=500, verbose=0)
    """
    inputs = keras.Input(shape=(2,), name="inputs")
    features = inputs
    if hidden_units:
        features = keras.layers.Dense(hidden_units, activation=hidden_activation, name="hidden")(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="output")(features)
    model = keras.Model(inputs, outputs, name="xor_network")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


FACTORIES = (xor_network,)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Net(Variant):
    """One net on one gate: the arguments of `xor_network` and the gate it learns."""

    gate: str  # the data: "xor" or "xnor" (`datasets.gates`)
    hidden_units: int  # 0: a single neuron
    hidden_activation: str  # "linear" makes the two-layer net linear


def variants(config):
    """Each gate, learned by one neuron, a linear two-layer net and a non-linear one."""
    architectures = {
        "one_layer": dict(hidden_units=0, hidden_activation="linear"),
        "two_layer_linear": dict(hidden_units=config.hidden_units, hidden_activation="linear"),
        "two_layer_nonlinear": dict(hidden_units=config.hidden_units, hidden_activation=config.hidden_activation),
    }
    return [
        Net(name=f"{gate}-{name}", gate=gate, **architecture)
        for gate in GATES
        for name, architecture in architectures.items()
    ]


# Training.
def train(config, variant, log_dir):
    """Trains one variant with full reporting plus decision-boundary pictures."""
    x, y = datasets.gates(variant.gate)
    model = xor_network(variant.hidden_units, variant.hidden_activation, config.learning_rate)
    extent = (-0.5, 1.5, -0.5, 1.5)
    pictures = [DecisionBoundaryImages(log_dir, x, y, extent=extent), NetworkMap(log_dir, x, y, extent=extent)]
    history = fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
                  callbacks=pictures, seed=config.seed)
    probability = np.asarray(model(x, training=False))
    accuracy = float(np.mean((probability > 0.5) == (y > 0.5)))
    loss = float(np.mean(keras.losses.binary_crossentropy(y, probability)))
    undecided = float(np.mean(np.abs(probability - 0.5) < UNDECIDED))
    passes = [(index + 1) * config.log_every for index in range(len(history.history["loss"]))]
    accuracies, losses = history.history["accuracy"], history.history["loss"]
    gradient_norms = _logged_gradient_norms(log_dir)
    metrics = {"accuracy": accuracy, "loss": loss, "undecided_share": undecided,
               "gradient_norm": float(gradient_norms[-1])}
    if _bends(variant):
        metrics["solved_pass"] = _first_pass_from_which(passes, [value == 1.0 for value in accuracies])
    else:
        metrics["round_off_pass"] = _first_pass_from_which(passes, [norm < ROUND_OFF_GRADIENT for norm in gradient_norms[1:]])
        metrics["zero_gradient_pass"] = _first_pass_from_which(passes, [norm == 0.0 for norm in gradient_norms[1:]])
        # 3 of 4 corners right while the outputs still differ from 0.5 by more than rounding.
        decided = [value == 0.75 and loss_value - LN2 > 1e-6 for value, loss_value in zip(accuracies, losses)]
        metrics["three_corner_pass"] = next((step for step, ok in zip(passes, decided) if ok), None)
    if variant.hidden_units and not _bends(variant):
        hidden, output = model.get_layer("hidden").kernel, model.get_layer("output").kernel
        metrics["hidden_weight_norm"] = float(np.linalg.norm(hidden))
        metrics["combined_weight_norm"] = float(np.linalg.norm(np.asarray(hidden) @ np.asarray(output)))
    if variant.hidden_activation == "relu":
        # A ReLU unit at 0 on all four corners gets a zero gradient: it has stopped learning.
        hidden_outputs = np.asarray(model.get_layer("hidden")(x))
        metrics["units_off_everywhere"] = int(np.sum(np.all(hidden_outputs <= 0, axis=0)))
    return metrics


LN2 = math.log(2)  # the cross-entropy of an output of 0.5 at every corner
# A gradient norm below this is the size of float32 rounding on these four points, not a slope.
ROUND_OFF_GRADIENT = 1e-7


def _logged_gradient_norms(log_dir):
    """The largest layer gradient norm at each log point (step 0 first), as TensorBoard shows it."""
    run = events.load_run(log_dir)
    layers = [tag for tag in events.tags(run) if tag.startswith("gradient_norm/")]
    return np.max([events.scalar_series(run, tag)[1] for tag in layers], axis=0)


def _first_pass_from_which(passes, flags):
    """The first pass from which every later log point's flag is true; None if the last is false."""
    found = None
    for step, flag in zip(passes, flags):
        found = (found or step) if flag else None
    return found


# The claim.
def _bends(variant):
    """True for the two-layer nets with a non-linear hidden layer."""
    return variant.hidden_units > 0 and variant.hidden_activation != "linear"


def _describe(name, metrics):
    """One net's result: its accuracy if it decides, or how many corners it is undecided at.

    An undecided net's accuracy is decided by float32 rounding around 0.5, so it is not shown
    as if it meant something.
    """
    undecided = round(metrics["undecided_share"] * len(datasets.CORNERS))
    if undecided == len(datasets.CORNERS):
        return _("{name} undecided (output within {limit} of 0.5 at all 4 corners)").format(name=name, limit=UNDECIDED)
    if undecided:
        return _("{name} {accuracy:.0%} (undecided at {undecided} of 4 corners)").format(
            name=name, accuracy=metrics["accuracy"], undecided=undecided)
    return "{name} {accuracy:.0%}".format(name=name, accuracy=metrics["accuracy"])  # no words to translate


def _accuracies(results):
    return {variant.name: metrics["accuracy"] for variant, metrics in results.items()}


def _explain(results):
    return "; ".join(_describe(variant.name, metrics) for variant, metrics in results.items()) + "."


def check(config, results):
    """Straight-border nets at or below 75 % on both gates; the non-linear net at 100 %."""
    holds = all(
        metrics["accuracy"] == 1.0 if _bends(variant) else metrics["accuracy"] <= 0.75
        for variant, metrics in results.items()
    )
    return Verdict(holds=holds, numbers=_accuracies(results), explanation=_explain(results))


def text_numbers(config, results):
    """The run's numbers the lesson text (dlintro/texts/en/xor.md) fills in, by name."""
    straight = {variant.name: metrics for variant, metrics in results.items() if not _bends(variant)}
    bending = {variant.name: metrics for variant, metrics in results.items() if _bends(variant)}
    solved = [metrics["solved_pass"] for metrics in bending.values()]
    round_off = [metrics["round_off_pass"] for metrics in straight.values()]
    three = [(metrics["three_corner_pass"], name) for name, metrics in straight.items()
             if metrics["three_corner_pass"] is not None]
    linear = [metrics for metrics in straight.values() if "combined_weight_norm" in metrics]
    return {
        "epochs": config.epochs,
        "log_every": config.log_every,
        "hidden_units": config.hidden_units,
        "solved_when": (_("by pass {step}").format(step=max(solved)) if None not in solved
                        else _("not at every log point up to pass {epochs}").format(epochs=config.epochs)),
        "straight_loss_max": max(metrics["loss"] for metrics in straight.values()),
        "undecided_nets": sum(metrics["undecided_share"] == 1.0 for metrics in straight.values()),
        "round_off_when": (_("from pass {step} on").format(step=max(round_off)) if None not in round_off
                           else _("not for every one of them by pass {epochs}").format(epochs=config.epochs)),
        "straight_gradient_max": max(metrics["gradient_norm"] for metrics in straight.values()),
        "zero_gradient_nets": sum(metrics["gradient_norm"] == 0.0 for metrics in straight.values()),
        "zero_gradient_when": ", ".join(_("{name} from pass {step} on").format(name=name, step=metrics["zero_gradient_pass"])
                                        for name, metrics in straight.items()
                                        if metrics["zero_gradient_pass"] is not None) or _("none of them"),
        "three_corner_example": (_("{name} at pass {step}").format(name=min(three)[1], step=min(three)[0]) if three
                                 else _("no log point of this run")),
        "straight_results": _explain({variant: metrics for variant, metrics in results.items() if not _bends(variant)}),
        "linear_hidden_norm": min(metrics["hidden_weight_norm"] for metrics in linear),
        "linear_combined_norm": max(metrics["combined_weight_norm"] for metrics in linear),
        "xnor_one_layer_accuracy": straight["xnor-one_layer"]["accuracy"],
    }


# Exercises: predict, run, check.
def _check_straight(config, results):
    holds = all(metrics["accuracy"] <= 0.75 for metrics in results.values())
    return Verdict(holds, _accuracies(results), _explain(results))


def _check_relu(config, results):
    holds = all(metrics["accuracy"] == 1.0 for metrics in results.values())
    off = ", ".join(_("{name} {off} of {units}").format(name=variant.name, off=metrics["units_off_everywhere"],
                                                        units=variant.hidden_units)
                    for variant, metrics in results.items())
    numbers = {**_accuracies(results),
               **{f"units_off/{v.name}": m["units_off_everywhere"] for v, m in results.items()}}
    return Verdict(holds, numbers, _explain(results) + " " + _("Units at 0 on all four corners: {units}.").format(units=off))


EXERCISES = (
    Exercise(
        name="one_unit",
        question=N_("With a single tanh unit in the hidden layer, can the two-layer net still solve XOR and XNOR?"),
        changes={"hidden_units": 1},
        keep=_bends,
        expected=N_("No: both gates stay at or below 75 %."),
        check=_check_straight,
        explanation=N_(
            "A unit draws one straight line and bends the plane along it; the output neuron can "
            "only squash that one unit's output again. Both steps only ever rise (or only ever "
            "fall), so the output is high on one side of the unit's line and low on the other: "
            "the decision boundary is still one straight line, however curved tanh is. Fencing "
            "off two opposite corners takes at least two lines, so at least two hidden units."
        ),
        quick={"epochs": 300},
    ),
    Exercise(
        name="relu",
        question=N_("ReLU is non-linear too: 0 for negative inputs, the input itself otherwise, with a kink at 0. With 16 ReLU hidden units instead of 8 tanh units, does the net still solve XOR and XNOR?"),
        changes={"hidden_activation": "relu", "hidden_units": 16},
        keep=_bends,
        expected=N_("Yes: 100 % on both gates."),
        check=_check_relu,
        explanation=N_(
            "A ReLU unit is straight on each side of its kink, but the kink is a bend: each unit "
            "folds the plane along its own line, and the output neuron adds the folds. Two folds "
            "are enough to put (0, 1) and (1, 0) on one side and the other two corners on the "
            "other, so the border you see is made of straight pieces with corners. Why 16 units "
            "and not 8? A ReLU unit whose weighted sum is negative at all four corners outputs 0 "
            "there and gets a gradient of 0, so it stops learning for good. With 8 units, a few "
            "of the nets on seeds 0 to 9 were left with too few working units and ended at 75 %; "
            "with 16, enough units keep working. The verdict counts each net's stopped units."
        ),
        quick={"epochs": 300},
    ),
    Exercise(
        name="linear_wide",
        question=N_("If a linear hidden layer has 64 units instead of 8, can the linear two-layer net solve XOR?"),
        changes={"hidden_units": 64},
        keep=lambda variant: variant.hidden_units > 0 and variant.hidden_activation == "linear",
        expected=N_("No: both gates stay at or below 75 %."),
        check=_check_straight,
        explanation=N_(
            "More units do not help a linear layer: the output's weighted sum is W2 (W1 x + b1) + "
            "b2, a linear function of x, so the border is one straight line however many units "
            "there are. Its loss heads for the same floor as a single neuron's, ln 2 = 0.693, "
            "with every output near 0.5."
        ),
        quick={"epochs": 300},
    ),
)
