"""NetworkMap on tiny two-input models: its tag at every log point, its size, its refusals."""

import re

import keras
import numpy as np
import pytest

from callbacks_test_support import tiny_classifier, tiny_data
from dlintro import events
from dlintro.callbacks.network_map import MAX_UNITS_DRAWN, NetworkMap
from dlintro.training import fit


def functional_classifier(hidden_layers=(4,), activation="tanh"):
    """A compiled Functional chain 2 -> hidden layers -> 1 sigmoid unit."""
    inputs = keras.Input((2,), name="inputs")
    features = inputs
    for index, units in enumerate(hidden_layers):
        features = keras.layers.Dense(units, activation=activation, name=f"hidden{index + 1}")(features)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="output")(features)
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    return model


def pictures(log_dir):
    """(steps, [(width, height)]) of the run's `network_map` images."""
    run = events.load_run(log_dir)
    assert events.plugin_of(run, "network_map") == "images"
    steps, images = events.tensor_series(run, "network_map")
    return steps, [(int(image[0]), int(image[1])) for image in images]


def picture_size(tmp_path, model):
    x, y = tiny_data()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[NetworkMap(tmp_path, x, y)])
    return pictures(tmp_path)[1][0]


def test_tag_lands_at_every_log_point_in_plain_fit_on_a_sequential_model(tmp_path):
    x, y = tiny_data()
    model = tiny_classifier(hidden_units=3)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[NetworkMap(tmp_path, x, y, title="mine")])
    steps, sizes = pictures(tmp_path)
    assert steps == [0, 1, 2]
    assert len(set(sizes)) == 1  # one frame for the whole run


def test_tag_lands_at_every_log_point_with_dlintro_fit_on_a_functional_model(tmp_path):
    x, y = tiny_data()
    model = functional_classifier(hidden_layers=(3, 2))
    network_map = NetworkMap(tmp_path, x, y)
    fit(model, x, y, log_dir=tmp_path, epochs=4, log_every=2, callbacks=[network_map], report=False)
    assert network_map.passes_per_epoch == 2
    assert pictures(tmp_path)[0] == [0, 2, 4]


def test_sequential_declared_without_input_and_with_dropout_is_drawn(tmp_path):
    x, y = tiny_data()
    model = keras.Sequential([keras.layers.Dense(3, activation="relu"), keras.layers.Dropout(0.5),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[NetworkMap(tmp_path, x, y)])
    assert pictures(tmp_path)[0] == [0, 1]


def test_picture_grows_with_units_and_layers_up_to_the_cap(tmp_path):
    one_neuron = picture_size(tmp_path / "one", functional_classifier(hidden_layers=()))
    narrow = picture_size(tmp_path / "narrow", functional_classifier(hidden_layers=(2,)))
    wide = picture_size(tmp_path / "wide", functional_classifier(hidden_layers=(8,)))
    deep = picture_size(tmp_path / "deep", functional_classifier(hidden_layers=(8, 8)))
    at_cap = picture_size(tmp_path / "cap", functional_classifier(hidden_layers=(MAX_UNITS_DRAWN,)))
    over_cap = picture_size(tmp_path / "over",
                            functional_classifier(hidden_layers=(MAX_UNITS_DRAWN + 4,)))
    assert wide[1] > narrow[1]  # more units: taller
    assert deep[0] > wide[0] and narrow[0] > one_neuron[0]  # more layers: wider
    assert over_cap == at_cap  # beyond the cap only the first units are drawn


def three_input_model():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))


def convolution_model():
    inputs = keras.Input((2,))
    signal = keras.layers.Reshape((2, 1))(inputs)
    features = keras.layers.Conv1D(2, 2, name="convolution")(signal)
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Flatten()(features))
    return keras.Model(inputs, outputs)


def branching_model():
    inputs = keras.Input((2,))
    left = keras.layers.Dense(2, name="left")(inputs)
    right = keras.layers.Dense(2, name="right")(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()([left, right]))
    return keras.Model(inputs, outputs)


def two_output_model():
    inputs = keras.Input((2,))
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="softmax")(inputs))


class SubclassedNeuron(keras.Model):
    """A subclassed model: Keras does not record how its layers connect."""

    def __init__(self):
        super().__init__()
        self.neuron = keras.layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        return self.neuron(inputs)


@pytest.mark.parametrize("build, features, message", [
    (three_input_model, 3, "exactly two input features"),
    (convolution_model, 2, "'convolution' (Conv1D)"),
    (branching_model, 2, "branches, merges"),
    (two_output_model, 2, "one output unit"),
    (SubclassedNeuron, 2, "subclassed SubclassedNeuron"),
])
def test_refuses_a_model_it_cannot_draw_when_training_starts(tmp_path, build, features, message):
    x = np.random.default_rng(0).random((10, features), dtype=np.float32)
    model = build()
    # One 0/1 target per output unit, so that Keras itself would train the model.
    outputs = 2 if build is two_output_model else 1
    y = (x[:, :outputs] > 0.5).astype(np.float32)
    model.compile("sgd", "binary_crossentropy")
    network_map = NetworkMap(tmp_path, x[:, :2], y[:, 0])  # the model is seen only when training starts
    with pytest.raises(ValueError, match=re.escape(message)):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[network_map])
    assert not list(tmp_path.glob("events.out.tfevents.*"))


def test_refuses_points_that_are_not_two_dimensional(tmp_path):
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        NetworkMap(tmp_path, np.zeros((4, 3)), np.zeros(4))


def test_maps_of_one_network_shape_share_a_frame_and_keep_their_own_points(tmp_path):
    import io

    from PIL import Image

    x, y = tiny_data()
    plane = (-0.25, 1.25, -0.25, 1.25)
    first = NetworkMap(tmp_path / "a", x, y, extent=plane)
    second = NetworkMap(tmp_path / "b", x * 0.5, y, extent=plane)
    for network_map in (first, second):
        tiny_classifier(hidden_units=3).fit(x, y, epochs=1, verbose=0, callbacks=[network_map])
    assert first._panel is second._panel  # the frame is drawn once per process
    last = {}
    for name in ("a", "b"):
        _, images = events.tensor_series(events.load_run(tmp_path / name), "network_map")
        last[name] = np.asarray(Image.open(io.BytesIO(images[-1][2])))
    # Each map draws its own points on the output unit, not the other's.
    top, left = first._panel.layout.unit_corners[-1][0]
    assert not np.array_equal(last["a"][top:top + 160, left:left + 160], last["b"][top:top + 160, left:left + 160])
