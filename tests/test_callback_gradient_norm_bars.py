"""GradientNormBars on a tiny model: the bar chart, and the norms it keeps."""

import keras
import numpy as np
import tensorflow as tf

from callbacks_test_support import images, tiny_classifier, tiny_data
from dlintro import events
from dlintro.callbacks import GradientNormBars


def test_draws_bars_every_epoch_and_keeps_each_layers_norm(tmp_path):
    x, y = tiny_data()
    keras.utils.set_random_seed(0)
    model = tiny_classifier()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.binary_crossentropy(y, model(x, training=False)))
    hidden = tape.gradient(loss, model.get_layer("hidden").trainable_weights)
    bars = GradientNormBars(tmp_path / "vanishing-sigmoid", x, y)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[bars])
    run = events.load_run(tmp_path / "vanishing-sigmoid")
    assert events.tags(run) == {"gradient_norm_bars"}
    steps, pictures = images(run, "gradient_norm_bars")
    assert steps == [0, 1, 2] and pictures[0].shape == (256, 512, 3)
    assert sorted(bars.norms) == [0, 1, 2] and list(bars.norms[0]) == ["hidden", "out"]
    reference = np.sqrt(sum(np.sum(np.square(g)) for g in hidden))
    np.testing.assert_allclose(bars.norms[0]["hidden"], reference, rtol=1e-5)


def test_every_sets_the_pictures_and_the_untrained_model_is_always_drawn(tmp_path):
    x, y = tiny_data()
    model = tiny_classifier()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[GradientNormBars(tmp_path, x, y, every=2)])
    assert images(events.load_run(tmp_path), "gradient_norm_bars")[0] == [0, 2]
