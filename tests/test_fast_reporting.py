"""What keeps the reporting cheap: one event per log point, the picture thread, NumPy Dense nets, kept titles."""

import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlintro import events
from dlintro.callbacks import background
from dlintro.callbacks.decision_boundary import decision_boundary_panel
from dlintro.callbacks.dense import dense_chain, dense_outputs
from dlintro.callbacks.summaries import Summaries


def test_summaries_write_one_event_that_reads_back_as_tf_summary_writes_it(tmp_path):
    values = np.linspace(-2.0, 3.0, 50)
    image = np.random.default_rng(0).integers(0, 256, (6, 9, 3), dtype=np.uint8)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    with tf.summary.create_file_writer(str(ours)).as_default(step=7):
        summaries = Summaries()
        summaries.scalar("loss", 0.25)
        summaries.histogram("weights", values)
        summaries.image("picture", image)
        assert len(summaries) == 3
        summaries.write()
        assert len(summaries) == 0 and not summaries.write()  # written once, then empty
    with tf.summary.create_file_writer(str(theirs)).as_default(step=7):
        tf.summary.scalar("loss", 0.25)
        tf.summary.histogram("weights", values, buckets=30)
        tf.summary.image("picture", image[None])
    mine, reference = events.load_run(ours), events.load_run(theirs)
    assert events.tags(mine) == events.tags(reference) == {"loss", "weights", "picture"}
    for tag in ("loss", "weights", "picture"):
        assert events.plugin_of(mine, tag) == events.plugin_of(reference, tag)
        (step,), (array,) = events.tensor_series(mine, tag)
        (_,), (expected,) = events.tensor_series(reference, tag)
        assert step == 7 and array.shape == expected.shape and array.dtype == expected.dtype
        if tag == "picture":
            # Width and height as strings, then a PNG: the same picture, not the same bytes.
            assert list(array[:2]) == list(expected[:2]) == [b"9", b"6"]
            assert np.array_equal(tf.io.decode_png(array[2]).numpy(), image)
        else:
            np.testing.assert_allclose(array, expected, rtol=1e-6)
    # One event holds the three values: the file has one event besides its header.
    from tensorboard.backend.event_processing import event_file_loader

    (path,) = ours.glob("events.out.tfevents.*")
    written = [event for event in event_file_loader.EventFileLoader(str(path)).Load() if event.summary.value]
    assert len(written) == 1 and len(written[0].summary.value) == 3


def test_background_jobs_run_in_order_on_one_other_thread_and_wait_raises_their_error():
    ran = []
    for index in range(20):
        background.submit(lambda index=index: ran.append((index, threading.current_thread().name)))
    background.wait()
    assert [index for index, _ in ran] == list(range(20))
    assert {name for _, name in ran} != {threading.current_thread().name}
    assert len({name for _, name in ran}) == 1

    def fails():
        raise RuntimeError("drawing failed")

    background.submit(fails)
    background.submit(ran.append, "after")
    with pytest.raises(RuntimeError, match="drawing failed"):
        background.wait()
    assert ran[-1] == "after"  # a failed job does not stop the ones after it
    background.wait()  # nothing pending: returns at once


def test_each_background_lane_keeps_its_order_and_does_not_wait_for_another():
    started, release, ran = threading.Event(), threading.Event(), []

    def slow_picture():
        started.set()
        release.wait(timeout=30)
        ran.append(("pictures", threading.current_thread().name))

    background.submit(slow_picture)
    started.wait(timeout=30)
    futures = [background.submit(lambda index=index: ran.append((index, threading.current_thread().name)),
                                 lane="statistics") for index in range(5)]
    for future in futures:
        future.result(timeout=30)  # done while the picture still holds its lane
    assert [entry[0] for entry in ran] == [0, 1, 2, 3, 4]
    release.set()
    background.wait()
    assert ran[-1][0] == "pictures"
    assert len({name for _, name in ran}) == 2 and threading.current_thread().name not in {name for _, name in ran}


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear", "softplus"])
def test_a_dense_net_computed_in_numpy_matches_the_keras_model(activation):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(5, activation=activation),
                              keras.layers.Dropout(0.5), keras.layers.Dense(3, activation=activation),
                              keras.layers.Dense(1, activation="sigmoid")])
    points = np.random.default_rng(0).uniform(-3, 3, (500, 2)).astype(np.float32)
    chain = dense_chain(model)
    outputs = dense_outputs(chain, points)
    assert [output.shape for output in outputs] == [(500, 5), (500, 3), (500, 1)]
    np.testing.assert_allclose(outputs[-1], model.predict(points, verbose=0), atol=2e-6)


def test_a_model_that_is_no_dense_chain_is_told_apart():
    inputs = keras.Input((2,))
    branch = keras.layers.Dense(3)(inputs)
    merged = keras.layers.concatenate([branch, inputs])
    model = keras.Model(inputs, keras.layers.Dense(1)(merged))
    with pytest.raises(ValueError, match="does not take exactly the output"):
        dense_chain(model)


def test_a_title_pasted_from_kept_pixels_is_the_title_drawn_afresh():
    picture = np.full((48, 48, 3), 200, dtype=np.uint8)
    panel = decision_boundary_panel((-1.0, 1.0, -1.0, 1.0), 48)
    titles = ["xor-one_layer, step 50", "xor-two_layer_linear, step 50", "xor-one_layer, step 100",
              "a title without a step", "xor-one_layer, step 50"]
    drawn = [panel.render(picture, title) for title in titles]
    for title, image in zip(titles, drawn):
        afresh = decision_boundary_panel((-1.0, 1.0, -1.0, 1.0), 48).render(picture, title)
        assert np.array_equal(image, afresh), title
    assert np.array_equal(drawn[0], drawn[-1])
    assert not np.array_equal(drawn[0], drawn[2])  # the step's half changed
    assert panel.title.text == titles[-1]


def test_a_run_name_too_long_for_half_the_picture_is_centred_whole():
    picture = np.full((48, 48, 3), 200, dtype=np.uint8)
    panel = decision_boundary_panel((-1.0, 1.0, -1.0, 1.0), 48)
    title = "overfitting-a_long_variant_name_for_this_test, step 400"
    image = panel.render(picture, title)
    top = image[:24]
    dark = np.argwhere(top.min(axis=2) < 128)[:, 1]
    # Drawn whole and centred: the dark pixels of the text sit about as far from both edges.
    assert abs(dark.min() - (image.shape[1] - 1 - dark.max())) <= 6
