"""Lesson hebbian: Pavlov's dog as one neuron; pairing bell and food makes the bell alone fire it, by a Hebbian rule.

Its text (idea, what to look at, going deeper, terms) is in `dlintro/texts/en/hebbian.md`.
"""

import dataclasses
import math
from typing import Annotated

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary

from dlintro import datasets, texts
from dlintro.config import ConfigError, LessonConfig, Range
from dlintro.exercises import Exercise
from dlintro.i18n import N_, _
from dlintro.rules import RuleLearner, step
from dlintro.runs import Variant, Verdict
from dlintro.training import LoopLog
from dlintro.views import View

TITLE = N_("hebbian: Pavlov's dog as one neuron; pairing bell and food makes the bell alone fire it")
CLAIM = N_(
    "Before conditioning the bell alone does not fire the neuron; after the paired bell-and-food "
    "trials it does, with weights changed only by a Hebbian rule (Grossberg's instar rule, "
    "change = rate * post * (pre - weight)), no gradient. Without "
    "the pairing (food alone, or bell alone) the bell still does not fire it."
)


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    trials: Annotated[int, Range(1, 100_000)] = 30  # conditioning trials, one weight update each
    learning_rate: Annotated[float, Range(0, 1, open_low=True)] = 0.1  # instar rule's step: how far a firing trial moves a weight towards its input
    food_weight: Annotated[float, Range(0, 10)] = 1.0  # food-to-saliva connection at the start
    bell_weight: Annotated[float, Range(0, 10)] = 0.1  # bell-to-saliva connection at the start
    threshold: Annotated[float, Range(0, 10, open_low=True)] = 0.5  # drive at which the neuron fires
    extinction_trials: Annotated[int, Range(0, 100_000)] = 0  # bell-only trials after the conditioning trials

    def __post_init__(self):
        super().__post_init__()
        if not self.bell_weight < self.threshold <= self.food_weight:
            raise ConfigError(_(
                "the experiment needs bell_weight < threshold <= food_weight (the bell too weak "
                "to fire the neuron, the food strong enough); got bell_weight {bell_weight}, "
                "threshold {threshold}, food_weight {food_weight}"
            ).format(bell_weight=self.bell_weight, threshold=self.threshold, food_weight=self.food_weight))


# A brief run that still shows the phenomenon, for the tests.
QUICK = Config(trials=10)

# The TensorBoard views that tell the story (`make screenshots`, links after a run).
VIEWS = (
    View("hebbian-weights", N_("The bell and food connections over the trials: the bell's grows only when it rings with food, and decays when food comes without it."),
         tag_filter="^weights/(bell|food)$", shows=("weights/bell", "weights/food")),
    View("hebbian-bell-alone", N_("The bell alone: its drive against the threshold, and whether the neuron fires."),
         tag_filter="^(response/bell_alone|response/threshold|fires/bell_alone)$", shows=("response/bell_alone",)),
)

# Data: a stimulus is (food, bell), each 1 when present; a schedule repeats one stimulus trial
# after trial (`datasets.conditioning`, `datasets.stimulus`).
BELL_ALONE = datasets.stimulus("bell")
FOOD_ALONE = datasets.stimulus("food")


# Model.
@keras.saving.register_keras_serializable(package="dlintro")
class HebbianNeuron(RuleLearner):
    """A two-input neuron that fires at a threshold and learns by a Hebbian rule, not by gradients.

    Its layer `synapses` is a bias-free `Dense(1)` whose kernel holds the two connection
    strengths; they are not trainable in Keras's sense. The output is 1 where the drive
    (weighted sum) reaches `threshold`, else 0. `train_step` needs no targets: for a batch of
    stimuli it applies Grossberg's instar rule, averaged over the batch:
    `weights += learning_rate * post * (pre - weights)`, where `pre` is the stimulus and
    `post` the neuron's output (0 or 1). The first term is Hebb's (pre times post); the second
    is a decay that acts only when the neuron fires and keeps the weights bounded: a firing
    trial moves each weight towards its input, 0 or 1, and for `learning_rate` up to 1 never
    past it. With a 0/1 output this equals Oja's formula `post * (pre - post * weights)`,
    which was written for a linear neuron.

    Args:
        initial_weights: the connection strengths at the start, one per input.
        threshold: the drive at which the neuron fires.
        learning_rate: the fraction of the way to its input that a weight moves on a trial
            when the neuron fires.
    """

    def __init__(self, initial_weights=(1.0, 0.1), threshold=0.5, learning_rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.initial_weights = tuple(float(w) for w in initial_weights)
        self.threshold = float(threshold)
        self.learning_rate = float(learning_rate)
        self.synapses = keras.layers.Dense(
            1,
            use_bias=False,
            trainable=False,
            kernel_initializer=keras.initializers.Constant(np.reshape(self.initial_weights, (-1, 1))),
            name="synapses",
        )

    def build(self, input_shape):
        self.synapses.build(input_shape)

    def drive(self, stimuli):
        """The weighted sum of the inputs, before the threshold."""
        return self.synapses(stimuli)

    def call(self, stimuli):
        return step(self.drive(stimuli) - self.threshold)

    def train_step(self, data):
        stimuli = keras.utils.unpack_x_y_sample_weight(data)[0]
        post = self(stimuli)  # (batch, 1): 1 where the neuron fired
        pre = stimuli  # (batch, inputs)
        weights = ops.transpose(self.synapses.kernel)  # (1, inputs)
        # Hebb's term post * pre, and a decay post * weights that only a firing trial applies.
        change = ops.mean(post * (pre - weights), axis=0)
        self.synapses.kernel.assign_add(self.learning_rate * ops.reshape(change, (-1, 1)))
        return {"fired": ops.mean(post)}

    def get_config(self):
        return {
            **super().get_config(),
            "initial_weights": self.initial_weights,
            "threshold": self.threshold,
            "learning_rate": self.learning_rate,
        }


def hebbian_neuron(food_weight=1.0, bell_weight=0.1, threshold=0.5, learning_rate=0.1):
    """A compiled Pavlov neuron: inputs (food, bell), output 1 when it fires (salivates).

    Args:
        food_weight: the food connection's strength at the start.
        bell_weight: the bell connection's strength at the start.
        threshold: the drive at which the neuron fires.
        learning_rate: the fraction of the way to its input that a weight moves on a trial
            when the neuron fires.

    Returns:
        A built, compiled `HebbianNeuron`. `fit`/`train_on_batch` take stimuli and no targets.

    Example:
        >>> dog = hebbian_neuron()
        >>> bell = datasets.stimulus("bell")
        >>> dog.predict(bell, verbose=0)  # [[0.]]: the bell alone does nothing yet
        >>> dog.fit(datasets.conditioning("paired", trials=30), batch_size=1, epochs=1, verbose=0)
        >>> dog.predict(bell, verbose=0)  # [[1.]]: now it does
    """
    model = HebbianNeuron(
        initial_weights=(food_weight, bell_weight),
        threshold=threshold,
        learning_rate=learning_rate,
        name="pavlov_neuron",
    )
    model.build((None, 2))
    # No optimizer and no loss: the instar rule in `train_step` is the whole of learning.
    model.compile(optimizer=None)
    return model


FACTORIES = (hebbian_neuron,)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Conditioning(Variant):
    """One conditioning experiment: which stimulus the trials present."""

    schedule: str  # the data: "paired", "food_only" or "bell_only" (`datasets.conditioning`)


def variants(config):
    """Bell with food, food alone, and bell alone, on the same starting neuron."""
    return [Conditioning(name=schedule, schedule=schedule) for schedule in datasets.SCHEDULES]


# Training.
def _chart(title, tags):
    """One Custom Scalars chart that draws several tags together."""
    return layout_pb2.Chart(title=title, multiline=layout_pb2.MultilineChartContent(tag=tags))


def conditioning_layout():
    """Custom Scalars: both connections in one chart, the bell against the threshold in another."""
    charts = [
        _chart(_("Connection strengths (food, bell)"), [r"weights/.*"]),
        _chart(_("Bell alone against the firing threshold"), [r"response/bell_alone", r"response/threshold"]),
    ]
    return layout_pb2.Layout(category=[layout_pb2.Category(title=_("Conditioning"), chart=charts)])


def _trial_values(model, stimulus):
    """The weights and the responses to log after a trial, by tag."""
    food_weight, bell_weight = (float(w) for w in np.asarray(model.synapses.kernel).ravel())
    probes = np.concatenate([BELL_ALONE, FOOD_ALONE, stimulus])
    bell_drive, food_drive, trial_drive = (float(d) for d in np.asarray(model.drive(probes)).ravel())
    return {
        "weights/food": food_weight,
        "weights/bell": bell_weight,
        "response/bell_alone": bell_drive,
        "response/food_alone": food_drive,
        "response/trial": trial_drive,
        "response/threshold": model.threshold,
        "fires/bell_alone": float(bell_drive >= model.threshold),
    }


def _schedule(config, variant):
    """The variant's conditioning trials, then `config.extinction_trials` trials of the bell alone."""
    conditioning = datasets.conditioning(variant.schedule, config.trials)
    extinction = datasets.conditioning("bell_only", config.extinction_trials)
    return np.concatenate([conditioning, extinction])


def _bell_drive(model):
    return float(np.asarray(model.drive(BELL_ALONE))[0, 0])


def train(config, variant, log_dir):
    """Presents the variant's stimuli trial after trial; logs weights and responses per trial."""
    model = hebbian_neuron(
        food_weight=config.food_weight,
        bell_weight=config.bell_weight,
        threshold=config.threshold,
        learning_rate=config.learning_rate,
    )
    trials = _schedule(config, variant)
    bell_before = _bell_drive(model)
    bell_conditioned = bell_before
    food_conditioned = config.food_weight
    first_firing = -1  # the first trial after which the bell alone fires; -1: none did
    with LoopLog(log_dir) as log:
        tf.summary.experimental.write_raw_pb(
            custom_scalar_summary.pb(conditioning_layout()).SerializeToString(), step=0
        )
        log.scalars(0, _trial_values(model, trials[:1]))  # step 0: the untrained dog
        for trial in range(1, len(trials) + 1):
            stimulus = trials[trial - 1 : trial]
            model.train_on_batch(stimulus)
            values = _trial_values(model, stimulus)
            log.scalars(trial, values)
            if first_firing < 0 and values["fires/bell_alone"]:
                first_firing = trial
            if trial == config.trials:
                bell_conditioned = values["response/bell_alone"]
                food_conditioned = values["weights/food"]
    food_weight, bell_weight = np.asarray(model.synapses.kernel).ravel()
    bell_after = _bell_drive(model)
    food_after = float(np.asarray(model.drive(FOOD_ALONE))[0, 0])
    return {
        "food_weight": float(food_weight),
        "bell_weight": float(bell_weight),
        "bell_response_before": bell_before,
        "bell_response_after": bell_after,
        "bell_fires_before": float(bell_before >= config.threshold),
        "bell_fires_after": float(bell_after >= config.threshold),
        "bell_response_conditioned": bell_conditioned,
        "food_weight_conditioned": food_conditioned,
        "bell_first_fires_at_trial": first_firing,
        "food_fires_after": float(food_after >= config.threshold),
    }


# The claim.
def check(config, results):
    """Paired: the bell alone silent before, firing after; the controls: silent after."""
    numbers = {}
    for variant, metrics in results.items():
        numbers[f"{variant.name}/bell_response_before"] = metrics["bell_response_before"]
        numbers[f"{variant.name}/bell_response_after"] = metrics["bell_response_after"]
    paired = [metrics for variant, metrics in results.items() if variant.schedule == "paired"]
    controls = [metrics for variant, metrics in results.items() if variant.schedule != "paired"]
    holds = (
        bool(paired)
        and all(m["bell_fires_before"] == 0.0 and m["bell_fires_after"] == 1.0 for m in paired)
        and all(m["bell_fires_after"] == 0.0 for m in controls)
    )
    runs = ", ".join(
        (_("{run} {before:.3f} -> {after:.3f} (fires)") if m["bell_fires_after"]
         else _("{run} {before:.3f} -> {after:.3f} (silent)")).format(
            run=variant.name, before=m["bell_response_before"], after=m["bell_response_after"])
        for variant, m in results.items()
    )
    if config.extinction_trials:
        explanation = _(
            "Threshold {threshold:g}. Bell alone after {trials} trials and {extinction_trials} bell-only "
            "trials: {runs}."
        ).format(threshold=config.threshold, trials=config.trials, extinction_trials=config.extinction_trials, runs=runs)
    else:
        explanation = _("Threshold {threshold:g}. Bell alone after {trials} trials: {runs}.").format(
            threshold=config.threshold, trials=config.trials, runs=runs)
    return Verdict(holds=holds, numbers=numbers, explanation=explanation)


def food_silenced_after(config, food_weight):
    """How many bell-only trials after conditioning silence the food alone, in closed form.

    Once the bell alone fires the neuron, every bell-only trial fires it with the food absent,
    so the food's weight decays by the factor `1 - rate` per trial: the food alone falls silent
    at the first k with `food_weight * (1 - rate)^k < threshold`.
    """
    if config.learning_rate >= 1.0:
        return 1  # one firing trial moves the absent food's weight all the way to 0
    return math.floor(math.log(config.threshold / food_weight) / math.log(1.0 - config.learning_rate)) + 1


def text_numbers(config, results):
    """The run's numbers the lesson text (dlintro/texts/en/hebbian.md) fills in, by name."""
    by_schedule = {variant.schedule: metrics for variant, metrics in results.items()}
    paired = by_schedule["paired"]
    numbers = {
        "trials": config.trials,
        "learning_rate": config.learning_rate,
        "threshold": config.threshold,
        "start_food_weight": config.food_weight,
        "start_bell_weight": config.bell_weight,
        # The trial after which the bell alone first fires; a dash when none of them did.
        "paired_first_fires": paired["bell_first_fires_at_trial"] if paired["bell_first_fires_at_trial"] > 0 else texts.MISSING,
        "food_silenced_after": food_silenced_after(config, paired["food_weight_conditioned"]),
    }
    # After the conditioning trials (the bell alone's drive is the bell's weight), before any
    # extinction trials.
    for schedule, metrics in by_schedule.items():
        numbers[f"{schedule}_bell_weight"] = metrics["bell_response_conditioned"]
        numbers[f"{schedule}_food_weight"] = metrics["food_weight_conditioned"]
    return numbers


# Exercises: predict, run, check.
def _paired(variant):
    return variant.schedule == "paired"


def first_firing_trial(config):
    """The paired trial after which the bell alone first fires, in closed form.

    Every paired trial fires the neuron (the food alone reaches the threshold), so each one
    moves the bell's weight a fraction `rate` of the way to 1: after n trials
    `1 - w_bell = (1 - w_bell_start) * (1 - rate)^n`. The bell fires once that weight reaches
    the threshold, at the first n with `(1 - rate)^n <= (1 - threshold) / (1 - w_bell_start)`;
    -1 when no n does (a threshold the bell's weight cannot reach).
    """
    if config.threshold > 1.0 or (config.threshold == 1.0 and config.learning_rate < 1.0):
        return -1  # the bell's weight only approaches 1, so it never reaches such a threshold
    if config.learning_rate >= 1.0:
        return 1  # one paired trial moves the bell's weight all the way to 1
    ratio = (1.0 - config.threshold) / (1.0 - config.bell_weight)
    return math.ceil(math.log(ratio) / math.log(1.0 - config.learning_rate))


def _first_firing_text(trial):
    return _("never fires alone") if trial < 0 else _("first fires alone after trial {trial}").format(trial=trial)


def _state(fires):
    """Whether a stimulus fires the neuron, as one word of a verdict."""
    return _("fires") if fires else _("silent")


def _describe(config, results):
    return "; ".join(
        _("{run}: bell alone {before:.3f} at the start, {conditioned:.4f} after the {trials} paired trials, "
          "{after:.4f} at the end ({bell_state}), {first_firing}; food alone at the end {food_state} "
          "(food weight {food_weight:.4f}); threshold {threshold:g}").format(
            run=variant.name, before=m["bell_response_before"], conditioned=m["bell_response_conditioned"],
            trials=config.trials, after=m["bell_response_after"], bell_state=_state(m["bell_fires_after"]),
            first_firing=_first_firing_text(m["bell_first_fires_at_trial"]),
            food_state=_state(m["food_fires_after"]), food_weight=m["food_weight"], threshold=config.threshold)
        for variant, m in results.items()
    ) + "."


def _check_no_extinction(config, results):
    numbers = {}
    for variant, m in results.items():
        for key in ("bell_response_conditioned", "bell_response_after", "bell_fires_after"):
            numbers[f"{variant.name}/{key}"] = m[key]
    holds = all(
        m["bell_fires_after"] == 1.0 and m["bell_response_after"] > m["bell_response_conditioned"]
        for m in results.values()
    )
    return Verdict(holds, numbers, _describe(config, results))


def _check_first_firing(config, results):
    predicted = first_firing_trial(config)
    numbers = {"predicted_first_trial": predicted}
    numbers.update({f"{variant.name}/bell_first_fires_at_trial": m["bell_first_fires_at_trial"]
                    for variant, m in results.items()})
    holds = all(m["bell_first_fires_at_trial"] == predicted for m in results.values())
    explanation = _("Closed form: trial {trial}.").format(trial=predicted) + " " + _describe(config, results)
    return Verdict(holds, numbers, explanation)


EXERCISES = (
    Exercise(
        name="extinction",
        question=N_(
            "After the 30 paired trials, the bell rings 20 more times without food. Does the bell "
            "alone still make the neuron fire at the end?"
        ),
        changes={"extinction_trials": 20},
        keep=_paired,
        expected=N_(
            "Yes: the bell alone still fires the neuron, and its connection is stronger after the "
            "20 bell-only trials than at the end of the pairing."
        ),
        check=_check_no_extinction,
        explanation=N_(
            "Once conditioned, the bell alone fires the neuron, so on every bell-only trial the "
            "pre-synaptic activity (the bell) and the post-synaptic activity (firing) are there "
            "together, and the rule moves the bell's weight further towards 1 (the verdict shows by "
            "how much). What decays is the food's weight, its input absent on those trials: by the "
            "factor 0.9 per trial, 1.0 * 0.9^20 = 0.12 after the 20, so the food alone stops firing "
            "the neuron after the 7th of them (0.9^7 = 0.48, below the threshold 0.5). A real dog "
            "shows extinction: it stops salivating at a bell that no longer brings food. Learning "
            "that needs a signal that the expected food did not come, an error, as in the "
            "Rescorla-Wagner model (1972); this rule has no such signal."
        ),
        quick={"trials": 10},
    ),
    Exercise(
        name="faster_rate",
        question=N_(
            "With the learning rate raised from 0.1 to 0.3, after which paired trial does the bell "
            "alone first fire the neuron (it is the 6th at 0.1)?"
        ),
        changes={"learning_rate": 0.3},
        keep=_paired,
        expected=N_(
            "After the 2nd: the first n with (1 - 0.3)^n <= (1 - 0.5) / (1 - 0.1), and the run "
            "agrees with that closed form."
        ),
        check=_check_first_firing,
        explanation=N_(
            "Every paired trial fires the neuron, so each one closes a fraction `rate` of the bell "
            "weight's gap to 1: after n trials the gap is 0.9 * (1 - rate)^n. The bell fires once "
            "the weight reaches the threshold, that is once the gap is at most 0.5. At rate 0.1 that "
            "takes n >= ln(0.5 / 0.9) / ln(0.9) = 5.6, the 6th trial; at rate 0.3, n >= "
            "ln(0.5 / 0.9) / ln(0.7) = 1.6, the 2nd. The rule does not learn anything different, "
            "only in fewer, bigger steps."
        ),
        quick={"trials": 10},
    ),
    Exercise(
        name="higher_threshold",
        question=N_(
            "With the firing threshold raised from 0.5 to 0.9, does the bell alone come to fire the "
            "neuron within the 30 paired trials, and after which one?"
        ),
        changes={"threshold": 0.9},
        keep=_paired,
        expected=N_(
            "Yes, after the 21st: the first n with (1 - 0.1)^n <= (1 - 0.9) / (1 - 0.1), and the run "
            "agrees with that closed form."
        ),
        check=_check_first_firing,
        explanation=N_(
            "The food alone (weight 1.0) still reaches the raised threshold, so every paired trial "
            "still fires the neuron and moves the bell's weight a tenth of the way to 1. Only the "
            "goal is farther: the bell's weight has to close its gap to 1 from 0.9 to 0.1 instead "
            "of to 0.5, n >= ln(0.1 / 0.9) / ln(0.9) = 20.9 trials, the 21st instead of the 6th. "
            "Because the weight approaches 1 ever more slowly, a threshold just below 1 would take "
            "many more: 0.97 needs 33 trials, more than the 30 of the default run."
        ),
    ),
)
