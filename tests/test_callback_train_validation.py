"""TrainValidationChart on a tiny model: one tag in two runs, and its Custom Scalars chart."""

import keras
import numpy as np
import pytest

from callbacks_test_support import tiny_classifier, tiny_data
from dlintro import events
from dlintro.callbacks import TrainValidationChart


def test_training_and_validation_loss_land_in_their_runs_under_one_tag(tmp_path):
    x, y = tiny_data()
    model = tiny_classifier()
    history = model.fit(x[:8], y[:8], epochs=2, verbose=0, validation_data=(x[8:], y[8:]),
                        callbacks=[TrainValidationChart(tmp_path, "dropout")])
    for part, key in (("train", "loss"), ("validation", "val_loss")):
        run = events.load_run(tmp_path / part)
        steps, values = events.scalar_series(run, "train_vs_validation/dropout")
        assert steps == [1, 2]
        np.testing.assert_allclose(values, history.history[key], rtol=1e-6)
    train = events.load_run(tmp_path / "train")
    assert "custom_scalars__config__" in events.tags(train)
    assert "custom_scalars__config__" not in events.tags(events.load_run(tmp_path / "validation"))


def test_refuses_a_chart_name_that_would_break_the_tag():
    with pytest.raises(ValueError, match="chart name"):
        TrainValidationChart("runs/mine", "two words")


def test_without_validation_data_only_the_training_run_gets_values(tmp_path):
    x, y = tiny_data()
    tiny_classifier().fit(x, y, epochs=1, verbose=0, callbacks=[TrainValidationChart(tmp_path, "a")])
    assert events.scalar_series(events.load_run(tmp_path / "train"), "train_vs_validation/a")[0] == [1]
    assert "train_vs_validation/a" not in events.tags(events.load_run(tmp_path / "validation"))
