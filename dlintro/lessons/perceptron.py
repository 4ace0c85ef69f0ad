"""A neuron multiplies each input by a weight, adds the products and a bias, and passes the sum
through an *activation*. With the **step** activation it answers 1 when the sum is at least 0
and 0 otherwise; with the **sigmoid** it answers a number between 0 and 1 that rises smoothly
through 0.5 where the sum crosses 0. Either way, the inputs where the sum is exactly 0 form a
straight line, `w1 x1 + w2 x2 + b = 0`: the neuron says 1 on one side of it and 0 on the other.

A two-input logic gate has four inputs, the corners of a square. For AND, OR, NAND and NOR
one straight line separates the corners that should give 1 from those that should give 0, so
one neuron can learn each of them. For XOR and XNOR the 1s sit on opposite corners and no
line does it: whatever the weights, at least one corner is wrong, so 75 % is the ceiling.

Two ways of learning the weights, side by side:

- **Rosenblatt's perceptron rule** (1958), for the step neuron. Show it one example; if it
  answered right, change nothing; if it answered 0 but should have said 1, add the input (times
  a learning rate) to the weights and the learning rate to the bias; if it should have said 0,
  subtract them. No gradient anywhere: the step function is flat, it has none. On a gate that
  a line can separate, the rule provably stops making mistakes after finitely many updates; on
  XOR it never settles, and the line keeps jumping.
- **Gradient descent**, for the sigmoid neuron: the weights move downhill on the
  cross-entropy loss. The sigmoid's smooth slope is what makes a gradient exist at all.

**What to look at in TensorBoard**

- *Images*: `decision_boundary` for each run (orange: the neuron says 1, blue: 0, dark line:
  the border); drag the step slider. On AND, OR, NAND and NOR the line soon cuts the square
  correctly and stays; on XOR and XNOR one corner is always on the wrong side, and under the
  perceptron rule the line keeps flipping about. The perceptron rule stops at the first line
  that gets all four corners right, often one that grazes a corner; the sigmoid neuron keeps
  nudging its line towards the middle of the gap, because cross-entropy rewards surer answers.
- *Time Series*: `weights/output/w1`, `weights/output/w2` and `weights/output/b`: the
  perceptron rule's weights move in whole jumps and freeze once every corner is right; the
  sigmoid neuron's glide and keep growing slowly (a steeper sigmoid is a surer answer).
- *Time Series*: `train/epoch_accuracy`, tick marks of 0.25: 1.0 for the four separable
  gates, never above 0.75 for XOR and XNOR.
- *Histograms* of the sigmoid neuron's runs: `activations/output` slides towards 0 and 1 as
  it grows surer, and `gradients/output/kernel` shrinks towards 0 on the separable gates but
  not on XOR and XNOR, where no line can satisfy all four corners.
- *HParams*: the twelve runs as a table, gate and learner against final accuracy.
"""

import dataclasses
from typing import Annotated

import keras
import numpy as np
from keras import ops

from dlintro import datasets
from dlintro.callbacks import DecisionBoundaryImages, TensorBoard, WeightScalars
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.rules import RuleLearner, step
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = "perceptron: one neuron learns AND, OR, NAND and NOR, but never XOR or XNOR"
CLAIM = (
    "A single neuron, trained by Rosenblatt's perceptron rule (step activation) or by gradient "
    "descent (sigmoid activation), reaches 100 % on AND, OR, NAND and NOR, and never more than "
    "75 % on XOR and XNOR."
)


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    epochs: Annotated[int, Range(1, 100_000)] = 60  # passes over the four inputs
    log_every: Annotated[int, Range(1, 10_000)] = 5  # passes between log points and pictures
    perceptron_learning_rate: Annotated[float, Range(0, 10, open_low=True)] = 0.5  # the rule's step
    sigmoid_learning_rate: Annotated[float, Range(0, 100, open_low=True)] = 2.0  # gradient descent's step

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "epochs", of="log_every")


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(epochs=20, log_every=10)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("perceptron-boundaries", "The perceptron rule's line on each gate: right for AND, OR, NAND, NOR; never for XOR, XNOR.",
         tag_filter="^decision_boundary$", run_filter=".*-perceptron_rule$", shows=("decision_boundary",),
         size=(1600, 1400)),
    View("perceptron-accuracy", "Accuracy per gate: 1.0 for the four separable gates, at most 0.75 for XOR and XNOR.",
         tag_filter="^epoch_accuracy$", run_filter=".*-sigmoid_gradient/train", shows=("epoch_accuracy",),
         full_size=True),
)

# Data: the four corners of the unit square, labelled per gate (`datasets.gates`).
GATES = tuple(datasets.GATES)
LEARNERS = ("perceptron_rule", "sigmoid_gradient")


# Models: the step activation and the rule-learning base class are in `dlintro.rules`, which
# the hebbian lesson shares.
@keras.saving.register_keras_serializable(package="dlintro")
class Perceptron(RuleLearner):
    """One step-activation neuron that learns by Rosenblatt's perceptron rule, not by gradients.

    Its layer `output` is a `Dense(1)` with the step activation. Its weights are not trainable
    in Keras's sense (no optimizer touches them); `train_step` changes them by the rule:
    `weights += learning_rate * (target - answer) * input`, `bias += learning_rate * (target -
    answer)`, summed over the batch. With `batch_size=1` that is the classic one-example rule.

    Args:
        learning_rate: how far one mistake moves the weights.
    """

    def __init__(self, learning_rate=0.5, **kwargs):
        super().__init__(**kwargs)
        self.learning_rate = learning_rate
        self.neuron = keras.layers.Dense(1, activation=step, name="output", trainable=False)
        self.accuracy = keras.metrics.BinaryAccuracy(name="accuracy")

    def build(self, input_shape):
        self.neuron.build(input_shape)

    def call(self, inputs):
        return self.neuron(inputs)

    @property
    def metrics(self):
        return [self.accuracy]

    def train_step(self, data):
        x, target, _ = keras.utils.unpack_x_y_sample_weight(data)
        answer = self(x)
        # +1 where the neuron should have fired and did not, -1 where it fired wrongly, else 0.
        error = target - answer
        self.neuron.kernel.assign_add(self.learning_rate * ops.matmul(ops.transpose(x), error))
        self.neuron.bias.assign_add(self.learning_rate * ops.sum(error, axis=0))
        self.accuracy.update_state(target, answer)  # the answers before this update
        return {"accuracy": self.accuracy.result()}

    def test_step(self, data):
        x, target, _ = keras.utils.unpack_x_y_sample_weight(data)
        self.accuracy.update_state(target, self(x))
        return {"accuracy": self.accuracy.result()}

    def get_config(self):
        return {**super().get_config(), "learning_rate": self.learning_rate}


def perceptron(learning_rate=0.5):
    """A compiled two-input step neuron trained by the perceptron rule (`Perceptron`).

    Args:
        learning_rate: how far one mistake moves the weights.

    Returns:
        A built, compiled `Perceptron`; `fit` applies the rule, `evaluate` gives the accuracy.

    Example:
        >>> model = perceptron(learning_rate=0.5)
        >>> x, y = datasets.gates("and")
        >>> model.fit(x, y, batch_size=1, epochs=20, verbose=0)
        >>> model.predict(x, verbose=0).ravel()  # [0, 0, 0, 1]
    """
    model = Perceptron(learning_rate=learning_rate, name="perceptron")
    model.build((None, 2))
    # No optimizer and no loss: the rule in `train_step` is the whole of learning.
    model.compile(optimizer=None)
    return model


def sigmoid_neuron(learning_rate=2.0):
    """A compiled two-input sigmoid neuron trained by plain gradient descent on cross-entropy.

    Args:
        learning_rate: the step size of plain (full-batch) gradient descent, no momentum.

    Returns:
        A `keras.Model` whose one layer `output` is a `Dense(1)` with the sigmoid activation,
        compiled with SGD, binary cross-entropy and accuracy.

    Example:
        >>> model = sigmoid_neuron(learning_rate=2.0)
        >>> x, y = datasets.gates("or")
        >>> model.fit(x, y, batch_size=4, epochs=100, verbose=0)
    """
    inputs = keras.Input(shape=(2,), name="inputs")
    outputs = keras.layers.Dense(1, activation="sigmoid", name="output")(inputs)
    model = keras.Model(inputs, outputs, name="sigmoid_neuron")
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


FACTORIES = (perceptron, sigmoid_neuron)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Neuron(Variant):
    """One neuron on one gate: the gate it learns and how it learns."""

    gate: str  # the data: a gate of `datasets.gates`
    learner: str  # "perceptron_rule" (`perceptron`) or "sigmoid_gradient" (`sigmoid_neuron`)
    separable: bool  # whether one straight line separates the gate's 0s from its 1s


def variants(config):
    """Every gate, learned once by the perceptron rule and once by gradient descent."""
    return [
        Neuron(name=f"{gate}-{learner}", gate=gate, learner=learner, separable=gate in datasets.SEPARABLE_GATES)
        for gate in GATES
        for learner in LEARNERS
    ]


# Training.
def train(config, variant, log_dir):
    """Trains one neuron on one gate, with pictures of its line and its weights as scalars."""
    x, y = datasets.gates(variant.gate)
    every = config.log_every
    pictures = [
        WeightScalars(log_dir),
        DecisionBoundaryImages(log_dir, x, y, extent=(-0.5, 1.5, -0.5, 1.5)),
    ]
    if variant.learner == "perceptron_rule":
        model = perceptron(learning_rate=config.perceptron_learning_rate)
        # One example at a time, as Rosenblatt's rule goes. A step has no gradient to show and
        # this subclassed model no layer graph to probe, so it gets Keras's curves only.
        fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=every, batch_size=1,
            callbacks=[TensorBoard(log_dir), *pictures],
            seed=config.seed, report=False)
    else:
        model = sigmoid_neuron(learning_rate=config.sigmoid_learning_rate)
        fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=every,
            callbacks=pictures, seed=config.seed)
    answers = np.asarray(model(x, training=False)) >= 0.5
    weights = model.get_layer("output").get_weights()
    return {
        "accuracy": float(np.mean(answers == (y > 0.5))),
        "w1": float(weights[0][0, 0]),
        "w2": float(weights[0][1, 0]),
        "b": float(weights[1][0]),
    }


# The claim.
def check(config, results):
    """100 % on every separable gate, at most 75 % on XOR and XNOR, for both learners."""
    numbers = {variant.name: metrics["accuracy"] for variant, metrics in results.items()}
    holds = all(
        metrics["accuracy"] == 1.0 if variant.separable else metrics["accuracy"] <= 0.75
        for variant, metrics in results.items()
    )
    explanation = "Accuracy: " + ", ".join(f"{name} {value:.0%}" for name, value in numbers.items())
    return Verdict(holds=holds, numbers=numbers, explanation=explanation + ".")
