"""The overfitting lesson: training and validation loss part without regularization, less with it."""

import numpy as np
import pytest

from dlintro import datasets, events
from dlintro.lessons import overfitting
from dlintro.runner import run_lesson

from languages_test_support import assert_korean_says_the_same

SHORT = overfitting.QUICK  # 300 passes, a log point every 20: the claim holds there too
NAMES = ["none", "dropout", "l2", "early_stopping"]


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """One shortened run, shared by the tests that only read its logs."""
    return run_lesson("overfitting", SHORT, runs_root=tmp_path_factory.mktemp("runs"), out=lambda *_: None)


def curves(run_dir, variant, tag="epoch_loss"):
    """(steps, training values, validation values) of a Keras metric of one variant."""
    steps, train = events.scalar_series(events.load_run(f"{run_dir}/{variant}/train"), tag)
    val_steps, validation = events.scalar_series(events.load_run(f"{run_dir}/{variant}/validation"), tag)
    assert steps == val_steps
    return steps, train, validation


def test_every_variant_logs_curves_charts_and_pictures(short_run):
    run_dir = short_run["run_dir"]
    assert [path.name for path in events.variant_dirs(run_dir)] == sorted(NAMES)
    for name in NAMES:
        steps, _, _ = curves(run_dir, name)
        assert steps[0] == 20 and np.all(np.diff(steps) == 20)
        run = events.load_run(f"{run_dir}/{name}")
        assert events.plugin_of(run, "decision_boundary") == "images"
        pictures = events.tensor_series(run, "decision_boundary")[0]
        assert pictures[0] == 0 and np.all(np.diff(pictures) == 40)
        for tag in ("gradient_norm/hidden_1", "gradient_norm/output", "dead_share/hidden_3"):
            assert events.plugin_of(run, tag) == "scalars"
        # The per-run Custom Scalars chart: its layout in train/, its tag in both runs, with
        # the same values as Keras's cross-entropy without the L2 penalty.
        train = events.load_run(f"{run_dir}/{name}/train")
        assert events.plugin_of(train, "custom_scalars__config__") == "custom_scalars"
        for part in ("train", "validation"):
            part_run = events.load_run(f"{run_dir}/{name}/{part}")
            chart_steps, chart = events.scalar_series(part_run, f"train_vs_validation/{name}")
            keras_steps, cross_entropy = events.scalar_series(part_run, "epoch_cross_entropy")
            assert chart_steps == keras_steps
            np.testing.assert_allclose(chart, cross_entropy, rtol=1e-6)
    # Only early stopping stops early.
    assert curves(run_dir, "none")[0][-1] == 300
    assert curves(run_dir, "early_stopping")[0][-1] < 300


def test_unregularized_validation_loss_rises_after_its_minimum_while_training_loss_falls(short_run):
    steps, train, validation = curves(short_run["run_dir"], "none")
    best = int(np.argmin(validation))
    assert best < len(steps) - 3  # the minimum comes early, then several log points of rising
    assert validation[-1] >= 2 * validation[best]
    assert train[-1] < train[best] and train[-1] < 0.05
    metrics = short_run["variants"]["none"]["metrics"]
    assert metrics["min_val_loss"] == pytest.approx(validation[best], rel=1e-5)


def test_dropout_and_l2_end_with_a_much_lower_validation_loss(short_run):
    assert short_run["claim"]["holds"] is True
    run_dir = short_run["run_dir"]
    # epoch_cross_entropy leaves out the L2 penalty, so all variants are measured alike.
    final = {name: curves(run_dir, name, "epoch_cross_entropy")[2][-1] for name in NAMES}
    assert final["dropout"] <= 0.7 * final["none"]
    assert final["l2"] <= 0.7 * final["none"]
    numbers = short_run["claim"]["numbers"]
    assert numbers["l2_val_loss"] == pytest.approx(final["l2"], rel=1e-3)


def test_early_stopping_keeps_the_best_weights(short_run):
    # Same seed, same net as "none" up to the stop: the restored weights are none's best ones.
    variants = short_run["variants"]
    assert variants["early_stopping"]["metrics"]["val_loss"] == pytest.approx(
        variants["none"]["metrics"]["min_val_loss"], rel=1e-3
    )
    assert variants["early_stopping"]["metrics"]["val_loss"] < 0.5 * variants["none"]["metrics"]["val_loss"]


def test_dropout_and_l2_reduce_the_climb_but_do_not_stop_it(short_run):
    run_dir = short_run["run_dir"]
    for name in ("dropout", "l2"):
        _, _, validation = curves(run_dir, name, "epoch_cross_entropy")
        assert validation[-1] >= 1.25 * validation.min()


def test_the_verdict_numbers_are_the_logged_curves_last_values(short_run):
    # Final numbers and curves are both Keras's cross-entropy from the logits; the verdict
    # must agree with the charts beside it, not with a clipped recomputation.
    run_dir, numbers = short_run["run_dir"], short_run["claim"]["numbers"]
    for name in ("none", "dropout", "l2"):
        metrics = short_run["variants"][name]["metrics"]
        _, train, validation = curves(run_dir, name, "epoch_cross_entropy")
        _, train_accuracy, validation_accuracy = curves(run_dir, name, "epoch_accuracy")
        assert numbers[f"{name}_val_loss"] == pytest.approx(validation[-1], rel=1e-6)
        assert numbers[f"{name}_min_val_loss"] == pytest.approx(validation.min(), rel=1e-6)
        assert metrics["train_loss"] == pytest.approx(train[-1], rel=1e-6)
        assert metrics["train_accuracy"] == pytest.approx(train_accuracy[-1], rel=1e-6)
        assert metrics["val_accuracy"] == pytest.approx(validation_accuracy[-1], rel=1e-6)
    assert numbers["none_train_loss"] == pytest.approx(curves(run_dir, "none", "epoch_cross_entropy")[1][-1], rel=1e-6)
    # The Custom Scalars chart ends where the verdict does, for the L2 run too.
    for name in ("none", "dropout", "l2"):
        chart_steps, chart = events.scalar_series(
            events.load_run(f"{run_dir}/{name}/validation"), f"train_vs_validation/{name}"
        )
        assert numbers[f"{name}_val_loss"] == pytest.approx(chart[-1], rel=1e-6)


def test_the_l2_chart_leaves_out_the_penalty_that_kerass_loss_includes(short_run):
    # Keras's epoch_loss of the L2 run adds the penalty at every log point; the chart, like the
    # verdict, is the cross-entropy alone, on the training and on the validation points.
    for part in ("train", "validation"):
        run = events.load_run(f"{short_run['run_dir']}/l2/{part}")
        _, chart = events.scalar_series(run, "train_vs_validation/l2")
        _, loss = events.scalar_series(run, "epoch_loss")
        _, cross_entropy = events.scalar_series(run, "epoch_cross_entropy")
        np.testing.assert_allclose(chart, cross_entropy, rtol=1e-6)
        assert np.all(loss > chart + 1e-3), part


def test_early_stopping_reports_its_restored_weights_while_its_curves_run_past_them(short_run):
    run_dir = short_run["run_dir"]
    metrics = short_run["variants"]["early_stopping"]["metrics"]
    steps, _, validation = curves(run_dir, "early_stopping", "epoch_cross_entropy")
    _, _, validation_accuracy = curves(run_dir, "early_stopping", "epoch_accuracy")
    best = int(np.argmin(validation))
    assert metrics["val_loss"] == pytest.approx(validation[best], rel=1e-6)
    assert metrics["val_accuracy"] == pytest.approx(validation_accuracy[best], rel=1e-6)
    assert metrics["min_val_loss_pass"] == steps[best]
    assert steps[-1] == metrics["passes"] == steps[best] + SHORT.patience * SHORT.log_every
    assert validation[-1] > validation[best]


def test_validation_accuracy_is_logged_and_barely_moves_while_the_loss_climbs(short_run):
    run_dir = short_run["run_dir"]
    for name in NAMES:
        run = events.load_run(f"{run_dir}/{name}/validation")
        assert events.plugin_of(run, "epoch_accuracy") == "scalars"
    _, _, loss = curves(run_dir, "none")
    _, _, accuracy = curves(run_dir, "none", "epoch_accuracy")
    # From the loss's minimum on, the loss grows several times over, the accuracy drops by
    # at most a few points: the net grows sure of its mistakes rather than making more.
    best = int(np.argmin(loss))
    assert loss[-1] >= 3 * loss[best]
    assert accuracy[best:].max() - accuracy[-1] <= 0.05
    assert "overfitting-accuracy" in [view.file for view in overfitting.VIEWS]


def test_every_variant_is_scored_on_the_test_split(short_run):
    numbers = short_run["claim"]["numbers"]
    accuracies = []
    for name in NAMES:
        metrics = short_run["variants"][name]["metrics"]
        assert numbers[f"{name}_test_loss"] == metrics["test_loss"]
        assert 0.5 < metrics["test_accuracy"] <= 1.0
        accuracies.append(metrics["test_accuracy"])
        if name != "none":
            assert metrics["test_loss"] < numbers["none_test_loss"]
    assert numbers["test_accuracy_spread"] == pytest.approx(max(accuracies) - min(accuracies))
    assert numbers["test_accuracy_spread"] <= 0.05


def test_the_test_split_is_disjoint_from_training_and_validation():
    config = overfitting.QUICK
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = overfitting.moons_splits(config)
    assert (len(x_train), len(x_val), len(x_test)) == (config.train_size, config.validation_size, config.test_size)
    assert len(y_train) + len(y_val) + len(y_test) == config.train_size + config.validation_size + config.test_size
    rows = {tuple(point) for point in np.concatenate([x_train, x_val, x_test])}
    assert len(rows) == len(x_train) + len(x_val) + len(x_test)
    # One draw from the same moons: the training points are the draw's first ones.
    (x_first, _), _ = datasets.moons(
        train_points=config.train_size, validation_points=config.validation_size + config.test_size,
        noise=config.noise, seed=config.seed,
    )
    np.testing.assert_array_equal(x_train, x_first)


def test_factory_model_with_regularization_saves_and_loads(tmp_path):
    import keras

    model = overfitting.wide_network(hidden_units=8, dropout_rate=0.5, l2=1e-3)
    (x, y), _ = datasets.moons(train_points=20, validation_points=10, noise=0.3, seed=0)
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "wide.keras"
    keras.saving.save_model(model, path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_variants_are_told_apart_by_their_fields():
    variants = overfitting.variants(overfitting.Config())
    assert [variant.name for variant in variants] == NAMES
    assert [overfitting.unregularized(variant) for variant in variants] == [True, False, False, False]
    assert all(variant.data == "moons" for variant in variants)


def test_config_refuses_a_dropout_rate_of_one():
    with pytest.raises(ValueError):
        overfitting.Config(dropout_rate=1.0)


def test_each_exercise_trains_one_variant_and_refuses_the_lessons_own_overfitting():
    # Seed 0's unregularized net (training loss 0.003, validation loss 2.20 from a minimum of
    # 0.30 at pass 40) and its L2 net (0.41 from 0.26): none of the exercises' expected
    # outcomes may hold for the overfitting the lesson itself shows.
    overfit = {"train_loss": 0.003, "val_loss": 2.20, "min_val_loss": 0.30, "min_val_loss_pass": 40.0,
               "val_accuracy": 0.88, "test_loss": 2.39}
    l2_climb = {**overfit, "train_loss": 0.04, "val_loss": 0.41, "min_val_loss": 0.26, "test_loss": 0.44}
    for exercise in overfitting.EXERCISES:
        config = exercise.config(overfitting.Config)
        (variant,) = exercise.variants(overfitting, config)
        metrics = l2_climb if variant.l2 else overfit
        verdict = exercise.check(config, {variant: metrics})
        assert verdict.holds is False, exercise.name
        assert verdict.numbers[f"{variant.name}_val_over_min"] == pytest.approx(
            metrics["val_loss"] / metrics["min_val_loss"]
        )


def test_point_losses_from_the_logits_average_to_kerass_cross_entropy():
    import keras

    keras.utils.set_random_seed(0)
    model = overfitting.wide_network(hidden_units=16, l2=1e-3)
    (x, y), (x_val, y_val) = datasets.moons(train_points=40, validation_points=200, noise=0.3, seed=0)
    model.fit(x, y, epochs=300, batch_size=40, verbose=0)
    losses = overfitting.point_losses(model, x_val, y_val)
    cross_entropy, accuracy = overfitting.cross_entropy_and_accuracy(model, x_val, y_val)
    assert losses.mean() == pytest.approx(cross_entropy, rel=1e-4)
    # A point is misclassified exactly when its loss is above ln 2.
    assert np.mean(losses > np.log(2)) == pytest.approx(1 - accuracy, abs=1e-6)


def test_scoring_prints_no_tensorflow_error_line(capfd):
    # `evaluate` on NumPy arrays, under op determinism, prints an "E0000 ... NodeDef mentions
    # attribute use_unbounded_threadpool" line; the lesson's scoring feeds a dataset instead.
    from dlintro.training import seed_everything

    seed_everything(0)
    model = overfitting.wide_network(hidden_units=4)
    (x, y), _ = datasets.moons(train_points=20, validation_points=10, noise=0.3, seed=0)
    capfd.readouterr()
    overfitting.cross_entropy_and_accuracy(model, x, y)
    assert "use_unbounded_threadpool" not in capfd.readouterr().err
    model.evaluate(x, y, batch_size=4096, verbose=0)  # the way that prints it: the check can fail
    assert "use_unbounded_threadpool" in capfd.readouterr().err


def test_text_numbers_fill_the_text(short_run):
    from dlintro import texts

    numbers = short_run["text_numbers"]
    for part in texts.parts("overfitting").values():
        texts.render(part, numbers)
    metrics = short_run["variants"]["none"]["metrics"]
    assert numbers["none_val_loss"] == metrics["val_loss"]
    assert numbers["weights"] == overfitting.wide_network().count_params()
    assert 0 <= numbers["none_pale_share"] < 1 and 0.5 < numbers["none_wrong_loss_share"] <= 1


def test_korean_verdict_and_text_carry_the_runs_numbers(short_run):
    """The Korean verdict shows the English one's numbers, and the run's numbers fill every part
    of the Korean text."""
    assert_korean_says_the_same(short_run)
