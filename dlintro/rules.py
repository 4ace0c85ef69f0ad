"""Pieces for neurons whose learning rule is written out in `train_step`, not left to an optimizer.

The perceptron lesson's step neuron (Rosenblatt's rule) and the hebbian lesson's Pavlov neuron
(a Hebbian rule) both fire 0 or 1 through a step and change their weights in `train_step`
with no Keras optimizer and no Keras loss. What they share lives here, so neither lesson imports the other.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="dlintro")
def step(z):
    """The step activation: 1 where the weighted sum is at least 0, else 0.

    Its slope is 0 everywhere except at 0, where it is undefined, so a gradient passed back
    through it carries no signal. A rule that learns a step neuron uses the weighted sum before
    the step, or the error itself: the perceptron rule does both, being stochastic gradient
    descent on the perceptron criterion, a loss of the sum (Bishop, PRML 4.1.7).

    Example:
        >>> step(keras.ops.convert_to_tensor([-0.5, 0.0, 2.0]))  # [0., 1., 1.]
    """
    return ops.cast(ops.greater_equal(z, 0), z.dtype)


class RuleLearner(keras.Model):
    """A model whose `train_step` applies a learning rule written out by hand: no optimizer, no loss.

    A subclass changes its weights inside `train_step` and is compiled with `optimizer=None`.
    """

    def compile_from_config(self, config):
        # Loading a saved model: there is no optimizer to restore, the rule needs none.
        self.compile(optimizer=None)
