"""The linear lesson: training a bias-free neuron finds numpy.linalg.lstsq's answer, and shows it."""

import dataclasses

import numpy as np
import pytest

from dlintro import datasets, events
from dlintro.callbacks.loss_surface import squared_error_surface
from dlintro.lessons import linear
from dlintro.runner import run_lesson

SHORT = linear.Config(steps=120, learning_rate=0.1, log_every=40)


def test_the_equations_are_not_exactly_consistent():
    # Otherwise lstsq would only be solving the equations, not finding a least-squares compromise.
    x, y = datasets.equations()
    solution = linear.least_squares_solution()
    assert np.mean((x @ solution - y.ravel()) ** 2) > 1e-3


def test_loss_surface_matches_the_models_loss():
    x, y = datasets.equations()
    model = linear.linear_neuron()
    kernel = model.get_layer("neuron").kernel.numpy().ravel()
    surface = squared_error_surface(x.astype(float), y.astype(float), np.array([[kernel[0]]]), np.array([[kernel[1]]]))
    np.testing.assert_allclose(surface[0, 0], model.evaluate(x, y, verbose=0), rtol=1e-5)


@pytest.mark.parametrize("seed", [0, 4])
def test_logged_weights_travel_from_a_random_start_to_lstsq(runs_root, seed):
    summary = run_lesson("linear", dataclasses.replace(SHORT, seed=seed), runs_root=runs_root, out=lambda *_: None)
    assert summary["claim"]["holds"] is True
    solution = linear.least_squares_solution()
    (log_dir,) = events.variant_dirs(summary["run_dir"])
    run = events.load_run(log_dir)
    for index, tag in enumerate(("weights/neuron/w1", "weights/neuron/w2")):
        assert events.plugin_of(run, tag) == "scalars"
        steps, values = events.scalar_series(run, tag)
        assert steps == list(range(0, 121))  # every step, the untrained weights first
        assert abs(values[-1] - solution[index]) <= linear.TOLERANCE
    starts = [events.scalar_series(run, tag)[1][0] for tag in ("weights/neuron/w1", "weights/neuron/w2")]
    assert np.max(np.abs(np.array(starts) - solution)) > 0.1  # a real journey, not a lucky start
    # The loss falls to lstsq's own residual, not to zero.
    loss_steps, losses = events.scalar_series(events.load_run(f"{log_dir}/train"), "epoch_loss")
    assert loss_steps[0] == 1 and loss_steps[-1] == 120
    lstsq_loss = summary["variants"]["gradient_descent"]["metrics"]["lstsq_loss"]
    assert losses[-1] == pytest.approx(lstsq_loss, rel=1e-3) and losses[0] > 2 * lstsq_loss
    # The loss-surface picture is drawn at every log point and at the end.
    assert events.plugin_of(run, "loss_surface") == "images"
    steps, images = events.tensor_series(run, "loss_surface")
    assert steps == [0, 40, 80, 120]
    assert images[-1][2] != images[0][2]  # the path has grown between pictures
    for tag in ("activations/neuron", "gradients/neuron/kernel"):
        assert events.plugin_of(run, tag) == "histograms"
        assert events.tensor_series(run, tag)[0] == [0, 40, 80, 120]


def test_claim_fails_when_training_is_too_short(runs_root):
    summary = run_lesson("linear", linear.Config(steps=3, log_every=3), runs_root=runs_root, out=lambda *_: None)
    assert summary["claim"]["holds"] is False
    assert summary["claim"]["numbers"]["gradient_descent/max_error"] > linear.TOLERANCE


def test_factory_model_saves_and_loads(tmp_path):
    import keras

    model = linear.linear_neuron()
    x, y = datasets.equations()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    path = tmp_path / "linear.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
