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

from dlintro.callbacks import DecisionBoundaryImages
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.runs import Variant, Verdict
from dlintro.training import fit

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


# Data: the four corners of the unit square, labelled by each gate.
INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
GATES = {"xor": [0, 1, 1, 0], "xnor": [1, 0, 0, 1]}


def gate_data(gate):
    """The four input pairs and the gate's output for each, as float32 arrays."""
    return INPUTS, np.array(GATES[gate], dtype=np.float32).reshape(-1, 1)


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
        >>> x, y = gate_data("xor")
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


def variants(config):
    """Each gate, learned by one neuron, a linear two-layer net and a non-linear one."""
    architectures = {
        "one_layer": dict(layers=1, hidden_activation="none"),
        "two_layer_linear": dict(layers=2, hidden_activation="linear"),
        "two_layer_nonlinear": dict(layers=2, hidden_activation=config.hidden_activation),
    }
    return [
        Variant(f"{gate}-{name}", dict(gate=gate, **architecture))
        for gate in GATES
        for name, architecture in architectures.items()
    ]


# Training.
def train(config, variant, log_dir):
    """Trains one variant with full reporting plus decision-boundary pictures."""
    x, y = gate_data(variant.hparams["gate"])
    single = variant.hparams["layers"] == 1
    model = xor_network(
        hidden_units=0 if single else config.hidden_units,
        hidden_activation=variant.hparams["hidden_activation"],
        learning_rate=config.learning_rate,
    )
    boundary = DecisionBoundaryImages(
        log_dir, x, y, passes_per_epoch=config.log_every, extent=(-0.5, 1.5, -0.5, 1.5)
    )
    fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
        callbacks=[boundary], seed=config.seed)
    probability = np.asarray(model(x, training=False))
    accuracy = float(np.mean((probability > 0.5) == (y > 0.5)))
    loss = float(np.mean(keras.losses.binary_crossentropy(y, probability)))
    return {"accuracy": accuracy, "loss": loss}


# The claim.
def check(config, results):
    """Straight-border nets at or below 75 % on both gates; the non-linear net at 100 %."""
    numbers = {name: metrics["accuracy"] for name, metrics in results.items()}
    straight = [n for n in numbers if not n.endswith("nonlinear")]
    bent = [n for n in numbers if n.endswith("nonlinear")]
    holds = all(numbers[n] <= 0.75 for n in straight) and all(numbers[n] == 1.0 for n in bent)
    explanation = "Accuracy: " + ", ".join(f"{name} {value:.0%}" for name, value in numbers.items())
    return Verdict(holds=holds, numbers=numbers, explanation=explanation + ".")
