"""Pieces for neurons that learn by a rule of their own instead of by gradient descent.

The perceptron lesson's step neuron (Rosenblatt's rule) and the hebbian lesson's Pavlov neuron
(a Hebbian rule) both fire 0 or 1 through a step and change their weights in `train_step`
with no optimizer and no loss. What they share lives here, so neither lesson imports the other.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="dlintro")
def step(z):
    """The step activation: 1 where the weighted sum is at least 0, else 0.

    Its slope is 0 everywhere except at 0, where it is undefined, so a gradient passed back
    through it carries no signal; a rule that learns a step neuron has to use the error itself.

    Example:
        >>> step(keras.ops.convert_to_tensor([-0.5, 0.0, 2.0]))  # [0., 1., 1.]
    """
    return ops.cast(ops.greater_equal(z, 0), z.dtype)


class RuleLearner(keras.Model):
    """A model whose `train_step` applies a learning rule of its own: no optimizer, no loss.

    A subclass changes its weights inside `train_step` and is compiled with `optimizer=None`.
    """

    def compile_from_config(self, config):
        # Loading a saved model: there is no optimizer to restore, the rule needs none.
        self.compile(optimizer=None)
