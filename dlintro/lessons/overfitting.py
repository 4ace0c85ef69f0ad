"""A network with far more weights than training examples can learn the examples by heart,
noise included. Its training loss keeps falling towards zero, but what it learned about the
*noise* is wrong for new points, so its loss on held-out data first falls, reaches a minimum
and then climbs again: the net **overfits**. In the input plane you can watch it happen: the
border between the classes bends into the other class to take in single noisy points, and the
net grows certain (full colour) right up to the border, even where the two classes are mixed,
so every new point on the wrong side of it costs a large loss.

Most of that climb is over-confidence, not more mistakes. The loss of one point is minus the
log of the probability the net gave its true class: near 0 for a confident right answer, 18 when
it gave the true class a probability of about 1e-8. With the default settings the unregularized
net's validation loss climbs from 0.30 to 2.20 while its validation accuracy slips only from
0.90 at its best to 0.88. The 12 % of validation points it gets wrong make up 99.5 % of that
loss, about 18 each on average. Many of them no border could get right: the noise carries
points onto the other moon's side, and even the best possible border, computed from how the
moons are drawn, gets about 9 % of new points wrong (accuracy about 0.91, loss about 0.21).

**Regularization** reduces overfitting; here it does not remove it.

- *Dropout* sets each hidden unit's output to 0 with probability 0.5 at every training step
  (and doubles the others), so no unit can count on particular others being there. It is
  switched off for predictions.
- An *L2 penalty* adds 0.001 times the sum of the squared kernel weights (not the biases) to
  the loss, which pulls towards 0 every weight the data does not hold up. With plain gradient
  descent that is the same as *weight decay*, shrinking every weight by a fixed share per step;
  under Adam, used here, it is not, because Adam divides each weight's gradient, penalty
  included, by a running average of that gradient's size. (AdamW, Loshchilov and Hutter 2019,
  decays the weights apart from the gradient for that reason.)
- *Early stopping* watches the validation loss and, once it has not improved for 5 log points
  (100 passes), stops and goes back to the weights of its best moment.

Here: one draw of two interleaved, noisy half-moons, cut into 100 training points, 2000
validation points (watched during training; early stopping uses them to choose when to stop)
and 2000 test points (used once, at the end, to score every variant alike). The net has three
ReLU layers of 256 units (about 130,000 weights) and trains full-batch with Adam for 400 passes.
Validation is measured once per log point (every 20 passes), so early stopping counts its
patience in log points.

**What the runs show** (default settings; seeds 0 to 3 for the ranges)

- Without regularization the training loss ends at 0.003 or less, with every training point
  on its own side, and the validation loss ends 5 to 8 times its minimum, which comes at
  pass 20 to 40.
- Dropout and L2 slow the climb; they do not stop it. Their validation losses end 1.5 to 5.4
  times their own minimums (dropout 0.27 to 0.44 and L2 0.26 to 0.41 on seed 0; on seed 1
  dropout's climbs to 1.90, against 2.76 without).
- On the test points the loss without regularization is 2.39; with dropout 0.45, with L2 0.44,
  with early stopping 0.32 (seed 0). Over seeds 0 to 3 dropout's test loss is 1.3 to 5.4 times
  lower than without, L2's 3.6 to 5.5 times and early stopping's 5 to 7.5 times.
- **Test accuracy barely moves**: the four variants score 0.85 to 0.89 (seed 0: none 0.852,
  dropout 0.889, L2 0.879, early stopping 0.859), within 4 points of each other on every
  seed, and on seed 2 the unregularized net scores highest (0.8795, L2 0.879). On these data
  regularization changes how sure the net is far more than how often it is right. Early
  stopping, which watches the loss, stops at the loss's minimum, before validation accuracy
  peaks: it has the lowest test loss on every seed, and the best test accuracy on none.
- Early stopping's final numbers are those of the weights it restored (from pass 40 on seed 0);
  its curves and pictures run on to where it stopped (pass 140), past that minimum.

**What to look at in TensorBoard**

- *Custom Scalars*, "Training vs validation": one chart per run with its training and its
  validation loss (for L2, the loss includes the penalty). Without regularization the two
  curves part: training towards 0, validation up after an early minimum. Dropout's and L2's
  validation curves turn up too, less steeply (on seed 0 also later). Early stopping's curves
  are the unregularized net's, cut off 100 passes after their minimum.
- *Time Series*: `epoch_accuracy` in the runs `<variant>/validation`: the four curves end
  within 3 points of each other (0.88 to 0.90 on seed 0), while their `epoch_cross_entropy`
  (the loss without the L2 penalty) ends anywhere from 0.41 to 2.20.
- *Images*: `decision_boundary` per run; drag the step slider. The unregularized border curls
  into the other class around points of the wrong colour, and the pale band along it (where
  the net gives neither class 90 %) shrinks to about 1 % of the picture. With dropout and L2 it
  stays a little wider (2 to 10 %). Early stopping's pictures run past its minimum too; on seed
  0 the one at step 40 shows the weights it restores.
- *Histograms*: `hidden_*/kernel/histogram` in the `train` runs: the L2 penalty narrows the
  two 256 x 256 layers (`hidden_2`, `hidden_3`: spread about 0.017 at the end against about
  0.09 without), while the first and the output layer's weights spread about as far as
  without (the output layer's further).
"""

import dataclasses
from typing import Annotated

import keras
import numpy as np

from dlintro import datasets
from dlintro.callbacks import DecisionBoundaryImages, TrainValidationChart
from dlintro.callbacks.decision_boundary import default_extent
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = "overfitting: a big net memorises noisy points; dropout, L2 and early stopping reduce the harm"
CLAIM = (
    "Without regularization the training loss falls below 0.05 while the validation loss ends "
    "at least 3 times its own minimum; with dropout and with the L2 penalty it still ends at "
    "least 1.25 times theirs (they reduce overfitting, they do not stop it). On separate test "
    "points dropout, L2 and early stopping each end with a lower loss than no regularization "
    "(L2 and early stopping at most half of it), while the four test accuracies lie within 5 "
    "points of each other."
)


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    epochs: Annotated[int, Range(1, 100_000)] = 400  # full-batch passes over the training points
    log_every: Annotated[int, Range(1, 10_000)] = 20  # passes between log points (and validations)
    train_size: Annotated[int, Range(10, 10_000)] = 100  # noisy training points
    validation_size: Annotated[int, Range(10, 100_000)] = 2000  # held-out points from the same moons
    test_size: Annotated[int, Range(10, 100_000)] = 2000  # more held-out points, used only to score
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


# A brief run that still shows the phenomenon, for the tests. Dropout's validation loss needs
# about 300 passes to climb clearly above its minimum (at 200 it is only 7 % above it).
QUICK = Config(epochs=300, log_every=20)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("overfitting-loss", "Training against validation loss, without and with dropout: training falls; both validation curves turn up after a minimum, dropout's later and less far.",
         tag_filter="^epoch_loss$", run_filter="(none|dropout)/", shows=("epoch_loss", "none/validation"),
         full_size=True),
    View("overfitting-accuracy", "Validation accuracy: the four variants end within 3 points of each other, though their validation losses end anywhere from 0.4 to 2.2.",
         tag_filter="^epoch_accuracy$", run_filter=".*/validation", shows=("epoch_accuracy", "none/validation"),
         full_size=True),
    View("overfitting-boundaries", "Decision boundaries: the unregularized net curls around single noisy points and is sure right up to its border; dropout and L2 keep a slightly wider pale band.",
         tag_filter="^decision_boundary$", run_filter="(none|dropout|l2)$", shows=("decision_boundary",)),
)


# Data: one draw of noisy moons, cut into training, validation and test points.
def moons_splits(config, data="moons"):
    """((x, y) training, (x, y) validation, (x, y) test): disjoint parts of one seeded draw.

    The validation points are watched during training (and choose when early stopping stops);
    the test points are used only once, at the end, to score every variant alike.
    """
    (x_train, y_train), (x_held_out, y_held_out) = datasets.load(
        data, train_points=config.train_size,
        validation_points=config.validation_size + config.test_size,
        noise=config.noise, seed=config.seed,
    )
    cut = config.validation_size
    validation = (x_held_out[:cut], y_held_out[:cut])
    test = (x_held_out[cut:], y_held_out[cut:])
    return (x_train, y_train), validation, test


# Models.
def wide_network(hidden_layers=3, hidden_units=256, dropout_rate=0.0, l2=0.0, learning_rate=0.002):
    """A compiled two-input binary classifier with a lot of capacity and optional regularization.

    Args:
        hidden_layers: how many ReLU hidden layers (`hidden_1`, `hidden_2`, ...).
        hidden_units: the width of each.
        dropout_rate: the probability that a hidden unit's output is set to 0 at a training
            step (the others are scaled up to keep the sum); 0 adds no dropout layers.
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
    """No regularization, dropout, an L2 penalty and early stopping, on the same net."""
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
# `fit` validates (and measures the training curves) in batches of 4096; the same batch size
# makes the final numbers equal to the curves' last values, not just close to them.
EVALUATION_BATCH = 4096


def cross_entropy_and_accuracy(model, x, y):
    """The model's cross-entropy (without the L2 penalty) and accuracy on (x, y), in inference mode.

    `evaluate` computes them as the logged curves are computed: Keras takes the cross-entropy
    from the output layer's logits. Cross-entropy on the sigmoid's probabilities, clipped to
    [1e-7, 1 - 1e-7], would cap each confidently wrong point at about 16 and understate the
    over-confident net's loss (1.21 instead of 2.20 on seed 0's validation points).
    """
    values = model.evaluate(x, y, batch_size=EVALUATION_BATCH, verbose=0, return_dict=True)
    return float(values["cross_entropy"]), float(values["accuracy"])


def train(config, variant, log_dir):
    """Trains one variant full-batch with pictures and a loss chart; scores it on every split."""
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = moons_splits(config, variant.data)
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
    # Final numbers from the model as it ends (for early stopping: its restored best weights,
    # not the last point of its curves), without the L2 penalty, so every variant is measured
    # alike.
    train_loss, train_accuracy = cross_entropy_and_accuracy(model, x_train, y_train)
    val_loss, val_accuracy = cross_entropy_and_accuracy(model, x_val, y_val)
    test_loss, test_accuracy = cross_entropy_and_accuracy(model, x_test, y_test)
    validation_curve = history.history["val_cross_entropy"]
    return {
        "train_loss": train_loss,
        "train_accuracy": train_accuracy,
        "val_loss": val_loss,
        "val_accuracy": val_accuracy,
        "min_val_loss": float(min(validation_curve)),
        "min_val_loss_pass": float((int(np.argmin(validation_curve)) + 1) * config.log_every),
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "passes": float(len(history.epoch) * config.log_every),
    }


# The claim.
def check(config, results):
    """Overfitting without regularization, reduced (not stopped) with it; scored on the test points.

    The unregularized net: training loss below 0.05, validation loss ending at least 3 times
    its minimum. Dropout and L2: validation loss still ending at least 1.25 times their own
    minimum. On the test points: every regularized variant's loss below the unregularized
    one's, L2's and early stopping's at most half of it; the four test accuracies within 5
    points of each other.
    """
    none = next(metrics for variant, metrics in results.items() if unregularized(variant))
    numbers = {"none_train_loss": none["train_loss"]}
    for variant, metrics in results.items():
        if not variant.early_stopping:  # early stopping's validation loss is its minimum
            numbers[f"{variant.name}_val_loss"] = metrics["val_loss"]
            numbers[f"{variant.name}_min_val_loss"] = metrics["min_val_loss"]
    for variant, metrics in results.items():
        numbers[f"{variant.name}_test_loss"] = metrics["test_loss"]
        numbers[f"{variant.name}_test_accuracy"] = metrics["test_accuracy"]
    accuracies = [metrics["test_accuracy"] for metrics in results.values()]
    numbers["test_accuracy_spread"] = max(accuracies) - min(accuracies)
    regularized = {variant: metrics for variant, metrics in results.items() if not unregularized(variant)}
    holds = (
        none["train_loss"] < 0.05
        and none["val_loss"] >= 3 * none["min_val_loss"]
        and all(
            metrics["val_loss"] >= 1.25 * metrics["min_val_loss"]
            for variant, metrics in regularized.items() if variant.dropout_rate or variant.l2
        )
        and all(metrics["test_loss"] < none["test_loss"] for metrics in regularized.values())
        and all(
            metrics["test_loss"] <= 0.5 * none["test_loss"]
            for variant, metrics in regularized.items() if variant.l2 or variant.early_stopping
        )
        and numbers["test_accuracy_spread"] <= 0.05
    )
    return Verdict(holds=holds, numbers=numbers, explanation=explain(results))


def explain(results):
    """The verdict in words: validation curves first, then the test scores of every variant."""
    parts = []
    for variant, metrics in results.items():
        if unregularized(variant):
            parts.append(
                f"Without regularization: training loss {metrics['train_loss']:.2g}, validation loss "
                f"{metrics['val_loss']:.2f} (its minimum {metrics['min_val_loss']:.2f} at pass "
                f"{metrics['min_val_loss_pass']:.0f})."
            )
        elif not variant.early_stopping:
            parts.append(
                f"{variant.name}: validation loss {metrics['val_loss']:.2f} (its minimum "
                f"{metrics['min_val_loss']:.2f} at pass {metrics['min_val_loss_pass']:.0f})."
            )
    scores = []
    for variant, metrics in results.items():
        score = f"{variant.name} {metrics['test_loss']:.2f} / {metrics['test_accuracy']:.3f}"
        if variant.early_stopping:
            score += (f" (the weights of pass {metrics['min_val_loss_pass']:.0f}, restored after "
                      f"stopping at pass {metrics['passes']:.0f})")
        scores.append(score)
    return " ".join(parts) + " Test loss / accuracy: " + ", ".join(scores) + "."


# Exercises: each trains one variant with one knob turned and checks its curves' end.
def _has_l2(variant):
    """True for the variant trained with the L2 penalty."""
    return bool(variant.l2)


def _the_variant(results, chosen):
    """The trained variant that `chosen` selects, and its metrics."""
    return next((variant, metrics) for variant, metrics in results.items() if chosen(variant))


def _curve_verdict(variant, metrics, holds):
    """A verdict with the variant's final losses, its validation minimum and its accuracy."""
    keys = ("train_loss", "val_loss", "min_val_loss", "min_val_loss_pass", "val_accuracy", "test_loss")
    numbers = {f"{variant.name}_{key}": metrics[key] for key in keys}
    gap = metrics["val_loss"] - metrics["train_loss"]
    over_min = metrics["val_loss"] / metrics["min_val_loss"]
    numbers[f"{variant.name}_gap"] = gap
    numbers[f"{variant.name}_val_over_min"] = over_min
    explanation = (
        f"{variant.name}: training loss {metrics['train_loss']:.2g}, validation loss "
        f"{metrics['val_loss']:.2g} ({gap:.2g} above it; {over_min:.2f} times its minimum "
        f"{metrics['min_val_loss']:.2g} at pass {metrics['min_val_loss_pass']:.0f}), validation "
        f"accuracy {metrics['val_accuracy']:.3f}."
    )
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)


def _check_noise_free(config, results):
    """Training and validation loss below 0.001, the validation loss lowest at the end, no errors."""
    variant, metrics = _the_variant(results, unregularized)
    holds = (
        metrics["train_loss"] < 0.001
        and metrics["val_loss"] < 0.001
        and metrics["min_val_loss_pass"] == config.epochs  # still falling at the last log point
        and metrics["val_accuracy"] == 1.0
    )
    return _curve_verdict(variant, metrics, holds)


def _check_more_points(config, results):
    """Training loss above 0.1; validation loss within 0.25 of it and 1.75 times its minimum."""
    variant, metrics = _the_variant(results, unregularized)
    holds = (
        metrics["train_loss"] > 0.1
        and metrics["val_loss"] - metrics["train_loss"] < 0.25
        and metrics["val_loss"] <= 1.75 * metrics["min_val_loss"]
    )
    return _curve_verdict(variant, metrics, holds)


def _check_barely_climbs(chosen):
    """A check that the `chosen` variant's training loss stays above 0.05 and its validation
    loss ends within 1.25 times its minimum."""
    def check_variant(config, results):
        variant, metrics = _the_variant(results, chosen)
        holds = metrics["train_loss"] > 0.05 and metrics["val_loss"] <= 1.25 * metrics["min_val_loss"]
        return _curve_verdict(variant, metrics, holds)
    return check_variant


EXERCISES = (
    Exercise(
        name="noise_free",
        question="If the points carry no noise at all, does the unregularized net still overfit, its validation loss climbing while its training loss falls?",
        changes={"noise": 0.0},
        keep=unregularized,
        expected="No: its training loss falls below 0.001, and its validation loss falls with it, to below 0.001, still at its lowest at the last log point, with every validation point on the right side.",
        check=_check_noise_free,
        explanation=(
            "Overfitting is learning what is true of the training points but not of new ones. "
            "Without noise every point lies exactly on its moon, and the two moons are 0.5 apart "
            "where they come closest, so a border that puts every training point on its own side "
            "puts the new points there too. The net still grows as sure as it can (training loss "
            "below 0.00001), but no new point lies on the wrong side of its border to pay for that "
            "certainty. The 130,000 weights did not cause the climb on their own: the noise they "
            "learned by heart did."
        ),
        quick={"epochs": 200},
    ),
    Exercise(
        name="more_points",
        question="With 1000 training points instead of 100 (the same noise, the same net), does the gap between training and validation loss shrink?",
        changes={"train_size": 1000},
        keep=unregularized,
        expected="Yes: the training loss stays above 0.1, and the validation loss ends less than 0.25 above it and at most 1.75 times its own minimum (with 100 points the training loss ends at 0.003 or less and the validation loss at 5 to 8 times its minimum).",
        check=_check_more_points,
        explanation=(
            "Each noisy point now has many neighbours from the same moon, most of them on the "
            "right side, so bending the border around it raises the loss on them. In 400 passes "
            "the net gets about 93 % of the training points right, not all of them, and what it "
            "learns is mostly the moons' shape, which holds for new points too: its test loss ends "
            "at 0.30 to 0.35 (seeds 0 to 3), against 2.39 with 100 points (seed 0). More data shrinks "
            "overfitting here without removing it: the validation loss still climbs from its "
            "minimum, by 28 to 45 %."
        ),
        quick={"epochs": 200},
    ),
    Exercise(
        name="narrow",
        question="With 8 units per hidden layer instead of 256 (177 weights instead of about 130,000), does the unregularized net's validation loss still climb far above its minimum in the 400 passes?",
        changes={"hidden_units": 8},
        keep=unregularized,
        expected="Hardly: its training loss stays above 0.05 and its validation loss ends within 1.25 times its minimum (with 256 units: 5 to 8 times).",
        check=_check_barely_climbs(unregularized),
        explanation=(
            "Fewer units give the border fewer bends and make it slower to fit: in 400 passes the "
            "narrow net learns the moons' shape and only some of the noisy points, so its "
            "validation loss has barely begun to rise. Fewer weights delay overfitting here; they "
            "do not rule it out. 177 weights are still more than the 100 points: trained for 1200 "
            "passes (`--epochs 1200`), the same net gets every training point right on seed 1 and "
            "its validation loss ends 5 times its minimum (1.6 times on seed 0)."
        ),
    ),
    Exercise(
        name="strong_l2",
        question="With an L2 penalty ten times as strong (0.01 instead of 0.001), does the L2 net's validation loss still climb after its minimum?",
        changes={"l2": 0.01},
        keep=_has_l2,
        expected="Hardly: its training loss stays above 0.05 and its validation loss ends within 1.25 times its minimum (with 0.001: 1.5 times or more).",
        check=_check_barely_climbs(_has_l2),
        explanation=(
            "Every weight now costs ten times as much, so the net keeps only the weights that many "
            "points hold up. Curling the border around a single noisy point needs large weights "
            "that only that point pays for, and they are no longer worth their cost: the training "
            "loss stays well above 0 (0.12 to 0.27 on seeds 0 to 3) and the validation loss ends "
            "within 3 % of its minimum. The price is paid on the training points, not on new ones: "
            "the test loss ends at 0.28 to 0.34, against 2.39 without regularization (seed 0)."
        ),
        quick={"epochs": 300},
    ),
)
