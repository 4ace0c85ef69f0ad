"""The overfitting lesson: a big net learns noisy training points by heart; dropout, an L2 penalty
and early stopping reduce the harm. Its text is in `dlintro/texts/en/overfitting.md`."""

import dataclasses
from typing import Annotated

import keras
import numpy as np
import tensorflow as tf

from dlintro import datasets
from dlintro.callbacks import DecisionBoundaryImages, TrainValidationChart
from dlintro.callbacks.decision_boundary import default_extent
from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.i18n import N_, _
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = N_("overfitting: a big net memorises noisy points; dropout, L2 and early stopping reduce the harm")
CLAIM = N_(
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
    View("overfitting-loss", N_("Cross-entropy on the training and the validation points, without and with dropout: training falls; both validation curves turn up after a minimum, dropout's less steeply."),
         tag_filter="^epoch_cross_entropy$", run_filter="(none|dropout)/", shows=("epoch_cross_entropy", "none/validation"),
         full_size=True),
    View("overfitting-accuracy", N_("Validation accuracy of the four variants: close together, though their validation losses end far apart."),
         tag_filter="^epoch_accuracy$", run_filter=".*/validation", shows=("epoch_accuracy", "none/validation"),
         full_size=True),
    View("overfitting-boundaries", N_("Decision boundaries: the unregularized net curls around single noisy points and is sure right up to its border; dropout and L2 keep a wider pale band."),
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
    # A dataset of our own: `evaluate` on NumPy arrays slices them with a parallel `map`, which
    # TensorFlow's op determinism rewrites into a plain one, printing an "E0000 ... NodeDef
    # mentions attribute use_unbounded_threadpool" line that reads like an error.
    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(EVALUATION_BATCH)
    values = model.evaluate(batches, verbose=0, return_dict=True)
    return float(values["cross_entropy"]), float(values["accuracy"])


def point_losses(model, x, y):
    """Each point's cross-entropy, computed in float64 from the output layer's logits.

    From the logits, not the sigmoid's probabilities: a probability of the true class rounded
    to 0 in float32 would make a confidently wrong point's loss infinite (or, clipped, about 16).
    """
    output = model.get_layer("output")
    features = np.asarray(keras.Model(model.input, output.input)(x, training=False), dtype=np.float64)
    logits = features @ np.asarray(output.kernel, dtype=np.float64) + np.asarray(output.bias, dtype=np.float64)
    sign = 2.0 * np.asarray(y, dtype=np.float64).reshape(-1) - 1.0  # +1 for class 1, -1 for class 0
    return np.logaddexp(0.0, -sign * logits.reshape(-1))


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
    boundary = DecisionBoundaryImages(
        log_dir, x_train, y_train, every=2, extent=default_extent(x_train, margin=0.08),
    )
    callbacks = [
        boundary,
        # The cross-entropy without the L2 penalty, as every variant's final numbers are
        # measured (Keras's `loss` includes the penalty in the L2 variant's curves).
        TrainValidationChart(log_dir, variant.name, metric="cross_entropy"),
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
    probability = boundary.probability_grid()
    losses = point_losses(model, x_val, y_val)
    # A point is misclassified when its true class got a probability below one half, that is
    # when its loss is above ln 2.
    wrong = losses > np.log(2.0)
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
        # The pale band of the pictures: the share of the plane where the net, as it ends,
        # gives neither class 90 %.
        "pale_share": float(np.mean(np.maximum(probability, 1 - probability) < 0.9)),
        # How much of the validation loss the misclassified points make up, and their average.
        "wrong_loss_share": float(losses[wrong].sum() / losses.sum()),
        "wrong_mean_loss": float(losses[wrong].mean()) if wrong.any() else 0.0,
        "best_val_accuracy": float(max(history.history["val_accuracy"])),
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
            parts.append(_(
                "Without regularization: training loss {train_loss:.2g}, validation loss "
                "{val_loss:.2f} (its minimum {min_val_loss:.2f} at pass {min_val_loss_pass:.0f})."
            ).format(**metrics))
        elif not variant.early_stopping:
            parts.append(_(
                "{name}: validation loss {val_loss:.2f} (its minimum {min_val_loss:.2f} at pass "
                "{min_val_loss_pass:.0f})."
            ).format(name=variant.name, **metrics))
    scores = []
    for variant, metrics in results.items():
        if variant.early_stopping:
            score = _(
                "{name} {test_loss:.2f} / {test_accuracy:.3f} (the weights of pass "
                "{min_val_loss_pass:.0f}, restored after stopping at pass {passes:.0f})"
            )
        else:
            score = "{name} {test_loss:.2f} / {test_accuracy:.3f}"  # no words to translate
        scores.append(score.format(name=variant.name, **metrics))
    # The scores are a list (a comma between them in both languages), not parts of a sentence.
    parts.append(_("Test loss / accuracy: {scores}.").format(scores=", ".join(scores)))
    return " ".join(parts)


def weight_count(config):
    """How many weights and biases the wide net of `config` has (two inputs, one output)."""
    units, layers = config.hidden_units, config.hidden_layers
    return (2 + 1) * units + (layers - 1) * (units + 1) * units + units + 1


def text_numbers(config, results):
    """The run's numbers the lesson text (dlintro/texts/en/overfitting.md) fills in, by name."""
    numbers = {
        "train_size": config.train_size,
        "validation_size": config.validation_size,
        "test_size": config.test_size,
        "epochs": config.epochs,
        "log_every": config.log_every,
        "patience_passes": config.patience * config.log_every,
        "weights": weight_count(config),
        "hidden_layers": config.hidden_layers,
        "hidden_units": config.hidden_units,
        "dropout_rate": config.dropout_rate,
        "l2": config.l2,
        "noise": config.noise,
        "learning_rate": config.learning_rate,
    }
    keys = ("train_loss", "val_loss", "min_val_loss", "val_accuracy", "best_val_accuracy",
            "test_loss", "test_accuracy", "pale_share", "wrong_loss_share", "wrong_mean_loss")
    for variant, metrics in results.items():
        for key in keys:
            numbers[f"{variant.name}_{key}"] = metrics[key]
        numbers[f"{variant.name}_min_val_loss_pass"] = int(metrics["min_val_loss_pass"])
        numbers[f"{variant.name}_passes"] = int(metrics["passes"])
        numbers[f"{variant.name}_val_error"] = 1 - metrics["val_accuracy"]
        numbers[f"{variant.name}_val_over_min"] = metrics["val_loss"] / metrics["min_val_loss"]
    validation_losses = [metrics["val_loss"] for metrics in results.values()]
    validation_accuracies = [metrics["val_accuracy"] for metrics in results.values()]
    test_accuracies = [metrics["test_accuracy"] for metrics in results.values()]
    numbers.update(
        val_loss_low=min(validation_losses), val_loss_high=max(validation_losses),
        val_accuracy_low=min(validation_accuracies), val_accuracy_high=max(validation_accuracies),
        test_accuracy_low=min(test_accuracies), test_accuracy_high=max(test_accuracies),
    )
    return numbers


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
    explanation = _(
        "{name}: training loss {train_loss:.2g}, validation loss {val_loss:.2g} ({gap:.2g} above "
        "it; {over_min:.2f} times its minimum {min_val_loss:.2g} at pass {min_val_loss_pass:.0f}), "
        "validation accuracy {val_accuracy:.3f}."
    ).format(name=variant.name, gap=gap, over_min=over_min, **metrics)
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
        question=N_("If the points carry no noise at all (200 of them, so that they cover both moons), does the unregularized net still overfit, its validation loss climbing while its training loss falls?"),
        changes={"noise": 0.0, "train_size": 200},
        keep=unregularized,
        expected=N_("No: its training loss falls below 0.001, and its validation loss falls with it, to below 0.001, still at its lowest at the last log point, with every validation point on the right side."),
        check=_check_noise_free,
        explanation=N_(
            "Overfitting is learning what is true of the training points but not of new ones. "
            "Without noise every point lies exactly on its moon, and the two moons do not touch, "
            "so a border that puts every training point on its own side puts the new points there "
            "too. The net still grows as sure as it can, but no new point lies on the wrong side "
            "of its border to pay for that certainty. The many weights did not cause the climb on "
            "their own: the noise they learned by heart did. The exercise takes 200 points because "
            "100 can leave a stretch of a moon without any training point, where the border is "
            "free to cut through and new points are lost even without noise: the lesson itself "
            "with `--noise 0` shows whether your draw does."
        ),
        quick={"epochs": 200},
    ),
    Exercise(
        name="more_points",
        question=N_("With 1000 training points instead of 100 (the same noise, the same net), does the gap between training and validation loss shrink?"),
        changes={"train_size": 1000},
        keep=unregularized,
        expected=N_("Yes: the training loss stays above 0.1, and the validation loss ends less than 0.25 above it and at most 1.75 times its own minimum (with 100 points the lesson's claim checks that it ends at least 3 times its minimum)."),
        check=_check_more_points,
        explanation=N_(
            "Each noisy point now has many neighbours from the same moon, most of them on the "
            "right side, so bending the border around it raises the loss on them. The net does not "
            "get every training point right, and what it learns is mostly the moons' shape, which "
            "holds for new points too. More data shrinks overfitting here without removing it: "
            "the verdict shows how far the validation loss still climbs from its minimum."
        ),
        quick={"epochs": 200},
    ),
    Exercise(
        name="narrow",
        question=N_("With 8 units per hidden layer instead of 256 (177 weights instead of about 130,000), does the unregularized net's validation loss still climb far above its minimum in the 400 passes?"),
        changes={"hidden_units": 8},
        keep=unregularized,
        expected=N_("Hardly: its training loss stays above 0.05 and its validation loss ends within 1.25 times its minimum (with 256 units the lesson's claim checks at least 3 times)."),
        check=_check_barely_climbs(unregularized),
        explanation=N_(
            "Fewer units give the border fewer bends, and it takes longer to bend it: in 400 "
            "passes the narrow net learns the moons' shape and only some of the noisy points, so "
            "its validation loss has barely begun to rise. Fewer weights delay overfitting here; "
            "they do not rule it out: 177 weights are still more than the 100 points. Try it with "
            "more passes (`--epochs 1200`) and see whether the climb starts."
        ),
    ),
    Exercise(
        name="strong_l2",
        question=N_("With an L2 penalty ten times as strong (0.01 instead of 0.001), does the L2 net's validation loss still climb after its minimum?"),
        changes={"l2": 0.01},
        keep=_has_l2,
        expected=N_("Hardly: its training loss stays above 0.05 and its validation loss ends within 1.25 times its minimum (with 0.001 the lesson's claim checks at least 1.25 times)."),
        check=_check_barely_climbs(_has_l2),
        explanation=N_(
            "Every weight now costs ten times as much, so the net keeps only the weights that many "
            "points hold up. Curling the border around a single noisy point needs large weights "
            "that only that point pays for, and they are no longer worth their cost: the training "
            "loss stays well above 0, and the validation loss stays close to its minimum. The "
            "price is paid on the training points, not on new ones: compare the test loss in the "
            "verdict with the unregularized net's in the lesson's own run."
        ),
        quick={"epochs": 300},
    ),
)
