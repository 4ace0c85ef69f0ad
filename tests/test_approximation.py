"""The approximation lesson: wider hidden layers fit the curve better; a linear one draws a line."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from dlintro import datasets, events, i18n
from dlintro.callbacks.curve import distance_from_line, render_curve
from dlintro.config import ConfigError
from dlintro.lessons import approximation
from dlintro.runner import run_lesson

# Three widths and 600 passes already separate the narrow net from the wide one by far.
WIDTHS = (1, 4, 32)
SHORT = approximation.Config(epochs=600, log_every=200, widths=WIDTHS)


def quiet(*_):
    pass


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """One shortened run, shared by the tests that only read its logs."""
    return run_lesson("approximation", SHORT, runs_root=tmp_path_factory.mktemp("runs"), out=quiet)


def test_every_variant_logs_its_curve_pictures_and_losses(short_run):
    names = ["width-0001-tanh", "width-0004-tanh", "width-0032-linear", "width-0032-tanh"]
    assert [path.name for path in events.variant_dirs(short_run["run_dir"])] == names
    for name in names:
        run = events.load_run(f"{short_run['run_dir']}/{name}")
        assert events.plugin_of(run, "fitted_curve") == "images"
        steps, pictures = events.tensor_series(run, "fitted_curve")
        assert steps == [0, 200, 400, 600]
        # Every picture of a run has the same size: the 320 x 200 plot inside its frame.
        assert len({tuple(picture[:2].tolist()) for picture in pictures}) == 1
        assert int(pictures[-1][0]) >= 320 and int(pictures[-1][1]) >= 200
        for tag in ("activations/hidden", "gradients/hidden/kernel"):
            assert events.plugin_of(run, tag) == "histograms"
        assert events.scalar_series(run, "final_error")[0] == [600]
        validation = events.load_run(f"{short_run['run_dir']}/{name}/validation")
        assert events.scalar_series(validation, "epoch_loss")[0] == [200, 400, 600]


def test_error_against_width_chart_has_the_width_as_its_x_axis(short_run):
    run = events.load_run(Path(short_run["run_dir"]) / "error_vs_width" / "tanh")
    widths, errors = events.scalar_series(run, "final_error_vs_width")
    assert widths == list(WIDTHS)
    reported = [short_run["variants"][f"width-{w:04d}-tanh"]["metrics"]["val_error"] for w in WIDTHS]
    np.testing.assert_allclose(errors, reported, rtol=1e-6)
    assert errors[0] >= 10 * errors[-1]
    # Its log10 twin reads as it opens, without a log axis: a fall of at least 1 is 10x.
    log_widths, logs = events.scalar_series(run, "log10_final_error_vs_width")
    assert log_widths == list(WIDTHS)
    np.testing.assert_allclose(logs, np.log10(errors), rtol=1e-5)
    linear = events.load_run(Path(short_run["run_dir"]) / "error_vs_width" / "linear")
    assert events.scalar_series(linear, "final_error_vs_width")[0] == [32]


def test_claim_numbers_in_summary(short_run):
    claim = short_run["claim"]
    assert claim["holds"] is True
    numbers = claim["numbers"]
    assert numbers["error_ratio_narrowest_over_widest"] >= 10
    assert numbers["linear_distance_from_line"] <= approximation.LINE_TOLERANCE
    # The linear net is no better than width 1 at the curve; it cannot bend at all.
    assert numbers["val_error/width-0032-linear"] > numbers["val_error/width-0032-tanh"] * 10


def test_linear_net_stays_straight_at_every_step_and_the_others_bend(short_run):
    for name, straight in (("width-0032-linear", True), ("width-0032-tanh", False), ("width-0004-tanh", False)):
        run = events.load_run(f"{short_run['run_dir']}/{name}")
        steps, distances = events.scalar_series(run, "fitted_curve/distance_from_line")
        assert steps == [0, 200, 400, 600]
        if straight:
            assert np.all(distances <= approximation.LINE_TOLERANCE), distances
        else:
            assert distances[-1] > 0.1, distances


def test_linear_factory_net_is_fit_by_a_line():
    # An independent check, on nets trained here, with NumPy's own line fit: the linear net's
    # predictions on a grid leave residuals at float32 round-off; a tanh net's do not.
    (x, y), _ = datasets.curve(seed=5)
    grid = np.linspace(-3, 3, 201, dtype=np.float32)
    residual = {}
    for activation in ("linear", "tanh"):
        model = approximation.curve_network(hidden_units=64, hidden_activation=activation)
        model.fit(x, y, epochs=30, batch_size=len(x), verbose=0)
        prediction = model.predict(grid[:, None], verbose=0).astype(np.float64).ravel()
        line = np.polyval(np.polyfit(grid, prediction, 1), grid)
        residual[activation] = np.max(np.abs(prediction - line)) / np.std(y)
    assert residual["linear"] < 1e-5 and residual["tanh"] > 1e-2, residual


@pytest.mark.parametrize("seed", [1, 2])
def test_claim_holds_for_other_seeds(runs_root, seed):
    summary = run_lesson("approximation", dataclasses.replace(SHORT, seed=seed), runs_root=runs_root, out=quiet)
    assert summary["claim"]["holds"] is True, summary["claim"]["verdict"]


def test_distance_from_line_and_curve_picture():
    x = np.linspace(-3, 3, 320)
    assert distance_from_line(x, 2 * x + 1) < 1e-12
    assert distance_from_line(x, x**2) > 1
    image = render_curve(x, np.sin(x), np.zeros_like(x), points=(x[::40], np.sin(x[::40])))
    assert image.shape == (200, 320, 3) and image.dtype == np.uint8
    orange = np.all(image == (230, 97, 1), axis=-1)
    # The fitted curve y = 0 is drawn as a horizontal orange band across the picture.
    assert orange.any(axis=0).all() and orange.any(axis=1).sum() <= 4


def test_widths_must_increase():
    with pytest.raises(ConfigError):
        approximation.Config(widths=(8, 4))
    with pytest.raises(ConfigError):
        approximation.Config(widths=(8,))


def test_runs_sort_by_width_whatever_the_widths():
    # TensorBoard shows the runs' cards in name order: it must be width order.
    config = approximation.Config(widths=(1, 2, 8, 32, 128, 1024))
    names = [variant.name for variant in approximation.variants(config)]
    assert sorted(names) == ["width-0001-tanh", "width-0002-tanh", "width-0008-tanh", "width-0032-tanh",
                             "width-0128-tanh", "width-1024-linear", "width-1024-tanh"]


def _results(errors):
    nets = [approximation.Net(name=f"n{w}", hidden_activation="tanh", hidden_units=w) for w in errors]
    results = {net: {"val_error": errors[net.hidden_units], "train_error": 0.0, "distance_from_line": 0.5} for net in nets}
    linear = approximation.Net(name="lin", hidden_activation="linear", hidden_units=max(errors))
    results[linear] = {"val_error": 0.5, "train_error": 0.5, "distance_from_line": 1e-6}
    return results


def test_the_verdict_says_rises_when_the_error_rises():
    # A 2000-step run once printed "falls ... (0x lower)" for an error that rose.
    rising = approximation.check(approximation.Config(), _results({1: 1e-3, 128: 4e-3}))
    assert not rising.holds
    assert "rises from 0.001 at width 1 to 0.004 at width 128 (4x higher" in rising.explanation
    falling = approximation.check(approximation.Config(), _results({1: 0.5, 128: 5e-4}))
    assert falling.holds and "falls from 0.5 at width 1 to 0.0005 at width 128 (1000x lower" in falling.explanation


def test_the_verdict_says_the_same_in_korean():
    with i18n.language("ko"):
        rising = approximation.check(approximation.Config(), _results({1: 1e-3, 128: 4e-3}))
        falling = approximation.check(approximation.Config(), _results({1: 0.5, 128: 5e-4}))
    assert "너비 1일 때의 0.001에서 너비 128일 때의 0.004까지 늘어납니다(4배 높음" in rising.explanation
    assert "너비 1일 때의 0.5에서 너비 128일 때의 0.0005까지 줄어듭니다(1000배 낮음" in falling.explanation


def test_few_points_expects_the_factor_its_check_asks_for():
    # The expected outcome is a constant marked for translation, so its factor is written out.
    (exercise,) = [exercise for exercise in approximation.EXERCISES if exercise.name == "few_points"]
    assert f"at least {approximation.FEW_POINTS_FACTOR}x above" in exercise.expected
    assert f"적어도 {approximation.FEW_POINTS_FACTOR}배" in i18n.translate(exercise.expected, "ko")


def test_the_korean_text_renders_with_the_runs_korean_numbers(short_run):
    from dlintro import texts

    numbers = short_run["translations"]["ko"]["text_numbers"]
    markdown = texts.lesson_markdown("approximation", numbers, lang="ko")
    assert "{" not in markdown and "너비 1에서" in numbers["errors_by_width"]
    assert numbers["error_verb"] in ("줄어듭니다", "늘어납니다", "그대로입니다")
