"""A probe the model cannot take is refused when training starts: a ValueError, and no log.

Each refusal names what the model expects and what it was given, and comes before any
callback (TensorBoard included, listed first) has written a file into the run directory.
"""

import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard, activations

rng = np.random.default_rng(0)


def files_in(directory):
    return [name for _, _, names in os.walk(directory) for name in names]


def refused(model, x, y, callback, tmp_path):
    """Trains with TensorBoard and `callback`; returns the ValueError's text after checking no log."""
    with pytest.raises(ValueError) as error:
        model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path), callback])
    assert files_in(tmp_path) == []
    return str(error.value)


def dense_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    return model, rng.random((8, 4), dtype=np.float32), rng.random((8, 2), dtype=np.float32)


def two_input_model():
    first, second = keras.Input((3,), name="first"), keras.Input((2,), name="second")
    model = keras.Model([first, second], keras.layers.Dense(1)(keras.layers.concatenate([first, second])))
    model.compile("sgd", "mse")
    return model, [rng.random((8, 3), dtype=np.float32), rng.random((8, 2), dtype=np.float32)], np.zeros((8, 1))


def token_model():
    model = keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(10, 2),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model, rng.integers(0, 10, (8, 5)).astype("int32"), np.zeros((8, 1))


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x)


@pytest.mark.parametrize("callback_class", [ActivationStatistics, GradientStatistics])
def test_a_probe_of_the_wrong_shape_is_refused(callback_class, tmp_path):
    model, x, y = dense_model()
    probe = rng.random((4, 3), dtype=np.float32)
    callback = (ActivationStatistics(tmp_path, probe) if callback_class is ActivationStatistics
                else GradientStatistics(tmp_path, probe, y[:4]))
    message = refused(model, x, y, callback, tmp_path)
    assert "expected (None, 4) float32" in message and "given (4, 3) float32" in message


def test_a_probe_of_the_wrong_structure_is_refused(tmp_path):
    model, x, y = two_input_model()
    message = refused(model, x, y, ActivationStatistics(tmp_path, x[0]), tmp_path)
    assert "expected [(None, 3) float32, (None, 2) float32]" in message and "given (8, 3) float32" in message
    message = refused(model, x, y, ActivationStatistics(tmp_path, {"first": x[0], "third": x[1]}), tmp_path)
    assert "['first', 'second']" in message and "'third'" in message


def test_a_dict_probe_keyed_by_input_name_is_taken_by_a_list_input_model(tmp_path):
    model, x, y = two_input_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[
        ActivationStatistics(tmp_path, {"second": x[1], "first": x[0]}),
        GradientStatistics(tmp_path, {"second": x[1], "first": x[0]}, y)])
    assert files_in(tmp_path)


def test_a_float_probe_for_integer_token_ids_is_refused(tmp_path):
    model, x, y = token_model()
    message = refused(model, x, y, ActivationStatistics(tmp_path, x.astype("float32")), tmp_path)
    assert "expected (None, 5) int32" in message and "given (8, 5) float32" in message


def test_a_subclassed_model_built_from_a_probe_that_does_not_fit_the_data_leaves_no_log(tmp_path):
    # Keras builds a subclassed model only at the first batch, after on_train_begin: the probe
    # builds it, and Keras refuses the training data that do not fit at the first batch.
    model = Subclassed()
    model.compile("sgd", "mse")
    x, y = rng.random((8, 4), dtype=np.float32), np.zeros((8, 2), "float32")
    message = refused(model, x, y, ActivationStatistics(tmp_path, x[:, :3]), tmp_path)
    assert "value 3" in message and "(None, 4)" in message


def test_a_subclassed_model_refuses_a_probe_it_cannot_run_on(tmp_path):
    model = Subclassed()
    model.compile("sgd", "mse")
    x, y = rng.random((8, 4), dtype=np.float32), np.zeros((8, 2), "float32")
    words = np.full((8, 4), "four")
    message = refused(model, x, y, ActivationStatistics(tmp_path, words), tmp_path)
    assert "cannot take the probe: given (8, 4) string" in message


def test_targets_the_loss_cannot_take_are_refused(tmp_path):
    model, x, y = dense_model()
    message = refused(model, x, y, GradientStatistics(tmp_path, x, np.zeros((8, 3), "float32")), tmp_path)
    assert "probe_y" in message and "(8, 2) float32" in message and "given (8, 3) float32" in message


def test_probes_of_different_lengths_are_refused(tmp_path):
    model, x, y = dense_model()
    message = refused(model, x, y, GradientStatistics(tmp_path, x, y[:5]), tmp_path)
    assert "probe_x: (8, 4) float32" in message and "probe_y: (5, 2) float32" in message


def test_a_model_without_a_compiled_loss_is_refused_by_gradient_statistics(tmp_path):
    class OwnLoss(keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((self(x, training=True) - y) ** 2)
            self.optimizer.apply(tape.gradient(loss, self.trainable_variables), self.trainable_variables)
            return {"loss": loss}

    inputs = keras.Input((4,))
    model = OwnLoss(inputs, keras.layers.Dense(2)(inputs))
    model.compile("sgd")
    x, y = rng.random((8, 4), dtype=np.float32), np.zeros((8, 2), "float32")
    message = refused(model, x, y, GradientStatistics(tmp_path, x, y), tmp_path)
    assert "no loss" in message and "loss=" in message
    # Its activations need no loss.
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ActivationStatistics(tmp_path, x)])
    assert files_in(tmp_path)


def test_a_probe_refused_by_a_later_callback_leaves_no_step_of_an_earlier_one(tmp_path):
    # The README's order: ActivationStatistics checks and would log its step 0 before
    # GradientStatistics refuses a probe_y one row short; every probe is checked before any
    # callback writes.
    model, x, y = dense_model()
    with pytest.raises(ValueError, match="probe_y: \\(7, 2\\) float32"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[
            TensorBoard(tmp_path), ActivationStatistics(tmp_path, x), GradientStatistics(tmp_path, x, y[:7])])
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_probe_that_is_not_finite_is_refused(bad, tmp_path):
    # A NaN in the probe would make every step's values NaN, and every step would be skipped.
    model, x, y = dense_model()
    probe_x = x.copy()
    probe_x[2, 1] = bad
    message = refused(model, x, y, ActivationStatistics(tmp_path, probe_x), tmp_path)
    assert "probe_x holds 1 NaN or infinite value" in message
    probe_y = y.copy()
    probe_y[0, 0] = bad
    message = refused(model, x, y, GradientStatistics(tmp_path, x, probe_y), tmp_path)
    assert "probe_y holds 1 NaN or infinite value" in message


def one_line(make):
    """The text of the ValueError that `make()` raises, checked to be one short line."""
    with pytest.raises(ValueError) as error:
        make()
    message = str(error.value)
    assert "\n" not in message and len(message) < 200, message
    return message


def test_probes_practitioners_get_wrong_are_refused_in_one_line_when_the_callback_is_made(tmp_path):
    rows = [[0.1, 0.2, 0.3, 0.4]] * 20
    assert "np.asarray(probe_x)" in one_line(lambda: ActivationStatistics(tmp_path, rows))
    assert "np.asarray(probe_y)" in one_line(lambda: GradientStatistics(tmp_path, np.asarray(rows), rows))
    assert "probe_y" in one_line(lambda: GradientStatistics(tmp_path, np.asarray(rows)))
    assert "generator" in one_line(lambda: ActivationStatistics(tmp_path, (row for row in rows)))
    inputs_only = tf.data.Dataset.from_tensor_slices(np.asarray(rows)).batch(4)
    assert "(x, y)" in one_line(lambda: GradientStatistics(tmp_path, inputs_only))
    assert files_in(tmp_path) == []


def test_an_unbatched_dataset_is_refused_with_a_hint(tmp_path):
    rows = np.zeros((8,), "float32")
    unbatched = tf.data.Dataset.from_tensor_slices((rows, rows))
    assert "dataset.batch" in one_line(lambda: GradientStatistics(tmp_path, unbatched))


def test_a_probe_too_large_for_memory_is_refused_with_how_many_examples_fit(tmp_path, monkeypatch):
    # Pretend the machine has 40 kB free: the callback may use half of it.
    monkeypatch.setattr(activations, "available_memory", lambda: 40_000)
    model, _, _ = dense_model()
    x = rng.random((400, 4), dtype=np.float32)
    y = np.zeros((400, 2), "float32")
    message = refused(model, x, y, ActivationStatistics(tmp_path, x), tmp_path)
    fit = int(re.search(r"probe_x\[:(\d+)\]", message).group(1))
    assert 0 < fit < 400 and "400-example probe" in message
    refused(model, x, y, ActivationStatistics(tmp_path, x[:fit + 1]), tmp_path)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ActivationStatistics(tmp_path, x[:fit])])
    assert files_in(tmp_path)


def test_training_data_that_fail_the_first_batch_leave_no_statistics(tmp_path):
    # The untrained model's statistics are computed at the first batch's start but written only
    # once that batch has trained (see `ProbeCallback.write_later`): data that Keras refuses
    # there leave no histogram behind, as TensorBoard leaves no curve.
    from dlintro import events

    model, x, y = dense_model()
    wrong_targets = np.zeros((8, 3), "float32")
    callbacks = [TensorBoard(tmp_path), ActivationStatistics(tmp_path, x), GradientStatistics(tmp_path, x, y)]
    with pytest.raises(Exception):
        model.fit(x, wrong_targets, epochs=1, verbose=0, callbacks=callbacks)
    assert not events.tags(events.load_run(tmp_path))
    # The same callbacks on data that fit write the untrained model (step 0) and the epoch.
    model.fit(x, y, epochs=1, verbose=0, callbacks=callbacks)
    run = events.load_run(tmp_path)
    layer = model.layers[0].name
    for tag in (f"activations/{layer}", f"gradient_norm/{layer}"):
        assert events.tensor_series(run, tag)[0] == [0, 1]
