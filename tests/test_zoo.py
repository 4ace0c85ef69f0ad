"""A zoo of common Keras model shapes, each trained 2 epochs with dlintro's three callbacks.

Every model is built here in a few lines, as a practitioner would write it, and trained on a
little random data. From the event files, each test checks that every layer with an output
has an activation histogram (a shared layer one per call), every trainable weight a gradient
histogram and every weight Keras's weight histogram, at the expected steps, with one count
per value and nothing non-finite.
"""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlintro import events
from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard
from dlintro.callbacks.probe import DATASET_EXAMPLES

SAMPLES, PROBE = 32, 8
rng = np.random.default_rng(0)


def floats(*shape):
    return rng.random((SAMPLES, *shape), dtype=np.float32)


def tokens(length, vocabulary=20):
    return rng.integers(0, vocabulary, (SAMPLES, length)).astype("int32")


def labels(classes=1):
    return rng.integers(0, 2, (SAMPLES, classes)).astype("float32")


def compiled(model, loss="binary_crossentropy", **kwargs):
    model.compile("adam", loss, **kwargs)
    return model


def mlp_with_input():
    return compiled(keras.Sequential([
        keras.Input((4,)), keras.layers.Dense(6, activation="relu"), keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.5), keras.layers.Dense(1, activation="sigmoid"),
    ])), floats(4), labels()


def mlp_without_input():
    return compiled(keras.Sequential([keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(1)]),
                    "mse"), floats(3), labels()


def convnet():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.RandomFlip("horizontal")(x)
    x = keras.layers.Conv2D(4, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(x))
    return compiled(keras.Model(inputs, outputs), "sparse_categorical_crossentropy"), \
        floats(8, 8, 3) * 255, rng.integers(0, 3, SAMPLES)


def nested_encoder():
    encoder = keras.Sequential([keras.layers.Dense(6, activation="relu"), keras.layers.Dense(3)], name="encoder")
    inputs = keras.Input((5,))
    return compiled(keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(encoder(inputs)))), \
        floats(5), labels()


def shared_layer():
    left, right = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    shared = keras.layers.Dense(3, activation="relu", name="shared")
    merged = keras.layers.Concatenate()([shared(left), shared(right)])
    return compiled(keras.Model([left, right], keras.layers.Dense(1)(merged)), "mse"), [floats(4), floats(4)], labels()


class Block(keras.layers.Layer):
    """A layer class of the user's own, with two sublayers."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner = keras.layers.Dense(units, activation="relu")
        self.norm = keras.layers.LayerNormalization()

    def call(self, x):
        return self.norm(self.inner(x))


class SubclassedMLP(keras.Model):
    def __init__(self):
        super().__init__()
        self.block = Block(6)
        self.out = keras.layers.Dense(1, activation="sigmoid")

    def call(self, x, training=False):
        return self.out(self.block(x))


def subclassed():
    return compiled(SubclassedMLP()), floats(4), labels()


class CustomStep(keras.Model):
    """The Keras guide's "customize what happens in fit" model: its own train_step."""

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compute_loss(y=y, y_pred=self(x, training=True))
        self.optimizer.apply(tape.gradient(loss, self.trainable_variables), self.trainable_variables)
        return {"loss": loss}


def custom_train_step():
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(1)(keras.layers.Dense(4, activation="sigmoid")(inputs))
    return compiled(CustomStep(inputs, outputs), "mse"), floats(3), labels()


def dict_inputs_and_outputs():
    """The Functional API guide's ticket classifier: three named inputs, two named outputs."""
    title, body = keras.Input((6,), name="title"), keras.Input((8,), name="body")
    tags = keras.Input((4,), name="tags")
    title_features = keras.layers.LSTM(4)(keras.layers.Embedding(20, 3)(title))
    body_features = keras.layers.LSTM(3)(keras.layers.Embedding(20, 3)(body))
    x = keras.layers.concatenate([title_features, body_features, tags])
    priority = keras.layers.Dense(1, name="priority")(x)
    department = keras.layers.Dense(3, name="department")(x)
    model = keras.Model([title, body, tags], {"priority": priority, "department": department})
    model.compile("adam", loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
                                "department": keras.losses.CategoricalCrossentropy(from_logits=True)})
    x = {"title": tokens(6), "body": tokens(8), "tags": labels(4)}
    return model, x, {"priority": labels(), "department": labels(3)}


def list_inputs_and_outputs():
    first, second = keras.Input((3,)), keras.Input((2,))
    hidden = keras.layers.Dense(4, activation="relu")(keras.layers.concatenate([first, second]))
    model = keras.Model([first, second], [keras.layers.Dense(1)(hidden), keras.layers.Dense(2)(hidden)])
    return compiled(model, ["mse", "mse"]), [floats(3), floats(2)], [labels(), labels(2)]


def embedding_lstm():
    return compiled(keras.Sequential([
        keras.Input((7,), dtype="int32"), keras.layers.Embedding(20, 4), keras.layers.LSTM(5),
        keras.layers.Dense(1, activation="sigmoid"),
    ])), tokens(7), labels()


def embedding_conv1d():
    return compiled(keras.Sequential([
        keras.Input((9,), dtype="int32"), keras.layers.Embedding(20, 4),
        keras.layers.Conv1D(3, 3, activation="relu"), keras.layers.GlobalMaxPooling1D(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])), tokens(9), labels()


def gru():
    return compiled(keras.Sequential([
        keras.Input((5, 2)), keras.layers.GRU(3, return_sequences=True), keras.layers.GRU(2), keras.layers.Dense(1),
    ]), "mse"), floats(5, 2), labels()


def attention():
    inputs = keras.Input((5, 4))
    attended = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)(inputs, inputs)
    x = keras.layers.LayerNormalization()(keras.layers.Add()([inputs, attended]))
    outputs = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(x))
    return compiled(keras.Model(inputs, outputs), "mse"), floats(5, 4), labels()


def frozen_base():
    base = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu")], name="base")
    base.trainable = False
    inputs = keras.Input((4,))
    return compiled(keras.Model(inputs, keras.layers.Dense(1)(base(inputs))), "mse"), floats(4), labels()


def mixed_float16():
    keras.config.set_dtype_policy("mixed_float16")
    try:
        return compiled(keras.Sequential([
            keras.Input((4,)), keras.layers.Dense(6, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid", dtype="float32"),
        ])), floats(4), labels()
    finally:
        keras.config.set_dtype_policy("float32")


def string_input():
    """Raw text in, one string per example (shape (N,) for an input of shape (1,)), as Keras fits it."""
    words = np.array(["red", "blue", "green", "cat", "dog"], dtype=object)
    text = np.array([" ".join(rng.choice(words, 3)) for _ in range(SAMPLES)], dtype=object)
    inputs = keras.Input((1,), dtype="string")
    vectorize = keras.layers.TextVectorization(output_mode="multi_hot", vocabulary=list(words))
    hidden = keras.layers.Dense(4, activation="relu")(vectorize(inputs))
    return compiled(keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))), text, labels()


def jit_compiled():
    """XLA-compiled training steps, several per graph call."""
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(5, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))
    return compiled(model, jit_compile=True, steps_per_execution=2), floats(6), labels()


def mobilenet_v2():
    """A keras.applications model no one here wrote: MobileNetV2, narrow, 32x32, untrained."""
    model = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None, classes=3)
    return compiled(model, "sparse_categorical_crossentropy"), floats(32, 32, 3), rng.integers(0, 3, SAMPLES)


ZOO = [mlp_with_input, mlp_without_input, convnet, nested_encoder, shared_layer, subclassed,
       custom_train_step, dict_inputs_and_outputs, list_inputs_and_outputs, embedding_lstm,
       embedding_conv1d, gru, attention, frozen_base, mixed_float16, string_input, jit_compiled, mobilenet_v2]
# Layers called more than once, and how often: one activation histogram per call.
CALLS = {"shared": 2}


def reported_layers(model, prefix=""):
    """(path, layer) of every layer the callbacks report on, by their documented rule.

    They look inside models and inside layer classes of the user's own; a built-in Keras layer
    (an LSTM, a MultiHeadAttention) is one layer.
    """
    found = []
    children = model.layers if isinstance(model, keras.Model) else model._flatten_layers(False, False)
    for layer in children:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        path = f"{prefix}{layer.name}"
        found.append((path, layer))
        if looks_inside(layer):
            found += reported_layers(layer, f"{path}/")
    return found


def looks_inside(layer):
    return isinstance(layer, keras.Model) or not type(layer).__module__.startswith("keras")


def output_sizes(model, x):
    """{path: values in the output of the layer at `path`} on `x`, computed apart from the callbacks."""
    outputs = {}

    def keep(layer_path, original):
        def call(*args, **kwargs):
            result = original(*args, **kwargs)
            outputs.setdefault(layer_path, int(np.prod(result.shape)))
            return result
        return call

    layers = [(path, layer) for path, layer in reported_layers(model) if "call" not in layer.__dict__]
    for path, layer in layers:
        object.__setattr__(layer, "call", keep(path, layer.call))
    try:
        model(x, training=False)
    finally:
        for _, layer in layers:
            object.__delattr__(layer, "call")
    return outputs


def train_with_callbacks(build, log_dir):
    keras.utils.set_random_seed(0)
    model, x, y = build()
    probe_x = keras.tree.map_structure(lambda array: array[:PROBE], x)
    probe_y = keras.tree.map_structure(lambda array: array[:PROBE], y)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[
        TensorBoard(log_dir), ActivationStatistics(log_dir, probe_x), GradientStatistics(log_dir, probe_x, probe_y),
    ])
    return model, probe_x


def assert_finite_histograms(run, tags, counts):
    for tag in tags:
        steps, histograms = events.tensor_series(run, tag)
        assert steps == [0, 1, 2], tag
        for histogram in histograms:
            assert np.all(np.isfinite(histogram)), tag
            assert histogram[:, 2].sum() == counts[tag], tag


@pytest.mark.parametrize("build", ZOO, ids=lambda build: build.__name__)
def test_every_layer_and_weight_of_the_zoo_is_reported(build, tmp_path):
    model, probe_x = train_with_callbacks(build, tmp_path)
    run = events.load_run(tmp_path)
    histograms = {tag for tag in events.tags(run) if events.plugin_of(run, tag) == "histograms"}

    activations, sizes = {}, output_sizes(model, probe_x)
    for path, layer in reported_layers(model):
        calls = CALLS.get(layer.name, 1)
        size = sizes[path] if calls == 1 else PROBE * 3  # the shared Dense(3)
        for call in range(1, calls + 1):
            activations[f"activations/{path}" if calls == 1 else f"activations/{path}/call_{call}"] = size
    assert {tag for tag in histograms if tag.startswith("activations/")} == set(activations)
    assert_finite_histograms(run, activations, activations)
    # Every ReLU layer (MobileNetV2's ReLU(6.0) among them) has its dead share.
    relus = {path for path, layer in reported_layers(model) if isinstance(layer, keras.layers.ReLU)}
    assert relus <= {tag.removeprefix("dead_share/") for tag in events.tags(run)}

    gradients = {f"gradients/{weight.path}": int(np.prod(weight.shape)) for weight in model.trainable_weights}
    assert {tag for tag in histograms if tag.startswith("gradients/")} == set(gradients)
    assert_finite_histograms(run, gradients, gradients)
    # One gradient norm per layer that owns trainable weights (a nested model owns none itself).
    owners = {path for path, layer in reported_layers(model) if layer.trainable_weights and not looks_inside(layer)}
    assert {tag.removeprefix("gradient_norm/") for tag in events.tags(run) if tag.startswith("gradient_norm/")} == owners

    train = events.load_run(tmp_path / "train")
    assert events.scalar_series(train, "epoch_loss")[0] == [1, 2]
    weights = {f"{weight.path}/histogram" for layer in model.layers for weight in layer.weights}
    assert weights <= events.tags(train)
    for tag in weights:
        assert all(np.all(np.isfinite(h)) for h in events.tensor_series(train, tag)[1]), tag


def test_a_dataset_probe_takes_its_first_examples(tmp_path):
    # `fit` is fed an endless dataset of (x, y) batches; both probe callbacks take that same
    # dataset, and read its first DATASET_EXAMPLES examples.
    keras.utils.set_random_seed(0)
    model, x, y = mlp_with_input()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16).repeat()
    model.fit(dataset, epochs=2, steps_per_epoch=2, shuffle=False, verbose=0, callbacks=[
        TensorBoard(tmp_path), ActivationStatistics(tmp_path, dataset), GradientStatistics(tmp_path, dataset)])
    run = events.load_run(tmp_path)
    hidden = model.layers[0]
    assert [h[:, 2].sum() for h in events.tensor_series(run, f"activations/{hidden.name}")[1]] == [
        DATASET_EXAMPLES * hidden.units] * 3
    assert events.tensor_series(run, f"gradients/{hidden.kernel.path}")[0] == [0, 1, 2]
    probe = np.concatenate([x, x])[:DATASET_EXAMPLES]  # the repeated dataset's first examples
    _, means = events.scalar_series(run, f"activation_mean/{hidden.name}")
    expected = np.maximum(probe @ hidden.kernel.numpy() + hidden.bias.numpy(), 0).mean()
    np.testing.assert_allclose(means[-1], expected, rtol=1e-5)


def values_at_step_0(run):
    """{tag: the value written at step 0} of a run's histograms and scalars (not its layout)."""
    values = {}
    for tag in events.tags(run):
        steps, series = events.tensor_series(run, tag)
        if events.plugin_of(run, tag) in ("histograms", "scalars") and 0 in steps:
            values[tag] = np.asarray(series[steps.index(0)], dtype=np.float64)
    return values


@pytest.mark.parametrize("build", [convnet, embedding_conv1d, mixed_float16],
                         ids=lambda build: build.__name__)
def test_one_function_gives_both_callbacks_the_values_each_computes_alone(build, tmp_path):
    # On the same probe, ActivationStatistics and GradientStatistics share one traced function
    # (one pass of the model per log point); each alone, on the same untrained model, traces
    # its own and writes the same values at step 0.
    _, x, y = build()  # the data of every run (each build draws new data)
    probe_x = keras.tree.map_structure(lambda array: array[:PROBE], x)
    probe_y = keras.tree.map_structure(lambda array: array[:PROBE], y)

    def step_0(log_dir, *kinds):
        keras.utils.clear_session()  # the same layer names
        keras.utils.set_random_seed(0)
        model, _, _ = build()  # the same starting weights
        made = {"activations": lambda: ActivationStatistics(log_dir, probe_x),
                "gradients": lambda: GradientStatistics(log_dir, probe_x, probe_y)}
        callbacks = [made[kind]() for kind in kinds]
        model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=callbacks)
        return [callback._function for callback in callbacks], values_at_step_0(events.load_run(log_dir))

    (shared, same), together = step_0(tmp_path / "together", "activations", "gradients")
    assert shared is same and shared.parts == ("activations", "gradients")
    (activations,), apart = step_0(tmp_path / "activations", "activations")
    (gradients,), gradients_apart = step_0(tmp_path / "gradients", "gradients")
    assert activations.parts == ("activations",) and gradients.parts == ("gradients",)
    apart.update(gradients_apart)
    assert together.keys() == apart.keys()
    for tag, value in together.items():
        # Histogram edges and counts, means, stds, shares and norms: the same computation,
        # traced once or twice (a value on a bucket edge may move to the next bucket).
        np.testing.assert_allclose(value, apart[tag], rtol=1e-4, atol=1e-6, err_msg=tag)


def test_a_frozen_part_has_activations_but_no_gradient_histograms(tmp_path):
    model, _ = train_with_callbacks(frozen_base, tmp_path)
    tags = events.tags(events.load_run(tmp_path))
    frozen = model.get_layer("base").layers[0]
    assert f"activations/base/{frozen.name}" in tags
    assert not frozen.trainable_weights and frozen.weights
    assert not {f"gradients/{weight.path}" for weight in frozen.weights} & tags
    assert f"gradient_norm/base/{frozen.name}" not in tags


def test_mixed_float16_histograms_come_from_float32_casts(tmp_path):
    model, probe_x = train_with_callbacks(mixed_float16, tmp_path)
    hidden = model.layers[0]
    assert hidden.compute_dtype == "float16" and hidden.kernel.dtype == "float32"
    run = events.load_run(tmp_path)
    _, means = events.scalar_series(run, f"activation_mean/{hidden.name}")
    expected = np.maximum(probe_x @ hidden.kernel.numpy() + hidden.bias.numpy(), 0).mean()
    np.testing.assert_allclose(means[-1], expected, rtol=1e-2)  # float16 arithmetic, float32 stats


def test_nothing_is_printed_while_several_models_train(tmp_path, capfd, caplog):
    # TensorFlow warns about retracing when one function is traced five times in a row; six
    # models, each with its own callbacks, would trigger it if they traced a tf.function each.
    for index, build in enumerate([mlp_with_input, subclassed, embedding_lstm] * 2):
        train_with_callbacks(build, tmp_path / str(index))
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert not [record for record in caplog.records if "retracing" in record.getMessage()]


DISTRIBUTED = textwrap.dedent("""
    import json, sys
    import tensorflow as tf
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras, numpy as np
    from dlintro import events
    from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu", name="hidden"),
                                  keras.layers.Dense(1, activation="sigmoid", name="out")])
        model.compile("adam", "binary_crossentropy")
    x = np.random.default_rng(0).random((32, 3), dtype=np.float32)
    y = (x.sum(axis=1, keepdims=True) > 1.5).astype("float32")
    log_dir = sys.argv[1]
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[
        TensorBoard(log_dir), ActivationStatistics(log_dir, x[:8]), GradientStatistics(log_dir, x[:8], y[:8])])
    run = events.load_run(log_dir)
    print(json.dumps({"replicas": strategy.num_replicas_in_sync, "tags": {
        tag: [events.tensor_series(run, tag)[0], [float(h[:, 2].sum()) for h in events.tensor_series(run, tag)[1]],
              bool(all(np.all(np.isfinite(h)) for h in events.tensor_series(run, tag)[1]))]
        for tag in events.tags(run) if events.plugin_of(run, tag) == "histograms"}}))
""")


def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    # Logical devices must be set before TensorFlow initialises its devices: a fresh process.
    result = subprocess.run([sys.executable, "-c", DISTRIBUTED, str(tmp_path)], capture_output=True, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    expected = {"activations/hidden": 8 * 4, "activations/out": 8 * 1, "gradients/sequential/hidden/kernel": 12,
                "gradients/sequential/hidden/bias": 4, "gradients/sequential/out/kernel": 4,
                "gradients/sequential/out/bias": 1}
    histograms = {tag: value for tag, value in report["tags"].items() if not tag.startswith("gradient_magnitude")}
    assert set(histograms) == set(expected)
    for tag, (steps, counts, finite) in histograms.items():
        assert steps == [0, 1, 2] and counts == [expected[tag]] * 3 and finite, tag
