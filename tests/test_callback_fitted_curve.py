"""FittedCurveImages on a tiny regressor: the curve picture and its distance from a line."""

import keras
import numpy as np

from callbacks_test_support import images, share_of_colour
from dlintro import events
from dlintro.callbacks import FittedCurveImages
from dlintro.callbacks.pictures import GREY, ORANGE


def curve_data(samples=10):
    x = np.linspace(-1, 1, samples, dtype=np.float32)[:, None]
    return x, x**2


def test_a_linear_model_is_a_straight_line_and_the_picture_names_its_run(tmp_path):
    x, y = curve_data()
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    callback = FittedCurveImages(tmp_path / "curve-width_1", np.square, (-1, 1), points=(x, y))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    run = events.load_run(tmp_path / "curve-width_1")
    assert events.tags(run) == {"fitted_curve", "fitted_curve/distance_from_line"}
    steps, distances = events.scalar_series(run, "fitted_curve/distance_from_line")
    assert steps == [0, 1, 2] and np.all(distances < 1e-5)  # a line is its own best line
    steps, pictures = images(run, "fitted_curve")
    assert steps == [0, 1, 2]
    assert share_of_colour(pictures[-1], GREY, tolerance=2) > 0.005  # the target is drawn
    assert share_of_colour(pictures[-1], ORANGE, tolerance=2) > 0.003  # and the model
    assert callback._panel.title.text == "curve-width_1, step 2"


def test_a_bent_model_is_far_from_a_line(tmp_path):
    x, y = curve_data()
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    first = model.layers[0]
    # Units with kinks at -0.5, 0 and 0.5 inside the interval, summed: a bent curve.
    kernel = np.zeros((1, 8)); kernel[0, :3] = 1.0
    bias = np.zeros(8); bias[:3] = [0.5, 0.0, -0.5]
    first.set_weights([kernel, bias])
    model.layers[1].set_weights([np.ones((8, 1)), np.zeros(1)])
    callback = FittedCurveImages(tmp_path, np.square, (-1, 1))
    callback.set_model(model)
    callback._log(0)
    callback.flush()
    _, distances = events.scalar_series(events.load_run(tmp_path), "fitted_curve/distance_from_line")
    assert distances[0] > 0.1
