"""The vanishing lesson: a deep sigmoid net's gradient fades on its way back to the input; ReLU's
does not. Its text is in `dlintro/texts/en/vanishing.md`."""

import dataclasses
import math
from typing import Annotated

import keras
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from dlintro import datasets, texts
from dlintro.callbacks import GradientNormBars
from dlintro.callbacks.probe import figure_to_array
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.i18n import N_, _
from dlintro.runs import Variant, Verdict
from dlintro.training import LoopLog, fit
from dlintro.views import View

TITLE = N_("vanishing: a deep sigmoid net's gradient fades towards the input; ReLU keeps it")
CLAIM = N_(
    "At initialisation, the first hidden layer's gradient norm is over 1000x smaller than the "
    "output layer's in the sigmoid net and within 10x of it in the ReLU net; on the way "
    "forward, how much the last hidden layer's outputs differ between examples is over 1000x "
    "less than the first hidden layer's in the sigmoid net and within 10x of it in the ReLU "
    "net; in the same epochs the ReLU net's best validation accuracy is at least 0.3 above the "
    "sigmoid net's best."
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
    View("vanishing-gradient-norms", N_("Gradient norm per layer at the start, input on the left, log scale: the sigmoid net's bars fall like a staircase towards the input, the ReLU net's stay level."),
         tag_filter="^gradient_norm_bars$", run_filter="sigmoid|relu", shows=("gradient_norm_bars", "sigmoid", "relu"),
         image_step=0, size=(1600, 800)),
    View("vanishing-activation-functions", N_("Sigmoid, tanh and ReLU and their slopes: sigmoid's slope is at most 0.25."),
         dashboard="images", tag_filter="^activation_functions$", run_filter="sigmoid$", shows=("activation_functions",),
         actual_size=True, size=(1500, 900)),
    View("vanishing-validation-accuracy", N_("Validation accuracy per epoch: tanh and ReLU climb, the sigmoid net stays near chance (0.1)."),
         tag_filter="^epoch_accuracy$", run_filter=r".*/validation", shows=("epoch_accuracy",), full_size=True),
    View("vanishing-gradient-magnitudes", N_("log10 of every gradient's size, first hidden and output layer; each card has its own x axis: the sigmoid net's two lie several units apart, the ReLU net's overlap."),
         tag_filter="^gradient_magnitude_log10/(hidden_01|output)$", run_filter="sigmoid$|relu$",
         shows=("gradient_magnitude_log10/hidden_01", "gradient_magnitude_log10/output")),
    View("vanishing-sigmoid-activations", N_("Activation histograms of the sigmoid net, first, middle and last hidden layer: near the middle of the curve, not saturated."),
         tag_filter="^activations/hidden_(01|05|10)$", run_filter="sigmoid$",
         shows=("activations/hidden_01", "activations/hidden_10")),
    View("vanishing-first-layer-gradients", N_("First hidden against output layer's gradients; each histogram has its own x axis: read its numbers to see the sigmoid net's first layer's are far smaller."),
         tag_filter="^gradients/(hidden_01|output)/kernel$", run_filter="sigmoid$|relu$",
         shows=("gradients/hidden_01/kernel", "gradients/output/kernel")),
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
# Their names in the picture's legends (translated where drawn; a slope is the name and a prime).
LEGEND_NAMES = {"sigmoid": N_("sigmoid"), "tanh": N_("tanh"), "relu": N_("relu")}


def render_activation_functions(run_name=""):
    """Sigmoid, tanh and ReLU (left) and their slopes (right), sigmoid's 0.25 marked, as RGB."""
    z = np.linspace(-5, 5, 401)
    figure = Figure(figsize=(8, 3.4), dpi=100)
    values, slopes = figure.subplots(1, 2)
    for name, (function, slope, colour) in ACTIVATIONS.items():
        legend_name = _(LEGEND_NAMES[name])
        values.plot(z, function(z), color=colour, linewidth=2, label=legend_name)
        slopes.plot(z, slope(z), color=colour, linewidth=2, label=f"{legend_name}'")
    weighted_input = _("z, a unit's weighted input")
    values.set(xlabel=weighted_input, ylabel=_("activation f(z)"), ylim=(-1.1, 2.1))
    slopes.axhline(0.25, color="black", linestyle=":", linewidth=1)
    slopes.plot([0], [0.25], "o", color=ACTIVATIONS["sigmoid"][2], markersize=7)
    slopes.annotate(_("sigmoid's largest slope: 0.25"), xy=(0, 0.25), xytext=(0.6, 0.45), arrowprops={"arrowstyle": "->"})
    slopes.set(xlabel=weighted_input, ylabel=_("slope f'(z)"), ylim=(-0.05, 1.15))
    for axes in (values, slopes):
        axes.grid(alpha=0.3)
        axes.legend(loc="upper left", fontsize=8)
    figure.suptitle(_("{run}: activation functions and their slopes").format(run=run_name) if run_name
                    else _("activation functions and their slopes"))
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
    history = fit(model, x_train, y_train, log_dir=log_dir, epochs=config.epochs,
                  log_every=config.log_every, batch_size=config.batch_size,
                  validation_data=(x_val, y_val), probe_size=probe.stop, callbacks=[bars], seed=config.seed)
    initial = list(bars.norms[0].values())
    unused, val_accuracy = model.evaluate(x_val, y_val, batch_size=len(x_val), verbose=0)
    predicted = np.argmax(np.asarray(model(x_val, training=False)), axis=1)
    # Short names: they head the columns of the printed table. The gradients and the spreads
    # are the untrained model's, on the probe batch.
    metrics = {
        "val_accuracy": float(val_accuracy),
        # The best log point: plain SGD makes the ReLU net's curve jump, so one epoch's value
        # can lie far below what the net has learned.
        "best_val_accuracy": float(max(history.history["val_accuracy"])),
        "first_grad": initial[0],
        "last_grad": initial[-1],
        "first/last": initial[0] / initial[-1],
        "spread_last/first": spread[-1] / spread[0],
        "classes_predicted": int(len(np.unique(predicted))),
    }
    if len(spread) > 2:
        # How much each layer shrinks the differences between examples: the median factor of
        # the layers before the last, and the last layer's own (where float32 round-off shows).
        metrics["spread_per_layer"] = float(np.median(np.divide(spread[1:-1], spread[:-2])))
        metrics["spread_last_step"] = spread[-1] / spread[-2]
    reached = [index for index, value in enumerate(history.history["val_accuracy"]) if value >= 0.9]
    if reached:
        metrics["epoch_0.9"] = (reached[0] + 1) * config.log_every
    return metrics


# The claim.
def check(config, results):
    """At init: sigmoid first/last gradient < 1e-3, ReLU within 10x, and the same for the spread
    between examples; ReLU's best validation accuracy at least 0.3 above sigmoid's best."""
    by_activation = {variant.activation: metrics for variant, metrics in results.items()}
    sigmoid, relu = by_activation["sigmoid"], by_activation["relu"]
    numbers = {
        "sigmoid_first_over_last": sigmoid["first/last"],
        "relu_first_over_last": relu["first/last"],
        "sigmoid_spread_last_over_first": sigmoid["spread_last/first"],
        "relu_spread_last_over_first": relu["spread_last/first"],
        "sigmoid_val_accuracy": sigmoid["val_accuracy"],
        "relu_val_accuracy": relu["val_accuracy"],
        "sigmoid_best_val_accuracy": sigmoid["best_val_accuracy"],
        "relu_best_val_accuracy": relu["best_val_accuracy"],
    }
    holds = (
        numbers["sigmoid_first_over_last"] < 1e-3
        and 0.1 <= numbers["relu_first_over_last"] <= 10
        and numbers["sigmoid_spread_last_over_first"] < 1e-3
        and 0.1 <= numbers["relu_spread_last_over_first"] <= 10
        and numbers["relu_best_val_accuracy"] >= numbers["sigmoid_best_val_accuracy"] + 0.3
    )
    explanation = _(
        "At initialisation, first/last layer gradient norm: sigmoid {sigmoid_ratio:.2g}, ReLU "
        "{relu_ratio:.2g}; last/first hidden layer spread between examples: sigmoid "
        "{sigmoid_spread:.2g}, ReLU {relu_spread:.2g}. Best validation accuracy in {epochs} "
        "epochs: sigmoid {sigmoid_best:.2f}, ReLU {relu_best:.2f}; at the end: sigmoid "
        "{sigmoid_accuracy:.2f} (it predicts {classes} of the 10 classes), ReLU {relu_accuracy:.2f}."
    ).format(
        sigmoid_ratio=numbers["sigmoid_first_over_last"], relu_ratio=numbers["relu_first_over_last"],
        sigmoid_spread=numbers["sigmoid_spread_last_over_first"],
        relu_spread=numbers["relu_spread_last_over_first"], epochs=config.epochs,
        sigmoid_best=numbers["sigmoid_best_val_accuracy"], relu_best=numbers["relu_best_val_accuracy"],
        sigmoid_accuracy=numbers["sigmoid_val_accuracy"], classes=sigmoid["classes_predicted"],
        relu_accuracy=numbers["relu_val_accuracy"],
    )
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)


def text_numbers(config, results):
    """The run's numbers the lesson text (dlintro/texts/en/vanishing.md) fills in, by name."""
    by_activation = _by_activation(results)
    numbers = {"epochs": config.epochs, "log_every": config.log_every, "hidden_layers": config.hidden_layers, "hidden_units": config.hidden_units}
    for name, metrics in by_activation.items():
        numbers[f"{name}_first_over_last"] = metrics["first/last"]
        numbers[f"{name}_spread"] = metrics["spread_last/first"]
        numbers[f"{name}_val_accuracy"] = metrics["val_accuracy"]
        numbers[f"{name}_best_val_accuracy"] = metrics["best_val_accuracy"]
        # The first epoch whose validation accuracy reached 0.9; a dash when none did.
        numbers[f"{name}_epoch_090"] = metrics.get("epoch_0.9", texts.MISSING)
    sigmoid = by_activation["sigmoid"]
    numbers["sigmoid_decades"] = -math.log10(sigmoid["first/last"])
    numbers["sigmoid_classes_predicted"] = sigmoid["classes_predicted"]
    numbers["sigmoid_spread_per_layer"] = sigmoid.get("spread_per_layer", texts.MISSING)
    numbers["sigmoid_spread_last_step"] = sigmoid.get("spread_last_step", texts.MISSING)
    return numbers


# Exercises: predict, run, check.
def _by_activation(results):
    return {variant.activation: metrics for variant, metrics in results.items()}


def _check_shallow(config, results):
    sigmoid = _by_activation(results)["sigmoid"]
    numbers = {"sigmoid_first_over_last": sigmoid["first/last"], "sigmoid_val_accuracy": sigmoid["val_accuracy"]}
    holds = sigmoid["first/last"] > 1e-2 and sigmoid["val_accuracy"] > 0.5
    explanation = _(
        "With {hidden_layers} hidden layers, first/last layer gradient norm at initialisation: "
        "{ratio:.2g} (above 0.01 expected); validation accuracy after {epochs} epochs: "
        "{accuracy:.2f} (above 0.5 expected)."
    ).format(hidden_layers=config.hidden_layers, ratio=sigmoid["first/last"], epochs=config.epochs,
             accuracy=sigmoid["val_accuracy"])
    return Verdict(holds, numbers, explanation)


def _check_deeper(config, results):
    by_activation = _by_activation(results)
    numbers = {f"{name}_first_over_last": metrics["first/last"] for name, metrics in by_activation.items()}
    holds = numbers["sigmoid_first_over_last"] < 1e-10 and 0.1 <= numbers["relu_first_over_last"] <= 10
    explanation = _(
        "With {hidden_layers} hidden layers, first/last layer gradient norm at initialisation: "
        "sigmoid {sigmoid_ratio:.2g} (below 1e-10 expected), ReLU {relu_ratio:.2g} (0.1 to 10 "
        "expected)."
    ).format(hidden_layers=config.hidden_layers, sigmoid_ratio=numbers["sigmoid_first_over_last"],
             relu_ratio=numbers["relu_first_over_last"])
    return Verdict(holds, numbers, explanation)


def _check_wide(config, results):
    sigmoid = _by_activation(results)["sigmoid"]
    numbers = {"sigmoid_first_over_last": sigmoid["first/last"], "sigmoid_val_accuracy": sigmoid["val_accuracy"]}
    holds = sigmoid["first/last"] < 1e-3 and sigmoid["val_accuracy"] < 0.3
    explanation = _(
        "With {hidden_units} units per layer, first/last layer gradient norm at initialisation: "
        "{ratio:.2g} (below 0.001 expected); validation accuracy after {epochs} epochs: "
        "{accuracy:.2f} (below 0.3 expected)."
    ).format(hidden_units=config.hidden_units, ratio=sigmoid["first/last"], epochs=config.epochs,
             accuracy=sigmoid["val_accuracy"])
    return Verdict(holds, numbers, explanation)


def _check_larger_start(config, results):
    sigmoid = _by_activation(results)["sigmoid"]
    numbers = {"sigmoid_first_over_last": sigmoid["first/last"], "sigmoid_val_accuracy": sigmoid["val_accuracy"]}
    holds = 1e-4 < sigmoid["first/last"] < 0.1
    explanation = _(
        "With initial weights {weight_scale:g}x Glorot's, first/last layer gradient norm at "
        "initialisation: {ratio:.2g} (between 1e-4 and 0.1 expected; with Glorot's own weights it "
        "is below the claim's 0.001). Validation accuracy after {epochs} epochs: {accuracy:.2f}."
    ).format(weight_scale=config.weight_scale, ratio=sigmoid["first/last"], epochs=config.epochs,
             accuracy=sigmoid["val_accuracy"])
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
    explanation = _(
        "With initial weights {weight_scale:g}x Glorot's, gradient norm at initialisation: first "
        "hidden layer {first:.3g}, output layer {last:.3g}, first/last {ratio:.3g} (above 100 "
        "expected); validation accuracy after {epochs} epochs: {accuracy:.2f} (below 0.3 expected)."
    ).format(weight_scale=config.weight_scale, first=tanh["first_grad"], last=tanh["last_grad"],
             ratio=tanh["first/last"], epochs=config.epochs, accuracy=tanh["val_accuracy"])
    return Verdict(holds, numbers, explanation)


EXERCISES = (
    Exercise(
        name="shallow",
        question=N_("With 2 hidden layers instead of 10, and 40 epochs, does the sigmoid net's gradient still vanish before it reaches the first layer, and does the net learn the digits?"),
        changes={"hidden_layers": 2, "epochs": 40},
        keep=lambda variant: variant.activation == "sigmoid",
        expected=N_(
            "The gradient does not vanish: at initialisation the first hidden layer's gradient norm "
            "is more than 1 % of the output layer's, and after 40 epochs the validation accuracy is "
            "above 0.5 (chance is 0.1)."
        ),
        check=_check_shallow,
        explanation=N_(
            "The gradient shrinks by about four at every sigmoid layer, so what is lost grows with "
            "the number of layers: two of them divide it by about 4^2 = 16, and 1/16 is about 0.06. "
            "Enough gradient reaches the first layer for every layer to learn, and the differences "
            "between digits survive two layers on the way forward, so the output layer can tell "
            "them apart. It is still slow: plain gradient descent on sigmoid units with this "
            "learning rate takes a few epochs to get going, and its accuracy jumps up and down "
            "from one epoch to the next at first, which is why the exercise gives it 40 epochs."
        ),
    ),
    Exercise(
        name="deeper",
        question=N_("With 20 hidden layers instead of 10, how far does the sigmoid net's first-layer gradient fall, and does ReLU's stay level?"),
        changes={"hidden_layers": 20},
        keep=lambda variant: variant.activation in ("sigmoid", "relu"),
        expected=N_(
            "At initialisation the sigmoid net's first-layer gradient norm is below 1e-10 of its "
            "output layer's, and the ReLU net's stays within 10x of its output layer's."
        ),
        check=_check_deeper,
        explanation=N_(
            "Each sigmoid layer divides the gradient by about four, so ten more layers divide it "
            "by about 4^10, about a million, more: 4^-20 is about 9e-13. ReLU's slope is 1 "
            "wherever a unit is active, and He initialisation keeps a signal's size from layer to "
            "layer, so depth does not shrink its gradient. A level gradient at the start is not "
            "all a deep net needs, though: the verdict measures only the start, so compare the "
            "validation accuracy curve of this run's ReLU net with the ten-layer one's."
        ),
        quick={"epochs": 2, "log_every": 1},
    ),
    Exercise(
        name="wide",
        question=N_("With 256 units per hidden layer instead of 64, does the ten-layer sigmoid net's gradient still vanish?"),
        changes={"hidden_units": 256},
        keep=lambda variant: variant.activation == "sigmoid",
        expected=N_(
            "Yes: at initialisation the first hidden layer's gradient norm is below 0.001 of the "
            "output layer's, and after 20 epochs the validation accuracy is below 0.3."
        ),
        check=_check_wide,
        explanation=N_(
            "Width changes how many paths the signal takes, not how much each layer shrinks it. "
            "Glorot initialisation makes the weights smaller as the layers get wider, so that a "
            "layer's weights keep a signal's size about the same at any width; what is left per "
            "layer is the sigmoid's slope, at most 0.25, at every unit. Ten layers still divide the "
            "gradient by about 4^10. On the way forward the differences between digits fade just "
            "as fast, so the output layer has nothing to tell them apart by."
        ),
        quick={"epochs": 2, "log_every": 1},
    ),
    Exercise(
        name="larger_start",
        question=N_("If every hidden layer of the sigmoid net starts with weights 4 times larger than Glorot's, does the gradient still fade on its way to the first layer?"),
        changes={"weight_scale": 4.0},
        keep=lambda variant: variant.activation == "sigmoid",
        expected=N_(
            "It fades far less, but it still fades: at initialisation the first hidden layer's "
            "gradient norm is more than 1e-4 of the output layer's, and less than 0.1 of it."
        ),
        check=_check_larger_start,
        explanation=N_(
            "Each layer multiplies the gradient by its weights and by the slopes of its units. "
            "Weights 4 times larger make up for sigmoid's slope of 0.25 at the middle of the curve "
            "(4 x 0.25 = 1), which is why 4 times Glorot's weights is the usual start for sigmoid "
            "units. But the larger weights also push the units' weighted inputs away from the "
            "middle, where the slope is below 0.25, so each layer still shrinks the gradient a "
            "little, and over ten layers that adds up. Look at the validation accuracy in the "
            "verdict too: a gradient that fades less is not yet a net that learns in 20 epochs."
        ),
        quick={"epochs": 2, "log_every": 1},
    ),
    Exercise(
        name="explode",
        question=N_("If every hidden layer of the tanh net starts with weights 16 times larger than Glorot's, what happens to the gradient on its way to the first layer, and does the net learn?"),
        changes={"weight_scale": 16.0},
        keep=lambda variant: variant.activation == "tanh",
        expected=N_(
            "It explodes: at initialisation the first hidden layer's gradient norm is over 100x "
            "the output layer's, and after 20 epochs the validation accuracy is below 0.3."
        ),
        check=_check_explode,
        explanation=N_(
            "Each layer multiplies the gradient by its weights and by its units' slopes. Weights 16 "
            "times larger push most weighted inputs far out on tanh's flat ends, where the slope "
            "is nearly 0, but the units still on the steep part pass the gradient back multiplied "
            "by weights 16 times larger, and that wins: the gradient grows from layer to layer "
            "towards the input. A gradient descent step is the learning rate times the gradient, "
            "so the first layer's first step is about as large as all its weights together, or larger: training throws "
            "those weights about instead of nudging them, and the net stays near chance. tanh's "
            "outputs are bounded (between -1 and 1), which keeps the loss finite here; ReLU's are "
            "not, and with ReLU even 4 times He's weights make the loss overflow within the first "
            "steps (try `--weight-scale 4` on the lesson)."
        ),
        quick={"epochs": 2, "log_every": 1},
    ),
)
