"""FilterImages on a tiny convolution net: the kernels as heat maps, one tile per filter."""

import keras
import numpy as np
import pytest

from callbacks_test_support import images, share_of_colour
from dlintro import events
from dlintro.callbacks import FilterImages
from dlintro.callbacks.pictures import BLUE, ORANGE


def tiny_images(samples=10):
    rng = np.random.default_rng(0)
    return rng.random((samples, 6, 6, 1), dtype=np.float32), rng.integers(0, 2, samples)


def tiny_convolution_net():
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(3, 3, name="conv"),
                              keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def test_writes_the_filters_before_training_and_after_every_epoch(tmp_path):
    x, y = tiny_images()
    model = tiny_convolution_net()
    callback = FilterImages(tmp_path / "digits-cnn", "conv", pixels_per_weight=4)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    run = events.load_run(tmp_path / "digits-cnn")
    assert events.tags(run) == {"filters/conv"}
    steps, pictures = images(run, "filters/conv")
    assert steps == [0, 1, 2]
    assert callback._panel.title.text == "digits-cnn: conv filters, step 2"


def test_a_positive_and_a_negative_weight_are_orange_and_blue(tmp_path):
    x, y = tiny_images()
    model = tiny_convolution_net()
    kernel = np.zeros((3, 3, 1, 3), dtype=np.float32)
    kernel[0, 0, 0, 0], kernel[2, 2, 0, 1] = 2.0, -2.0
    model.get_layer("conv").set_weights([kernel, np.zeros(3)])
    callback = FilterImages(tmp_path, "conv", pixels_per_weight=10)
    callback.set_model(model)
    callback._log(0)
    assert not callback.skipped_steps
    callback.flush()
    _, pictures = images(events.load_run(tmp_path), "filters/conv")
    # One 10x10 square each at full colour, beside the colour bar's own ends.
    assert share_of_colour(pictures[0], ORANGE, tolerance=3) * pictures[0][..., 0].size >= 100
    assert share_of_colour(pictures[0], BLUE, tolerance=3) * pictures[0][..., 0].size >= 100
    assert [label.get_text() for label in callback._panel._bar_labels] == ["-2", "0", "2"]


def test_refuses_a_layer_that_is_not_a_2d_convolution(tmp_path):
    x, y = tiny_images()
    model = tiny_convolution_net()
    model.get_layer("conv")  # exists; the dense layer below has a 2-D kernel
    name = model.layers[-1].name
    with pytest.raises(ValueError, match="not a 2-D convolution"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[FilterImages(tmp_path, name)])
