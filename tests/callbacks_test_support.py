"""Tiny data and models shared by the callback tests (about 10 samples, as Keras's own tests)."""

import keras
import numpy as np


def tiny_data(samples=10, seed=0):
    """`samples` points in the unit square, labelled 1 where x1 + x2 > 1: (n, 2) and (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.random((samples, 2), dtype=np.float32)
    return x, (x.sum(axis=1, keepdims=True) > 1).astype(np.float32)


def tiny_classifier(hidden_units=3, activation="tanh", learning_rate=0.1):
    """A compiled 2-`hidden_units`-1 classifier with layers named `hidden` and `out`."""
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(hidden_units, activation=activation, name="hidden"),
        keras.layers.Dense(1, activation="sigmoid", name="out"),
    ])
    model.compile(keras.optimizers.SGD(learning_rate), "binary_crossentropy", metrics=["accuracy"])
    return model


def deep_sigmoid_classifier(depth=8, width=16):
    """A compiled deep sigmoid classifier (`h1` ... `h<depth>`, `out`) whose gradient vanishes."""
    layers = [keras.Input((2,))]
    layers += [keras.layers.Dense(width, activation="sigmoid", name=f"h{i}") for i in range(1, depth + 1)]
    layers.append(keras.layers.Dense(1, activation="sigmoid", name="out"))
    model = keras.Sequential(layers)
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    return model


def images(run, tag):
    """(steps, RGB arrays) of an image tag of a loaded run, decoded from their PNG bytes."""
    import io

    from PIL import Image

    from dlintro import events

    steps, tensors = events.tensor_series(run, tag)
    return steps, [np.asarray(Image.open(io.BytesIO(tensor[2])).convert("RGB")) for tensor in tensors]


def share_of_colour(image, colour, tolerance=12):
    """Share of an image's pixels within `tolerance` of an RGB colour in every channel."""
    return float(np.mean(np.all(np.abs(image.astype(int) - np.asarray(colour)) <= tolerance, axis=-1)))
