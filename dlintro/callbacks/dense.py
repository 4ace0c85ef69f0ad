"""Two-input networks of Dense layers: recognising them, and their units' outputs in NumPy.

`NetworkMap` draws such networks, and `DecisionBoundaryImages` computes their output over the
input plane this way: a Dense layer is `activation(x @ kernel + bias)`, which NumPy computes
for a grid of a few thousand points in well under a millisecond, where calling the Keras
model costs about 3 ms a time and a traced TensorFlow function some 25 ms to trace.
"""

import keras
import numpy as np


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without overflow for large |x|


# Keras's activations computed in NumPy; any other is called as the layer's own function.
_NUMPY_ACTIVATIONS = {
    keras.activations.linear: lambda x: x,
    keras.activations.tanh: np.tanh,
    keras.activations.sigmoid: _sigmoid,
    keras.activations.relu: lambda x: np.maximum(x, 0.0),
}


def dense_chain(model):
    """The Dense layers of a model NetworkMap can draw, from input to output.

    A model it can draw takes exactly two input features, is a `keras.Sequential` or a
    Functional model in which each layer takes the previous layer's output and nothing else,
    and holds only `Dense` layers (plus `InputLayer` and `Dropout`, which is the identity at
    inference and is skipped), the last with one unit.

    Raises:
        ValueError: naming what makes the model one it cannot draw.
    """
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(
            f"NetworkMap draws built Sequential and Functional models; {model.name!r} is a "
            f"subclassed {type(model).__name__} (or not built yet), whose inputs Keras does not record"
        )
    if len(inputs) != 1 or tuple(inputs[0].shape[1:]) != (2,):
        shapes = ", ".join(str(tuple(tensor.shape[1:])) for tensor in inputs)
        raise ValueError(
            f"NetworkMap draws models with exactly two input features (x1, x2); "
            f"model {model.name!r} takes inputs of shape {shapes}"
        )
    if isinstance(model, keras.Sequential):
        layers = list(model.layers)
    else:
        layers = _functional_chain(model)
    drawable = (keras.layers.Dense, keras.layers.Dropout)
    others = [layer for layer in layers if not isinstance(layer, drawable)]
    if others:
        names = ", ".join(f"{layer.name!r} ({type(layer).__name__})" for layer in others)
        raise ValueError(
            f"NetworkMap draws networks of Dense layers only (Dropout is passed over); "
            f"model {model.name!r} also has {names}"
        )
    chain = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    if not chain:
        raise ValueError(f"model {model.name!r} has no Dense layer to draw")
    if chain[-1].units != 1:
        raise ValueError(
            f"NetworkMap draws networks with one output unit; the last Dense layer "
            f"{chain[-1].name!r} of model {model.name!r} has {chain[-1].units}"
        )
    return chain


def _functional_chain(model):
    """The layers of a Functional model that is a chain (each layer fed by the one before)."""
    outputs = model.outputs
    if len(outputs) != 1:
        raise ValueError(
            f"NetworkMap draws a chain of layers; model {model.name!r} has {len(outputs)} outputs"
        )
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    feeding, feeding_name = model.inputs[0], "the model's input"
    for layer in layers:
        # A layer called twice reports its first call's input and output, so reuse shows here too.
        if layer.input is not feeding:
            raise ValueError(
                f"NetworkMap draws a chain of layers, each fed by the one before; layer "
                f"{layer.name!r} of model {model.name!r} does not take exactly the output of "
                f"{feeding_name} (the model branches, merges or reuses a layer)"
            )
        feeding, feeding_name = layer.output, repr(layer.name)
    if feeding is not outputs[0]:
        raise ValueError(f"NetworkMap draws a chain of layers; model {model.name!r} ends elsewhere")
    return layers


def activation_name(layer):
    """The name of a layer's activation function (`"tanh"`, `"linear"`...)."""
    return getattr(layer.activation, "__name__", type(layer.activation).__name__)


def dense_outputs(chain, points, kernels=None):
    """Every layer's outputs at `points`, each a (points, units) float32 array.

    Args:
        chain: the Dense layers, as `dense_chain` gives them.
        points: (n, 2) float32 inputs.
        kernels: the layers' kernels as NumPy arrays, when the caller has them already.
    """
    if kernels is None:
        kernels = [np.asarray(layer.kernel) for layer in chain]
    values, outputs = points, []
    for layer, kernel in zip(chain, kernels):
        values = values @ kernel
        if layer.bias is not None:
            values = values + np.asarray(layer.bias)
        activation = _NUMPY_ACTIVATIONS.get(layer.activation, layer.activation)
        values = np.asarray(activation(values), dtype=np.float32)
        outputs.append(values)
    return outputs
