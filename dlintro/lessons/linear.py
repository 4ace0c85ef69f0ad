"""Here are four equations in two unknowns, `w1` and `w2`:

    1 w1 + 2 w2 =  5.0
    2 w1 + 1 w2 =  4.0
    1 w1 - 1 w2 = -1.0
    3 w1 + 1 w2 =  5.6

Four equations and only two unknowns: no pair (w1, w2) satisfies all four exactly (the first
three agree on w1 = 1, w2 = 2, the fourth wants a little more). The best we can do is the
pair that makes the four errors as small as possible together, measured as the mean of their
squares. Linear algebra finds it directly (least squares, `numpy.linalg.lstsq`).

A neuron without a bias computes exactly the left-hand side: it multiplies each input by a
weight and adds the products. Give it the coefficients of each equation as input and the
right-hand side as the target, and its two weights *are* the two unknowns. Training starts
them at random values and moves them, step after step, against the gradient of the mean
squared error, downhill on the loss surface. It never sees the answer, yet it arrives at the
same pair as linear algebra. That is what training is: adjusting the weights so that the
outputs come closer to the targets.

Why descent is sure to get there *here*: the mean squared error of a linear neuron is a
quadratic in the weights, one convex bowl with a single bottom, so downhill always leads to
it, provided each step is small enough. The bowl's curvature is its Hessian, `X^T X / 2` for
the mean over these four equations (`X` holds their coefficients). Its eigenvectors are the
bowl's steep and shallow directions, and its eigenvalues their curvatures: 9.11 along
(0.88, 0.47), where w1 and w2 change together, about 2 to 1; 1.89 along the valley,
(0.47, -0.88), where w1 falls as w2 rises about twice as much. One step of size `lr`
multiplies the distance from the answer along each direction by `1 - lr * curvature`, so
descent converges when `lr` is below `2 / 9.11 = 0.22`, and above it overshoots further at
every step: at learning rate 0.3 the loss overflows to infinity after 77 steps, at 10 after
10, and the run is reported *diverged*. A deep network's loss is no single bowl, and nothing
guarantees that descent on it finds the best weights; recognising a cat in a photo rests on
the same arithmetic (weighted sums, nudged downhill), with millions of weights and no such
guarantee.

**What to look at in TensorBoard**

- *Time Series*: `weights/neuron/w1` and `weights/neuron/w2`, one point per training step:
  both leave their random start and settle on the least-squares values (compare them with the
  numbers in the claim below). At the default step of 0.05 each step removes 45 % of the
  distance along the steep direction (factor 0.54) but only 9 % along the valley (factor
  0.91), so neither weight is "the fast one": in the default run both rise quickly together
  for about five steps (w1 overshoots to 1.53), then both creep along the valley, w1 back down
  to 1.13 while w2 climbs on to 1.97.
- *Time Series*: `train/epoch_loss` falls quickly, then flattens at a floor above zero: the
  equations are not exactly consistent, so no weights make every error vanish.
- *Images*: `loss_surface`, the mean squared error over the (w1, w2) plane with the path of
  the weights drawn on it; drag the step slider to replay the descent from the circle (the
  random start) to the star (the least-squares answer): straight down the steep side of the
  bowl, then a bend and along the floor of the tilted valley.
- *Histograms* and *Custom Scalars*: the neuron's output and the gradient of its kernel on the
  four equations, which shrinks towards zero as the weights reach the bottom of the bowl (in
  the default run its norm falls from about 20 to about 1e-6).
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
from dlintro.runs import Variant, Verdict
from dlintro.training import fit
from dlintro.views import View

TITLE = "linear: a neuron's weights are the unknowns of a set of linear equations"
TOLERANCE = 1e-3
CLAIM = (
    "Gradient descent on a bias-free Dense(1) neuron, fed four linear equations in two unknowns, "
    f"ends with weights within {TOLERANCE:g} of the least-squares solution (numpy.linalg.lstsq)."
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
    View("linear-weights", "The two weights rise together for a few steps, then creep along the valley to the least-squares answer.",
         tag_filter="^weights/", shows=("weights/neuron/w1",)),
    View("linear-loss-surface", "The path of the weights, from the start (circle) down the steep side, then along the valley to the answer (star).",
         dashboard="images", tag_filter="^loss_surface", shows=("loss_surface",), actual_size=True, size=(1300, 900)),
)


# Data: the equations' coefficients are the inputs, their right-hand sides the targets
# (`datasets.equations`).
def least_squares_solution():
    """The oracle: (w1, w2) that minimise the summed squared error, from linear algebra."""
    x, y = datasets.equations()
    solution, *_ = np.linalg.lstsq(x.astype(np.float64), y.ravel().astype(np.float64), rcond=None)
    return solution


def loss_hessian():
    """The Hessian of the mean squared error over (w1, w2): `X^T X * 2 / n`, the same everywhere."""
    x, _ = datasets.equations()
    x = x.astype(np.float64)
    return x.T @ x * 2.0 / len(x)


def largest_stable_learning_rate():
    """`2 / lambda_max` of the Hessian: plain gradient descent converges below it, diverges above."""
    return 2.0 / float(np.linalg.eigvalsh(loss_hessian()).max())


def curvature_directions():
    """The bowl's shallow (valley) and steep directions: unit eigenvectors of the Hessian."""
    _, directions = np.linalg.eigh(loss_hessian())
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


def _path_metrics(path, solution):
    """What the path of the weights says about the two directions of the bowl.

    `start_error`: the start's largest difference from lstsq, per coordinate.
    `valley_share`: the share of the final distance to lstsq that lies along the valley.
    `steep_overshoots`: of the first `OVERSHOOT_WINDOW` steps, how many carried the weights
    across the answer along the steep direction (its error changed sign).
    """
    valley, steep = curvature_directions()
    errors = path - solution
    final = errors[-1]
    distance = float(np.linalg.norm(final))
    steep_errors = errors[: OVERSHOOT_WINDOW + 1] @ steep
    return {
        "start_error": float(np.max(np.abs(errors[0]))),
        "valley_share": abs(float(final @ valley)) / distance if distance else 0.0,
        "steep_overshoots": int(np.sum(np.sign(steep_errors[1:]) == -np.sign(steep_errors[:-1]))),
    }


# The claim.
def check(config, results):
    """Every run's weights within TOLERANCE of lstsq's, in each coordinate."""
    numbers = {}
    for variant, metrics in results.items():
        numbers.update({f"{variant.name}/{key}": metrics[key] for key in ("w1", "w2", "max_error")})
    numbers["lstsq_w1"], numbers["lstsq_w2"] = map(float, least_squares_solution())
    holds = all(metrics["max_error"] <= TOLERANCE for metrics in results.values())
    explanation = "; ".join(
        f"{variant.name}: trained (w1, w2) = ({m['w1']:.5f}, {m['w2']:.5f}) from a random start at "
        f"({m['start_w1']:.3f}, {m['start_w2']:.3f}), largest difference {m['max_error']:.1e}"
        for variant, m in results.items()
    )
    explanation += (
        f"; lstsq gives ({numbers['lstsq_w1']:.5f}, {numbers['lstsq_w2']:.5f}), "
        f"tolerance {TOLERANCE:g}. Learning rate {config.learning_rate:g}; descent on this bowl "
        f"converges below 2 / lambda_max = {largest_stable_learning_rate():.4f}."
    )
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)


# Exercises: predict, run, check.
def _describe(results):
    """The final weights and distances of each run, for an exercise's verdict."""
    return "; ".join(
        f"{variant.name}: (w1, w2) = ({m['w1']:.6g}, {m['w2']:.6g}), largest difference from lstsq "
        f"{m['max_error']:.2e} (at the start {m['start_error']:.3g}), share of the remaining distance "
        f"along the valley {m['valley_share']:.6f}, overshoots along the steep direction in the first "
        f"{OVERSHOOT_WINDOW} steps {m['steep_overshoots']}"
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
        question=(
            "After only 20 steps at the default rate, is what is left of the distance to the "
            "answer mostly along the bowl's steep direction or along its valley?"
        ),
        changes={"steps": 20},
        expected="Along the valley: more than 99 % of the remaining distance to lstsq's answer lies along the valley direction.",
        check=_check_valley_left,
        explanation=(
            "Each step multiplies the error along each of the bowl's directions by 1 - rate * "
            "curvature: along the steep direction (0.88, 0.47), curvature 9.11, by 1 - 0.05 * "
            "9.11 = 0.54; along the valley (0.47, -0.88), curvature 1.89, by 0.91. After 20 steps "
            "the steep part is down to 0.54^20 = 5e-6 of where it started, the valley part only to "
            "0.91^20 = 0.14, so what is left lies along the valley (more than 99.99 % of it in the "
            "runs of seeds 0, 1 and 2). The shallow direction sets how long descent takes: a "
            "long, flat valley is what makes plain gradient descent slow."
        ),
    ),
    Exercise(
        name="just_below_limit",
        question=(
            "Descent on this bowl converges for learning rates below 2 / lambda_max = 0.22. At "
            "0.21, just below the limit, do the weights still get within 1e-3 of the answer in "
            "150 steps, and how do they move along the steep direction?"
        ),
        changes={"learning_rate": 0.21},
        expected=(
            "Yes, within 1e-3 after 150 steps, and along the steep direction the weights jump "
            "across the answer at every one of the first 20 steps."
        ),
        check=_check_zigzag_converges,
        explanation=(
            "Along the steep direction one step multiplies the error by 1 - 0.21 * 9.11 = -0.91: "
            "the minus sign carries the weights to the other side of the answer at every step, and "
            "since 0.91 is below 1 each jump is a little shorter than the last. After 150 steps "
            "that factor has shrunk the error to 0.91^150 = 1e-6 of its start, and along the "
            "valley (factor 1 - 0.21 * 1.89 = 0.60) it is gone even sooner: the runs end about "
            "2e-6 from lstsq's answer. Any rate below 2 / 9.11 keeps the factor's size below 1, "
            "however slowly it zigzags."
        ),
    ),
    Exercise(
        name="above_limit",
        question=(
            "At learning rate 0.25, a little above the limit 2 / lambda_max = 0.22, where are the "
            "weights after 150 steps?"
        ),
        changes={"learning_rate": 0.25},
        expected="Far off: more than a million times farther from lstsq's answer than they started.",
        check=_check_runs_away,
        explanation=(
            "Along the steep direction one step now multiplies the error by 1 - 0.25 * 9.11 = "
            "-1.28: every jump across the answer lands 28 % farther away than the last. After "
            "150 steps that is 1.28^150 = 8e15 times the start's error along that direction, and "
            "the runs end about 1e16 from the answer, with a loss near 1e33 (still finite in "
            "float32; at learning rate 0.3 it overflows after 77 steps and the run is reported "
            "diverged). Along the valley the same rate still converges (factor 0.53): stability "
            "is decided by the steepest direction alone."
        ),
    ),
)
