"""The linear lesson: training a bias-free neuron finds numpy.linalg.lstsq's answer, and shows it."""

import dataclasses
import re

import numpy as np
import pytest

from dlintro import datasets, events, i18n, texts
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
    _check_text_numbers(summary, run)


def _check_text_numbers(summary, run):
    """The numbers the text shows are the run's, and agree with the bowl's step factors."""
    numbers = summary["text_numbers"]
    for part in texts.parts("linear").values():
        texts.render(part, numbers)  # every placeholder is filled
    _, w1 = events.scalar_series(run, "weights/neuron/w1")
    _, w2 = events.scalar_series(run, "weights/neuron/w2")
    assert (numbers["start_w1"], numbers["start_w2"]) == pytest.approx((w1[0], w2[0]), abs=1e-6)
    assert (numbers["w1"], numbers["w2"]) == pytest.approx((w1[-1], w2[-1]), abs=1e-6)
    # Each step multiplies the distance across and along the valley by 1 - rate * curvature.
    across, along = linear.step_factors(SHORT.learning_rate)
    assert (numbers["across_factor"], numbers["along_factor"]) == (across, along)
    assert numbers["along_after_5"] == pytest.approx(abs(along) ** 5 * numbers["along_start"], rel=1e-4)
    assert numbers["across_after_5"] == pytest.approx(abs(across) ** 5 * numbers["across_start"], rel=1e-2, abs=1e-6)
    # The gradient's length at the start is the one GradientStatistics logged (TensorFlow's own).
    _, norms = events.scalar_series(run, "gradient_norm/neuron")
    assert numbers["gradient_norm_start"] == pytest.approx(norms[0], rel=1e-4)
    assert numbers["gradient_norm_end"] < 1e-4 * numbers["gradient_norm_start"]


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


def test_loss_hessian_is_the_models_own_curvature():
    # The oracle for the bowl's curvature is TensorFlow's second derivative of the model's loss.
    import tensorflow as tf

    x, y = datasets.equations()
    model = linear.linear_neuron()
    kernel = model.get_layer("neuron").kernel
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = model.compute_loss(x=x, y=y, y_pred=model(x))
        gradient = tf.reshape(inner.gradient(loss, kernel), [-1])
    hessian = outer.jacobian(gradient, kernel).numpy().reshape(2, 2)
    np.testing.assert_allclose(hessian, linear.loss_hessian(), rtol=1e-5)
    # The curvatures and directions the lesson text names.
    curvatures, directions = np.linalg.eigh(linear.loss_hessian())
    np.testing.assert_allclose(curvatures, [1.89, 9.11], atol=0.01)
    np.testing.assert_allclose(np.abs(directions[:, 1]), [0.88, 0.47], atol=0.01)
    np.testing.assert_allclose(np.abs(directions[:, 0]), [0.47, 0.88], atol=0.01)
    assert linear.largest_stable_learning_rate() == pytest.approx(0.2196, abs=1e-4)


def test_descent_converges_below_two_over_lambda_max_and_diverges_above(runs_root):
    limit = linear.largest_stable_learning_rate()
    below = run_lesson("linear", linear.Config(learning_rate=0.9 * limit, log_every=50), runs_root=runs_root,
                       out=lambda *_: None)
    assert below["status"] == "completed" and below["claim"]["holds"] is True
    # Above the limit the steep direction's error is multiplied by |1 - lr * lambda_max| = 2 at
    # every step, until the loss overflows float32 and the run stops as diverged.
    above = run_lesson("linear", linear.Config(learning_rate=1.5 * limit, log_every=50), runs_root=runs_root,
                       out=lambda *_: None)
    assert above["status"] == "diverged"
    assert above["variants"]["gradient_descent"]["status"] == "diverged"
    assert above["claim"]["holds"] is None


def test_path_metrics_split_the_error_along_the_bowls_directions():
    solution = linear.least_squares_solution()
    valley, steep = linear.curvature_directions()
    # A path whose steep error flips sign at every step while its valley error shrinks.
    path = np.array([solution + (-0.5) ** k * steep + 0.9**k * valley for k in range(30)])
    metrics = linear._path_metrics(path, solution)
    assert metrics["steep_overshoots"] == linear.OVERSHOOT_WINDOW
    assert metrics["valley_share"] == pytest.approx(0.9**29 / np.hypot(0.5**29, 0.9**29))
    assert metrics["start_error"] == pytest.approx(np.max(np.abs(steep + valley)))
    # Without the flips there are no overshoots.
    assert linear._path_metrics(np.abs(path - solution) + solution, solution)["steep_overshoots"] == 0


def test_the_look_part_leads_with_the_first_view():
    first_bullet = texts.parts("linear")["look"].splitlines()[0]
    assert f"`{linear.VIEWS[0].shows[0]}`" in first_bullet


def test_the_claim_names_the_tolerance_in_both_languages():
    # The claim is a constant marked for translation, so its tolerance is written out.
    assert f"within {linear.TOLERANCE:g} of" in linear.CLAIM
    assert f"{linear.TOLERANCE:g} 이내" in i18n.translate(linear.CLAIM, "ko")


def test_the_verdict_says_the_same_in_korean():
    metrics = {"w1": 1.13043, "w2": 1.97391, "start_w1": 0.044, "start_w2": -0.54, "max_error": 4.5e-7}
    results = {variant: metrics for variant in linear.variants(linear.Config())}
    english = linear.check(linear.Config(), results).explanation
    with i18n.language("ko"):
        korean = linear.check(linear.Config(), results).explanation
    assert "(0.044, -0.540)에서 무작위로 시작해 훈련한 (w1, w2) = (1.13043, 1.97391), 가장 큰 차이 4.5e-07" in korean
    assert sorted(re.findall(r"\d+(?:\.\d+)?(?:e-?\d+)?", english)) == sorted(re.findall(r"\d+(?:\.\d+)?(?:e-?\d+)?", korean))
