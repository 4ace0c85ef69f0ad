"""GradientStatistics on a tiny model: gradient histograms, norms, log10-magnitude histograms."""

import keras
import numpy as np
import tensorflow as tf

from callbacks_test_support import deep_sigmoid_classifier, tiny_classifier, tiny_data
from dlintro import events
from dlintro.callbacks import GradientStatistics


def reference_gradients(model, x, y):
    """The gradient of the mean binary cross-entropy, computed independently of the callback."""
    weights = {layer.name: layer.trainable_weights for layer in model.layers}
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.binary_crossentropy(y, model(x, training=False)))
    gradients = tape.gradient(loss, weights)
    return {name: [np.asarray(g) for g in layer] for name, layer in gradients.items()}


def histogram_mean(histogram):
    """The mean of a TensorBoard histogram, each bucket's count placed at its centre."""
    centres = (histogram[:, 0] + histogram[:, 1]) / 2
    return float(np.sum(centres * histogram[:, 2]) / np.sum(histogram[:, 2]))


def test_writes_gradient_histograms_norms_and_ratio_at_each_epoch(tmp_path):
    x, y = tiny_data()
    keras.utils.set_random_seed(0)
    model = tiny_classifier()
    expected = reference_gradients(model, x, y)  # the untrained model: step 0
    model.fit(x, y, epochs=2, verbose=0, callbacks=[GradientStatistics(tmp_path, x, y)])
    run = events.load_run(tmp_path)
    path = f"gradients/{model.name}"  # the tags follow the weights' paths
    assert {f"{path}/hidden/kernel", f"{path}/hidden/bias", f"{path}/out/kernel",
            "gradient_norm/hidden", "gradient_norm/out", "gradient_norm_ratio/first_over_last", "gradient_magnitude_log10/hidden",
            "gradient_magnitude_log10/out"} <= events.tags(run)
    assert events.plugin_of(run, f"{path}/hidden/kernel") == "histograms"
    for layer in ("hidden", "out"):
        steps, norms = events.scalar_series(run, f"gradient_norm/{layer}")
        assert steps == [0, 1, 2]
        reference = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in expected[layer]))
        np.testing.assert_allclose(norms[0], reference, rtol=1e-4)
    _, ratios = events.scalar_series(run, "gradient_norm_ratio/first_over_last")
    _, hidden = events.scalar_series(run, "gradient_norm/hidden")
    _, out = events.scalar_series(run, "gradient_norm/out")
    np.testing.assert_allclose(ratios, hidden / out, rtol=1e-5)
    _, histograms = events.tensor_series(run, f"{path}/hidden/kernel")
    assert all(h[:, 2].sum() == 2 * 3 for h in histograms)  # one count per kernel entry
    np.testing.assert_allclose(histograms[0][0, 0], expected["hidden"][0].min(), rtol=1e-4)


def test_log10_magnitude_histograms_count_every_entry_and_share_their_edges(tmp_path):
    x, y = tiny_data()
    keras.utils.set_random_seed(0)
    model = tiny_classifier()
    expected = reference_gradients(model, x, y)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[GradientStatistics(tmp_path, x, y)])
    run = events.load_run(tmp_path)
    steps, hidden = events.tensor_series(run, "gradient_magnitude_log10/hidden")
    _, out = events.tensor_series(run, "gradient_magnitude_log10/out")
    assert steps == [0, 1]
    assert events.plugin_of(run, "gradient_magnitude_log10/hidden") == "histograms"
    # Kernel and bias together: 2 * 3 + 3 entries in the hidden layer, 3 + 1 in the output one.
    assert hidden[0][:, 2].sum() == 9 and out[0][:, 2].sum() == 4
    # Every layer of a step has the same bucket edges, whole numbers around all values.
    for first, last in zip(hidden, out):
        np.testing.assert_array_equal(first[:, :2], last[:, :2])
        assert first[0, 0] == np.floor(first[0, 0]) and first[-1, 1] == np.ceil(first[-1, 1])
    logs = np.log10(np.abs(np.concatenate([g.ravel() for g in expected["hidden"]])))
    assert hidden[0][0, 0] <= logs.min() and logs.max() <= hidden[0][-1, 1]
    bucket_width = hidden[0][0, 1] - hidden[0][0, 0]
    assert abs(histogram_mean(hidden[0]) - logs.mean()) < bucket_width / 2


def test_log10_magnitudes_of_a_deep_sigmoid_net_sit_far_left_of_its_output_layer(tmp_path):
    x, y = tiny_data()
    keras.utils.set_random_seed(0)
    model = deep_sigmoid_classifier(depth=8)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[GradientStatistics(tmp_path, x, y)])
    run = events.load_run(tmp_path)
    first = events.tensor_series(run, "gradient_magnitude_log10/h1")[1][0]
    last = events.tensor_series(run, "gradient_magnitude_log10/out")[1][0]
    # Each sigmoid layer multiplies the backward signal by at most 0.25 times its weights:
    # eight of them leave the first layer's gradients several powers of ten below the output's.
    assert histogram_mean(last) - histogram_mean(first) > 3


def test_exact_zero_gradients_are_left_out_of_the_log10_histogram(tmp_path):
    x, y = tiny_data()
    model = tiny_classifier(activation="relu")
    model.get_layer("hidden").set_weights([np.zeros((2, 3)), -np.ones(3)])  # every unit dead
    model.fit(x, y, epochs=1, verbose=0, callbacks=[GradientStatistics(tmp_path, x, y)])
    run = events.load_run(tmp_path)
    # The dead layer's histogram is there at every step, and empty: no series has a hole.
    hidden_steps, hidden = events.tensor_series(run, "gradient_magnitude_log10/hidden")
    out_steps, out = events.tensor_series(run, "gradient_magnitude_log10/out")
    assert hidden_steps == out_steps == [0, 1]
    assert all(histogram[:, 2].sum() == 0 for histogram in hidden)
    np.testing.assert_array_equal(hidden[0][:, :2], out[0][:, :2])  # on the shared edges
    assert out[0][:, 2].sum() == 1  # only the output bias: the kernel sees silent units
