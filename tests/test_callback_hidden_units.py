"""HiddenUnitImages on a tiny two-input net: one tile per unit, on one colour scale."""

import keras
import numpy as np

from callbacks_test_support import images, share_of_colour, tiny_classifier, tiny_data
from dlintro import events
from dlintro.callbacks import HiddenUnitImages
from dlintro.callbacks.heat_maps import heat_map_tiles
from dlintro.callbacks.pictures import ORANGE


def test_writes_a_tiled_picture_per_log_point(tmp_path):
    x, y = tiny_data()
    model = tiny_classifier(hidden_units=4, activation="relu")
    callback = HiddenUnitImages(tmp_path / "circles-mlp", "hidden", extent=(0, 1, 0, 1), resolution=16)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    run = events.load_run(tmp_path / "circles-mlp")
    assert events.tags(run) == {"hidden_units/hidden"}
    steps, pictures = images(run, "hidden_units/hidden")
    assert steps == [0, 1, 2] and len({picture.shape for picture in pictures}) == 1
    assert callback._panel.title.text == "circles-mlp: hidden units, step 2"


def test_a_unit_equal_to_x1_is_a_left_to_right_ramp_and_a_silent_unit_is_white(tmp_path):
    x, y = tiny_data()
    model = tiny_classifier(hidden_units=2, activation="linear")
    # Unit 1 outputs x1; unit 2 outputs 0 everywhere.
    model.get_layer("hidden").set_weights([np.array([[1.0, 0.0], [0.0, 0.0]]), np.zeros(2)])
    callback = HiddenUnitImages(tmp_path, "hidden", extent=(0, 1, 0, 1), resolution=16, columns=2)
    callback.set_model(model)
    callback._log(0)
    assert not callback.skipped_steps
    outputs = [np.tile(np.linspace(0, 1, 16), (16, 1)), np.zeros((16, 16))]
    tiles, scale = heat_map_tiles(outputs, columns=2)
    assert scale == 1.0 and tiles.shape == (16, 34, 3)
    assert np.all(tiles[:, 0] == 247) and np.all(tiles[:, 15] == ORANGE)  # the ramp, left to right
    assert np.all(tiles[:, 18:] == 247)  # the silent unit
    callback.flush()
    _, pictures = images(events.load_run(tmp_path), "hidden_units/hidden")
    assert share_of_colour(pictures[0], ORANGE, tolerance=3) > 0.005
    assert callback._panel._bar_labels[-1].get_text() == "1"  # the colour bar's top: the largest output


def test_works_on_a_sequential_model_declared_without_input(tmp_path):
    x, y = tiny_data()
    model = keras.Sequential([keras.layers.Dense(3, activation="relu", name="hidden"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    callback = HiddenUnitImages(tmp_path, "hidden", extent=(0, 1, 0, 1), resolution=8)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    assert images(events.load_run(tmp_path), "hidden_units/hidden")[0] == [0, 1]
