"""Backpropagation sends the error signal from the output back towards the input one layer at a
time. At every layer the signal (the gradient with respect to that layer's outputs) is
multiplied by the layer's transposed weight matrix and by the slope of its activation at each
unit (a diagonal matrix of slopes): the factor per layer is W^T diag(f'(z)). The
**sigmoid**'s slope is never larger than 0.25 (at its middle, and far less on its flat ends);
with Glorot initialisation the weights keep a signal's size about the same, so each sigmoid
layer shrinks it by about four. After ten of them the gradient that reaches the first layer
is a tiny fraction of the output layer's: 4.7e-7 of it at initialisation in the default run
(4^-10 is about 1e-6). The gradient *vanishes*.

The same factor works on the way forward. What tells two images apart is the difference
between their activations, and a small difference passes through a layer multiplied by W
and the same slopes. In the sigmoid net those differences shrink about fourfold per layer
too (measured over the first seven layers; they level off near 1e-6): on the probe batch, the last hidden layer's outputs differ between images about 4e-6 as
much as the first hidden layer's. Every unit of the last hidden layer outputs almost the
same value for every image. So the output layer, whose own gradient is healthy, has nothing
to tell the digits apart by: it can only learn which class to say for all of them. In the
default run the sigmoid net answers 3 for every validation image, and its validation
accuracy, 0.114, is the share of 3s among them. In the 20 epochs measured it never left 0.09
to 0.12 (chance is 0.1); this lesson does not measure what much longer training would do.

**ReLU** has slope exactly 1 wherever it is active, so with He initialisation (weights scaled
to the layer's width) both the gradient and the differences between images keep about the
same size from layer to layer, and the deep net trains. **tanh** has slope 1 at its middle;
with Glorot initialisation its units start near the middle, and it too keeps the gradient
nearly level (first/last layer 0.87 at initialisation, ReLU 0.96). In the default run tanh
even ends a little above ReLU (validation accuracy 0.966 against 0.954) and climbs faster: it
passes 0.9 at epoch 6, ReLU at epoch 10, with a dip to 0.74 at epoch 16.

Here a net of ten hidden layers of 64 units learns the 8x8 handwritten digits that
scikit-learn ships, with plain stochastic gradient descent (learning rate 0.1, batches of 64),
once per activation: sigmoid and tanh with Glorot initialisation, ReLU with He
initialisation.

Note what is *not* happening: with Glorot initialisation the sigmoid units are not saturated
(not pinned near 0 or 1, where the curve is flat); they sit near the middle of the curve, at
its steepest (the share of saturated units is 0 in every layer at initialisation). The
gradient vanishes anyway, because even the steepest point of a sigmoid divides the signal by
four. (Saturation is a second way to lose the gradient: a unit on the flat part of the curve
passes almost nothing back. The `saturated_share` charts show whether a run suffers from it.)

**What to look at in TensorBoard**

- *Images*: `activation_functions`: sigmoid, tanh and ReLU (left) and their slopes (right),
  with sigmoid's largest slope, 0.25, marked.
- *Images*: `gradient_norm_bars`, one bar per layer on a log scale, input layer on the left,
  the same axis for every run. The sigmoid net's bars fall like a staircase towards the
  input, over six orders of magnitude; ReLU's and tanh's bars stay level.
- *Histograms*: `gradient_magnitude_log10/<layer>`: log10 of the size of every gradient entry
  of a layer, so sizes that differ a millionfold sit six units apart. At step 0 the sigmoid
  net's `hidden_01` histogram is centred near -8.5 and its `output` near -1.7; ReLU's are
  both near -2.4.
- *Custom Scalars*: "Gradient norm per layer" draws `gradient_norm/hidden_01` ... `output` of a
  run in one chart (pick one run at a time): the sigmoid lines are spread over many decades.
  *Time Series*: `gradient_norm_ratio/first_over_last`, the first hidden layer's gradient norm
  divided by the output layer's, per run: far below 0.001 for sigmoid, near 1 for ReLU.
- *Histograms*: `gradients/hidden_01/kernel` against `gradients/output/kernel`. Each
  histogram is scaled to its own range, so the shapes look alike; read the x axis: at step 0
  the sigmoid net's first-layer gradients span about +-4e-8, ReLU's about +-0.05. (Both have
  a spike at exactly 0, mostly from the border pixels that are blank in every probe image.)
- *Histograms*: `activations/hidden_NN` of the sigmoid net: the values stay in a band around
  the middle of the curve, away from 0 and 1, and the *Custom Scalars* chart "Saturated
  sigmoid/tanh share per layer" stays near 0. The gradient vanishes without any saturation.
- *Time Series*: `epoch_accuracy` of the `validation` runs: tanh and ReLU climb to about
  0.95, the sigmoid net stays near chance (0.1 for ten digits).
"""

import dataclasses
from typing import Annotated

import keras
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from dlintro import datasets
from dlintro.callbacks import GradientNormBars
from dlintro.callbacks.probe import figure_to_array
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.runs import Variant, Verdict
from dlintro.training import LoopLog, fit
from dlintro.views import View

TITLE = "vanishing: a deep sigmoid net's gradient fades towards the input; ReLU keeps it"
CLAIM = (
    "At initialisation, the first hidden layer's gradient norm is over 1000x smaller than the "
    "output layer's in the sigmoid net and within 10x of it in the ReLU net; on the way "
    "forward, how much the last hidden layer's outputs differ between examples is over 1000x "
    "less than the first hidden layer's in the sigmoid net and within 10x of it in the ReLU "
    "net; after the same epochs the ReLU net's validation accuracy is at least 0.3 above the "
    "sigmoid net's."
)


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    epochs: Annotated[int, Range(1, 1000)] = 20  # passes over the training digits
    log_every: Annotated[int, Range(1, 1000)] = 2  # passes between log points
    hidden_layers: Annotated[int, Range(1, 30)] = 10  # depth of the net
    hidden_units: Annotated[int, Range(1, 1024)] = 64  # width of every hidden layer
    batch_size: Annotated[int, Range(1, 2048)] = 64  # digits per SGD step
    learning_rate: Annotated[float, Range(0, 10, open_low=True)] = 0.1  # plain SGD's step size
    validation_size: Annotated[int, Range(100, 1000)] = 500  # digits held out for validation
    weight_scale: Annotated[float, Range(0, 100, open_low=True)] = 1.0  # multiplies the hidden layers' initial weights

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "epochs", of="log_every")


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(epochs=10, log_every=5)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("vanishing-activation-functions", "Sigmoid, tanh and ReLU and their slopes: sigmoid's slope is at most 0.25.",
         dashboard="images", tag_filter="^activation_functions$", run_filter="sigmoid$", shows=("activation_functions",),
         actual_size=True, size=(1500, 900)),
    View("vanishing-gradient-norms", "Gradient norm per layer, input on the left: sigmoid falls like a staircase over six decades, ReLU and tanh stay level.",
         tag_filter="^gradient_norm_bars$", run_filter="sigmoid|relu", shows=("gradient_norm_bars", "sigmoid", "relu"),
         image_step=0, size=(1600, 800)),
    View("vanishing-gradient-magnitudes", "log10 of every gradient's size, first and last layer: sigmoid's sit about seven units apart, ReLU's overlap.",
         tag_filter="^gradient_magnitude_log10/(hidden_01|output)$", run_filter="sigmoid$|relu$",
         shows=("gradient_magnitude_log10/hidden_01", "gradient_magnitude_log10/output")),
    View("vanishing-sigmoid-activations", "Activation histograms of the sigmoid net, first, middle and last hidden layer: near the middle, not saturated.",
         tag_filter="^activations/hidden_(01|05|10)$", run_filter="sigmoid$",
         shows=("activations/hidden_01", "activations/hidden_10")),
    View("vanishing-first-layer-gradients", "First against last layer's gradients; each histogram has its own x axis: sigmoid's first layer spans about +-4e-8.",
         tag_filter="^gradients/(hidden_01|output)/kernel$", run_filter="sigmoid$|relu$",
         shows=("gradients/hidden_01/kernel", "gradients/output/kernel")),
    View("vanishing-validation-accuracy", "Validation accuracy: tanh and ReLU reach about 0.95, the sigmoid net stays near chance (0.1).",
         tag_filter="^epoch_accuracy$", run_filter=r".*/validation", shows=("epoch_accuracy",), full_size=True),
)


# Models.
@keras.saving.register_keras_serializable(package="dlintro")
class ScaledInitializer(keras.initializers.Initializer):
    """Another initializer's weights, multiplied by `scale`.

    Args:
        initializer: the initializer that draws the weights (a name such as `"he_normal"`).
        scale: the factor every drawn weight is multiplied by.
    """

    def __init__(self, initializer, scale):
        self.initializer = keras.initializers.get(initializer)
        self.scale = scale

    def __call__(self, shape, dtype=None):
        return self.initializer(shape, dtype=dtype) * self.scale

    def get_config(self):
        return {"initializer": keras.initializers.serialize(self.initializer), "scale": self.scale}


def deep_network(
    activation="sigmoid",
    hidden_layers=10,
    hidden_units=64,
    kernel_initializer="glorot_uniform",
    learning_rate=0.1,
    weight_scale=1.0,
):
    """A compiled deep fully connected digit classifier trained by plain SGD.

    The hidden layers are named `hidden_01`, `hidden_02`, ... from the input side and the
    softmax layer `output`, so per-layer charts sort from input to output.

    Args:
        activation: every hidden layer's activation (`"sigmoid"`, `"tanh"`, `"relu"`, ...).
        hidden_layers: how many hidden layers.
        hidden_units: the width of each hidden layer.
        kernel_initializer: how the hidden weights start (`"he_normal"` suits ReLU).
        learning_rate: SGD's step size (no momentum).
        weight_scale: multiplies every hidden layer's initial weights as drawn by
            `kernel_initializer` (the output layer keeps Keras's default).

    Returns:
        A `keras.Model` from 64 pixels to 10 class probabilities, compiled with SGD, sparse
        categorical cross-entropy and accuracy.

    Example:
        >>> model = deep_network("relu", kernel_initializer="he_normal")
        >>> (x_train, y_train), (x_val, y_val) = datasets.digits(validation_points=500)
        >>> model.fit(x_train, y_train, epochs=20, batch_size=64, validation_data=(x_val, y_val))
    """
    if weight_scale != 1.0:
        kernel_initializer = ScaledInitializer(kernel_initializer, weight_scale)
    inputs = keras.Input(shape=(64,), name="pixels")
    features = inputs
    for index in range(1, hidden_layers + 1):
        features = keras.layers.Dense(
            hidden_units,
            activation=activation,
            kernel_initializer=kernel_initializer,
            name=f"hidden_{index:02d}",
        )(features)
    outputs = keras.layers.Dense(10, activation="softmax", name="output")(features)
    model = keras.Model(inputs, outputs, name=f"deep_{activation}")
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


FACTORIES = (deep_network,)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Net(Variant):
    """One deep net: the arguments of `deep_network` that set it apart."""

    activation: str  # every hidden layer's activation
    kernel_initializer: str  # how the hidden weights start


def variants(config):
    """Sigmoid, tanh and ReLU, each with the initialisation that suits it."""
    return [
        Net(name="sigmoid", activation="sigmoid", kernel_initializer="glorot_uniform"),
        Net(name="tanh", activation="tanh", kernel_initializer="glorot_uniform"),
        Net(name="relu", activation="relu", kernel_initializer="he_normal"),
    ]


# The picture of the three activations and their slopes: (function, slope, line colour), in
# the orange, blue and grey that the other pictures use.
ACTIVATIONS = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "#e66101"),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2, "#2166ac"),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float), "#5a5a5a"),
}


def render_activation_functions(run_name=""):
    """Sigmoid, tanh and ReLU (left) and their slopes (right), sigmoid's 0.25 marked, as RGB."""
    z = np.linspace(-5, 5, 401)
    figure = Figure(figsize=(8, 3.4), dpi=100)
    values, slopes = figure.subplots(1, 2)
    for name, (function, slope, colour) in ACTIVATIONS.items():
        values.plot(z, function(z), color=colour, linewidth=2, label=name)
        slopes.plot(z, slope(z), color=colour, linewidth=2, label=f"{name}'")
    values.set(xlabel="z, a unit's weighted input", ylabel="activation f(z)", ylim=(-1.1, 2.1))
    slopes.axhline(0.25, color="black", linestyle=":", linewidth=1)
    slopes.plot([0], [0.25], "o", color=ACTIVATIONS["sigmoid"][2], markersize=7)
    slopes.annotate("sigmoid's largest slope: 0.25", xy=(0, 0.25), xytext=(0.6, 0.45), arrowprops={"arrowstyle": "->"})
    slopes.set(xlabel="z, a unit's weighted input", ylabel="slope f'(z)", ylim=(-0.05, 1.15))
    for axes in (values, slopes):
        axes.grid(alpha=0.3)
        axes.legend(loc="upper left", fontsize=8)
    figure.suptitle(f"{run_name}: activation functions and their slopes" if run_name else "activation functions and their slopes")
    figure.tight_layout()
    return figure_to_array(figure)


def _spread_across_examples(model, x):
    """Per hidden layer: how much a unit's output differs between examples, averaged over units."""
    hidden = [layer for layer in model.layers if layer.name.startswith("hidden_")]
    outputs = keras.Model(model.input, [layer.output for layer in hidden])(x, training=False)
    return [float(np.mean(np.std(np.asarray(output), axis=0))) for output in outputs]


# Training.
def train(config, variant, log_dir):
    """Trains one variant with full reporting plus the per-layer gradient bar chart."""
    (x_train, y_train), (x_val, y_val) = datasets.digits(config.validation_size, config.seed)
    model = deep_network(
        activation=variant.activation,
        hidden_layers=config.hidden_layers,
        hidden_units=config.hidden_units,
        kernel_initializer=variant.kernel_initializer,
        learning_rate=config.learning_rate,
        weight_scale=config.weight_scale,
    )
    # The same probe batch as GradientStatistics (fit's first 64 examples), so the bar chart,
    # the `gradient_norm/...` scalars and the claim's numbers all describe the same gradient.
    # A fixed axis puts every run's bars on the same scale. Drawing costs about 0.1 s, so the
    # bars are drawn before training, halfway and at the end only.
    probe = slice(0, 64)
    spread = _spread_across_examples(model, x_train[probe])
    with LoopLog(log_dir):
        tf.summary.image("activation_functions", render_activation_functions(variant.name)[None], step=0)
    bars = GradientNormBars(
        log_dir, x_train[probe], y_train[probe], every=max(1, config.epochs // config.log_every // 2),
        value_range=(1e-10, 1e1), title=variant.name,
    )
    fit(model, x_train, y_train, log_dir=log_dir, epochs=config.epochs,
        log_every=config.log_every, batch_size=config.batch_size,
        validation_data=(x_val, y_val), probe_size=probe.stop, callbacks=[bars], seed=config.seed)
    initial = list(bars.norms[0].values())
    _, val_accuracy = model.evaluate(x_val, y_val, batch_size=len(x_val), verbose=0)
    predicted = np.argmax(np.asarray(model(x_val, training=False)), axis=1)
    # Short names: they head the columns of the printed table. The gradients and the spreads
    # are the untrained model's, on the probe batch.
    return {
        "val_accuracy": float(val_accuracy),
        "first_grad": initial[0],
        "last_grad": initial[-1],
        "first/last": initial[0] / initial[-1],
        "spread_last/first": spread[-1] / spread[0],
        "classes_predicted": int(len(np.unique(predicted))),
    }


# The claim.
def check(config, results):
    """At init: sigmoid first/last gradient < 1e-3, ReLU within 10x, and the same for the spread
    between examples; after training ReLU's accuracy at least 0.3 above sigmoid's."""
    by_activation = {variant.activation: metrics for variant, metrics in results.items()}
    sigmoid, relu = by_activation["sigmoid"], by_activation["relu"]
    numbers = {
        "sigmoid_first_over_last": sigmoid["first/last"],
        "relu_first_over_last": relu["first/last"],
        "sigmoid_spread_last_over_first": sigmoid["spread_last/first"],
        "relu_spread_last_over_first": relu["spread_last/first"],
        "sigmoid_val_accuracy": sigmoid["val_accuracy"],
        "relu_val_accuracy": relu["val_accuracy"],
    }
    holds = (
        numbers["sigmoid_first_over_last"] < 1e-3
        and 0.1 <= numbers["relu_first_over_last"] <= 10
        and numbers["sigmoid_spread_last_over_first"] < 1e-3
        and 0.1 <= numbers["relu_spread_last_over_first"] <= 10
        and numbers["relu_val_accuracy"] >= numbers["sigmoid_val_accuracy"] + 0.3
    )
    explanation = (
        f"At initialisation, first/last layer gradient norm: sigmoid "
        f"{numbers['sigmoid_first_over_last']:.2g}, ReLU {numbers['relu_first_over_last']:.2g}; "
        f"last/first hidden layer spread between examples: sigmoid "
        f"{numbers['sigmoid_spread_last_over_first']:.2g}, ReLU "
        f"{numbers['relu_spread_last_over_first']:.2g}. Validation accuracy after "
        f"{config.epochs} epochs: sigmoid {numbers['sigmoid_val_accuracy']:.2f} (it predicts "
        f"{sigmoid['classes_predicted']} of the 10 classes), ReLU {numbers['relu_val_accuracy']:.2f}."
    )
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)


# Exercises: predict, run, check.
def _by_activation(results):
    return {variant.activation: metrics for variant, metrics in results.items()}


def _check_shallow(config, results):
    sigmoid = _by_activation(results)["sigmoid"]
    numbers = {"sigmoid_first_over_last": sigmoid["first/last"], "sigmoid_val_accuracy": sigmoid["val_accuracy"]}
    holds = sigmoid["first/last"] > 1e-2 and sigmoid["val_accuracy"] > 0.25
    explanation = (
        f"With {config.hidden_layers} hidden layers, first/last layer gradient norm at "
        f"initialisation: {sigmoid['first/last']:.2g} (above 0.01 expected); validation accuracy "
        f"after {config.epochs} epochs: {sigmoid['val_accuracy']:.2f} (above 0.25 expected)."
    )
    return Verdict(holds, numbers, explanation)


def _check_deeper(config, results):
    by_activation = _by_activation(results)
    numbers = {f"{name}_first_over_last": metrics["first/last"] for name, metrics in by_activation.items()}
    holds = numbers["sigmoid_first_over_last"] < 1e-10 and 0.1 <= numbers["relu_first_over_last"] <= 10
    explanation = (
        f"With {config.hidden_layers} hidden layers, first/last layer gradient norm at "
        f"initialisation: sigmoid {numbers['sigmoid_first_over_last']:.2g} (below 1e-10 expected), "
        f"ReLU {numbers['relu_first_over_last']:.2g} (0.1 to 10 expected)."
    )
    return Verdict(holds, numbers, explanation)


def _check_wide(config, results):
    sigmoid = _by_activation(results)["sigmoid"]
    numbers = {"sigmoid_first_over_last": sigmoid["first/last"], "sigmoid_val_accuracy": sigmoid["val_accuracy"]}
    holds = sigmoid["first/last"] < 1e-3 and sigmoid["val_accuracy"] < 0.3
    explanation = (
        f"With {config.hidden_units} units per layer, first/last layer gradient norm at "
        f"initialisation: {sigmoid['first/last']:.2g} (below 0.001 expected); validation accuracy "
        f"after {config.epochs} epochs: {sigmoid['val_accuracy']:.2f} (below 0.3 expected)."
    )
    return Verdict(holds, numbers, explanation)


def _check_explode(config, results):
    tanh = _by_activation(results)["tanh"]
    numbers = {
        "tanh_first_grad": tanh["first_grad"],
        "tanh_last_grad": tanh["last_grad"],
        "tanh_first_over_last": tanh["first/last"],
        "tanh_val_accuracy": tanh["val_accuracy"],
    }
    holds = tanh["first/last"] > 100 and tanh["val_accuracy"] < 0.3
    explanation = (
        f"With initial weights {config.weight_scale:g}x Glorot's, gradient norm at "
        f"initialisation: first hidden layer {tanh['first_grad']:.3g}, output layer "
        f"{tanh['last_grad']:.3g}, first/last {tanh['first/last']:.3g} (above 100 expected); "
        f"validation accuracy after {config.epochs} epochs: {tanh['val_accuracy']:.2f} (below 0.3 "
        f"expected)."
    )
    return Verdict(holds, numbers, explanation)


EXERCISES = (
    Exercise(
        name="shallow",
        question="With 2 hidden layers instead of 10, does the sigmoid net's gradient still vanish before it reaches the first layer?",
        changes={"hidden_layers": 2},
        keep=lambda variant: variant.activation == "sigmoid",
        expected=(
            "No: at initialisation the first hidden layer's gradient norm is more than 1 % of the "
            "output layer's (with 10 layers it is 4.7e-7 of it), and after 20 epochs the "
            "validation accuracy is above 0.25 (chance is 0.1)."
        ),
        check=_check_shallow,
        explanation=(
            "The gradient shrinks by about four at every sigmoid layer, so the loss is in the "
            "number of layers: two of them divide it by about 4^2 = 16, and the measured first/last "
            "ratio is 0.06 to 0.07 (seeds 0 to 2), close to 1/16. Enough gradient reaches the first "
            "layer for the net to learn: its validation accuracy after 20 epochs was 0.36 to 0.50 "
            "in those runs. That is still far below the 0.95 the ten-layer ReLU and tanh nets "
            "reach in the same epochs; this exercise does not measure where the rest goes."
        ),
    ),
    Exercise(
        name="deeper",
        question="With 20 hidden layers instead of 10, how far does the sigmoid net's first-layer gradient fall, and does ReLU's stay level?",
        changes={"hidden_layers": 20},
        keep=lambda variant: variant.activation in ("sigmoid", "relu"),
        expected=(
            "At initialisation the sigmoid net's first-layer gradient norm is below 1e-10 of its "
            "output layer's, and the ReLU net's stays within 10x of its output layer's."
        ),
        check=_check_deeper,
        explanation=(
            "Each sigmoid layer divides the gradient by about four, so ten more layers divide it "
            "by about 4^10 = 1e6 more: 4^-20 is 9e-13, and the runs measured 2e-13 to 5e-13 (seeds "
            "0 to 2), against 4.7e-7 with ten layers. ReLU's slope is 1 wherever a unit is active, "
            "and He initialisation keeps a signal's size from layer to layer, so depth does not "
            "shrink its gradient: first/last was 0.55 to 0.64. A level gradient at the start is "
            "not all a deep net needs, though: in those runs the 20-layer ReLU net reached only "
            "0.22 to 0.42 validation accuracy in 20 epochs, against about 0.95 with ten layers."
        ),
        quick={"epochs": 2, "log_every": 1},
    ),
    Exercise(
        name="wide",
        question="With 256 units per hidden layer instead of 64, does the ten-layer sigmoid net's gradient still vanish?",
        changes={"hidden_units": 256},
        keep=lambda variant: variant.activation == "sigmoid",
        expected=(
            "Yes: at initialisation the first hidden layer's gradient norm is below 0.001 of the "
            "output layer's, and after 20 epochs the validation accuracy is below 0.3."
        ),
        check=_check_wide,
        explanation=(
            "Width changes how many paths the signal takes, not how much each layer shrinks it. "
            "Glorot initialisation scales the weights down as the layers get wider, so that W^T "
            "keeps a signal's size about the same at any width; what is left per layer is the "
            "sigmoid's slope, at most 0.25, at every unit. Ten layers still divide the gradient by "
            "about 4^10: the runs (seeds 0 to 2) measured first/last 3.0e-7 to 4.2e-7, about the "
            "4.7e-7 of 64 units. On the way forward the last hidden layer's outputs differ between "
            "digits about 5e-6 as much as the first's, so the output layer has nothing to tell "
            "them apart by: each of those nets answered one class for every validation digit."
        ),
        quick={"epochs": 2, "log_every": 1},
    ),
    Exercise(
        name="explode",
        question="If every hidden layer of the tanh net starts with weights 16 times larger than Glorot's, what happens to the gradient on its way to the first layer?",
        changes={"weight_scale": 16.0},
        keep=lambda variant: variant.activation == "tanh",
        expected=(
            "It explodes: at initialisation the first hidden layer's gradient norm is over 100x "
            "the output layer's (with Glorot's weights it is 0.87x), and after 20 epochs the "
            "validation accuracy is below 0.3."
        ),
        check=_check_explode,
        explanation=(
            "The factor per layer is W^T diag(f'(z)). Weights 16 times larger push most weighted "
            "inputs far out on tanh's flat ends: about 86 % of the hidden outputs start beyond "
            "+-0.99, where the slope is nearly 0. But the units still on the steep part pass the "
            "signal back multiplied by weights 16 times larger, and that wins: the gradient grows "
            "about threefold per layer, from about 0.25 at the last hidden layer to 2200 to 3100 "
            "at the first, 1800 to 2800 times the output layer's (seeds 0 to 2). SGD's step is the learning rate times the gradient, about "
            "0.1 x 2000 = 200 for the first layer, larger than that layer's weights themselves "
            "(norm about 128): the first steps throw the early layers about instead of nudging "
            "them, and the net stayed near chance in those runs. tanh's bounded outputs keep the "
            "loss finite here. ReLU's outputs are not bounded: with ReLU, weights even 4 times "
            "He's made the loss non-finite at the first step in our run, and the run diverged."
        ),
        quick={"epochs": 2, "log_every": 1},
    ),
)
