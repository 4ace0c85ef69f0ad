"""dlintro's TensorBoard callback on a tiny model: Keras's curves, steps in passes, NumPy histograms."""

import keras
import numpy as np

from callbacks_test_support import tiny_classifier, tiny_data
from dlintro import events
from dlintro.callbacks import TensorBoard


def test_losses_and_weight_histograms_land_in_train_and_validation(tmp_path):
    x, y = tiny_data()
    model = tiny_classifier()
    history = model.fit(x[:8], y[:8], epochs=2, verbose=0, validation_data=(x[8:], y[8:]),
                        callbacks=[TensorBoard(tmp_path)])
    train = events.load_run(tmp_path / "train")
    steps, losses = events.scalar_series(train, "epoch_loss")
    assert steps == [1, 2]
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-6)
    validation = events.load_run(tmp_path / "validation")
    np.testing.assert_allclose(events.scalar_series(validation, "epoch_loss")[1],
                               history.history["val_loss"], rtol=1e-6)
    tag = f"{model.name}/hidden/kernel/histogram"  # Keras's tag: the weight's path
    steps, histograms = events.tensor_series(train, tag)
    assert steps == [1, 2] and events.plugin_of(train, tag) == "histograms"
    kernel = model.get_layer("hidden").kernel.numpy()
    assert histograms[-1][:, 2].sum() == kernel.size
    np.testing.assert_allclose([histograms[-1][0, 0], histograms[-1][-1, 1]], [kernel.min(), kernel.max()],
                               rtol=1e-6)


def test_histogram_freq_zero_writes_no_weight_histograms(tmp_path):
    x, y = tiny_data()
    tiny_classifier().fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path, histogram_freq=0)])
    assert not any(tag.endswith("/histogram") for tag in events.tags(events.load_run(tmp_path / "train")))
