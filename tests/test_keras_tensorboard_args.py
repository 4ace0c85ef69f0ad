"""dlintro's TensorBoard against Keras's own, argument by argument, on the same model.

Both callbacks train a fresh copy of the same tiny model with the same arguments; each run
directory must hold the same tags, graphs and files. The documented differences are the
epoch steps (passes over the data: one more than Keras's) and the weight images' grey scale.
"""

from pathlib import Path

import keras
import numpy as np
import pytest

from dlintro import events
from dlintro.callbacks import TensorBoard

rng = np.random.default_rng(0)
X, Y = rng.random((32, 6, 2), dtype=np.float32), rng.random((32, 1), dtype=np.float32)
TOKENS = rng.integers(0, 10, (32, 5)).astype("int32")


def conv_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 2)), keras.layers.Conv1D(3, 3, activation="relu", name="conv"),
                              keras.layers.Flatten(name="flatten"), keras.layers.Dense(1, name="dense")], name="net")
    model.compile("adam", "mse")
    return model


def embedding_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(10, 2, name="embedding"),
                              keras.layers.GlobalAveragePooling1D(name="pool"), keras.layers.Dense(1, name="dense")],
                             name="net")
    model.compile("adam", "mse")
    return model


def runs(log_dir):
    """{run directory: (tags, whether it holds a graph)} for every directory with event files."""
    found = {}
    for directory in sorted({path.parent for path in Path(log_dir).rglob("events.out.tfevents.*")}):
        run = events.load_run(directory)
        graph = run.Tags()["graph"] or run.Tags()["meta_graph"]
        found[str(directory.relative_to(log_dir))] = (events.tags(run), bool(graph))
    return found


def train_both(tmp_path, build=conv_model, x=X, **arguments):
    """Trains one model with Keras's callback, one with dlintro's; returns both log dirs."""
    theirs, ours = tmp_path / "keras", tmp_path / "dlintro"
    for callback, log_dir in ((keras.callbacks.TensorBoard, theirs), (TensorBoard, ours)):
        build().fit(x, Y, epochs=2, batch_size=8, verbose=0, validation_data=(x[:8], Y[:8]),
                    callbacks=[callback(log_dir, **arguments)])
    return theirs, ours


@pytest.mark.parametrize("arguments", [
    {"histogram_freq": 1, "write_graph": True, "write_images": True, "write_steps_per_second": True},
    {"histogram_freq": 1, "update_freq": "batch", "write_steps_per_second": True},
    {"histogram_freq": 0, "update_freq": 3, "write_graph": False},
    {"histogram_freq": 2, "write_images": True},
], ids=["images-and-speed", "batch", "every-3-batches-no-graph", "every-2nd-epoch"])
def test_the_same_tags_and_graphs_in_the_same_runs_as_keras(tmp_path, arguments):
    theirs, ours = train_both(tmp_path, **arguments)
    assert runs(ours) == runs(theirs)
    train_theirs, train_ours = events.load_run(theirs / "train"), events.load_run(ours / "train")
    for tag in events.tags(train_theirs):
        steps_theirs, steps_ours = events.tensor_series(train_theirs, tag)[0], events.tensor_series(train_ours, tag)[0]
        if tag.startswith("epoch_"):
            assert steps_ours == [step + 1 for step in steps_theirs], tag  # passes completed
        elif tag.startswith("batch_"):
            assert steps_ours == steps_theirs, tag
        elif tag.endswith(("/histogram", "/image")):
            assert len(steps_ours) == len(steps_theirs), tag


def test_weight_images_show_each_weights_range_in_grey(tmp_path):
    _, ours = train_both(tmp_path, histogram_freq=1, write_images=True)
    run = events.load_run(ours / "train")
    images = [tag for tag in events.tags(run) if tag.endswith("/image")]
    assert images and all(events.plugin_of(run, tag) == "images" for tag in images)
    from callbacks_test_support import images as decoded

    _, pictures = decoded(run, next(tag for tag in images if "dense" in tag and "kernel" in tag))
    assert pictures[-1].min() == 0 and pictures[-1].max() == 255  # the weights' minimum and maximum


def test_the_profiler_writes_its_trace_where_keras_does(tmp_path):
    theirs, ours = train_both(tmp_path, histogram_freq=0, profile_batch=2)
    for log_dir in (theirs, ours):
        assert list((log_dir / "train" / "plugins" / "profile").rglob("*.xplane.pb")), log_dir
    assert runs(ours) == runs(theirs)


def test_embeddings_are_configured_and_saved_as_keras_does(tmp_path):
    theirs, ours = train_both(tmp_path, build=embedding_model, x=TOKENS, histogram_freq=0, embeddings_freq=1)
    assert (ours / "projector_config.pbtxt").read_text() == (theirs / "projector_config.pbtxt").read_text()
    checkpoints = [sorted(path.name for path in (log_dir / "train").glob("keras_embedding.ckpt-*")) for log_dir in (theirs, ours)]
    assert checkpoints == [["keras_embedding.ckpt-0.weights.h5", "keras_embedding.ckpt-1.weights.h5"],
                           ["keras_embedding.ckpt-1.weights.h5", "keras_embedding.ckpt-2.weights.h5"]]
