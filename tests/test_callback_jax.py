"""The probe callbacks on Keras's JAX backend write the tags and values they write on TensorFlow.

Each model of the zoo that JAX runs is built here (TensorFlow), its starting weights and data
saved, and trained with the three callbacks; a fresh process with `KERAS_BACKEND=jax` builds
the same model, loads those weights and data, trains it alike and reports what its callbacks
wrote. The two runs must have the same tags at the same steps, and the same values within
float tolerance: at step 0 (the same weights) for every model, and after the first epoch for
the models whose training goes alike on both backends.
"""

import importlib.util
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

import test_zoo
from dlintro import events
from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard, backends

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                                reason="jax is not installed (pip install -e '.[jax]')")

# Shapes of the zoo on JAX (not the custom train_step written with tf.GradientTape, nor the
# string input: JAX has no strings): a convnet with preprocessing, a subclassed model with a
# layer class of its own, lists of inputs and outputs, token ids through an Embedding. Not an LSTM: Keras itself gives its recurrent kernel a different gradient on
# the two backends (eager `tf.GradientTape` against `jax.grad`, the same weights and loss).
MODELS = ["convnet", "subclassed", "list_inputs_and_outputs", "embedding_conv1d"]
# The models whose epoch trains nearly alike on both backends (no dropout or random
# augmentation, no Embedding, whose sparse Adam updates differ): after it, Keras's two
# trainings differ by a few tenths of a percent.
TRAIN_ALIKE = {"subclassed", "list_inputs_and_outputs"}


def train(name, model, x, y, log_dir):
    """One epoch of two batches, unshuffled, with the three callbacks on the first 8 examples."""
    probe_x = keras.tree.map_structure(lambda array: array[:8], x)
    probe_y = keras.tree.map_structure(lambda array: array[:8], y)
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0, callbacks=[
        TensorBoard(log_dir), ActivationStatistics(log_dir, probe_x), GradientStatistics(log_dir, probe_x, probe_y)])


def written(log_dir):
    """{tag: (steps, values)} of the probe callbacks' scalars and histograms in a run, as lists."""
    run = events.load_run(log_dir)
    found = {}
    for tag in events.tags(run):
        plugin = events.plugin_of(run, tag)
        if plugin == "scalars":
            steps, values = events.scalar_series(run, tag)
        elif plugin == "histograms":
            steps, values = events.tensor_series(run, tag)
        else:
            continue
        found[tag] = (list(steps), [np.asarray(value, dtype=np.float64).tolist() for value in values])
    return found


def built(name):
    """The zoo model `name`, built, with its data."""
    # Layer names come from a per-process counter: start it afresh, as the JAX subprocess does,
    # so that both backends name the layers alike whatever ran before in this process.
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    model, x, y = getattr(test_zoo, name)()
    model(keras.tree.map_structure(lambda array: array[:1], x))  # builds a lazily built model
    return model, x, y


ON_JAX = textwrap.dedent("""
    import json, pickle, sys
    sys.path.insert(0, sys.argv[1])
    import keras
    assert keras.backend.backend() == "jax"
    import test_callback_jax as here

    report = {}
    for name in sys.argv[3:]:
        model, _, _ = here.built(name)
        model.load_weights(f"{sys.argv[2]}/{name}.weights.h5")
        with open(f"{sys.argv[2]}/{name}.pickle", "rb") as file:
            x, y = pickle.load(file)
        here.train(name, model, x, y, f"{sys.argv[2]}/jax-{name}")
        report[name] = here.written(f"{sys.argv[2]}/jax-{name}")
    print(json.dumps(report))
""")


def test_jax_writes_what_tensorflow_writes(tmp_path):
    for name in MODELS:
        model, x, y = built(name)
        model.save_weights(tmp_path / f"{name}.weights.h5")
        with open(tmp_path / f"{name}.pickle", "wb") as file:
            pickle.dump((x, y), file)
        train(name, model, x, y, tmp_path / f"tf-{name}")
    result = subprocess.run(
        [sys.executable, "-c", ON_JAX, str(Path(__file__).parent), str(tmp_path), *MODELS],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    on_jax = json.loads(result.stdout.strip().splitlines()[-1])
    for name in MODELS:
        on_tensorflow = written(tmp_path / f"tf-{name}")
        assert set(on_jax[name]) == set(on_tensorflow), name
        for tag, (steps, values) in on_tensorflow.items():
            jax_steps, jax_values = on_jax[name][tag]
            assert jax_steps == steps == [0, 1], (name, tag)
            # Step 0: the same weights, float round-off apart. Step 1: two backends' trainings.
            assert_close(np.asarray(values[0]), np.asarray(jax_values[0]), 2e-3, f"{name} {tag} step 0")
            if name in TRAIN_ALIKE:
                assert_close(np.asarray(values[1]), np.asarray(jax_values[1]), 3e-2, f"{name} {tag} step 1")


def assert_close(tensorflow, jax, tolerance, where):
    """Scalars within `tolerance`; histograms with edges alike and counts alike but near edges."""
    if tensorflow.ndim == 0:
        np.testing.assert_allclose(jax, tensorflow, rtol=tolerance, atol=1e-5, err_msg=where)
        return
    scale = max(np.abs(tensorflow[:, :2]).max(), 1e-6)
    np.testing.assert_allclose(jax[:, :2], tensorflow[:, :2], rtol=tolerance, atol=tolerance * scale, err_msg=where)
    assert jax[:, 2].sum() == tensorflow[:, 2].sum(), where
    # A value that float round-off puts just across a bucket edge moves to the next bucket.
    moved = np.abs(jax[:, 2] - tensorflow[:, 2]).sum() / 2
    assert moved <= max(2, 5 * tolerance * tensorflow[:, 2].sum()), where


def test_an_unsupported_backend_is_refused_when_the_callback_is_made(tmp_path, monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    probe = np.zeros((4, 2), "float32")
    for make in (lambda: ActivationStatistics(tmp_path, probe), lambda: GradientStatistics(tmp_path, probe, probe)):
        with pytest.raises(ValueError, match="tensorflow and jax, not on 'torch'"):
            make()
    assert backends.SUPPORTED_BACKENDS == ("tensorflow", "jax")
