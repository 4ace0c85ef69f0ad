"""A network with far more weights than training examples can learn the examples by heart,
noise included. Its training loss keeps falling towards zero, but what it learned about the
*noise* is wrong for every new point, so its loss on held-out data first falls, reaches a
minimum and then climbs again: the net **overfits**. In the input plane you can watch it
happen: the border between the classes bends into the other class to take in single noisy
points, and the net grows certain (full colour) right up to the border, even where the two
classes are mixed, so every new point on the wrong side costs it a large loss.

The cures are called **regularization**. *Dropout* switches off a random half of the hidden
units at every step, so no unit can rely on a few others to memorise a point. *L2 weight
decay* adds the sum of squared weights to the loss, which keeps the weights small and the
border smooth. *Early stopping* watches the validation loss and, once it has not improved for
a while, stops and goes back to the weights of its best moment.

Here: 100 training points of two interleaved, noisy half-moons, 2000 more as a validation set,
and a net of three ReLU layers of 256 units (about 130,000 weights), trained full-batch with
Adam for hundreds of passes. Validation is measured once per log point, so early stopping
counts its patience in log points, not in passes.

**What to look at in TensorBoard**

- *Custom Scalars*, "Training vs validation": one chart per run with its training and its
  validation loss. Without regularization the two curves part: training towards 0, validation
  up after an early minimum. With dropout or L2 the gap stays much smaller; early stopping's
  curves end shortly after the validation minimum.
  (The same curves are `epoch_loss` in *Time Series*, runs `<variant>/train` and
  `<variant>/validation`; `epoch_cross_entropy` is the loss without the L2 penalty.)
- *Images*: `decision_boundary` per run; drag the step slider. The unregularized border
  curls into the other class around points of the wrong colour, and the pale (unsure) band
  along it vanishes as training goes on. With dropout and L2 the pale band stays wider: they
  stay modest where the classes mix, which is what keeps their validation loss down.
- *Histograms*: `output/kernel/histogram` and `hidden_*/kernel/histogram` in the `train` runs:
  L2 keeps the weights narrow, the unregularized net's spread out.
"""

import dataclasses
from typing import Annotated

import keras
import numpy as np

from dlintro import datasets
from dlintro.callbacks import DecisionBoundaryImages, TrainValidationChart
from dlintro.callbacks.decision_boundary import default_extent
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = "overfitting: a big net memorises noisy points; dropout and L2 keep it general"
CLAIM = (
    "Without regularization the training loss falls to about 0 (below 0.05) while the "
    "validation loss ends at least twice its own minimum; with dropout and with L2 weight "
    "decay the final validation loss is each at least 30 % lower than without."
)


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    epochs: Annotated[int, Range(1, 100_000)] = 400  # full-batch passes over the training points
    log_every: Annotated[int, Range(1, 10_000)] = 20  # passes between log points (and validations)
    train_size: Annotated[int, Range(10, 10_000)] = 100  # noisy training points
    validation_size: Annotated[int, Range(10, 100_000)] = 2000  # held-out points from the same moons
    noise: Annotated[float, Range(0, 2)] = 0.3  # standard deviation of the noise on each point
    hidden_layers: Annotated[int, Range(1, 10)] = 3  # depth of the wide net
    hidden_units: Annotated[int, Range(1, 4096)] = 256  # width of every hidden layer
    learning_rate: Annotated[float, Range(0, 10, open_low=True)] = 0.002  # Adam's step size
    dropout_rate: Annotated[float, Range(0, 1, open_low=True, open_high=True)] = 0.5  # dropout variant's rate
    l2: Annotated[float, Range(0, 10, open_low=True)] = 1e-3  # L2 variant's penalty per squared weight
    patience: Annotated[int, Range(1, 10_000)] = 5  # early stopping's patience, in log points

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "epochs", of="log_every")


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(epochs=200, log_every=20)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("overfitting-loss", "Training (falling) against validation loss, without and with dropout: without, validation turns up.",
         tag_filter="^epoch_loss$", run_filter="(none|dropout)/", shows=("epoch_loss", "none/validation"),
         full_size=True),
    View("overfitting-boundaries", "Decision boundaries: the unregularized net curls around single noisy points.",
         tag_filter="^decision_boundary$", run_filter="(none|dropout|l2)$", shows=("decision_boundary",)),
)


# Models.
def wide_network(hidden_layers=3, hidden_units=256, dropout_rate=0.0, l2=0.0, learning_rate=0.002):
    """A compiled two-input binary classifier with a lot of capacity and optional regularization.

    Args:
        hidden_layers: how many ReLU hidden layers (`hidden_1`, `hidden_2`, ...).
        hidden_units: the width of each.
        dropout_rate: the share of each hidden layer's units dropped at every training step;
            0 adds no dropout layers.
        l2: L2 penalty per squared weight on every kernel; 0 adds none.
        learning_rate: Adam's step size.

    Returns:
        A `keras.Model` compiled with Adam and binary cross-entropy, reporting accuracy and the
        cross-entropy without the L2 penalty (`cross_entropy`).

    Example:
        >>> model = wide_network(dropout_rate=0.5)
        >>> (x_train, y_train), (x_val, y_val) = datasets.moons(
        ...     train_points=100, validation_points=2000, noise=0.3, seed=0)
        >>> model.fit(x_train, y_train, epochs=400, batch_size=100,
        ...           validation_data=(x_val, y_val), verbose=0)
    """
    regularizer = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=(2,), name="inputs")
    features = inputs
    for index in range(1, hidden_layers + 1):
        features = keras.layers.Dense(
            hidden_units, activation="relu", kernel_regularizer=regularizer, name=f"hidden_{index}"
        )(features)
        if dropout_rate:
            features = keras.layers.Dropout(dropout_rate, name=f"dropout_{index}")(features)
    outputs = keras.layers.Dense(
        1, activation="sigmoid", kernel_regularizer=regularizer, name="output"
    )(features)
    model = keras.Model(inputs, outputs, name="wide_network")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.BinaryCrossentropy(name="cross_entropy")],
    )
    return model


FACTORIES = (wide_network,)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Regularization(Variant):
    """One way of training the wide net: its regularization and the data it learns."""

    data: str = "moons"  # the data set's name in `dlintro.datasets`
    dropout_rate: float = 0.0  # `wide_network`'s dropout rate; 0 adds no dropout
    l2: float = 0.0  # `wide_network`'s L2 penalty per squared weight; 0 adds none
    early_stopping: bool = False  # stop once the validation loss stops improving, keep the best


def variants(config):
    """No regularization, dropout, L2 weight decay and early stopping, on the same net."""
    return [
        Regularization(name="none"),
        Regularization(name="dropout", dropout_rate=config.dropout_rate),
        Regularization(name="l2", l2=config.l2),
        Regularization(name="early_stopping", early_stopping=True),
    ]


def unregularized(variant):
    """True for the variant with no dropout, no L2 penalty and no early stopping."""
    return not (variant.dropout_rate or variant.l2 or variant.early_stopping)


# Training.
def cross_entropy_and_accuracy(model, x, y):
    """Mean binary cross-entropy and accuracy of the model's predictions in inference mode."""
    probability = np.asarray(model(x, training=False))
    loss = float(np.mean(keras.losses.binary_crossentropy(y, probability)))
    return loss, float(np.mean((probability > 0.5) == (y > 0.5)))


def train(config, variant, log_dir):
    """Trains one variant full-batch, with decision-boundary pictures and a loss chart."""
    (x_train, y_train), (x_val, y_val) = datasets.load(
        variant.data, train_points=config.train_size, validation_points=config.validation_size,
        noise=config.noise, seed=config.seed,
    )
    model = wide_network(
        hidden_layers=config.hidden_layers,
        hidden_units=config.hidden_units,
        dropout_rate=variant.dropout_rate,
        l2=variant.l2,
        learning_rate=config.learning_rate,
    )
    # A picture every other log point: enough frames to watch the border change, at half the
    # cost (each costs about 0.1 s). A tight frame leaves more of the border visible between
    # the points.
    callbacks = [
        DecisionBoundaryImages(
            log_dir, x_train, y_train, every=2, extent=default_extent(x_train, margin=0.08),
        ),
        TrainValidationChart(log_dir, variant.name),
    ]
    if variant.early_stopping:
        # `fit` runs one Keras epoch per log point and validates once per Keras epoch, so
        # EarlyStopping's patience counts log points: patience 5 with log_every 20 waits 100
        # passes without a new best validation loss, then puts the best weights back.
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=config.patience, restore_best_weights=True
            )
        )
    history = fit(model, x_train, y_train, log_dir=log_dir, epochs=config.epochs,
                  log_every=config.log_every, validation_data=(x_val, y_val),
                  callbacks=callbacks, seed=config.seed)
    # Final numbers from the model as it ends (for early stopping: its restored best weights),
    # in inference mode and without the L2 penalty, so every variant is measured alike.
    train_loss, _ = cross_entropy_and_accuracy(model, x_train, y_train)
    val_loss, val_accuracy = cross_entropy_and_accuracy(model, x_val, y_val)
    return {
        "train_loss": train_loss,
        "val_loss": val_loss,
        "min_val_loss": float(min(history.history["val_cross_entropy"])),
        "val_accuracy": val_accuracy,
        "passes": float(len(history.epoch) * config.log_every),
    }


# The claim.
def check(config, results):
    """Unregularized: train loss < 0.05, validation ends >= 2x its minimum; dropout, L2 30 % lower."""
    none = next(metrics for variant, metrics in results.items() if unregularized(variant))
    numbers = {
        "none_train_loss": none["train_loss"],
        "none_val_loss": none["val_loss"],
        "none_min_val_loss": none["min_val_loss"],
    }
    # Dropout, L2 and early stopping, each by the field that sets it apart.
    for variant, metrics in results.items():
        if not unregularized(variant):
            numbers[f"{variant.name}_val_loss"] = metrics["val_loss"]
    # The claim's regularizers are the ones that change the net or its loss, not when it stops.
    regularized = [metrics for variant, metrics in results.items() if variant.dropout_rate or variant.l2]
    holds = (
        numbers["none_train_loss"] < 0.05
        and numbers["none_val_loss"] >= 2 * numbers["none_min_val_loss"]
        and all(metrics["val_loss"] <= 0.7 * numbers["none_val_loss"] for metrics in regularized)
    )
    explanation = (
        f"Without regularization: training loss {numbers['none_train_loss']:.3f}, validation loss "
        f"{numbers['none_val_loss']:.2f} (its minimum {numbers['none_min_val_loss']:.2f}). "
        f"Final validation loss with dropout {numbers['dropout_val_loss']:.2f}, with L2 "
        f"{numbers['l2_val_loss']:.2f}, with early stopping {numbers['early_stopping_val_loss']:.2f}."
    )
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)
