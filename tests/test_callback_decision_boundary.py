"""DecisionBoundaryImages on a tiny classifier: one framed picture per log point."""

import keras
import numpy as np
import pytest

from callbacks_test_support import images, share_of_colour, tiny_classifier, tiny_data
from dlintro import events
from dlintro.callbacks import DecisionBoundaryImages
from dlintro.callbacks.decision_boundary import default_extent, render_decision_boundary
from dlintro.callbacks.pictures import BLUE, ORANGE


def test_writes_one_picture_before_training_and_after_every_epoch(tmp_path):
    x, y = tiny_data()
    model = tiny_classifier()
    log_dir = tmp_path / "and-two_layer"
    callback = DecisionBoundaryImages(log_dir, x, y, resolution=32)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    # The picture names its run (the log directory's last part) and its step.
    assert callback._panel.title.text == "and-two_layer, step 2"
    run = events.load_run(log_dir)
    assert events.tags(run) == {"decision_boundary"}
    assert events.plugin_of(run, "decision_boundary") == "images"
    steps, pictures = images(run, "decision_boundary")
    assert steps == [0, 1, 2]
    # The frame is wider and taller than the plane it holds (axes, colour bar, title, legend).
    assert all(picture.shape[0] > 32 * 9 and picture.shape[1] > 32 * 9 for picture in pictures)


def test_the_plane_is_coloured_by_the_models_probability():
    probability = np.tile(np.linspace(0.0, 1.0, 40), (40, 1))  # 0 on the left, 1 on the right
    image = render_decision_boundary(probability)
    assert image.shape == (40, 40, 3) and image.dtype == np.uint8
    # The left edge leans blue, the right edge orange, and a dark line marks P = 0.5.
    assert image[20, 0, 2] > image[20, 0, 0] and image[20, -1, 0] > image[20, -1, 2]
    assert np.all(image[:, 20] == 40) and np.all(image[:, 10] != 40)


def test_a_confident_model_paints_the_picture_in_its_class_colour(tmp_path):
    x, y = tiny_data()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    model.set_weights([np.zeros((2, 1)), np.array([5.0])])  # P(class 1) = 0.993 everywhere
    callback = DecisionBoundaryImages(tmp_path, x, y, extent=(0, 1, 0, 1), resolution=32)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    _, pictures = images(events.load_run(tmp_path), "decision_boundary")
    strongest_orange = 247 + (ORANGE - 247) * 0.75 * 0.986
    assert share_of_colour(pictures[0], strongest_orange) > 0.3
    assert share_of_colour(pictures[0], 247 + (BLUE - 247) * 0.75) < 0.05  # only the colour bar


def test_default_extent_widens_the_points_box_by_a_quarter():
    points = np.array([[0.0, 0.0], [2.0, 4.0]])
    assert default_extent(points) == pytest.approx((-0.5, 2.5, -1.0, 5.0))


def test_refuses_a_model_without_one_probability_per_point(tmp_path):
    x, y = tiny_data()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="one sigmoid output"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[DecisionBoundaryImages(tmp_path, x, y)])


def test_the_png_files_hold_exactly_the_pictures_rendered():
    import io

    from PIL import Image

    from dlintro.callbacks.summaries import encode_png

    rng = np.random.default_rng(0)
    for shape in [(1, 1, 3), (5, 7, 3), (64, 48, 3)]:
        picture = rng.integers(0, 256, shape, dtype=np.uint8)
        decoded = np.asarray(Image.open(io.BytesIO(encode_png(picture))))
        assert decoded.shape == shape and np.array_equal(decoded, picture)
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4, 3), dtype=np.float32))
