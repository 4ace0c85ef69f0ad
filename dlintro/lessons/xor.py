"""A single neuron computes a weighted sum of its inputs and squashes it, so whatever it learns,
the border between its "0" and its "1" is a straight line across the input plane. AND and OR
can be cut apart that way; **XOR** (1 when exactly one input is 1) and **XNOR** (its opposite)
cannot: their 1s sit on opposite corners of the square, and no single line separates them
from the 0s. The best a line can do is get three of the four points right, 75 %.

A second layer helps only if it bends the picture. With a *linear* hidden layer the two layers
collapse into one (a linear map of a linear map is linear), and the border stays straight.
With a *non-linear* hidden activation (tanh) the hidden units re-draw the four points in a
new space where a line does separate them, and the net solves both gates.

**Where the straight-border nets end.** Trained on cross-entropy, they do not settle on a line
that gets three corners right. For a single neuron (and the linear two-layer net is one in
disguise) the cross-entropy is a convex bowl, and on XOR and XNOR its bottom is at weights 0,
where the gradient is exactly zero: the output is 0.5 at every corner, "no idea", at a loss of
ln 2 = 0.693. Every line that gets three corners right costs more, because the fourth corner
is then on the wrong side. The runs get there within about 100 passes, after which their
gradient is zero and nothing moves. That is why their last `decision_boundary` pictures are
one flat colour: the probability is 0.5 everywhere, so there is no real border to draw (a
stray black line, as in the one-layer XOR net's corner, marks only where float32 round-off
tips 0.5 by 6e-8 either way). Their accuracy then says nothing about the net: every output is 0.5 give or take one
float32 rounding step (6e-8), and which side of 0.5 that rounding falls on decides the count.
That is how XNOR's one-layer net scores 25 %, below the 50 % of guessing: it is not learning
the opposite, it is undecided. The metric `undecided_share` (corners whose output is within
0.01 of 0.5) is 1.0 for these nets and 0.0 for the tanh net.

**What to look at in TensorBoard**

- *Images*: `decision_boundary` for each run; drag the step slider to watch the border form.
  The one-layer and linear nets start with a straight border and fade to flat 0.5 everywhere;
  the tanh net bends its border around the corners.
- *Images*: `network_map`, the whole net as TensorFlow Playground draws it: the two inputs,
  every hidden unit as a small map of its output over the plane, the output with the four
  points, and the weights as lines (orange positive, blue negative, thicker when larger). The
  linear net's hidden units are all straight ramps, so any sum of them is a ramp too; the tanh
  net's units bend, and the output combines their bends into a border around two corners.
- *Time Series*: `epoch_accuracy` is the model's accuracy on the four corners at each log
  point, so it moves in steps of 0.25. The straight-border nets wander between 0.25, 0.5 and
  0.75 while they are undecided, and the tanh net reaches 1.0 by the first log point.
  `epoch_loss` of the straight-border nets sits at 0.693 (ln 2) from the first log point on.
- *Histograms*: `activations/hidden` of the tanh net spreads out towards -1 and 1 as the
  hidden units specialise (about a third of the hidden outputs end on tanh's flat part,
  `saturated_share/hidden`); `gradients/...`
  of every net shrink towards zero: the tanh net's because it is right, the others' because
  they sit at the best a straight border can do.
- *Custom Scalars*: per-layer gradient norms and activation statistics, one chart each.
"""

import dataclasses
from typing import Annotated, Literal

import keras
import numpy as np

from dlintro import datasets
from dlintro.callbacks import DecisionBoundaryImages, NetworkMap
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = "xor: one neuron draws one straight line; XOR needs two layers and a non-linearity"
CLAIM = (
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

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("xor-boundaries-start", "XOR before training (step 0): every net starts from a random border (straight for the one-layer and linear nets).",
         tag_filter="^decision_boundary$", run_filter="xor-", shows=("decision_boundary", "xor-two_layer_nonlinear"),
         image_step=0),
    View("xor-boundaries-final", "XOR after training: the tanh net bends its border around the corners; the straight-border nets say 0.5 everywhere (flat; any line left is round-off).",
         tag_filter="^decision_boundary$", run_filter="xor-", shows=("decision_boundary", "xor-two_layer_nonlinear")),
    View("xor-network-map", "Inside the nets on XOR: every hidden unit's output over the plane. The linear net's units are straight ramps; the tanh net's bend, and together they fence off two corners.",
         dashboard="images", tag_filter="^network_map$", run_filter="xor-two_layer.*$",
         shows=("network_map", "xor-two_layer_nonlinear"), actual_size=True, size=(1500, 1700)),
    View("xor-accuracy", "Accuracy at each log point, in steps of 0.25: the undecided straight-border nets wander at or below 0.75, the tanh net reaches 1.0.",
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
    fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
        callbacks=pictures, seed=config.seed)
    probability = np.asarray(model(x, training=False))
    accuracy = float(np.mean((probability > 0.5) == (y > 0.5)))
    loss = float(np.mean(keras.losses.binary_crossentropy(y, probability)))
    undecided = float(np.mean(np.abs(probability - 0.5) < UNDECIDED))
    return {"accuracy": accuracy, "loss": loss, "undecided_share": undecided}


# The claim.
def check(config, results):
    """Straight-border nets at or below 75 % on both gates; the non-linear net at 100 %."""
    numbers = {variant.name: metrics["accuracy"] for variant, metrics in results.items()}
    bends = {variant: variant.hidden_units > 0 and variant.hidden_activation != "linear" for variant in results}
    holds = all(
        metrics["accuracy"] == 1.0 if bends[variant] else metrics["accuracy"] <= 0.75
        for variant, metrics in results.items()
    )
    explanation = "Accuracy: " + ", ".join(f"{name} {value:.0%}" for name, value in numbers.items())
    return Verdict(holds=holds, numbers=numbers, explanation=explanation + ".")


# Exercises: predict, run, check.
def _bends(variant):
    """True for the two-layer nets with a non-linear hidden layer."""
    return variant.hidden_units > 0 and variant.hidden_activation != "linear"


def _accuracies(results):
    return {variant.name: metrics["accuracy"] for variant, metrics in results.items()}


def _check_straight(config, results):
    numbers = _accuracies(results)
    holds = all(value <= 0.75 for value in numbers.values())
    return Verdict(holds, numbers, "Accuracy: " + ", ".join(f"{name} {value:.0%}" for name, value in numbers.items()) + ".")


def _check_solves(config, results):
    numbers = _accuracies(results)
    holds = all(value == 1.0 for value in numbers.values())
    return Verdict(holds, numbers, "Accuracy: " + ", ".join(f"{name} {value:.0%}" for name, value in numbers.items()) + ".")


EXERCISES = (
    Exercise(
        name="one_unit",
        question="With a single tanh unit in the hidden layer, can the two-layer net still solve XOR and XNOR?",
        changes={"hidden_units": 1},
        keep=_bends,
        expected="No: both gates stay at or below 75 %.",
        check=_check_straight,
        explanation=(
            "One hidden unit computes tanh of one weighted sum, and the output neuron can only "
            "squash that single number again. Both steps are monotone, so the output is high on one "
            "side of one straight line and low on the other: the border is still a line, however "
            "curved the tanh is. Bending the border into two needs at least two hidden units."
        ),
        quick={"epochs": 300},
    ),
    Exercise(
        name="relu",
        question="ReLU is made of two straight pieces. With 8 ReLU hidden units instead of tanh, does the net still solve XOR and XNOR?",
        changes={"hidden_activation": "relu"},
        keep=_bends,
        expected="Yes: 100 % on both gates.",
        check=_check_solves,
        explanation=(
            "A ReLU unit is straight on each side of its kink, but the kink itself is the "
            "non-linearity: each unit folds the plane along its own line, and the output adds the "
            "folds. Two folds are enough to put (0, 1) and (1, 0) on one side and the other two "
            "corners on the other; eight give it room to spare. The border you see is made of "
            "straight pieces with corners, not a smooth curve."
        ),
        quick={"epochs": 300},
    ),
    Exercise(
        name="linear_wide",
        question="If a linear hidden layer is made 64 units wide, can the linear two-layer net solve XOR?",
        changes={"hidden_units": 64},
        keep=lambda variant: variant.hidden_units > 0 and variant.hidden_activation == "linear",
        expected="No: both gates stay at or below 75 %.",
        check=_check_straight,
        explanation=(
            "Width does not help a linear layer: the output is still W2 (W1 x + b1) + b2, a single "
            "linear function of x, so the border is one straight line whatever the width. Its loss "
            "heads for the same floor as a single neuron's, ln 2 = 0.693, with every output near 0.5."
        ),
        quick={"epochs": 300},
    ),
)
