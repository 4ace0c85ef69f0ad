"""The features lesson: a person designs features for a simple model; a deep net learns its own.

Its text (the idea, what to look at, going deeper, terms) is in `dlintro/texts/en/features.md`.
"""

import dataclasses
from typing import Annotated, Literal

import keras
import numpy as np
from keras import ops

from dlintro import datasets
from dlintro.callbacks import DecisionBoundaryImages, FilterImages, HiddenUnitImages, NetworkMap
from dlintro.callbacks.decision_boundary import default_extent
from dlintro.callbacks.probe import epoch_step
from dlintro.config import ConfigError, LessonConfig, Range, require_multiple
from dlintro.exercises import Exercise
from dlintro.i18n import N_, _
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = N_("features: a person designs features for a simple model; a deep net learns its own")
CLAIM = N_(
    "On circles, a linear model on raw (x1, x2) stays at or below 60 % validation accuracy, "
    "while the same model on hand-made features (x1^2, x2^2) and a net with one hidden layer on "
    "raw inputs both reach at least 95 %. On digits, every model trained until its validation "
    "loss stopped falling, a small CNN on raw pixels beats softmax regression on hand-made "
    "features in test accuracy, and the controls split that gap: softmax regression on the raw "
    "pixels also beats it (the hand-made features lose information), a net with a hidden layer "
    "on the hand-made features stays below softmax regression on raw pixels (a non-linear model "
    "does not win that information back), and the CNN beats softmax regression on raw pixels "
    "(its learned filters add to what the pixels give a linear model)."
)


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    circle_epochs: Annotated[int, Range(1, 100_000)] = 400  # full-batch passes over the circles
    circle_log_every: Annotated[int, Range(1, 10_000)] = 50  # passes between circle pictures
    circle_points: Annotated[int, Range(20, 100_000)] = 400  # training points; as many held out
    circle_noise: Annotated[float, Range(0, 0.5)] = 0.1  # spread of the points around their circle
    circle_learning_rate: Annotated[float, Range(0, 1, open_low=True)] = 0.05  # Adam's step size
    hidden_units: Annotated[int, Range(1, 256)] = 8  # the circle net's hidden layer width
    hidden_activation: Literal["relu", "tanh", "sigmoid", "linear"] = "relu"  # both hidden layers' activation
    digit_epochs: Annotated[int, Range(1, 10_000)] = 1000  # most passes over the training digits
    digit_patience: Annotated[int, Range(1, 1000)] = 20  # passes without a lower validation loss before stopping
    digit_log_every: Annotated[int, Range(1, 1000)] = 5  # passes between digit log points
    digit_batch_size: Annotated[int, Range(1, 2048)] = 64  # digits per Adam step
    digit_learning_rate: Annotated[float, Range(0, 1, open_low=True)] = 0.03  # Adam's step size
    cnn_filters: Annotated[int, Range(1, 64)] = 8  # learned 5x5 filters of the CNN
    digit_hidden_units: Annotated[int, Range(1, 1024)] = 64  # the digit net's hidden layer width
    test_digits: Annotated[int, Range(100, 1000)] = 500  # held out for the final score; the rest train
    validation_digits: Annotated[int, Range(50, 1000)] = 300  # held out to decide when to stop

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "circle_epochs", of="circle_log_every")
        require_multiple(self, "digit_epochs", of="digit_log_every")
        require_multiple(self, "digit_patience", of="digit_log_every")
        # At least as many digits as are held out are left to train on.
        if 2 * (self.test_digits + self.validation_digits) > DIGIT_COUNT:
            raise ConfigError(
                _("test_digits + validation_digits must be at most {most}, half the {count} digits there "
                  "are; got {test} + {validation}").format(
                    most=DIGIT_COUNT // 2, count=DIGIT_COUNT, test=self.test_digits, validation=self.validation_digits)
            )


# scikit-learn ships this many 8x8 digits.
DIGIT_COUNT = 1797


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(circle_epochs=200, circle_log_every=100, digit_epochs=60, digit_patience=10)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("features-circles-boundaries", N_("Circles: the raw linear model's straight, undecided border against the squared features' ellipse and the hidden-layer net's polygon."),
         tag_filter="^decision_boundary$", run_filter="circles-", shows=("decision_boundary", "circles-mlp_raw")),
    View("features-hidden-units", N_("What the circle net's hidden units learned: half-planes; a tile white over all the points is a dead ReLU unit."),
         tag_filter="^hidden_units/hidden$", run_filter="circles-mlp_raw$", shows=("hidden_units/hidden",)),
    View("features-network-map", N_("The circle net drawn whole: each hidden unit's output over the plane, combined by the output unit into a polygon around the inner ring."),
         dashboard="images", tag_filter="^network_map$", run_filter="circles-mlp_raw$", shows=("network_map",),
         actual_size=True, size=(1500, 1100)),
    View("features-cnn-filters", N_("The CNN's learned 5x5 filters on raw digit pixels, from their random start to the end of training."),
         dashboard="images", tag_filter="^filters/conv$", run_filter="digits-cnn_raw$", shows=("filters/conv",),
         actual_size=True, size=(1500, 700)),
)


# Hand-made features, as layers with no weights, so that every model takes the raw input.
@keras.saving.register_keras_serializable(package="dlintro")
class Squares(keras.layers.Layer):
    """The hand-made circle features: each input squared, (x1, x2) -> (x1^2, x2^2)."""

    def call(self, inputs):
        return ops.square(inputs)


@keras.saving.register_keras_serializable(package="dlintro")
class DigitFeatures(keras.layers.Layer):
    """The 24 hand-made digit features of the lesson's table, from 64 flat pixels in [0, 1]."""

    def call(self, pixels):
        images = ops.reshape(pixels, (-1, 8, 8))
        rows = ops.mean(images, axis=2)
        columns = ops.mean(images, axis=1)
        left_right = ops.mean(ops.abs(images - ops.flip(images, axis=2)), axis=(1, 2))
        top_bottom = ops.mean(ops.abs(images - ops.flip(images, axis=1)), axis=(1, 2))
        ink = ops.cast(images > 0.5, "float32")
        crossed = [
            _strokes_along(line)
            for line in (ink[:, 3, :], ink[:, 4, :], ink[:, :, 3], ink[:, :, 4])
        ]
        position = ops.arange(8, dtype="float32") / 7.0  # 0 at the top or left, 1 at the other end
        total = ops.sum(rows, axis=1) + 1e-6
        height = ops.sum(rows * position, axis=1) / total
        width = ops.sum(columns * position, axis=1) / total
        singles = [left_right, top_bottom, *crossed, height, width]
        return ops.concatenate([rows, columns, ops.stack(singles, axis=1)], axis=1)


def _strokes_along(line):
    """Separate strokes met along a line of 0/1 ink: its blank-to-ink steps, divided by 4."""
    starts = line[:, 0] + ops.sum(ops.relu(line[:, 1:] - line[:, :-1]), axis=1)
    return starts / 4.0  # rarely more than 4, so the feature stays near [0, 1]


# Models.
def circle_classifier(hidden_units=0, squared_inputs=False, hidden_activation="relu", learning_rate=0.05):
    """A compiled binary classifier of (x1, x2) points: logistic regression or a small MLP.

    Args:
        hidden_units: width of a hidden layer; 0 for logistic regression (one sigmoid neuron).
        squared_inputs: feed the model the hand-made features (x1^2, x2^2) instead of (x1, x2);
            they are computed inside, so the model still takes raw points.
        hidden_activation: the hidden layer's activation.
        learning_rate: Adam's step size.

    Returns:
        A `keras.Model` compiled with Adam, binary cross-entropy and accuracy.

    Example:
        >>> model = circle_classifier(squared_inputs=True)
        >>> (x, y), validation = datasets.circles()
        >>> model.fit(x, y, epochs=400, batch_size=len(x), validation_data=validation, verbose=0)
    """
    inputs = keras.Input(shape=(2,), name="points")
    features = Squares(name="squares")(inputs) if squared_inputs else inputs
    if hidden_units:
        features = keras.layers.Dense(hidden_units, activation=hidden_activation, name="hidden")(features)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="output")(features)
    model = keras.Model(inputs, outputs, name="circle_classifier")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _compile_digit_classifier(model, learning_rate):
    """Compiles a ten-way digit classifier with Adam, cross-entropy and accuracy."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def dense_digit_classifier(handmade_features=True, hidden_units=0, hidden_activation="relu", learning_rate=0.01):
    """A compiled dense classifier of 8x8 digits: softmax regression or a small MLP.

    Args:
        handmade_features: feed the model the lesson's 24 hand-made features (computed inside
            by a fixed layer called `features`) instead of the 64 raw pixels.
        hidden_units: width of a hidden layer; 0 for softmax regression (a linear model).
        hidden_activation: the hidden layer's activation.
        learning_rate: Adam's step size.

    Returns:
        A `keras.Model` from 64 flat pixels in [0, 1] to ten class probabilities.

    Example:
        >>> model = dense_digit_classifier(handmade_features=True)
        >>> (x, y), (x_val, y_val) = datasets.digits(validation_points=500)
        >>> model.fit(x, y, epochs=20, validation_data=(x_val, y_val), verbose=0)
    """
    inputs = keras.Input(shape=(64,), name="pixels")
    features = DigitFeatures(name="features")(inputs) if handmade_features else inputs
    if hidden_units:
        features = keras.layers.Dense(hidden_units, activation=hidden_activation, name="hidden")(features)
    outputs = keras.layers.Dense(10, activation="softmax", name="output")(features)
    model = keras.Model(inputs, outputs, name="dense_digit_classifier")
    return _compile_digit_classifier(model, learning_rate)


def digit_cnn(filters=8, learning_rate=0.01):
    """A compiled small CNN for 8x8 digits: learned 5x5 filters, pooling, softmax.

    Args:
        filters: how many 5x5 filters the convolution learns.
        learning_rate: Adam's step size.

    Returns:
        A `keras.Model` from 64 flat pixels in [0, 1] to ten class probabilities; its
        convolution layer is called `conv`.

    Example:
        >>> model = digit_cnn(filters=8)
        >>> (x, y), (x_val, y_val) = datasets.digits(validation_points=500)
        >>> model.fit(x, y, epochs=20, validation_data=(x_val, y_val), verbose=0)
    """
    inputs = keras.Input(shape=(64,), name="pixels")
    images = keras.layers.Reshape((8, 8, 1), name="image")(inputs)
    maps = keras.layers.Conv2D(filters, 5, padding="same", activation="relu", name="conv")(images)
    pooled = keras.layers.MaxPooling2D(2, name="pool")(maps)
    flat = keras.layers.Flatten(name="flatten")(pooled)
    outputs = keras.layers.Dense(10, activation="softmax", name="output")(flat)
    model = keras.Model(inputs, outputs, name="digit_cnn")
    return _compile_digit_classifier(model, learning_rate)


FACTORIES = (circle_classifier, dense_digit_classifier, digit_cnn)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Model(Variant):
    """One model on one data set: which data, which kind of model, and what it is fed."""

    data: str  # "circles" or "digits" (`datasets.circles`, `datasets.digits`)
    model: str  # "linear", "mlp" or "cnn"
    inputs: str  # "raw", or the hand-made features: "squares" (circles), "handmade" (digits)


def variants(config):
    """Three circle models, and four digit models that separate features from model class.

    On digits, the two questions "hand-made or raw/learned features?" and "linear or
    non-linear model?" each get a pair that differs in one of them only.
    """
    return [
        Model(name="circles-linear_raw", data="circles", model="linear", inputs="raw"),
        Model(name="circles-linear_squares", data="circles", model="linear", inputs="squares"),
        Model(name="circles-mlp_raw", data="circles", model="mlp", inputs="raw"),
        Model(name="digits-linear_handmade", data="digits", model="linear", inputs="handmade"),
        Model(name="digits-linear_raw", data="digits", model="linear", inputs="raw"),
        Model(name="digits-mlp_handmade", data="digits", model="mlp", inputs="handmade"),
        Model(name="digits-cnn_raw", data="digits", model="cnn", inputs="raw"),
    ]


# Training.
PROBE_SIZE = 64  # the first training examples, on which the activation and gradient scalars are measured


def train(config, variant, log_dir):
    """Trains one variant with its pictures; returns its accuracies and what the text reports."""
    if variant.data == "circles":
        return _train_circles(config, variant, log_dir)
    return _train_digits(config, variant, log_dir)


def _train_circles(config, variant, log_dir):
    """A circle model with decision-boundary pictures and pictures of its feature units."""
    (x, y), (x_val, y_val) = datasets.circles(
        config.circle_points, config.circle_points, config.circle_noise, config.seed
    )
    squared = variant.inputs == "squares"
    mlp = variant.model == "mlp"
    model = circle_classifier(
        hidden_units=config.hidden_units if mlp else 0,
        squared_inputs=squared,
        hidden_activation=config.hidden_activation,
        learning_rate=config.circle_learning_rate,
    )
    extent = default_extent(x, margin=0.1)
    # A share of the points is enough to show where the circles lie; all of them hide the colours.
    shown = slice(0, 150)
    pictures = [DecisionBoundaryImages(log_dir, x[shown], y[shown], extent=extent)]
    if squared or mlp:
        pictures.append(HiddenUnitImages(log_dir, "squares" if squared else "hidden", extent))
    if mlp:
        pictures.append(NetworkMap(log_dir, x[shown], y[shown], extent=extent))
    fit(model, x, y, log_dir=log_dir, epochs=config.circle_epochs, log_every=config.circle_log_every,
        validation_data=(x_val, y_val), probe_size=PROBE_SIZE, callbacks=pictures, seed=config.seed)
    metrics = {
        "train_accuracy": _binary_accuracy(model, x, y),
        "val_accuracy": _binary_accuracy(model, x_val, y_val),
    }
    if mlp:
        # Silent on every training point, and on the probe batch that `dead_share/hidden` uses.
        metrics["dead_units"] = round(dead_share(model, "hidden", x) * config.hidden_units)
        metrics["probe_dead_units"] = round(dead_share(model, "hidden", x[:PROBE_SIZE]) * config.hidden_units)
    return metrics


def digit_data(config):
    """The shuffled digits in three parts: ((x, y) training, validation, test)."""
    held_out = config.test_digits + config.validation_digits
    (x, y), (x_held, y_held) = datasets.digits(held_out, config.seed)
    test = x_held[: config.test_digits], y_held[: config.test_digits]
    validation = x_held[config.test_digits :], y_held[config.test_digits :]
    return (x, y), validation, test


def _train_digits(config, variant, log_dir):
    """A digit model trained until its validation loss stops falling, its best weights kept."""
    (x, y), (x_val, y_val), (x_test, y_test) = digit_data(config)
    pictures = []
    if variant.model == "cnn":
        model = digit_cnn(config.cnn_filters, config.digit_learning_rate)
        pictures.append(FilterImages(log_dir, "conv"))
    else:
        model = dense_digit_classifier(
            handmade_features=variant.inputs == "handmade",
            hidden_units=config.digit_hidden_units if variant.model == "mlp" else 0,
            hidden_activation=config.hidden_activation,
            learning_rate=config.digit_learning_rate,
        )
    metrics = {}
    if variant.model == "mlp":
        metrics["dead_share_start"] = dead_share(model, "hidden", x)
    if variant.model == "cnn":
        metrics["largest_filter_weight_start"] = _largest_weight(model, "conv")
    # The same rule for every digit model: stop once the validation loss has not fallen for
    # `digit_patience` passes, and go back to the weights of its lowest point.
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=config.digit_patience // config.digit_log_every, restore_best_weights=True
    )
    history = fit(model, x, y, log_dir=log_dir, epochs=config.digit_epochs, log_every=config.digit_log_every,
                  batch_size=config.digit_batch_size, validation_data=(x_val, y_val),
                  callbacks=[*pictures, stopper], seed=config.seed)
    metrics.update(
        train_accuracy=_class_accuracy(model, x, y),
        val_accuracy=_class_accuracy(model, x_val, y_val),
        test_accuracy=_class_accuracy(model, x_test, y_test),
        best_pass=epoch_step(stopper.best_epoch, config.digit_log_every),
        passes=len(history.epoch) * config.digit_log_every,
    )
    if variant.model == "mlp":
        metrics["dead_share"] = dead_share(model, "hidden", x)
    if variant.model == "cnn":
        metrics["largest_filter_weight"] = _largest_weight(model, "conv")
    return metrics


def dead_share(model, layer_name, x):
    """Share of the layer's ReLU units that output 0 for every example of `x` (dead on them)."""
    layer = model.get_layer(layer_name)
    outputs = np.asarray(keras.Model(model.input, layer.output)(x, training=False))
    return float(np.mean(np.all(outputs <= 0.0, axis=0)))


def _largest_weight(model, layer_name):
    """The largest absolute weight of a layer's kernel."""
    return float(np.max(np.abs(np.asarray(model.get_layer(layer_name).kernel))))


def _binary_accuracy(model, x, y):
    """Share of points whose sigmoid output falls on the side of 0.5 of their label."""
    return float(np.mean((np.asarray(model(x, training=False)) > 0.5) == (y > 0.5)))


def _class_accuracy(model, x, y):
    """Share of examples whose most probable class is their label."""
    return float(np.mean(np.argmax(np.asarray(model(x, training=False)), axis=1) == y))


# The claim.
def scores(results):
    """Each variant's score by name: validation accuracy on circles, test accuracy on digits."""
    return {
        variant.name: metrics["val_accuracy" if variant.data == "circles" else "test_accuracy"]
        for variant, metrics in results.items()
    }


def _metric(results, name, metric):
    """One metric of the variant called `name`."""
    (value,) = [metrics[metric] for variant, metrics in results.items() if variant.name == name]
    return value


def check(config, results):
    """Circles: raw linear <= 60 %, squares and hidden-layer net >= 95 %. Digits: four comparisons."""
    score = scores(results)
    circles = (
        score["circles-linear_raw"] <= 0.60
        and score["circles-linear_squares"] >= 0.95
        and score["circles-mlp_raw"] >= 0.95
    )
    linear_handmade = score["digits-linear_handmade"]
    linear_raw = score["digits-linear_raw"]
    mlp_handmade = score["digits-mlp_handmade"]
    cnn_raw = score["digits-cnn_raw"]
    digits = (
        cnn_raw > linear_handmade  # the original, confounded comparison
        and linear_raw > linear_handmade  # same linear model: the features lose information
        and mlp_handmade < linear_raw  # a non-linear model on them does not win it back
        and cnn_raw > linear_raw  # same raw pixels: learned filters add to a linear model
    )
    # Run names and their accuracies: the same in every language.
    circle_part = ", ".join(f"{name} {value:.1%}" for name, value in score.items() if name.startswith("circles"))
    digit_part = ", ".join(f"{name} {value:.1%}" for name, value in score.items() if name.startswith("digits"))
    # Differences of accuracies in percentage points, with their signs.
    explanation = _(
        "Validation accuracy: {circles}. Test accuracy: {digits}. On digits, the same softmax regression "
        "gains {raw_gain:+.1f} points from hand-made features to raw pixels; on the hand-made features a "
        "net with a hidden layer gains {net_gain:+.1f} points over it and ends {net_against_raw:+.1f} points "
        "against softmax regression on raw pixels; on raw pixels the CNN gains {cnn_gain:+.1f} points over "
        "softmax regression."
    ).format(
        circles=circle_part,
        digits=digit_part,
        raw_gain=100 * (linear_raw - linear_handmade),
        net_gain=100 * (mlp_handmade - linear_handmade),
        net_against_raw=100 * (mlp_handmade - linear_raw),
        cnn_gain=100 * (cnn_raw - linear_raw),
    )
    return Verdict(holds=circles and digits, numbers=score, explanation=explanation)


def text_numbers(config, results):
    """The run's numbers the lesson text (dlintro/texts/en/features.md) fills in, by name."""
    score = scores(results)

    def points(better, worse):
        return round(100 * (score[better] - score[worse]), 1)

    passes = {name: _metric(results, name, "best_pass") for name in score if name.startswith("digits")}
    return {
        "circle_raw": score["circles-linear_raw"],
        "circle_squares": score["circles-linear_squares"],
        "circle_net": score["circles-mlp_raw"],
        "circle_units": config.hidden_units,
        "circle_dead_units": _metric(results, "circles-mlp_raw", "dead_units"),
        "circle_probe_dead_units": _metric(results, "circles-mlp_raw", "probe_dead_units"),
        "probe_size": PROBE_SIZE,
        "hand_linear": score["digits-linear_handmade"],
        "raw_linear": score["digits-linear_raw"],
        "hand_net": score["digits-mlp_handmade"],
        "cnn": score["digits-cnn_raw"],
        "raw_gain": points("digits-linear_raw", "digits-linear_handmade"),
        "hand_net_gain": points("digits-mlp_handmade", "digits-linear_handmade"),
        "hand_net_behind": points("digits-linear_raw", "digits-mlp_handmade"),
        "cnn_gain": points("digits-cnn_raw", "digits-linear_raw"),
        "cnn_lead": points("digits-cnn_raw", "digits-linear_handmade"),
        "hand_net_train": _metric(results, "digits-mlp_handmade", "train_accuracy"),
        "hand_net_units": config.digit_hidden_units,
        "hand_net_dead": _metric(results, "digits-mlp_handmade", "dead_share"),
        "hand_net_dead_start": _metric(results, "digits-mlp_handmade", "dead_share_start"),
        "patience": config.digit_patience,
        "fewest_passes": min(passes.values()),
        "most_passes": max(passes.values()),
        "hand_linear_passes": passes["digits-linear_handmade"],
        "filter_start": _metric(results, "digits-cnn_raw", "largest_filter_weight_start"),
        "filter_end": _metric(results, "digits-cnn_raw", "largest_filter_weight"),
        "train_digits": DIGIT_COUNT - config.test_digits - config.validation_digits,
        "validation_digits": config.validation_digits,
        "test_digits": config.test_digits,
    }


# Exercises: predict, run, check.
def _percentages(results):
    return ", ".join(f"{variant.name} {metrics['val_accuracy']:.1%}" for variant, metrics in results.items())


def _validation_accuracies(results):
    return {variant.name: metrics["val_accuracy"] for variant, metrics in results.items()}


def _check_two_units(config, results):
    accuracy = _metric(results, "circles-mlp_raw", "val_accuracy")
    explanation = _("Validation accuracy with {units} hidden units: {accuracies} (below 90 % expected).").format(
        units=config.hidden_units, accuracies=_percentages(results))
    return Verdict(accuracy < 0.90, _validation_accuracies(results), explanation)


# The rings' radii (`datasets.circles`); the circle halfway between them is the natural border.
HALFWAY_RADIUS = 0.75


def halfway_circle_accuracy(config):
    """Share of the validation circles a fixed border at radius 0.75 gets right (inside: class 1)."""
    unused, (x_val, y_val) = datasets.circles(config.circle_points, config.circle_points, config.circle_noise, config.seed)
    inside = np.hypot(x_val[:, 0], x_val[:, 1]) < HALFWAY_RADIUS
    return float(np.mean(inside == (y_val[:, 0] > 0.5)))


def _check_noisy(config, results):
    accuracy = _validation_accuracies(results)
    raw = accuracy["circles-linear_raw"]
    rescued = [accuracy["circles-linear_squares"], accuracy["circles-mlp_raw"]]
    holds = all(value < 0.90 and value >= raw + 0.2 for value in rescued)
    halfway = halfway_circle_accuracy(config)
    numbers = {**accuracy, "halfway_circle": halfway}
    explanation = _(
        "Validation accuracy at noise {noise:g}: {accuracies}; a circle of radius {radius} drawn by hand, "
        "halfway between the rings, gets {halfway:.1%} of the same points (the squared features and the "
        "hidden-layer net below 90 % and at least 20 points above the raw linear model expected)."
    ).format(noise=config.circle_noise, accuracies=_percentages(results), radius=HALFWAY_RADIUS, halfway=halfway)
    return Verdict(holds, numbers, explanation)


def _check_linear_hidden(config, results):
    accuracy = _metric(results, "circles-mlp_raw", "val_accuracy")
    explanation = _(
        "Validation accuracy with a linear activation in the hidden layer: {accuracies} "
        "(at or below 60 %, like one neuron on raw (x1, x2), expected)."
    ).format(accuracies=_percentages(results))
    return Verdict(accuracy <= 0.60, _validation_accuracies(results), explanation)


EXERCISES = (
    Exercise(
        name="two_units",
        question=N_("With 2 hidden ReLU units instead of 8, can the net on raw (x1, x2) still reach 90 % on the circles?"),
        changes={"hidden_units": 2},
        keep=lambda variant: variant.data == "circles" and variant.model == "mlp",
        expected=N_("No: its validation accuracy stays below 90 %."),
        check=_check_two_units,
        explanation=N_(
            "Each hidden ReLU unit is silent on one side of a straight line and a ramp on the "
            "other; the output adds the ramps to a constant and cuts the sum at one level. Two "
            "lines cut the plane into at most four pieces, the sum is linear on each, and on the "
            "piece where both units are silent it is the constant alone. Going through the cases "
            "shows that the region called class 1 then always runs off to infinity in some "
            "direction: it cannot be a closed region around the inner ring. Closing one takes at "
            "least three units (a triangle). The best two units can do is a wedge or a band that "
            "holds the inner ring and part of the outer one. Look at `decision_boundary`: the "
            "border stays open."
        ),
    ),
    Exercise(
        name="noisy_circles",
        question=N_(
            "With noise 0.25 instead of 0.1 the rings (radius 0.5 and 1) blur into each other: many "
            "points land closer to the other ring than to their own. Do the squared features and "
            "the hidden-layer net still reach 90 %, and do they still beat the raw linear model?"
        ),
        changes={"circle_noise": 0.25},
        keep=lambda variant: variant.data == "circles",
        expected=N_(
            "They stay below 90 % on validation, but still at least 20 points above the linear "
            "model on raw (x1, x2)."
        ),
        check=_check_noisy,
        explanation=N_(
            "The best border is still a circle between the rings, near radius 0.75, a quarter "
            "away from each ring. Noise of standard deviation 0.25 pushes about one point in six "
            "at least that far towards the other ring, past any such border, and no model can get "
            "those points right: the limit is in the data, not in the features. The circle of "
            "radius 0.75 drawn by hand, which needs no training, does about as well as the two "
            "trained models (the verdict gives its accuracy), and the raw linear model still "
            "stays near chance: the features still do their job."
        ),
        quick={"circle_epochs": 200, "circle_log_every": 100},
    ),
    Exercise(
        name="linear_hidden",
        question=N_(
            "With a linear activation in the hidden layer (each of the 8 units passes on its "
            "weighted sum unchanged), does the net on raw (x1, x2) still reach 95 % on the circles?"
        ),
        changes={"hidden_activation": "linear"},
        keep=lambda variant: variant.data == "circles" and variant.model == "mlp",
        expected=N_("No: it stays at or below 60 %, near chance, like one neuron on raw (x1, x2)."),
        check=_check_linear_hidden,
        explanation=N_(
            "A linear unit's output is a weighted sum of x1 and x2 plus a bias, so every feature "
            "the hidden layer makes is a tilted plane over the input plane, and the output unit "
            "adds tilted planes into one more tilted plane. Its border, where that sum crosses "
            "one level, is a straight line, as for one neuron on (x1, x2): the hidden layer "
            "learned no new feature. The ReLU's bend (silent on one side of a line) is what lets "
            "the units build a closed border. Look at `hidden_units/hidden`: the tiles are smooth "
            "ramps from blue to orange, with no silent side."
        ),
        quick={"circle_epochs": 200, "circle_log_every": 100},
    ),
)
