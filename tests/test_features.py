"""The features lesson: hand-made features rescue a linear model; learned ones do better still."""

import dataclasses

import keras
import numpy as np
import pytest

from dlintro import events
from dlintro.lessons import features
from dlintro.runner import run_lesson

SHORT = features.QUICK
NAMES = [  # sorted, as the run directories list them
    "circles-linear_raw",
    "circles-linear_squares",
    "circles-mlp_raw",
    "digits-cnn_raw",
    "digits-linear_handmade",
    "digits-linear_raw",
    "digits-mlp_handmade",
]


def quiet(*_):
    pass


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """One shortened run, shared by the tests that only read its logs."""
    return run_lesson("features", SHORT, runs_root=tmp_path_factory.mktemp("runs"), out=quiet)


def image_size(picture):
    """(width, height) of a logged image summary."""
    return int(picture[0]), int(picture[1])


def test_every_variant_logs_its_pictures(short_run):
    run_dir = short_run["run_dir"]
    assert [path.name for path in events.variant_dirs(run_dir)] == NAMES
    pictures = {
        "circles-linear_raw": {"decision_boundary"},
        "circles-linear_squares": {"decision_boundary", "hidden_units/squares"},
        "circles-mlp_raw": {"decision_boundary", "hidden_units/hidden", "network_map"},
        "digits-linear_handmade": set(),
        "digits-linear_raw": set(),
        "digits-mlp_handmade": set(),
        "digits-cnn_raw": {"filters/conv"},
    }
    for name, tags in pictures.items():
        run = events.load_run(f"{run_dir}/{name}")
        logged = {tag for tag in events.tags(run) if events.plugin_of(run, tag) == "images"}
        assert logged == tags, name
        if name.startswith("circles"):
            expected_steps = [0, 100, 200]
        else:  # every 5 passes until the validation loss had not fallen for `digit_patience` passes
            expected_steps = list(range(0, short_run["variants"][name]["metrics"]["passes"] + 1, 5))
        for tag in tags:
            assert events.tensor_series(run, tag)[0] == expected_steps, (name, tag)
        assert "gradient_norm/output" in events.tags(run)
    # The tile grids grow with the units they show: eight hidden units (three to a row) take
    # three rows of 48-pixel tiles, two hand-made features one row (each picture is framed with
    # the run's name, the step and a colour bar).
    mlp = events.load_run(f"{run_dir}/circles-mlp_raw")
    mlp_width, mlp_height = image_size(events.tensor_series(mlp, "hidden_units/hidden")[1][-1])
    squares = events.load_run(f"{run_dir}/circles-linear_squares")
    squares_width, squares_height = image_size(events.tensor_series(squares, "hidden_units/squares")[1][-1])
    assert mlp_height >= squares_height + 2 * 48 and mlp_width > squares_width
    # Eight 5x5 filters in a row, ten pixels per weight, three pixels apart: a wide picture.
    cnn = events.load_run(f"{run_dir}/digits-cnn_raw")
    cnn_width, cnn_height = image_size(events.tensor_series(cnn, "filters/conv")[1][-1])
    assert cnn_width >= 8 * 50 + 7 * 3 and cnn_width > 2 * cnn_height


def test_validation_accuracy_curves_agree_with_the_summary(short_run):
    # Circles train a fixed number of passes: the summary has the last point's accuracy. Digit
    # models go back to their weights of lowest validation loss: the summary has that point's.
    for name in NAMES:
        validation = events.load_run(f"{short_run['run_dir']}/{name}/validation")
        steps, accuracy = events.scalar_series(validation, "epoch_accuracy")
        metrics = short_run["variants"][name]["metrics"]
        at = steps.index(metrics["best_pass"]) if name.startswith("digits") else -1
        assert accuracy[at] == pytest.approx(metrics["val_accuracy"], abs=1e-6), name


def test_digit_models_stop_after_the_lowest_validation_loss(short_run):
    config = SHORT
    for name in NAMES[3:]:
        metrics = short_run["variants"][name]["metrics"]
        steps, loss = events.scalar_series(events.load_run(f"{short_run['run_dir']}/{name}/validation"), "epoch_loss")
        assert steps[-1] == metrics["passes"], name
        # The kept point is the lowest validation loss logged, and training went on past it for
        # the patience, unless it reached the most passes allowed first.
        assert steps[int(np.argmin(loss))] == metrics["best_pass"], name
        assert metrics["passes"] == min(metrics["best_pass"] + config.digit_patience, config.digit_epochs), name


def test_text_numbers_of_the_run(short_run):
    numbers = short_run["text_numbers"]
    variants = {name: entry["metrics"] for name, entry in short_run["variants"].items()}
    assert numbers["hand_linear"] == variants["digits-linear_handmade"]["test_accuracy"]
    assert numbers["circle_raw"] == variants["circles-linear_raw"]["val_accuracy"]
    expected_gain = 100 * (variants["digits-linear_raw"]["test_accuracy"] - variants["digits-linear_handmade"]["test_accuracy"])
    assert numbers["raw_gain"] == pytest.approx(expected_gain, abs=0.05)
    assert 0 <= numbers["hand_net_dead_start"] <= 1 and 0 <= numbers["hand_net_dead"] <= 1
    assert 0 <= numbers["circle_dead_units"] <= numbers["circle_probe_dead_units"] <= numbers["circle_units"]
    # The filters start as Glorot-uniform draws: 200 weights within sqrt(6 / (25 + 200)), the
    # largest close to that bound; training grows them.
    bound = np.sqrt(6 / (25 + 25 * SHORT.cnn_filters))
    assert 0.9 * bound < numbers["filter_start"] <= bound < numbers["filter_end"]
    assert numbers["fewest_passes"] <= numbers["hand_linear_passes"] <= numbers["most_passes"]


def test_dead_share_counts_units_silent_on_every_example():
    inputs = keras.Input(shape=(2,))
    hidden = keras.layers.Dense(3, activation="relu", name="hidden")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    # Unit 0 fires for x1 > 0, unit 1 never (bias -1, no weights), unit 2 only beyond x2 = 5.
    model.get_layer("hidden").set_weights([np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), np.array([0.0, -1.0, -5.0])])
    points = np.array([[1.0, 0.0], [-1.0, 2.0]], np.float32)
    assert features.dead_share(model, "hidden", points) == pytest.approx(2 / 3)
    assert features.dead_share(model, "hidden", np.array([[1.0, 6.0]], np.float32)) == pytest.approx(1 / 3)


def test_halfway_circle_separates_noiseless_rings():
    assert features.halfway_circle_accuracy(features.Config(circle_noise=0.0)) == 1.0
    noisy = features.halfway_circle_accuracy(features.Config(circle_noise=0.25))
    assert 0.75 < noisy < 0.9  # about one point in six is pushed past radius 0.75


def test_digit_splits_are_disjoint_and_complete():
    (x, _), (x_val, _), (x_test, _) = features.digit_data(features.Config())
    assert (len(x), len(x_val), len(x_test)) == (features.DIGIT_COUNT - 800, 300, 500)
    rows = {row.tobytes() for part in (x, x_val, x_test) for row in part}
    assert len(rows) > 0.98 * features.DIGIT_COUNT  # a few digits are drawn alike, pixel for pixel


@pytest.mark.parametrize("seed", [1])
def test_claim_holds_for_another_seed(runs_root, seed):
    summary = run_lesson("features", dataclasses.replace(SHORT, seed=seed), runs_root=runs_root, out=quiet)
    assert summary["claim"]["holds"] is True, summary["claim"]["verdict"]


def test_squared_feature_model_sees_the_raw_plane():
    model = features.circle_classifier(squared_inputs=True)
    points = np.array([[0.3, -0.4], [-1.0, 2.0]], dtype=np.float32)
    squares = keras.Model(model.input, model.get_layer("squares").output)
    np.testing.assert_allclose(squares(points), points**2)
    # The model's output depends on x1 and x2 only through their squares: mirrored points agree.
    np.testing.assert_allclose(model(points), model(-points), rtol=1e-6)


def test_digit_features_against_hand_computed_values():
    # A vertical bar in column 2 and a square ring: their rows, columns and strokes are known.
    bar = np.zeros((8, 8), np.float32)
    bar[1:7, 2] = 1.0
    ring = np.zeros((8, 8), np.float32)
    ring[1, 1:7] = ring[6, 1:7] = ring[1:7, 1] = ring[1:7, 6] = 1.0
    values = np.asarray(features.DigitFeatures()(np.stack([bar, ring]).reshape(2, 64)))
    assert values.shape == (2, 24)
    rows, columns = values[:, :8], values[:, 8:16]
    left_right, top_bottom, *strokes, height, width = values[:, 16:].T
    np.testing.assert_allclose(rows[0], [0, 1, 1, 1, 1, 1, 1, 0] / np.float32(8))
    np.testing.assert_allclose(columns[0], [0, 0, 6, 0, 0, 0, 0, 0] / np.float32(8))
    np.testing.assert_allclose(left_right, [2 * 6 / 64, 0.0], atol=1e-7)  # the ring is symmetric
    np.testing.assert_allclose(top_bottom, [0.0, 0.0], atol=1e-7)
    # Middle rows: the bar is crossed once, the ring twice; middle columns: nothing vs top and bottom.
    np.testing.assert_allclose(np.array(strokes).T * 4, [[1, 1, 0, 0], [2, 2, 2, 2]])
    np.testing.assert_allclose(height, [3.5 / 7, 3.5 / 7], rtol=1e-5)
    np.testing.assert_allclose(width, [2 / 7, 3.5 / 7], rtol=1e-5)


@pytest.mark.parametrize("factory, targets", [
    (lambda: features.circle_classifier(squared_inputs=True), np.array([[0], [1]] * 3, np.float32)),
    (features.dense_digit_classifier, np.arange(6)),
    (lambda: features.dense_digit_classifier(handmade_features=False, hidden_units=8), np.arange(6)),
    (lambda: features.digit_cnn(filters=4), np.arange(6)),
])
def test_factory_models_save_and_load(tmp_path, factory, targets):
    model = factory()
    inputs = np.random.default_rng(0).random((6, model.input.shape[-1]), dtype=np.float32)
    model.fit(inputs, targets, epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    keras.saving.save_model(model, path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0), rtol=1e-6)
    loaded.fit(inputs, targets, epochs=1, verbose=0)  # still compiled and trainable after loading


def digit_variants():
    return [v for v in features.variants(features.Config()) if v.data == "digits"]


def test_digit_controls_each_differ_from_the_pair_in_one_thing():
    # Every digit model has a partner with the same inputs and another kind of model, and one
    # with the same kind of model and other inputs: a 2x2 table of features against models.
    kinds = {(v.model in ("mlp", "cnn"), v.inputs == "raw") for v in digit_variants()}
    assert kinds == {(False, False), (False, True), (True, False), (True, True)}
    model = features.dense_digit_classifier(handmade_features=False)
    assert [layer.name for layer in model.layers] == ["pixels", "output"]  # softmax regression on pixels
    model = features.dense_digit_classifier(handmade_features=True, hidden_units=16)
    assert [layer.name for layer in model.layers] == ["pixels", "features", "hidden", "output"]


@pytest.mark.parametrize("control, value, holds", [
    (None, None, True),
    ("digits-linear_raw", 0.80, False),  # raw pixels no better than the hand-made features
    ("digits-mlp_handmade", 0.96, False),  # a non-linear model wins the information back
    ("digits-cnn_raw", 0.95, False),  # learned filters add nothing to raw pixels
])
def test_verdict_rests_on_every_digit_comparison(control, value, holds):
    accuracy = {
        "circles-linear_raw": 0.46, "circles-linear_squares": 0.99, "circles-mlp_raw": 0.99,
        "digits-linear_handmade": 0.85, "digits-linear_raw": 0.956, "digits-mlp_handmade": 0.91,
        "digits-cnn_raw": 0.978,
    }
    if control:
        accuracy[control] = value
    key = {"circles": "val_accuracy", "digits": "test_accuracy"}
    results = {v: {key[v.data]: accuracy[v.name]} for v in features.variants(features.Config())}
    verdict = features.check(features.Config(), results)
    assert verdict.holds is holds
    assert verdict.numbers == accuracy


def test_verdicts_say_the_same_numbers_in_korean():
    """The claim's and the exercises' verdicts, and the config error, in both languages."""
    import collections
    import re

    from dlintro import i18n
    from dlintro.config import ConfigError

    def numbers(text):
        return collections.Counter(re.findall(r"[+-]?\d+(?:\.\d+)?", text))

    accuracy = {
        "circles-linear_raw": 0.46, "circles-linear_squares": 0.87, "circles-mlp_raw": 0.86,
        "digits-linear_handmade": 0.928, "digits-linear_raw": 0.96, "digits-mlp_handmade": 0.922,
        "digits-cnn_raw": 0.984,
    }
    results = {v: {"val_accuracy": accuracy[v.name], "test_accuracy": accuracy[v.name]}
               for v in features.variants(features.Config())}
    circles = {v: metrics for v, metrics in results.items() if v.data == "circles"}
    shown = {}
    for lang in ("en", "ko"):
        with i18n.language(lang):
            verdicts = [features.check(features.Config(), results).explanation]
            verdicts += [exercise.check(features.Config(), circles).explanation for exercise in features.EXERCISES]
            with pytest.raises(ConfigError) as refused:
                features.Config(test_digits=600, validation_digits=400)
            shown[lang] = [*verdicts, str(refused.value)]
    assert "+3.2 points" in shown["en"][0]
    for english, korean in zip(shown["en"], shown["ko"]):
        assert re.search(r"[\uac00-\ud7a3]", korean), korean
        assert numbers(english) == numbers(korean), (english, korean)
