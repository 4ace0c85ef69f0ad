"""The probe computations on each Keras backend the probe callbacks support: TensorFlow and JAX.

On TensorFlow, `probe.trace` traces a probe computation once into a concrete function. On
JAX, `JaxFunction` jits it as a pure function of the model's variables and the probes (the
model runs inside a `keras.StatelessScope` that maps each variable to its value), with JAX's
own differentiation for the gradients: nothing of the model is traced by TensorFlow. Both
kinds are called on the probes alone, return arrays, and give the shapes and dtypes of what
they return (`output_specs`) before their first call, so that a callback can check its
probe and the memory it needs at the start of training.
"""

import keras
import numpy as np

SUPPORTED_BACKENDS = ("tensorflow", "jax")


def check_backend(owner):
    """A ValueError naming the supported backends, when Keras runs on another one."""
    backend = keras.backend.backend()
    if backend not in SUPPORTED_BACKENDS:
        raise ValueError(f"{owner} runs on the Keras backends {' and '.join(SUPPORTED_BACKENDS)}, "
                         f"not on {backend!r}: set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax")


def on_jax():
    """Whether Keras runs on JAX."""
    return keras.backend.backend() == "jax"


def to_backend(probe):
    """A probe of NumPy arrays as the backend's tensors, to call the model on eagerly."""
    if on_jax():
        return keras.tree.map_structure(keras.ops.convert_to_tensor, probe)
    import tensorflow as tf

    return keras.tree.map_structure(tf.constant, probe)


def is_traced_tensor(value, graph):
    """Whether `value` is a tensor of the computation being traced (`graph`: TensorFlow's graph)."""
    if on_jax():
        import jax

        return isinstance(value, jax.Array)
    import tensorflow as tf

    return isinstance(value, tf.Tensor) and value.graph is graph


def current_graph():
    """The graph TensorFlow is tracing into (None on JAX)."""
    if on_jax():
        return None
    import tensorflow as tf

    return tf.compat.v1.get_default_graph()


def output_specs(function, part=None):
    """(shape, bytes per value) of every array a traced function returns (or its output `part`), flattened."""
    outputs = function.structured_outputs if hasattr(function, "structured_outputs") else function.output_specs
    if part is not None:
        outputs = outputs[part]
    return [(tuple(output.shape), np.dtype(keras.backend.standardize_dtype(output.dtype)).itemsize)
            for output in keras.tree.flatten(outputs)]


def stateless(model, function):
    """`function(*probes)` as a pure function of (trainable values, non-trainable values, *probes).

    Inside it the model's variables read the given values (Keras's `StatelessScope`), and the
    losses that layers add while the model runs (activity regularizers) are collected, so
    that `model.compute_loss` counts them as it does in training.
    """
    trainable, non_trainable = model.trainable_variables, model.non_trainable_variables

    def pure(trainable_values, non_trainable_values, *probes):
        mapping = list(zip(trainable, trainable_values)) + list(zip(non_trainable, non_trainable_values))
        with keras.StatelessScope(state_mapping=mapping, collect_losses=True):
            return function(*probes)

    return pure


class JaxFunction:
    """A pure function of the model's variables and the probes, jitted, called on the probes alone.

    Each call passes the variables' current values, so one compiled function serves every log
    point and every `fit` of the model. Made with the probes it will be called on: their shapes
    are checked by tracing it abstractly (`jax.eval_shape`, nothing computed), and an error
    there becomes `ProbeError`.
    """

    def __init__(self, model, pure, *probes):
        import jax

        self._model = model
        self._jitted = jax.jit(pure)
        self.output_specs = jax.eval_shape(pure, *self._state(), *probes)

    def _state(self):
        return ([variable.value for variable in self._model.trainable_variables],
                [variable.value for variable in self._model.non_trainable_variables])

    def __call__(self, *probes):
        return self._jitted(*self._state(), *probes)


def jax_gradient_function(model, groups):
    """On JAX: a pure function of (trainable, non-trainable, x, y, scale): each group's loss gradients.

    As `probe.gradient_function` on TensorFlow: the compiled loss in inference mode, scaled by
    `scale` (the optimizer's loss scale, an argument since it changes during training),
    unscaled and returned in float32, and zero for a weight the loss does not reach.
    """
    import jax
    import jax.numpy as jnp

    index = {id(variable): position for position, variable in enumerate(model.trainable_variables)}

    def loss(x, y, scale):
        y_pred = model(x, training=False)
        value = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
        return value * jnp.asarray(scale, value.dtype)

    scaled_loss = stateless(model, loss)

    def gradients(trainable_values, non_trainable_values, x, y, scale):
        per_variable = jax.grad(scaled_loss)(trainable_values, non_trainable_values, x, y, scale)
        return [[per_variable[index[id(weight)]].astype(jnp.float32) / scale for weight in group]
                for group in groups]

    return gradients
