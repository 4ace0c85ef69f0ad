"""Backpropagation sends the error signal from the output back towards the input one layer at a
time, and at every layer it is multiplied by the slope of that layer's activation. The
**sigmoid**'s slope is never larger than 0.25 (at its middle, and far less on its flat ends),
so after ten sigmoid layers the signal that reaches the first layer is a tiny fraction of what
left the output: the gradient *vanishes*. The layers near the input then barely move, and the
net learns next to nothing, however long it trains.

**ReLU** has slope exactly 1 wherever it is active, so it passes the signal back undiminished;
with He initialisation (weights scaled to the layer's width) the gradient keeps about the same
size in every layer and the deep net trains. **tanh** (slope up to 1) sits in between.

Here a net of ten hidden layers learns the 8x8 handwritten digits that scikit-learn ships, with
plain stochastic gradient descent, once per activation: sigmoid and tanh with Glorot
initialisation, ReLU with He initialisation.

Note what is *not* happening: with Glorot initialisation the sigmoid units are not saturated
(not pinned near 0 or 1, where the curve is flat); they sit near the middle of the curve, at
its steepest. The gradient vanishes anyway, because even the steepest point of a sigmoid
divides the signal by four, and ten layers divide it by about a million. (Saturation is a
second way to lose the gradient: a unit on the flat part of the curve passes almost nothing
back. The `saturated_share` charts show whether a run suffers from it.)

**What to look at in TensorBoard**

- *Images*: `gradient_norm_bars`, one bar per layer on a log scale, input layer on the left,
  the same axis for every run. The sigmoid nets' bars fall like a staircase towards the input,
  several orders of magnitude; ReLU's bars stay level.
- *Custom Scalars*: "Gradient norm per layer" draws `gradient_norm/hidden_01` ... `output` of a
  run in one chart (pick one run at a time): the sigmoid lines are spread over many decades.
  *Time Series*: `gradient_norm_ratio/first_over_last`, the first hidden layer's gradient norm
  divided by the output layer's, per run: far below 0.001 for sigmoid, near 1 for ReLU.
- *Histograms*: `gradients/hidden_01/kernel` against `gradients/output/kernel`: the sigmoid
  net's first-layer gradients are squeezed into a spike at zero.
- *Histograms*: `activations/hidden_NN` of the sigmoid net: the values stay in a band around
  the middle of the curve, away from 0 and 1, and the *Custom Scalars* chart "Saturated
  sigmoid/tanh share per layer" stays near 0. The gradient vanishes without any saturation.
- *Time Series*: `epoch_accuracy` of the `validation` runs: ReLU and tanh climb within a few
  epochs, the sigmoid nets stay near chance (0.1 for ten digits).
"""

import dataclasses
from typing import Annotated

import keras

from dlintro import datasets
from dlintro.callbacks import GradientNormBars
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = "vanishing: a deep sigmoid net's gradient fades towards the input; ReLU keeps it"
CLAIM = (
    "At initialisation, the first hidden layer's gradient norm is over 1000x smaller than the "
    "output layer's in the sigmoid net and within 10x of it in the ReLU net; after the same "
    "epochs the ReLU net's validation accuracy is at least 0.3 above the sigmoid net's."
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

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "epochs", of="log_every")


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(epochs=10, log_every=5)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("vanishing-gradient-norms", "Gradient norm per layer, input on the left: sigmoid falls like a staircase, ReLU stays level.",
         tag_filter="^gradient_norm_bars$", run_filter="sigmoid|relu", shows=("gradient_norm_bars", "sigmoid", "relu"),
         image_step=0, size=(1600, 800)),
    View("vanishing-sigmoid-activations", "Activation histograms of the sigmoid net, first, middle and last hidden layer.",
         tag_filter="^activations/hidden_(01|05|10)$", run_filter="sigmoid$",
         shows=("activations/hidden_01", "activations/hidden_10")),
    View("vanishing-first-layer-gradients", "First against last layer's gradients: the sigmoid net's first layer gets a spike at zero.",
         tag_filter="^gradients/(hidden_01|output)/kernel$", run_filter="sigmoid$|relu$",
         shows=("gradients/hidden_01/kernel", "gradients/output/kernel")),
    View("vanishing-validation-accuracy", "Validation accuracy: ReLU and tanh learn, the sigmoid net stays near chance.",
         tag_filter="^epoch_accuracy$", run_filter=r".*/validation", shows=("epoch_accuracy",), full_size=True),
)


# Models.
def deep_network(
    activation="sigmoid",
    hidden_layers=10,
    hidden_units=64,
    kernel_initializer="glorot_uniform",
    learning_rate=0.1,
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

    Returns:
        A `keras.Model` from 64 pixels to 10 class probabilities, compiled with SGD, sparse
        categorical cross-entropy and accuracy.

    Example:
        >>> model = deep_network("relu", kernel_initializer="he_normal")
        >>> (x_train, y_train), (x_val, y_val) = datasets.digits(validation_points=500)
        >>> model.fit(x_train, y_train, epochs=20, batch_size=64, validation_data=(x_val, y_val))
    """
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
    )
    # The same probe batch as GradientStatistics (fit's first 64 examples), so the bar chart,
    # the `gradient_norm/...` scalars and the claim's numbers all describe the same gradient.
    # A fixed axis puts every run's bars on the same scale. Drawing costs about 0.1 s, so the
    # bars are drawn before training, halfway and at the end only.
    probe = slice(0, 64)
    bars = GradientNormBars(
        log_dir, x_train[probe], y_train[probe], every=max(1, config.epochs // config.log_every // 2),
        value_range=(1e-10, 1e1), title=variant.name,
    )
    fit(model, x_train, y_train, log_dir=log_dir, epochs=config.epochs,
        log_every=config.log_every, batch_size=config.batch_size,
        validation_data=(x_val, y_val), probe_size=probe.stop, callbacks=[bars], seed=config.seed)
    initial = list(bars.norms[0].values())
    _, val_accuracy = model.evaluate(x_val, y_val, batch_size=len(x_val), verbose=0)
    # Short names: they head the columns of the printed table. The gradients are the untrained
    # model's, on the probe batch.
    return {
        "val_accuracy": float(val_accuracy),
        "first_grad": initial[0],
        "last_grad": initial[-1],
        "first/last": initial[0] / initial[-1],
    }


# The claim.
def check(config, results):
    """Sigmoid first/last < 1e-3 and ReLU within 10x at init; ReLU accuracy 0.3 above sigmoid."""
    by_activation = {variant.activation: metrics for variant, metrics in results.items()}
    sigmoid, relu = by_activation["sigmoid"], by_activation["relu"]
    numbers = {
        "sigmoid_first_over_last": sigmoid["first/last"],
        "relu_first_over_last": relu["first/last"],
        "sigmoid_val_accuracy": sigmoid["val_accuracy"],
        "relu_val_accuracy": relu["val_accuracy"],
    }
    holds = (
        numbers["sigmoid_first_over_last"] < 1e-3
        and 0.1 <= numbers["relu_first_over_last"] <= 10
        and numbers["relu_val_accuracy"] >= numbers["sigmoid_val_accuracy"] + 0.3
    )
    explanation = (
        f"First/last layer gradient norm at initialisation: sigmoid "
        f"{numbers['sigmoid_first_over_last']:.2g}, ReLU {numbers['relu_first_over_last']:.2g}. "
        f"Validation accuracy after {config.epochs} epochs: sigmoid "
        f"{numbers['sigmoid_val_accuracy']:.2f}, ReLU {numbers['relu_val_accuracy']:.2f}."
    )
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)
