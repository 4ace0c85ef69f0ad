"""ActivationStatistics on a tiny model: activation histograms, means, stds, saturated and dead shares."""

import keras
import numpy as np

from callbacks_test_support import tiny_data
from dlintro import events
from dlintro.callbacks import ActivationStatistics
from dlintro.callbacks.activations import dead_share, saturated_share


def two_layer_net(hidden_activation):
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(4, activation=hidden_activation, name="hidden"),
        keras.layers.Dense(1, activation="sigmoid", name="out"),
    ])
    model.compile("sgd", "binary_crossentropy")
    return model


def test_writes_every_layers_statistics_at_every_step(tmp_path):
    x, y = tiny_data()
    keras.utils.set_random_seed(0)
    model = two_layer_net("relu")
    hidden_before = np.maximum(x @ model.get_layer("hidden").kernel.numpy()
                               + model.get_layer("hidden").bias.numpy(), 0)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[ActivationStatistics(tmp_path, x)])
    run = events.load_run(tmp_path)
    assert events.tags(run) == {
        "activations/hidden", "activation_mean/hidden", "activation_std/hidden", "dead_share/hidden",
        "activations/out", "activation_mean/out", "activation_std/out", "saturated_share/out",
    }
    steps, means = events.scalar_series(run, "activation_mean/hidden")
    assert steps == [0, 1, 2]
    np.testing.assert_allclose(means[0], hidden_before.mean(), rtol=1e-5)
    _, stds = events.scalar_series(run, "activation_std/hidden")
    np.testing.assert_allclose(stds[0], hidden_before.std(), rtol=1e-4)
    _, histograms = events.tensor_series(run, "activations/hidden")
    assert all(h[:, 2].sum() == 10 * 4 for h in histograms)  # one count per example and unit
    _, dead = events.scalar_series(run, "dead_share/hidden")
    np.testing.assert_allclose(dead[0], np.mean(np.all(hidden_before <= 0, axis=0)))


def test_saturated_and_dead_shares_against_hand_computed_values():
    sigmoid_outputs = np.array([0.5, 0.99, 0.01, 0.8])  # slopes/0.25: 1, 0.04, 0.04, 0.64
    assert saturated_share("sigmoid", sigmoid_outputs) == 0.5
    assert saturated_share("tanh", np.array([0.0, 0.99])) == 0.5  # slope 1 - 0.98 = 0.02
    assert saturated_share("relu", sigmoid_outputs) is None
    relu_outputs = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]])  # unit 1 silent for both
    assert dead_share("relu", relu_outputs) == 1 / 3
    assert dead_share("sigmoid", relu_outputs) is None


def test_a_saturated_sigmoid_layer_is_reported_as_saturated(tmp_path):
    x, y = tiny_data()
    model = two_layer_net("sigmoid")
    model.get_layer("hidden").set_weights([np.zeros((2, 4)), np.full(4, 10.0)])  # outputs 0.99995
    callback = ActivationStatistics(tmp_path, x)
    callback.set_model(model)
    callback._log(0)
    callback.flush()
    run = events.load_run(tmp_path)
    assert events.scalar_series(run, "saturated_share/hidden")[1][0] == 1.0


def test_a_relu_of_any_form_gets_a_dead_share(tmp_path):
    x, y = tiny_data()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(6, name="linear"),
        keras.layers.ReLU(name="relu_layer"),
        keras.layers.ReLU(6.0, name="relu6_layer"),  # MobileNetV2's form
        keras.layers.Activation("relu", name="relu_activation"),
        keras.layers.Dense(5, activation="relu6", name="dense_relu6"),
        keras.layers.LeakyReLU(name="leaky"),
        keras.layers.ReLU(negative_slope=0.1, name="leaky_relu_layer"),
        keras.layers.Dense(1, activation="sigmoid", name="out"),
    ])
    model.compile("sgd", "binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ActivationStatistics(tmp_path, x)])
    run = events.load_run(tmp_path)
    dead = {tag.removeprefix("dead_share/") for tag in events.tags(run) if tag.startswith("dead_share/")}
    assert dead == {"relu_layer", "relu6_layer", "relu_activation", "dense_relu6"}
    # The last step's share, computed apart from the model's weights now: the units of
    # `linear` that are negative on every example.
    linear = model.get_layer("linear")
    _, shares = events.scalar_series(run, "dead_share/relu_layer")
    outputs = x @ linear.kernel.numpy() + linear.bias.numpy()
    np.testing.assert_allclose(shares[-1], np.mean(np.all(outputs <= 0, axis=0)), rtol=1e-6)
