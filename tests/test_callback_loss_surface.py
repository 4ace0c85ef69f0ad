"""LossSurfacePath on a two-weight neuron: the path of the weights and the surface pictures."""

import keras
import numpy as np
import pytest

from callbacks_test_support import images
from dlintro import events
from dlintro.callbacks import LossSurfacePath
from dlintro.callbacks.loss_surface import squared_error_surface


def equations():
    x = np.array([[1, 2], [2, 1], [1, -1], [3, 1], [0, 1], [1, 0], [2, 2], [1, 3], [3, 2], [2, 3]],
                 dtype=np.float32)
    return x, x @ np.array([1.0, 2.0], dtype=np.float32)


def linear_neuron():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    return model


def test_records_every_step_and_draws_every_picture_every_steps(tmp_path):
    x, y = equations()
    model = linear_neuron()
    surface = LossSurfacePath(tmp_path / "linear-sgd", x, y, solution=(1.0, 2.0), picture_every=2)
    model.fit(x, y, batch_size=5, epochs=2, verbose=0, callbacks=[surface])
    assert [step for step, _, _ in surface.path] == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(surface.path[-1][1:], model.get_weights()[0].ravel(), rtol=1e-6)
    run = events.load_run(tmp_path / "linear-sgd")
    assert events.tags(run) == {"loss_surface"}
    steps, pictures = images(run, "loss_surface")
    assert steps == [0, 2, 4] and pictures[0].shape == (352, 464, 3)
    assert surface._step_text.get_text() == "linear-sgd, step 4"


def test_a_last_step_off_the_schedule_still_gets_its_picture(tmp_path):
    x, y = equations()
    surface = LossSurfacePath(tmp_path, x, y, picture_every=4)
    linear_neuron().fit(x, y, batch_size=5, epochs=3, verbose=0, callbacks=[surface])
    assert images(events.load_run(tmp_path), "loss_surface")[0] == [0, 4, 6]


def test_squared_error_surface_against_a_direct_computation():
    x, y = equations()
    w1, w2 = np.meshgrid([0.0, 1.0], [2.0, -1.0])
    surface = squared_error_surface(x.astype(np.float64), y.astype(np.float64), w1, w2)
    assert surface[0, 1] == pytest.approx(0.0, abs=1e-12)  # (1, 2) solves every equation
    assert surface[1, 0] == pytest.approx(np.mean((x @ [0.0, -1.0] - y) ** 2))


def test_refuses_a_model_that_is_not_a_two_weight_neuron(tmp_path):
    x, y = equations()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, use_bias=False)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"\(2, 1\) kernel"):
        model.fit(x, np.stack([y, y], axis=1), epochs=1, verbose=0,
                  callbacks=[LossSurfacePath(tmp_path, x, y)])
