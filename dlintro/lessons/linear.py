"""Lesson linear: gradient descent finds the two unknowns of four linear equations as a neuron's weights.

Its text (idea, what to look at, going deeper, terms) is in `dlintro/texts/en/linear.md`.
"""

import dataclasses
from typing import Annotated

import keras
import numpy as np

from dlintro import datasets
from dlintro.callbacks import (
    ActivationStatistics,
    GradientStatistics,
    LossSurfacePath,
    TensorBoard,
    WeightScalars,
)
from dlintro.config import LessonConfig, Range
from dlintro.exercises import Exercise
from dlintro.i18n import N_, _
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = N_("linear: a neuron's weights are the unknowns of a set of linear equations")
TOLERANCE = 1e-3
# The claim names TOLERANCE as written (0.001), since a marked message is a literal (tested).
CLAIM = N_(
    "Gradient descent on a bias-free Dense(1) neuron, fed four linear equations in two unknowns, "
    "ends with weights within 0.001 of the least-squares solution (numpy.linalg.lstsq)."
)


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    steps: Annotated[int, Range(1, 100_000)] = 150  # full-batch gradient-descent steps (one per pass)
    learning_rate: Annotated[float, Range(0, 10, open_low=True)] = 0.05  # plain SGD's step size
    log_every: Annotated[int, Range(1, 100_000)] = 10  # steps between pictures and histograms


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(steps=40, log_every=20)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("linear-loss-surface", N_("The loss over (w1, w2) and the path of the weights from the start (black dot) to the least squares answer (star): quickly down to the valley's floor, then slowly along it."),
         dashboard="images", tag_filter="^loss_surface", shows=("loss_surface",), actual_size=True, size=(1300, 900)),
    View("linear-weights", N_("The two weights after every step, from their random starting values to the least squares answer."),
         tag_filter="^weights/", shows=("weights/neuron/w1",)),
)


# Data: the equations' coefficients are the inputs, their right-hand sides the targets
# (`datasets.equations`).
def least_squares_solution():
    """The oracle: (w1, w2) that minimise the summed squared error, from linear algebra."""
    x, y = datasets.equations()
    solution, *unused = np.linalg.lstsq(x.astype(np.float64), y.ravel().astype(np.float64), rcond=None)
    return solution


def loss_hessian():
    """The Hessian of the mean squared error over (w1, w2): `X^T X * 2 / n`, the same everywhere."""
    x, unused = datasets.equations()
    x = x.astype(np.float64)
    return x.T @ x * 2.0 / len(x)


def largest_stable_learning_rate():
    """`2 / lambda_max` of the Hessian: plain gradient descent converges below it, diverges above."""
    return 2.0 / float(np.linalg.eigvalsh(loss_hessian()).max())


def curvature_directions():
    """The bowl's shallow (valley) and steep directions: unit eigenvectors of the Hessian."""
    unused, directions = np.linalg.eigh(loss_hessian())
    return directions[:, 0], directions[:, 1]


# Model.
def linear_neuron(learning_rate=0.05):
    """A compiled neuron that outputs `w1 * x1 + w2 * x2`: no bias, no activation.

    Args:
        learning_rate: step size of plain stochastic gradient descent (no momentum).

    Returns:
        A `keras.Model` compiled with SGD and mean squared error; its only weight is the
        (2, 1) kernel of the layer `neuron`.

    Example:
        >>> model = linear_neuron(learning_rate=0.05)
        >>> x, y = datasets.equations()
        >>> model.fit(x, y, batch_size=4, epochs=150, verbose=0)
        >>> model.get_layer("neuron").kernel.numpy().ravel()  # close to least_squares_solution()
    """
    inputs = keras.Input(shape=(2,), name="coefficients")
    outputs = keras.layers.Dense(1, use_bias=False, name="neuron")(inputs)
    model = keras.Model(inputs, outputs, name="linear_neuron")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mean_squared_error")
    return model


FACTORIES = (linear_neuron,)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Descent(Variant):
    """Gradient descent on a set of equations: the data it solves (`datasets.load`)."""

    data: str  # the data set's name: "equations"


def variants(config):
    """One run: plain gradient descent from a random start."""
    return [Descent(name="gradient_descent", data="equations")]


# Training.
def train(config, variant, log_dir):
    """Runs full-batch gradient descent, logging both weights after every step and the path."""
    x, y = datasets.load(variant.data)
    solution = least_squares_solution()
    model = linear_neuron(learning_rate=config.learning_rate)
    start = model.get_layer("neuron").kernel.numpy().ravel()
    # One step per Keras epoch (`fit`'s `log_every=1`), so that the weights and the loss can be
    # read after every step. The histograms and pictures, which cost more and change slowly,
    # are drawn only every `config.log_every` steps.
    every = config.log_every
    path = [start.astype(np.float64)]
    record_weights = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: path.append(model.get_layer("neuron").kernel.numpy().ravel().astype(np.float64))
    )
    callbacks = [
        TensorBoard(log_dir, histogram_freq=every),
        ActivationStatistics(log_dir, x, every=every),
        GradientStatistics(log_dir, x, y, every=every),
        WeightScalars(log_dir, each_step=True),
        LossSurfacePath(log_dir, x, y, solution=solution, picture_every=every),
        record_weights,
    ]
    fit(model, x, y, log_dir=log_dir, epochs=config.steps, log_every=1, callbacks=callbacks,
        seed=config.seed, report=False)
    weights = model.get_layer("neuron").kernel.numpy().ravel().astype(np.float64)
    residual = x.astype(np.float64) @ weights - y.ravel()
    oracle_residual = x.astype(np.float64) @ solution - y.ravel()
    return {
        "w1": float(weights[0]),
        "w2": float(weights[1]),
        "start_w1": float(start[0]),
        "start_w2": float(start[1]),
        "lstsq_w1": float(solution[0]),
        "lstsq_w2": float(solution[1]),
        "max_error": float(np.max(np.abs(weights - solution))),
        "loss": float(np.mean(residual**2)),
        "lstsq_loss": float(np.mean(oracle_residual**2)),
        **_path_metrics(np.array(path), solution),
    }


# How many of the first steps the overshoot count looks at: few enough that the steep
# direction's error is still far above float32 rounding at any stable learning rate.
OVERSHOOT_WINDOW = 20
# The step at which the text compares the distances across and along the valley.
EARLY_STEP = 5


def loss_gradient(weights):
    """The gradient of the mean squared error at `weights`, by hand: `2 / n * X^T (X w - y)`."""
    x, y = datasets.equations()
    x = x.astype(np.float64)
    return 2.0 / len(x) * x.T @ (x @ np.asarray(weights, np.float64) - y.ravel())


def _path_metrics(path, solution):
    """What the path of the weights says about the two directions of the bowl.

    `start_error`: the start's largest difference from lstsq, per coordinate.
    `across_start`, `across_after_5`, `along_start`, `along_after_5`: the distance to lstsq
    across the valley (the steep direction) and along it (the shallow one), at the start and
    after `EARLY_STEP` steps.
    `valley_share`: the share of the final distance to lstsq that lies along the valley.
    `steep_overshoots`: of the first `OVERSHOOT_WINDOW` steps, how many carried the weights
    across the answer along the steep direction (its error changed sign).
    `gradient_norm_start`, `gradient_norm_end`: the length of the loss's gradient at the
    start and at the end.
    """
    valley, steep = curvature_directions()
    errors = path - solution
    final = errors[-1]
    distance = float(np.linalg.norm(final))
    steep_errors = errors[: OVERSHOOT_WINDOW + 1] @ steep
    early = errors[min(EARLY_STEP, len(errors) - 1)]
    return {
        "start_error": float(np.max(np.abs(errors[0]))),
        "across_start": abs(float(errors[0] @ steep)),
        "across_after_5": abs(float(early @ steep)),
        "along_start": abs(float(errors[0] @ valley)),
        "along_after_5": abs(float(early @ valley)),
        "valley_share": abs(float(final @ valley)) / distance if distance else 0.0,
        "steep_overshoots": int(np.sum(np.sign(steep_errors[1:]) == -np.sign(steep_errors[:-1]))),
        "gradient_norm_start": float(np.linalg.norm(loss_gradient(path[0]))),
        "gradient_norm_end": float(np.linalg.norm(loss_gradient(path[-1]))),
    }


def step_factors(learning_rate):
    """What one step multiplies the distance across and along the valley by: `1 - rate * curvature`."""
    curvatures = np.linalg.eigvalsh(loss_hessian())  # ascending: along the valley, then across
    return 1.0 - learning_rate * float(curvatures[1]), 1.0 - learning_rate * float(curvatures[0])


def text_numbers(config, results):
    """The run's numbers the lesson text (dlintro/texts/en/linear.md) fills in, by name."""
    (metrics,) = results.values()
    across_factor, along_factor = step_factors(config.learning_rate)
    keys = ("start_w1", "start_w2", "w1", "w2", "loss", "max_error", "across_start", "across_after_5",
            "along_start", "along_after_5", "gradient_norm_start", "gradient_norm_end")
    return {
        **{key: metrics[key] for key in keys},
        "steps": config.steps,
        "early_steps": min(EARLY_STEP, config.steps),
        "learning_rate": config.learning_rate,
        "across_factor": across_factor,
        "along_factor": along_factor,
    }


# The claim.
def check(config, results):
    """Every run's weights within TOLERANCE of lstsq's, in each coordinate."""
    numbers = {}
    for variant, metrics in results.items():
        numbers.update({f"{variant.name}/{key}": metrics[key] for key in ("w1", "w2", "max_error")})
    numbers["lstsq_w1"], numbers["lstsq_w2"] = map(float, least_squares_solution())
    holds = all(metrics["max_error"] <= TOLERANCE for metrics in results.values())
    clauses = [
        _("{run}: trained (w1, w2) = ({w1:.5f}, {w2:.5f}) from a random start at ({start_w1:.3f}, "
          "{start_w2:.3f}), largest difference {max_error:.1e}").format(
            run=variant.name, w1=m["w1"], w2=m["w2"], start_w1=m["start_w1"], start_w2=m["start_w2"],
            max_error=m["max_error"])
        for variant, m in results.items()
    ]
    clauses.append(_(
        "lstsq gives ({lstsq_w1:.5f}, {lstsq_w2:.5f}), tolerance {tolerance:g}. Learning rate "
        "{learning_rate:g}; descent on this bowl converges below 2 / lambda_max = {limit:.4f}."
    ).format(lstsq_w1=numbers["lstsq_w1"], lstsq_w2=numbers["lstsq_w2"], tolerance=TOLERANCE,
             learning_rate=config.learning_rate, limit=largest_stable_learning_rate()))
    return Verdict(holds=holds, numbers=numbers, explanation="; ".join(clauses))


# Exercises: predict, run, check.
def _describe(results):
    """The final weights and distances of each run, for an exercise's verdict."""
    return "; ".join(
        _("{run}: (w1, w2) = ({w1:.6g}, {w2:.6g}), largest difference from lstsq {max_error:.2e} (at the "
          "start {start_error:.3g}), share of the remaining distance along the valley {valley_share:.6f}, "
          "jumps to the other side across the valley in the first {window} steps {overshoots}").format(
            run=variant.name, w1=m["w1"], w2=m["w2"], max_error=m["max_error"], start_error=m["start_error"],
            valley_share=m["valley_share"], window=OVERSHOOT_WINDOW, overshoots=m["steep_overshoots"])
        for variant, m in results.items()
    ) + "."


def _numbers(results, keys):
    return {f"{variant.name}/{key}": metrics[key] for variant, metrics in results.items() for key in keys}


def _check_valley_left(config, results):
    holds = all(metrics["valley_share"] > 0.99 for metrics in results.values())
    return Verdict(holds, _numbers(results, ("valley_share", "max_error")), _describe(results))


def _check_zigzag_converges(config, results):
    holds = all(
        metrics["max_error"] <= TOLERANCE and metrics["steep_overshoots"] == min(OVERSHOOT_WINDOW, config.steps)
        for metrics in results.values()
    )
    return Verdict(holds, _numbers(results, ("max_error", "steep_overshoots")), _describe(results))


def _check_runs_away(config, results):
    holds = all(metrics["max_error"] > 1e6 * metrics["start_error"] for metrics in results.values())
    return Verdict(holds, _numbers(results, ("max_error", "start_error")), _describe(results))


EXERCISES = (
    Exercise(
        name="few_steps",
        question=N_(
            "After only 20 steps at the default learning rate, is what is left of the distance to the "
            "least squares answer mostly across the bowl's valley or along it?"
        ),
        changes={"steps": 20},
        expected=N_("Along it: more than 99 % of the remaining distance to the least squares answer lies along the valley."),
        check=_check_valley_left,
        explanation=N_(
            "Each step multiplies the distance across the valley by 1 - 0.05 * 9.11 = 0.54 and the "
            "distance along it by 1 - 0.05 * 1.89 = 0.91 (9.11 and 1.89 are the bowl's curvatures "
            "across and along its valley). After 20 steps the distance across is down to "
            "0.54^20 = 4e-6 of where it started, the distance along only to 0.91^20 = 0.14, so what "
            "is left lies along the valley. The flat direction sets how long descent takes: a long, "
            "flat valley is what makes plain gradient descent slow."
        ),
    ),
    Exercise(
        name="just_below_limit",
        question=N_(
            "The lesson says that below a learning rate of 2 / 9.11 = 0.22 the weights zigzag but "
            "still arrive. At 0.21, just below that limit, do they get within 1e-3 of the least "
            "squares answer in 150 steps, and how do they move across the valley?"
        ),
        changes={"learning_rate": 0.21},
        expected=N_(
            "Yes, within 1e-3 after 150 steps, and across the valley the weights jump to the other "
            "side of the answer at every one of the first 20 steps."
        ),
        check=_check_zigzag_converges,
        explanation=N_(
            "Across the valley one step multiplies the distance by 1 - 0.21 * 9.11 = -0.91: the minus "
            "sign carries the weights to the other side of the answer at every step, and since 0.91 "
            "is below 1 each jump is a little shorter than the last. After 150 steps that factor has "
            "shrunk the distance across to 0.91^150 = 1e-6 of where it started; along the valley "
            "(factor 1 - 0.21 * 1.89 = 0.60) it is gone even sooner. Any learning rate below "
            "2 / 9.11 keeps the factor between -1 and 1, however much the weights zigzag."
        ),
    ),
    Exercise(
        name="above_limit",
        question=N_(
            "At learning rate 0.25, a little above the limit 2 / 9.11 = 0.22, where are the "
            "weights after 150 steps?"
        ),
        changes={"learning_rate": 0.25},
        expected=N_("Far off: more than a million times farther from the least squares answer than they started."),
        check=_check_runs_away,
        explanation=N_(
            "Across the valley one step now multiplies the distance by 1 - 0.25 * 9.11 = -1.28: every "
            "jump to the other side of the answer lands 28 % farther away than the last. After 150 "
            "steps that is 1.28^150 = 9e15 times the start's distance across. The loss is still a "
            "number the computer can hold; at learning rate 0.3 (factor -1.73) it grows past the "
            "largest one within the 150 steps and the run is reported diverged. Along the valley the "
            "same rate still shrinks the distance (factor 0.53): whether descent arrives is decided "
            "by the steepest direction alone."
        ),
    ),
)
