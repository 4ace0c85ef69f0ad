"""The vanishing lesson: per-layer gradient norms land for every layer, and the sigmoid net's fade."""

import numpy as np
import pytest
import tensorflow as tf

from dlintro import datasets, events, i18n
from dlintro.lessons import vanishing
from dlintro.runner import run_lesson

from languages_test_support import assert_korean_says_the_same

SHORT = vanishing.Config(epochs=10, log_every=5)
LAYERS = [f"hidden_{index:02d}" for index in range(1, 11)] + ["output"]


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """One shortened run, shared by the tests that only read its logs."""
    return run_lesson("vanishing", SHORT, runs_root=tmp_path_factory.mktemp("runs"), out=lambda *_: None)


def initial_norms(run):
    """Every layer's gradient norm at step 0, input side first, read from the event file."""
    norms = []
    for layer in LAYERS:
        steps, values = events.scalar_series(run, f"gradient_norm/{layer}")
        assert steps == [0, 5, 10]
        norms.append(values[0])
    return np.array(norms)


def test_every_layer_is_logged_in_every_variant(short_run):
    names = [variant.name for variant in vanishing.variants(vanishing.Config())]
    assert [path.name for path in events.variant_dirs(short_run["run_dir"])] == sorted(names)
    for name in names:
        run = events.load_run(f"{short_run['run_dir']}/{name}")
        for layer in LAYERS:
            assert events.plugin_of(run, f"gradient_norm/{layer}") == "scalars"
            assert events.plugin_of(run, f"gradients/{layer}/kernel") == "histograms"
            assert events.plugin_of(run, f"activations/{layer}") == "histograms"
        # The ratio chart divides the first hidden layer's norm by the output layer's.
        steps, ratio = events.scalar_series(run, "gradient_norm_ratio/first_over_last")
        assert steps == [0, 5, 10]
        first = events.scalar_series(run, "gradient_norm/hidden_01")[1]
        last = events.scalar_series(run, "gradient_norm/output")[1]
        np.testing.assert_allclose(ratio, first / last, rtol=1e-5)
        # Bar charts before training, halfway and at the end.
        assert events.plugin_of(run, "gradient_norm_bars") == "images"
        assert events.tensor_series(run, "gradient_norm_bars")[0] == [0, 5, 10]
        assert events.plugin_of(run, "custom_scalars__config__") == "custom_scalars"
        hidden = [f"{tag}/{layer}" for layer in LAYERS[:-1] for tag in ("saturated_share", "dead_share")]
        logged = {tag for tag in hidden if tag in events.tags(run)}
        kind = {"sigmoid": "saturated_share", "tanh": "saturated_share", "relu": "dead_share"}[name]
        assert logged == {f"{kind}/{layer}" for layer in LAYERS[:-1]}
        validation = events.load_run(f"{short_run['run_dir']}/{name}/validation")
        assert events.scalar_series(validation, "epoch_accuracy")[0] == [5, 10]


def test_sigmoid_gradient_falls_layer_by_layer_and_relu_does_not(short_run):
    sigmoid = initial_norms(events.load_run(f"{short_run['run_dir']}/sigmoid"))
    relu = initial_norms(events.load_run(f"{short_run['run_dir']}/relu"))
    # Every sigmoid layer gets a smaller gradient than the one above it: a staircase down to
    # the input, more than three decades in all; ReLU's first and last layers are alike.
    assert np.all(np.diff(sigmoid) > 0)
    assert sigmoid[0] / sigmoid[-1] < 1e-3
    assert 0.1 <= relu[0] / relu[-1] <= 10
    numbers = short_run["claim"]["numbers"]
    assert numbers["sigmoid_first_over_last"] == pytest.approx(sigmoid[0] / sigmoid[-1], rel=1e-4)
    # Glorot-initialised sigmoid units are not saturated, and the gradient vanishes anyway.
    run = events.load_run(f"{short_run['run_dir']}/sigmoid")
    assert events.scalar_series(run, "saturated_share/hidden_05")[1][0] < 0.05


def test_relu_learns_far_more_than_sigmoid_in_the_same_epochs(short_run):
    assert short_run["claim"]["holds"] is True
    final = {}
    for name in ("sigmoid", "relu"):
        validation = events.load_run(f"{short_run['run_dir']}/{name}/validation")
        final[name] = events.scalar_series(validation, "epoch_accuracy")[1]
    assert final["sigmoid"].max() < 0.2  # near chance for ten digits
    assert final["relu"].max() >= final["sigmoid"].max() + 0.3
    metrics = short_run["variants"]["relu"]["metrics"]
    assert metrics["val_accuracy"] == pytest.approx(final["relu"][-1])
    assert metrics["best_val_accuracy"] == pytest.approx(final["relu"].max())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gradient_claim_at_initialisation_for_other_seeds(seed):
    # Recomputed here with a plain GradientTape, independently of the lesson's callbacks.
    import keras

    (x_train, y_train), _ = datasets.digits(validation_points=500, seed=seed)
    ratios = {}
    for activation, initializer in (("sigmoid", "glorot_uniform"), ("relu", "he_normal")):
        keras.utils.set_random_seed(seed)
        model = vanishing.deep_network(activation, kernel_initializer=initializer)
        with tf.GradientTape() as tape:
            loss = model.compute_loss(x=x_train[:64], y=y_train[:64], y_pred=model(x_train[:64]))
        kernel_and_bias = tape.gradient(loss, model.trainable_weights)
        norms = [float(tf.linalg.global_norm(kernel_and_bias[i : i + 2])) for i in (0, 20)]
        ratios[activation] = norms[0] / norms[1]
    assert ratios["sigmoid"] < 1e-3
    assert 0.1 <= ratios["relu"] <= 10


def test_config_refuses_epochs_not_a_multiple_of_log_every():
    with pytest.raises(ValueError):
        vanishing.Config(epochs=7, log_every=2)


def histogram_centre(histogram):
    """The count-weighted mean of a logged histogram's bucket centres."""
    centres = (histogram[:, 0] + histogram[:, 1]) / 2
    return float((centres * histogram[:, 2]).sum() / histogram[:, 2].sum())


def test_log_magnitude_histograms_separate_sigmoid_layers_and_not_relu(short_run):
    # At step 0, log10 of the sigmoid net's first-layer gradient sizes sits about six units (a
    # millionfold) left of its output layer's; the ReLU net's two histograms lie together.
    gap = {}
    for name in ("sigmoid", "relu"):
        run = events.load_run(f"{short_run['run_dir']}/{name}")
        centres = {}
        for layer in ("hidden_01", "output"):
            steps, histograms = events.tensor_series(run, f"gradient_magnitude_log10/{layer}")
            assert steps[0] == 0
            centres[layer] = histogram_centre(histograms[0])
        gap[name] = centres["output"] - centres["hidden_01"]
    assert gap["sigmoid"] > 5, gap
    assert abs(gap["relu"]) < 1, gap


def test_differences_between_images_fade_forward_in_the_sigmoid_net(short_run):
    metrics = {name: entry["metrics"] for name, entry in short_run["variants"].items()}
    assert metrics["sigmoid"]["spread_last/first"] < 1e-3
    assert 0.1 <= metrics["relu"]["spread_last/first"] <= 10
    numbers = short_run["claim"]["numbers"]
    assert numbers["sigmoid_spread_last_over_first"] == metrics["sigmoid"]["spread_last/first"]
    # With every image looking alike, the sigmoid net gives (almost) one answer for all of them.
    assert metrics["sigmoid"]["classes_predicted"] <= 2
    assert metrics["relu"]["classes_predicted"] == 10


def test_spread_across_examples_against_numpy():
    import keras

    keras.utils.set_random_seed(0)
    model = vanishing.deep_network("sigmoid", hidden_layers=2, hidden_units=4)
    x = np.random.default_rng(0).random((8, 64), dtype=np.float32)
    first = keras.Model(model.input, model.get_layer("hidden_01").output)(x)
    spread = vanishing._spread_across_examples(model, x)
    assert len(spread) == 2
    assert spread[0] == pytest.approx(float(np.mean(np.std(np.asarray(first), axis=0))), rel=1e-6)


def test_activation_functions_picture_once_per_run(short_run):
    for variant in vanishing.variants(vanishing.Config()):
        run = events.load_run(f"{short_run['run_dir']}/{variant.name}")
        assert events.plugin_of(run, "activation_functions") == "images"
        steps, pictures = events.tensor_series(run, "activation_functions")
        assert steps == [0]
    image = vanishing.render_activation_functions("sigmoid")
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
    # The slopes drawn are the true ones: sigmoid's peaks at 0.25, tanh's and ReLU's reach 1.
    z = np.linspace(-5, 5, 401)
    peaks = {name: slope(z).max() for name, (_, slope, _) in vanishing.ACTIVATIONS.items()}
    assert peaks["sigmoid"] == pytest.approx(0.25) and peaks["tanh"] == pytest.approx(1.0) and peaks["relu"] == 1.0


def test_views_name_logged_tags_and_lead_with_the_gradient_staircase():
    tags = " ".join(view.tag_filter for view in vanishing.VIEWS)
    assert "activation_functions" in tags and "gradient_magnitude_log10" in tags
    first = vanishing.VIEWS[0]
    assert first.tag_filter == "^gradient_norm_bars$" and first.image_step == 0
    # The caption names only the runs the view shows.
    assert "tanh" not in first.caption and "tanh" not in first.run_filter


def test_text_numbers_fill_the_text_and_match_the_logs(short_run):
    from dlintro import texts

    numbers = short_run["text_numbers"]
    for part in texts.parts("vanishing").values():
        texts.render(part, numbers)  # raises on a number the run did not give
    assert numbers["sigmoid_first_over_last"] == short_run["claim"]["numbers"]["sigmoid_first_over_last"]
    # The epoch at which validation accuracy first reaches 0.9, read back from the event files.
    for name in ("sigmoid", "tanh", "relu"):
        steps, accuracy = events.scalar_series(events.load_run(f"{short_run['run_dir']}/{name}/validation"), "epoch_accuracy")
        reached = [step for step, value in zip(steps, accuracy) if value >= 0.9]
        assert numbers[f"{name}_epoch_090"] == (reached[0] if reached else texts.MISSING)
    assert numbers["sigmoid_epoch_090"] == texts.MISSING


def test_sigmoid_differences_shrink_about_fourfold_per_layer(short_run):
    # Sigmoid's slope is at most 0.25 and Glorot's weights keep a signal's size: each layer
    # before the last divides the spread between examples by about four.
    metrics = short_run["variants"]["sigmoid"]["metrics"]
    assert 0.15 < metrics["spread_per_layer"] < 0.35


def test_the_last_layers_smaller_shrink_is_float32_round_off():
    # In float32 the last sigmoid layer shrinks the spread less than the others; the same
    # weights in float64 shrink it about fourfold there too: the differences do not level off.
    import keras

    (x_train, _), _ = datasets.digits(validation_points=500, seed=0)
    keras.utils.set_random_seed(0)
    model = vanishing.deep_network("sigmoid")
    single = vanishing._spread_across_examples(model, x_train[:64])
    values, double = x_train[:64].astype(np.float64), []
    for index in range(1, 11):
        kernel, bias = (np.asarray(weight, dtype=np.float64) for weight in model.get_layer(f"hidden_{index:02d}").get_weights())
        values = 1 / (1 + np.exp(-(values @ kernel + bias)))
        double.append(float(np.mean(np.std(values, axis=0))))
    assert single[-1] / single[-2] > 0.3
    assert 0.15 < double[-1] / double[-2] < 0.3
    np.testing.assert_allclose(single[:5], double[:5], rtol=1e-3)


def initial_ratio(model, x, y):
    """First hidden layer's gradient norm over the output layer's, with a plain GradientTape."""
    with tf.GradientTape() as tape:
        loss = model.compute_loss(x=x, y=y, y_pred=model(x))
    gradients = tape.gradient(loss, model.trainable_weights)
    return float(tf.linalg.global_norm(gradients[:2]) / tf.linalg.global_norm(gradients[-2:]))


def test_four_times_glorot_weights_make_the_sigmoid_gradient_fade_far_less():
    import keras

    (x_train, y_train), _ = datasets.digits(validation_points=500, seed=0)
    ratios = {}
    for scale in (1.0, 4.0):
        keras.utils.set_random_seed(0)
        ratios[scale] = initial_ratio(vanishing.deep_network("sigmoid", weight_scale=scale), x_train[:64], y_train[:64])
    # The factor per layer is the weights times the slopes, not the slopes alone.
    assert ratios[1.0] < 1e-5
    assert 1e-4 < ratios[4.0] < 0.1 and ratios[4.0] > 100 * ratios[1.0]


def test_four_times_he_weights_start_relu_at_a_finite_loss_that_then_overflows(tmp_path):
    import keras

    from dlintro.runs import Diverged
    from dlintro.training import fit

    (x_train, y_train), _ = datasets.digits(validation_points=500, seed=0)
    keras.utils.set_random_seed(0)
    model = vanishing.deep_network("relu", kernel_initializer="he_normal", weight_scale=4.0)
    first_loss = float(model.compute_loss(x=x_train, y=y_train, y_pred=model(x_train)))
    assert np.isfinite(first_loss) and first_loss > 1e3
    with pytest.raises(Diverged):
        fit(model, x_train, y_train, log_dir=tmp_path, epochs=2, log_every=1, batch_size=64, report=False)


def test_korean_verdict_and_text_carry_the_runs_numbers(short_run):
    """The Korean verdict shows the English one's numbers, and the run's numbers fill every part
    of the Korean text."""
    assert_korean_says_the_same(short_run)
    # The activation picture is drawn in the language it is asked in.
    with i18n.language("ko"):
        korean = vanishing.render_activation_functions("sigmoid")
    assert korean.shape == vanishing.render_activation_functions("sigmoid").shape
    assert not np.array_equal(korean, vanishing.render_activation_functions("sigmoid"))
