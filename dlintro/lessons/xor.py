"""A single neuron computes a weighted sum of its inputs and squashes it, so whatever it learns,
the border between its "0" and its "1" is a straight line across the input plane. AND and OR
can be cut apart that way; **XOR** (1 when exactly one input is 1) and **XNOR** (its opposite)
cannot: their 1s sit on opposite corners of the square, and no single line separates them
from the 0s. The best a line can do is get three of the four points right, 75 %.

A second layer helps only if it bends the picture. With a *linear* hidden layer the two layers
collapse into one (a linear map of a linear map is linear), and the border stays straight.
With a *non-linear* hidden activation (tanh) the hidden units re-draw the four points in a
new space where a line does separate them, and the net solves both gates.

**What to look at in TensorBoard**

- *Images*: `decision_boundary` for each run; drag the step slider to watch the border form.
  The one-layer and linear nets only ever turn a straight border; the tanh net bends it
  around the corners.
- *Time Series*: `epoch_accuracy` stalls at 0.5 or 0.75 for the straight-border nets and
  climbs to 1.0 for the tanh net.
- *Histograms*: `activations/hidden` of the tanh net spreads out towards -1 and 1 as the
  hidden units specialise; `gradients/...` shrink to nothing once the net is right.
- *Custom Scalars*: per-layer gradient norms and activation statistics, one chart each.
"""

import dataclasses
from typing import Annotated, Literal

import keras
import numpy as np

from dlintro import datasets
from dlintro.callbacks import DecisionBoundaryImages
from dlintro.config import LessonConfig, Range, require_multiple
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
    View("xor-boundaries-start", "XOR before training (step 0): every net starts from a random, almost straight border.",
         tag_filter="^decision_boundary$", run_filter="xor-", shows=("decision_boundary", "xor-two_layer_nonlinear"),
         image_step=0),
    View("xor-boundaries-final", "XOR after training: only the tanh net bends its border around the corners.",
         tag_filter="^decision_boundary$", run_filter="xor-", shows=("decision_boundary", "xor-two_layer_nonlinear")),
    View("xor-accuracy", "Accuracy: the straight-border nets stall at 0.5-0.75, the tanh net reaches 1.0.",
         tag_filter="^epoch_accuracy$", run_filter=".*/train", shows=("epoch_accuracy",), full_size=True),
)

GATES = ("xor", "xnor")


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
    boundary = DecisionBoundaryImages(log_dir, x, y, extent=(-0.5, 1.5, -0.5, 1.5))
    fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
        callbacks=[boundary], seed=config.seed)
    probability = np.asarray(model(x, training=False))
    accuracy = float(np.mean((probability > 0.5) == (y > 0.5)))
    loss = float(np.mean(keras.losses.binary_crossentropy(y, probability)))
    return {"accuracy": accuracy, "loss": loss}


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
