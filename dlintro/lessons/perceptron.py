"""Lesson perceptron: one neuron learns AND, OR, NAND and NOR, but no straight line gets XOR or XNOR right.

Its text (idea, what to look at, going deeper, terms) is in `dlintro/texts/en/perceptron.md`.
"""

import dataclasses
from typing import Annotated

import keras
import numpy as np
from keras import ops

from dlintro import datasets
from dlintro.callbacks import DecisionBoundaryImages, NetworkMap, TensorBoard, WeightScalars
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.i18n import N_, _
from dlintro.rules import RuleLearner, step
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = N_("perceptron: one neuron learns AND, OR, NAND and NOR, but never XOR or XNOR")
CLAIM = N_(
    "A single neuron, trained by Rosenblatt's perceptron rule (step activation) or by gradient "
    "descent (sigmoid activation), ends at 100 % on AND, OR, NAND and NOR, and at no more than "
    "75 % on XOR and XNOR, the most any straight line gets right."
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
    View("perceptron-boundaries", N_("The perceptron rule's line on each gate, in gate order: all four corners right on AND, OR, NAND and NOR; on XOR and XNOR at least one corner on the wrong side."),
         dashboard="images", tag_filter="^decision_boundary$", run_filter=".*-perceptron_rule$",
         shows=("decision_boundary",), size=(1600, 1400)),  # Images sorts cards by run name: gate order
    View("perceptron-network-map", N_("The sigmoid neuron drawn whole: its two inputs, its two weights as lines (orange positive, blue negative), its output over the plane."),
         dashboard="images", tag_filter="^network_map$", run_filter="(1-and|5-xor)-sigmoid_gradient$",
         shows=("network_map", "1-and-sigmoid_gradient"), actual_size=True, size=(1500, 1500)),
    View("perceptron-accuracy", N_("The sigmoid neurons' accuracy per gate: it reaches 1.0 on AND, OR, NAND and NOR and is at most 0.75 on XOR and XNOR."),
         tag_filter="^epoch_accuracy$", run_filter=".*-sigmoid_gradient/train", shows=("epoch_accuracy",),
         full_size=True),
)

# Data: the four corners of the square [0, 1] x [0, 1], labelled per gate (`datasets.gates`).
GATES = tuple(datasets.GATES)
LEARNERS = ("perceptron_rule", "sigmoid_gradient")


def run_name(gate, learner):
    """A run's name: the gate's place in `GATES` first, so that TensorBoard, which sorts runs by
    name, shows them in gate order (AND, OR, NAND, NOR, XOR, XNOR), not alphabetically."""
    return f"{GATES.index(gate) + 1}-{gate}-{learner}"


# Models: the step activation and the rule-learning base class are in `dlintro.rules`, which
# the hebbian lesson shares.
@keras.saving.register_keras_serializable(package="dlintro")
class Perceptron(RuleLearner):
    """One step-activation neuron that learns by Rosenblatt's perceptron rule.

    Its layer `output` is a `Dense(1)` with the step activation. Its weights are not trainable
    in Keras's sense (no optimizer touches them); `train_step` changes them by the rule:
    `weights += learning_rate * (target - answer) * input`, `bias += learning_rate * (target -
    answer)`, summed over the batch. With `batch_size=1` that is the classic one-example rule,
    which is also stochastic gradient descent on the perceptron criterion (Bishop, PRML 4.1.7),
    a loss of the weighted sum before the step; no gradient passes back through the step itself.

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
        # How many wrong answers, each one an update, the rule has made since the start.
        self.mistakes = self.add_weight(shape=(), initializer="zeros", trainable=False, name="mistakes")

    def call(self, inputs):
        return self.neuron(inputs)

    @property
    def metrics(self):
        return [self.accuracy]

    def train_step(self, data):
        x, target, unused = keras.utils.unpack_x_y_sample_weight(data)
        answer = self(x)
        # +1 where the neuron should have fired and did not, -1 where it fired wrongly, else 0.
        error = target - answer
        self.neuron.kernel.assign_add(self.learning_rate * ops.matmul(ops.transpose(x), error))
        self.neuron.bias.assign_add(self.learning_rate * ops.sum(error, axis=0))
        self.mistakes.assign_add(ops.sum(ops.abs(error)))
        self.accuracy.update_state(target, answer)  # the answers before this update
        return {"accuracy": self.accuracy.result()}

    def test_step(self, data):
        x, target, unused = keras.utils.unpack_x_y_sample_weight(data)
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
        Neuron(name=run_name(gate, learner), gate=gate, learner=learner, separable=gate in datasets.SEPARABLE_GATES)
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
        # One example at a time, as Rosenblatt's rule goes. The step's gradient is 0 wherever
        # it exists, so there is none worth showing, and this subclassed model has no layer
        # graph to probe: it gets Keras's curves only.
        fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=every, batch_size=1,
            callbacks=[TensorBoard(log_dir), *pictures],
            seed=config.seed, report=False)
    else:
        model = sigmoid_neuron(learning_rate=config.sigmoid_learning_rate)
        start = model.get_layer("output").get_weights()
        network = NetworkMap(log_dir, x, y, extent=(-0.5, 1.5, -0.5, 1.5))
        fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=every,
            callbacks=[*pictures, network], seed=config.seed)
    outputs = np.asarray(model(x, training=False), np.float64).ravel()
    answers = outputs >= 0.5
    weights = model.get_layer("output").get_weights()
    metrics = {
        "accuracy": float(np.mean(answers == (y.ravel() > 0.5))),
        "w1": float(weights[0][0, 0]),
        "w2": float(weights[0][1, 0]),
        "b": float(weights[1][0]),
    }
    if variant.learner == "perceptron_rule":
        metrics["mistakes"] = int(model.mistakes.numpy())
    else:
        metrics["gradient_norm_start"] = float(np.linalg.norm(cross_entropy_gradient(start, x, y)))
        metrics["gradient_norm_end"] = float(np.linalg.norm(cross_entropy_gradient(weights, x, y)))
        metrics["largest_offset"] = float(np.max(np.abs(outputs - 0.5)))
    return metrics


def cross_entropy_gradient(weights, x, y):
    """The gradient of the mean cross-entropy for (w1, w2, b), by hand: `mean((p - y) * (x, 1))`.

    Args:
        weights: the `Dense` layer's `[kernel of shape (2, 1), bias of shape (1,)]`.
        x, y: the four corners and their labels.
    """
    kernel, bias = (np.asarray(w, np.float64) for w in weights)
    x = np.asarray(x, np.float64)
    probability = 1.0 / (1.0 + np.exp(-(x @ kernel + bias)))
    residual = probability - np.asarray(y, np.float64).reshape(-1, 1)
    return np.concatenate([(x.T @ residual).ravel(), residual.sum(axis=0)]) / len(x)


# The claim.
def check(config, results):
    """100 % on every separable gate, at most 75 % on XOR and XNOR, for both learners."""
    numbers = {variant.name: metrics["accuracy"] for variant, metrics in results.items()}
    holds = all(
        metrics["accuracy"] == 1.0 if variant.separable else metrics["accuracy"] <= 0.75
        for variant, metrics in results.items()
    )
    explanation = _("Accuracy: {accuracies}.").format(
        accuracies=", ".join(f"{name} {value:.0%}" for name, value in numbers.items()))
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)


def _answers(metrics):
    """The neuron's answers at (0, 0), (0, 1), (1, 0), (1, 1), as text: 1 where its sum is at least 0."""
    x, unused = datasets.gates("and")
    sums = x @ np.array([metrics["w1"], metrics["w2"]]) + metrics["b"]
    return ", ".join(str(int(total >= 0)) for total in sums)


def text_numbers(config, results):
    """The run's numbers the lesson text (dlintro/texts/en/perceptron.md) fills in, by name."""
    by_run = {(variant.gate, variant.learner): metrics for variant, metrics in results.items()}
    numbers = {"epochs": config.epochs}
    for (gate, learner), metrics in by_run.items():
        numbers[f"{gate}_{learner}_accuracy"] = metrics["accuracy"]
    mistakes = [by_run[gate, "perceptron_rule"]["mistakes"] for gate in datasets.SEPARABLE_GATES]
    numbers["rule_fewest_mistakes"], numbers["rule_most_mistakes"] = min(mistakes), max(mistakes)
    numbers["rule_xor_mistakes"] = by_run["xor", "perceptron_rule"]["mistakes"]
    numbers["answers_seen"] = config.epochs * 4
    xor = by_run["xor", "sigmoid_gradient"]
    numbers.update({f"xor_{key}": xor[key] for key in ("w1", "w2", "b", "largest_offset")})
    numbers["xor_answers"] = _answers(xor)
    for gate in ("and", "xor"):
        metrics = by_run[gate, "sigmoid_gradient"]
        numbers[f"{gate}_gradient_shrink"] = metrics["gradient_norm_start"] / metrics["gradient_norm_end"]
    return numbers


# Exercises: predict, run, check.
def _describe(results):
    """Each run's accuracy, and the perceptron rule's mistakes, as the verdict of an exercise."""
    return _("Accuracy: {accuracies}.").format(accuracies="; ".join(
        _("{run} {accuracy:.0%} after {mistakes} mistakes").format(
            run=variant.name, accuracy=m["accuracy"], mistakes=m["mistakes"])
        if "mistakes" in m else f"{variant.name} {m['accuracy']:.0%}"
        for variant, m in results.items()
    ))


def _numbers(results):
    numbers = {}
    for variant, metrics in results.items():
        numbers[f"{variant.name}/accuracy"] = metrics["accuracy"]
        if "mistakes" in metrics:
            numbers[f"{variant.name}/mistakes"] = metrics["mistakes"]
    return numbers


def _check_all_learned(config, results):
    holds = all(metrics["accuracy"] == 1.0 for metrics in results.values())
    return Verdict(holds, _numbers(results), _describe(results))


def _check_none_learned(config, results):
    holds = all(metrics["accuracy"] < 1.0 for metrics in results.values())
    return Verdict(holds, _numbers(results), _describe(results))


def _check_at_most_three_quarters(config, results):
    holds = all(metrics["accuracy"] <= 0.75 for metrics in results.values())
    return Verdict(holds, _numbers(results), _describe(results))


EXERCISES = (
    Exercise(
        name="small_rule_rate",
        question=N_(
            "With the perceptron rule's learning rate cut tenfold, from 0.5 to 0.05, does the rule "
            "still learn AND, OR, NAND and NOR perfectly within the 60 passes?"
        ),
        changes={"perceptron_learning_rate": 0.05},
        keep=lambda variant: variant.learner == "perceptron_rule" and variant.separable,
        expected=N_("Yes: 100 % on all four linearly separable gates."),
        check=_check_all_learned,
        explanation=N_(
            "On a gate that a line separates, the perceptron rule stops making mistakes after a "
            "limited number of updates, whatever the learning rate (Novikoff, 1962). From weights "
            "and bias of all zeros the learning rate would not matter at all: every update is a "
            "multiple of it, so the weights would only be scaled, and the step function's answers "
            "would not change. Here the start is random, and the learning rate sets how big a step "
            "is next to it: at 0.05 the rule can need more mistakes to undo a bad start (the "
            "verdict counts them), but 60 passes, 240 answers, leave it room enough."
        ),
    ),
    Exercise(
        name="slow_gradient",
        question=N_(
            "Cut gradient descent's learning rate tenfold, from 2.0 to 0.2, and give the sigmoid "
            "neuron ten times as many passes, 600 instead of 60: does it still learn AND, OR, NAND "
            "and NOR?"
        ),
        changes={"sigmoid_learning_rate": 0.2, "epochs": 600, "log_every": 50},
        keep=lambda variant: variant.learner == "sigmoid_gradient" and variant.separable,
        expected=N_("Yes: 100 % on all four linearly separable gates."),
        check=_check_all_learned,
        explanation=N_(
            "A step of gradient descent is the learning rate times the gradient, so ten steps at 0.2 "
            "go about as far as one step at 2.0, and 600 of them about as far as the default run's "
            "60: the neuron follows much the same downhill path, in smaller steps, to a line that "
            "separates the corners. With only the 60 passes it would get only as far as the default "
            "learning rate gets in 6, and on many starts one corner would still be on the wrong "
            "side. (`log_every` is 50 only to keep the run short.)"
        ),
    ),
    Exercise(
        name="xor_longer",
        question=N_(
            "With ten times as many passes (600 instead of 60), does either learner get XOR or "
            "XNOR above 75 %?"
        ),
        changes={"epochs": 600, "log_every": 50},
        keep=lambda variant: not variant.separable,
        expected=N_("No: both learners stay at or below 75 % on XOR and XNOR."),
        check=_check_at_most_three_quarters,
        explanation=N_(
            "No straight line separates XOR's 1s from its 0s, so whatever the weights, at least one "
            "corner is on the wrong side; more passes cannot change that. The perceptron rule keeps "
            "correcting one corner at the cost of another (the verdict counts its mistakes, each one "
            "an update), and its line keeps jumping. The sigmoid neuron's weights shrink towards 0, "
            "where it answers 0.5 at every corner. (`log_every` is 50 only to keep the run short.)"
        ),
    ),
)
