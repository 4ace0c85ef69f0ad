"""The minima lesson: starts trained together train exactly as alone; narrow nets get stuck."""

import dataclasses
import json

import numpy as np
import pytest

from dlintro import bench, datasets, events
from dlintro.config import ConfigError
from dlintro.lessons import minima
from dlintro.runner import run_lesson
from dlintro.training import fit

STARTS = 40
# The lesson's QUICK run, logged twice as often, so that the curves have a few points.
SHORT = dataclasses.replace(minima.QUICK, log_every=100)
STEPS = [0, 100, 200, 300, 400]


def quiet_run(config, runs_root):
    return run_lesson("minima", config, runs_root=runs_root, out=lambda *_: None)


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """One shortened run of all six variants, shared by the tests that only read its logs."""
    return quiet_run(SHORT, tmp_path_factory.mktemp("runs"))


def stuck_counts(histogram):
    """(fewest, most) starts a loss histogram can hold above the stuck line.

    The fewest count only buckets wholly above the line, the most also the bucket across it.
    """
    left, right, counts = histogram.T
    return counts[left > minima.STUCK_LOSS].sum(), counts[right > minima.STUCK_LOSS].sum()


def xor_variants(config):
    return [v for v in minima.variants(config) if isinstance(v, minima.Ensemble)]


def test_every_variant_logs_start_losses_shares_slices_and_the_generic_reports(short_run):
    assert [path.name for path in events.variant_dirs(short_run["run_dir"])] == sorted(
        v.name for v in minima.variants(minima.Config())
    )
    for variant in xor_variants(minima.Config()):
        run = events.load_run(f"{short_run['run_dir']}/{variant.name}")
        assert events.plugin_of(run, "start_losses") == "histograms"
        steps, histograms = events.tensor_series(run, "start_losses")
        assert steps == STEPS
        assert all(h[:, 2].sum() == STARTS for h in histograms)  # every start, every step
        for tag in ("stuck_share", "mean_start_loss"):
            assert events.plugin_of(run, tag) == "scalars"
        steps, shares = events.scalar_series(run, "stuck_share")
        assert steps == STEPS and shares[0] == 1.0  # untrained, every start is above the line
        # The last histogram and the last share tell the same story as summary.json.
        final_share = short_run["variants"][variant.name]["metrics"]["stuck_share"]
        assert shares[-1] == pytest.approx(final_share)
        fewest, most = stuck_counts(histograms[-1])
        assert fewest <= round(final_share * STARTS) <= most
        # A solved start always exists; a stuck one only where some start got stuck.
        slices = {tag for tag in events.tags(run) if tag.startswith("loss_slice/")}
        assert slices == {"loss_slice/solved"} | ({"loss_slice/stuck"} if final_share else set())
        for tag in slices:
            assert events.plugin_of(run, tag) == "images"
            steps, (image,) = events.tensor_series(run, tag)
            assert steps == [400] and image[2].startswith(b"\x89PNG")
        # The generic reporting treats all starts of a layer as one layer's weights.
        units = variant.hidden_units
        _, activations = events.tensor_series(run, "activations/hidden")
        assert all(h[:, 2].sum() == 4 * STARTS * units for h in activations)
        _, gradients = events.tensor_series(run, "gradients/hidden/kernel")
        assert all(h[:, 2].sum() == STARTS * 2 * units for h in gradients)
        assert "gradient_norm/output" in events.tags(run)
        train = events.load_run(f"{short_run['run_dir']}/{variant.name}/train")
        assert {"epoch_loss", "hidden/kernel/histogram"} <= events.tags(train)


def test_slice_pictures_start_high_and_end_where_training_ended(short_run):
    import io

    from PIL import Image

    run = events.load_run(f"{short_run['run_dir']}/2_units-adam")
    for kind in ("stuck", "solved"):
        _, (image,) = events.tensor_series(run, f"loss_slice/{kind}")
        width, height = int(image[0]), int(image[1])
        pixels = np.asarray(Image.open(io.BytesIO(image[2])))
        assert pixels.shape[:2] == (height, width) and pixels.std() > 0


def test_summary_json_and_claim(short_run):
    written = json.loads(open(f"{short_run['run_dir']}/summary.json").read())
    assert written["status"] == "completed" and written["claim"]["holds"] is True
    assert set(written["claim"]["numbers"]) == {v.name for v in minima.variants(minima.Config())}
    for name, entry in written["variants"].items():
        if name == "sine_frequency":
            continue
        # A start below ln(2)/4 gets every corner right, so unsolved starts are all stuck ones.
        assert entry["metrics"]["unsolved_share"] <= entry["metrics"]["stuck_share"]


@pytest.mark.parametrize("seed", [1, 2])
def test_claim_narrow_nets_get_stuck_wide_ones_do_not(runs_root, seed):
    summary = quiet_run(dataclasses.replace(SHORT, optimizers=("adam",), seed=seed), runs_root)
    shares = summary["claim"]["numbers"]
    narrow_adam = summary["variants"]["2_units-adam"]["metrics"]
    assert narrow_adam["still_moving_share"] == 0  # every stuck start has stalled
    assert shares["2_units-adam"] >= 0.2
    assert shares["8_units-adam"] <= 0.05
    assert summary["claim"]["holds"] is True
    # The text's numbers of the optimizers this run did not train read as not trained.
    assert summary["text_numbers"]["narrow_sgd_stuck"] == minima.NOT_TRAINED
    assert summary["text_numbers"]["narrow_adam_stuck"] == f"{shares['2_units-adam']:.0%}"
    # The event files show it too: the last loss histogram has a stuck lump for 2 units only.
    narrow = events.load_run(f"{summary['run_dir']}/2_units-adam")
    wide = events.load_run(f"{summary['run_dir']}/8_units-adam")
    assert events.scalar_series(narrow, "stuck_share")[1][-1] >= 0.2
    assert events.scalar_series(wide, "stuck_share")[1][-1] <= 0.05
    fewest, _ = stuck_counts(events.tensor_series(narrow, "start_losses")[1][-1])
    _, most = stuck_counts(events.tensor_series(wide, "start_losses")[1][-1])
    assert fewest >= 0.2 * STARTS and most <= 0.05 * STARTS


@pytest.mark.parametrize("optimizer", minima.OPTIMIZERS)
def test_a_start_trained_in_the_ensemble_trains_exactly_as_alone(optimizer):
    import keras

    x, y = datasets.gates("xor")
    rate = minima.Config().learning_rate(optimizer)
    keras.utils.set_random_seed(0)
    together = minima.ensemble_xor_network(5, 2, optimizer=optimizer, learning_rate=rate)
    alone = minima.ensemble_xor_network(1, 2, optimizer=optimizer, learning_rate=rate)
    start = 3
    alone.set_weights([weights[start : start + 1] for weights in together.get_weights()])
    for model in (together, alone):
        fit(model, x, y, log_dir=None, epochs=50, log_every=50, report=False)
    for in_ensemble, on_its_own in zip(together.get_weights(), alone.get_weights()):
        np.testing.assert_allclose(in_ensemble[start : start + 1], on_its_own, rtol=1e-4, atol=1e-6)


def test_each_start_is_initialised_like_a_plain_dense_layer():
    import keras

    keras.utils.set_random_seed(0)
    kernel = minima.ensemble_xor_network(starts=2000, hidden_units=2).get_weights()[0]
    limit = np.sqrt(6 / (2 + 2))  # Glorot uniform for 2 inputs and 2 units
    assert kernel.shape == (2000, 2, 2)
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit


def test_factory_model_saves_and_loads(tmp_path):
    import keras

    x, y = datasets.gates("xor")
    model = minima.ensemble_xor_network(starts=3, hidden_units=2)
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "minima.keras"
    keras.saving.save_model(model, path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert loaded.predict(x, verbose=0).shape == (4, 3, 1)
    loaded.fit(x, y, epochs=1, verbose=0)


def test_starts_per_second_measures_both_ways():
    for one_by_one in (False, True):
        assert bench.starts_per_second(starts=2, epochs=10, one_by_one=one_by_one) > 0


def test_quick_config_still_shows_the_split():
    assert minima.QUICK.starts == STARTS and minima.QUICK.epochs == 400 and minima.QUICK.log_every == 200


def made_up_metrics(variant, narrow_stuck=0.3, still_moving=0.0, sine_minimum=0.25):
    if isinstance(variant, minima.SineStarts):
        return {"solved_share": 1 - sine_minimum, "valley_floor_share": sine_minimum, "saddle_share": 0.0,
                "still_moving_share": 0.0, "smallest_floor_curvature": 0.5 if sine_minimum else 0.0}
    stuck = narrow_stuck if variant.hidden_units == 2 else 0.0
    return {"stuck_share": stuck, "solved_share": 1 - stuck, "valley_floor_share": stuck - still_moving,
            "saddle_share": 0.0, "still_moving_share": still_moving}


def test_check_selects_variants_by_their_fields_not_their_names():
    config = minima.Config(optimizers=("adam",))
    renamed = [dataclasses.replace(v, name=f"run{i}") for i, v in enumerate(minima.variants(config))]
    assert minima.check(config, {v: made_up_metrics(v) for v in renamed}).holds is True
    for broken in (dict(narrow_stuck=0.1), dict(still_moving=0.05), dict(sine_minimum=0.0)):
        assert minima.check(config, {v: made_up_metrics(v, **broken) for v in renamed}).holds is False


def starts_record(run_dir, variant_name):
    return json.loads(open(f"{run_dir}/{variant_name}/starts.json").read())


def rederived_class(start, record):
    """A start's class by the definitions, from the numbers saved beside it."""
    eigenvalues = np.array(start["eigenvalues"])
    if start["loss"] < record["solved_loss"]:
        return "solved"
    if start["gradient_norm"] >= record["gradient_tolerance"] * record["gradient_scale"]:
        return "still_moving"
    clearly_negative = eigenvalues.min() < -record["curvature_tolerance"] * np.abs(eigenvalues).max()
    return "saddle" if clearly_negative else "valley_floor"


def test_every_start_is_classed_as_defined_and_the_shares_add_up_to_one(short_run):
    for variant in minima.variants(minima.Config()):
        metrics = short_run["variants"][variant.name]["metrics"]
        shares = [metrics[f"{name}_share"] for name in minima.CLASSES]
        assert sum(shares) == pytest.approx(1.0)
        record = starts_record(short_run["run_dir"], variant.name)
        classes = [start["class"] for start in record["starts"]]
        assert classes == [rederived_class(start, record) for start in record["starts"]]
        for name, share in zip(minima.CLASSES, shares):
            assert classes.count(name) / len(classes) == pytest.approx(share)
        for start in record["starts"]:
            if start["class"] == "saddle":  # a negative eigenvalue below the threshold
                eigenvalues = np.array(start["eigenvalues"])
                assert eigenvalues.min() < -record["curvature_tolerance"] * np.abs(eigenvalues).max() < 0
        # The scalars over training tell the same story at the last step.
        run = events.load_run(f"{short_run['run_dir']}/{variant.name}")
        for name, share in zip(minima.CLASSES, shares):
            steps, values = events.scalar_series(run, f"{name}_share")
            assert steps[0] == 0 and values[-1] == pytest.approx(share)
        assert events.plugin_of(run, "start_classes") == "images"


def test_the_stuck_narrow_starts_have_stalled_and_the_048_ones_are_saddles(short_run):
    record = starts_record(short_run["run_dir"], "2_units-adam")
    stuck = [start for start in record["starts"] if start["loss"] > minima.STUCK_LOSS]
    assert stuck and all(start["class"] in ("valley_floor", "saddle") for start in stuck)
    # The level near 0.48 (three corners at about 2/3) has a direction curving down.
    high = [start for start in stuck if start["loss"] > 0.45]
    assert all(start["class"] == "saddle" for start in high)


def test_the_sine_neuron_has_true_local_minima(short_run):
    metrics = short_run["variants"]["sine_frequency"]["metrics"]
    assert metrics["valley_floor_share"] > 0 and metrics["solved_share"] > 0
    record = starts_record(short_run["run_dir"], "sine_frequency")
    in_other_valley = [start for start in record["starts"] if start["class"] == "valley_floor"]
    for start in in_other_valley:
        # Above the deepest valley, gradient about 0, and curving up: a true local minimum.
        assert start["loss"] > record["solved_loss"]
        assert start["gradient_norm"] < record["gradient_tolerance"] * record["gradient_scale"]
        (curvature,) = start["eigenvalues"]
        assert curvature > 0
    assert min(start["eigenvalues"][0] for start in in_other_valley) == pytest.approx(
        metrics["smallest_floor_curvature"])
    run = events.load_run(f"{short_run['run_dir']}/sine_frequency")
    steps, (image,) = events.tensor_series(run, "loss_curve_paths")
    assert steps == [SHORT.sine_epochs] and image[2].startswith(b"\x89PNG")


def test_the_sine_losses_have_several_valleys_and_descent_finds_the_nearest():
    (x, y), _ = datasets.curve()
    floors = minima.valley_floors(x, y)
    assert len(floors) >= 3 and floors[0] < floors[1] / 3  # a deepest valley, clearly deepest
    import keras

    model = minima.sine_frequency_network(starts=2, learning_rate=0.05)
    model.get_layer("sine").set_weights([np.array([1.8, 4.4], "float32")])
    fit(model, x, y, log_dir=None, epochs=300, log_every=300, report=False)
    (frequencies,) = model.get_layer("sine").get_weights()
    np.testing.assert_allclose(frequencies, [2.10, 4.69], atol=0.01)  # each stays in its own valley
    assert isinstance(model, keras.Model)


@pytest.mark.parametrize(
    "arguments",
    [["--narrow-units", "8", "--wide-units", "8"], ["--optimizers", "sgd,momentum"],
     ["--optimizers", "adam,adam"], ["--epochs", "450", "--log-every", "100"]],
)
def test_config_refuses_inconsistent_settings(arguments):
    from dlintro.config import parse_overrides

    with pytest.raises(ConfigError):
        parse_overrides(minima.Config, arguments)


def exercise_results(name, **metrics_by_units):
    """Made-up results for the variants an exercise trains, renamed so names cannot be parsed."""
    from dlintro.exercises import find

    exercise = find(minima, name)
    config = exercise.config(minima.Config)
    chosen = [dataclasses.replace(v, name=f"run{i}") for i, v in enumerate(exercise.variants(minima, config))]
    results = {v: metrics_by_units[f"u{v.hidden_units}" if isinstance(v, minima.Ensemble) else "sine"]
               for v in chosen}
    return exercise, config, results


def shares(stuck, still_moving=0.0, **more):
    return {"stuck_share": stuck, "solved_share": 1 - stuck, "valley_floor_share": stuck - still_moving,
            "saddle_share": 0.0, "still_moving_share": still_moving, **more}


@pytest.mark.parametrize(
    ("name", "holding", "failing"),
    [
        ("three_units", dict(u3=shares(0.13), u8=shares(0.0)), dict(u3=shares(0.3), u8=shares(0.0))),
        ("three_units", dict(u3=shares(0.13), u8=shares(0.0)), dict(u3=shares(0.0), u8=shares(0.0))),
        ("train_longer", dict(u2=shares(0.4, stuck_share_at_lesson_length=0.4, got_out_share=0.0)),
         dict(u2=shares(0.2, stuck_share_at_lesson_length=0.4, got_out_share=0.5))),
        ("fast_adam", dict(u2=shares(0.8), u8=shares(0.3)), dict(u2=shares(0.8), u8=shares(0.0))),
        ("fast_adam", dict(u2=shares(0.8), u8=shares(0.3)), dict(u2=shares(0.2), u8=shares(0.3))),
        ("sine_big_step", dict(sine={**shares(0.0), "solved_share": 0.125, "settled_in_deepest_share": 0.0}),
         dict(sine={**shares(0.0), "solved_share": 0.125, "settled_in_deepest_share": 0.125})),
    ],
)
def test_exercise_checks_select_by_fields_and_refuse_the_other_outcome(name, holding, failing):
    exercise, config, results = exercise_results(name, **holding)
    assert exercise.check(config, results).holds is True
    exercise, config, results = exercise_results(name, **failing)
    assert exercise.check(config, results).holds is False


def test_the_longer_training_exercise_trains_only_the_2_unit_adam_net():
    from dlintro.exercises import find

    exercise = find(minima, "train_longer")
    (variant,) = exercise.variants(minima, exercise.config(minima.Config))
    assert (variant.hidden_units, variant.optimizer) == (2, "adam")
    with pytest.raises(ConfigError):  # it pins the narrow width it talks about
        exercise.config(minima.Config, {"narrow_units": 3})


def test_a_solved_and_a_stuck_start_are_replayed_alone_and_drawn(short_run):
    # The 2-unit Adam net's first solved and first stuck start, trained again alone from their
    # initial weights, end where they ended in the ensemble, and are drawn at every log point.
    (name,) = [n for n, e in short_run["variants"].items()
               if e["hparams"].get("optimizer") == "adam" and e["hparams"].get("hidden_units") == SHORT.narrow_units]
    metrics = short_run["variants"][name]["metrics"]
    kinds = [kind for kind in ("solved", "stuck") if f"replayed_{kind}_loss_gap" in metrics]
    assert kinds == ["solved", "stuck"]
    for kind in kinds:
        assert metrics[f"replayed_{kind}_loss_gap"] < 1e-4
        run = events.load_run(f"{short_run['run_dir']}/{name}/{kind}_start")
        steps, _ = events.tensor_series(run, "network_map")
        assert steps == list(range(0, SHORT.epochs + 1, SHORT.log_every))


def test_views_lead_with_the_sine_neurons_paths():
    first = minima.VIEWS[0]
    assert first.shows == ("loss_curve_paths",) and "sine_frequency" in first.run_filter


def test_the_lesson_text_is_filled_with_the_runs_own_numbers(short_run):
    from dlintro import texts

    numbers = short_run["text_numbers"]
    metrics = {name: entry["metrics"] for name, entry in short_run["variants"].items()}
    assert numbers["narrow_adam_stuck"] == f"{metrics['2_units-adam']['stuck_share']:.0%}"
    assert numbers["narrow_adam_valley_floor"] == f"{metrics['2_units-adam']['valley_floor_share']:.0%}"
    assert numbers["wide_adam_stuck"] == f"{metrics['8_units-adam']['stuck_share']:.0%}"
    assert numbers["sine_other"] == round(metrics["sine_frequency"]["valley_floor_share"] * SHORT.sine_starts)
    assert numbers["starts"] == STARTS and numbers["narrow_weights"] == 9 and numbers["wide_weights"] == 33
    # Every part renders with them, and the Text tab shows the rendered text.
    for body in texts.parts("minima").values():
        texts.render(body, numbers)
    _, shown = events.tensor_series(events.load_run(short_run["run_dir"]), "lesson")
    assert texts.lesson_markdown("minima", numbers) in shown[-1].item().decode()


def test_the_stuck_floor_starts_are_far_from_a_bottom_and_the_sine_ones_at_one(short_run):
    # The 2-unit starts on a valley floor: the bowl their gradient and curvature describe has
    # its bottom far off (the floor sinks on); the sine neuron's: right where they stand.
    stuck = [start["bottom_distance"] for start in starts_record(short_run["run_dir"], "2_units-adam")["starts"]
             if start["class"] == "valley_floor"]
    sine = [start["bottom_distance"] for start in starts_record(short_run["run_dir"], "sine_frequency")["starts"]
            if start["class"] == "valley_floor"]
    assert stuck and sine
    assert min(stuck) > 0.5 and max(sine) < 0.05
    metrics = short_run["variants"]["2_units-adam"]["metrics"]
    assert metrics["floor_bottom_distance_min"] == pytest.approx(min(stuck))


def test_got_out_counts_the_starts_stuck_at_the_lessons_length_that_got_below_the_line():
    lesson_length = minima.Config().epochs
    above, below = minima.STUCK_LOSS + 0.1, minima.STUCK_LOSS - 0.1
    history = [(0, np.array([above] * 4)), (lesson_length, np.array([above, above, below, above])),
               (2 * lesson_length, np.array([below, above, below, above]))]
    stuck_at_end = history[-1][1] > minima.STUCK_LOSS
    assert minima.got_out(history, stuck_at_end) == {"stuck_share_at_lesson_length": 0.75, "got_out_share": 1 / 3}
    assert minima.got_out(history[:2], history[1][1] > minima.STUCK_LOSS) == {}  # not longer than the lesson


def test_the_verdicts_and_the_slice_picture_speak_korean_with_the_same_numbers():
    import collections
    import re
    import warnings

    from dlintro import i18n

    hangul = re.compile(r"[\uac00-\ud7a3]")

    def numbers(text):
        return collections.Counter(re.findall(r"\d+(?:\.\d+)?(?:e-?\d+)?", text))

    config = minima.Config()
    metrics = {"stuck_share": 0.42, "valley_floor_share": 0.31, "saddle_share": 0.11, "still_moving_share": 0.0,
               "solved_share": 0.58, "smallest_floor_curvature": 0.3995, "stuck_share_at_lesson_length": 0.4,
               "got_out_share": 0.05, "settled_in_deepest_share": 0.0}
    results = {variant: metrics for variant in minima.variants(config)}
    adam = {variant: metrics for variant in xor_variants(config) if variant.optimizer == "adam"}
    (sine,) = [variant for variant in results if isinstance(variant, minima.SineStarts)]
    exercises = {exercise.name: exercise for exercise in minima.EXERCISES}
    checks = [lambda: minima.check(config, results).explanation,
              lambda: exercises["three_units"].check(config, adam).explanation,
              lambda: exercises["fast_adam"].check(config, adam).explanation,
              lambda: exercises["train_longer"].check(config, dict(list(adam.items())[:1])).explanation,
              lambda: exercises["sine_big_step"].check(config, {sine: metrics}).explanation]
    for explain in checks:
        with i18n.language("en"):
            english = explain()
        with i18n.language("ko"):
            korean = explain()
        assert hangul.search(korean) and not hangul.search(english)
        assert numbers(english) == numbers(korean), (english, korean)
    with i18n.language("ko"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        title = i18n._(minima.SLICE_TITLES["stuck"]).format(start=3)
        image = minima.render_loss_slice(np.linspace(0, 1, 5), np.full(5, 0.4), [0.5, 0.35], title)
    assert hangul.search(title) and image.ndim == 3
    assert not [warning for warning in caught if "missing from font" in str(warning.message)]  # no empty boxes
