"""Lesson hebbian by hand: Grossberg's instar rule, one conditioning trial at a time.

`instar_rule` presents each trial's stimulus, sees whether the neuron fires and, if it does,
moves each weight towards its input. `compare` runs the lesson's Pavlov neuron
(`hebbian.hebbian_neuron`, whose `train_step` applies the rule) on the same trials, one
`train_on_batch` per trial as the lesson does, and checks its weights after every trial.
"""

import numpy as np

from dlintro import datasets
from dlintro.i18n import N_
from dlintro.lessons import hebbian
from dlintro.lessons.by_hand import Comparison, largest_difference


def instar_rule(trials, weights, threshold=0.5, learning_rate=0.1):
    """The instar rule, trial after trial; the weights (food, bell) after every trial.

    Returns an array of shape (trials + 1, 2): the start, then the weights after each trial.
    """
    weights = np.array(weights, dtype=np.float64)  # connection strengths: food, bell
    history = [weights.copy()]
    for pre in np.asarray(trials, dtype=np.float64):  # pre: the stimulus, 1 where present
        drive = pre @ weights  # the weighted sum of the inputs
        post = 1.0 if drive >= threshold else 0.0  # the neuron fires (the dog salivates) or not
        # Hebb: change = rate * post * pre strengthens what was active while it fired; the
        # decay - rate * post * weight moves each weight towards its input, 1 or 0, never past.
        weights += learning_rate * post * (pre - weights)
        history.append(weights.copy())
    return np.array(history)


FUNCTION = instar_rule
EXTINCTION_TRIALS = 10  # bell-only trials after the conditioning ones: the food's weight decays
# Weights between 0 and 1, each trial one multiply-add: float32 (Keras) leaves about 1e-7 of
# rounding per trial against float64 (NumPy), a few 1e-7 over 40 trials. 1e-6 allows for
# that; one trial at a wrong rate or threshold changes a weight by about 1e-2 or more.
TOLERANCE = 1e-6


def compare(seed=0):
    """The loop's weights against the lesson's neuron's, after every trial of all three schedules."""
    config = hebbian.Config()
    start = (config.food_weight, config.bell_weight)
    differences = []
    for schedule in datasets.SCHEDULES:
        trials = np.concatenate([
            datasets.conditioning(schedule, config.trials),
            datasets.conditioning("bell_only", EXTINCTION_TRIALS),
        ])
        model = hebbian.hebbian_neuron(*start, threshold=config.threshold, learning_rate=config.learning_rate)
        keras_path = [np.asarray(model.synapses.kernel).ravel()]
        for trial in range(len(trials)):
            model.train_on_batch(trials[trial : trial + 1])  # one trial, as the lesson trains
            keras_path.append(np.asarray(model.synapses.kernel).ravel())
        numpy_path = instar_rule(trials, start, threshold=config.threshold, learning_rate=config.learning_rate)
        differences.append(largest_difference(numpy_path, np.array(keras_path)))
    return Comparison(
        what=N_("weights (food, bell) after each of {trials} conditioning and {extinction_trials} bell-only trials, "
                "all three schedules, NumPy instar rule vs the lesson's Keras HebbianNeuron"),
        details={"trials": config.trials, "extinction_trials": EXTINCTION_TRIALS},
        largest_difference=max(differences),
        tolerance=TOLERANCE,
    )
