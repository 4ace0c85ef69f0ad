"""The perceptron lesson: one neuron learns the four separable gates and never XOR or XNOR."""

import dataclasses

import keras
import numpy as np
import pytest

from dlintro import datasets, events, i18n
from dlintro.lessons import perceptron
from dlintro.runner import run_lesson

SHORT = perceptron.Config(epochs=40, log_every=10)


def test_one_update_is_the_perceptron_rule_worked_by_hand():
    model = perceptron.perceptron(learning_rate=0.5)
    layer = model.get_layer("output")
    layer.set_weights([np.array([[0.25], [-0.5]], np.float32), np.array([0.0], np.float32)])
    assert model.trainable_weights == []  # no optimizer ever touches them
    # Input (1, 1): sum 0.25 - 0.5 = -0.25 < 0, so it answers 0; the target is 1, error +1:
    # weights += 0.5 * 1 * (1, 1), bias += 0.5.
    model.train_on_batch(np.array([[1.0, 1.0]], np.float32), np.array([[1.0]], np.float32))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(kernel.ravel(), [0.75, 0.0])
    np.testing.assert_allclose(bias, [0.5])
    # A right answer changes nothing: (0, 0) sums to 0.5 >= 0, answers 1, target 1.
    model.train_on_batch(np.array([[0.0, 0.0]], np.float32), np.array([[1.0]], np.float32))
    np.testing.assert_allclose(layer.get_weights()[0].ravel(), [0.75, 0.0])
    # A wrong 1 subtracts: (1, 0) sums to 1.25, answers 1, target 0, error -1.
    model.train_on_batch(np.array([[1.0, 0.0]], np.float32), np.array([[0.0]], np.float32))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(kernel.ravel(), [0.25, 0.0])
    np.testing.assert_allclose(bias, [0.0])
    assert model.mistakes.numpy() == 2  # two wrong answers, two updates


@pytest.fixture(scope="module")
def runs_by_seed(tmp_path_factory):
    """The shortened lesson, once per seed."""
    root = tmp_path_factory.mktemp("runs")
    return {
        seed: run_lesson("perceptron", dataclasses.replace(SHORT, seed=seed), runs_root=root, out=lambda *_: None)
        for seed in (1, 2, 3)
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_claim_separable_gates_learned_xor_and_xnor_never(runs_by_seed, seed):
    summary = runs_by_seed[seed]
    assert summary["claim"]["holds"] is True
    accuracy = summary["claim"]["numbers"]
    assert len(accuracy) == 12
    for gate in perceptron.GATES:
        for learner in perceptron.LEARNERS:
            name = perceptron.run_name(gate, learner)
            if gate in datasets.SEPARABLE_GATES:
                assert accuracy[name] == 1.0, name
            else:
                assert accuracy[name] <= 0.75, name
            # The accuracy curve tells the same story: 1.0 at the last log point on a separable
            # gate; never above 0.75 on XOR and XNOR, whose four corners no line gets right.
            train = events.load_run(f"{summary['run_dir']}/{name}/train")
            steps, curve = events.scalar_series(train, "epoch_accuracy")
            assert steps == [10, 20, 30, 40]
            if gate in datasets.SEPARABLE_GATES:
                assert curve[-1] == 1.0, name
            else:
                assert curve.max() <= 0.75, name


def test_every_run_has_its_line_and_its_weights(runs_by_seed):
    summary = runs_by_seed[1]
    names = [path.name for path in events.variant_dirs(summary["run_dir"])]
    assert names == sorted(v.name for v in perceptron.variants(perceptron.Config()))
    # TensorBoard lists runs sorted by name: that order must be the gates' order, not A-Z.
    assert [name.split("-")[1] for name in sorted(names)][::2] == ["and", "or", "nand", "nor", "xor", "xnor"]
    for name in names:
        run = events.load_run(f"{summary['run_dir']}/{name}")
        assert events.plugin_of(run, "decision_boundary") == "images"
        steps, images = events.tensor_series(run, "decision_boundary")
        assert steps == [0, 10, 20, 30, 40]
        final = summary["variants"][name]["metrics"]
        for weight in ("w1", "w2", "b"):
            tag = f"weights/output/{weight}"
            assert events.plugin_of(run, tag) == "scalars"
            steps, values = events.scalar_series(run, tag)
            assert steps == [0, 10, 20, 30, 40]
            assert values[-1] == pytest.approx(final[weight], abs=1e-6)
        assert events.plugin_of(run, "_hparams_/session_start_info") == "hparams"
        # The sigmoid neuron is drawn whole at every log point; the rule's subclassed neuron is not.
        if name.endswith("sigmoid_gradient"):
            assert events.tensor_series(run, "network_map")[0] == [0, 10, 20, 30, 40]
        else:
            assert "network_map" not in events.tags(run)


def test_perceptron_rule_freezes_once_every_corner_is_right(runs_by_seed):
    # The rule only moves on a mistake, so on a separable gate the weights stop for good.
    summary = runs_by_seed[2]
    for gate in datasets.SEPARABLE_GATES:
        run = events.load_run(f"{summary['run_dir']}/{perceptron.run_name(gate, 'perceptron_rule')}")
        for weight in ("w1", "w2", "b"):
            _, values = events.scalar_series(run, f"weights/output/{weight}")
            assert values[-1] == values[-2] == values[-3], (gate, weight)


def test_factory_models_save_and_load(tmp_path):
    x, y = datasets.gates("nand")
    for model in (perceptron.perceptron(), perceptron.sigmoid_neuron()):
        model.fit(x, y, batch_size=1, epochs=3, verbose=0)
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
        loaded.fit(x, y, batch_size=1, epochs=1, verbose=0)  # still trainable after loading


def test_sigmoid_neuron_runs_carry_activation_and_gradient_histograms(runs_root):
    summary = run_lesson("perceptron", perceptron.QUICK, runs_root=runs_root, out=lambda *_: None)
    for gate in ("and", "xor"):
        run = events.load_run(f"{summary['run_dir']}/{perceptron.run_name(gate, 'sigmoid_gradient')}")
        for tag in ("activations/output", "gradients/output/kernel"):
            steps, histograms = events.tensor_series(run, tag)
            assert events.plugin_of(run, tag) == "histograms" and steps[0] == 0
            assert all(h[:, 2].sum() == (4 if tag.startswith("activations") else 2) for h in histograms)


def _loss_gradient(model, x, y):
    """The cross-entropy's gradient for the neuron's kernel and bias, as one flat vector."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = model.compute_loss(x=x, y=y, y_pred=model(x))
    return np.concatenate([np.ravel(g) for g in tape.gradient(loss, model.trainable_weights)])


@pytest.mark.parametrize("gate", ["xor", "xnor"])
def test_on_xor_the_sigmoid_neurons_best_is_no_line_at_all(gate):
    # At w = 0, b = 0 the neuron answers 0.5 at every corner and the gradient is exactly zero.
    x, y = datasets.gates(gate)
    model = perceptron.sigmoid_neuron()
    model.get_layer("output").set_weights([np.zeros((2, 1), np.float32), np.zeros(1, np.float32)])
    np.testing.assert_allclose(model(x), 0.5)
    np.testing.assert_allclose(_loss_gradient(model, x, y), 0.0, atol=1e-7)
    assert float(model.compute_loss(x=x, y=y, y_pred=model(x))) == pytest.approx(np.log(2), rel=1e-5)


def test_sigmoid_neuron_takes_the_same_path_to_zero_on_xor_and_xnor(tmp_path):
    # The loss is convex, so descent goes to that bottom; XOR's and XNOR's labels differ by
    # (+1, -1, -1, +1), orthogonal to x1, x2 and the bias input, so both gates give one path.
    from dlintro.training import fit, seed_everything

    ends = {}
    for gate in ("xor", "xnor"):
        seed_everything(0)
        x, y = datasets.gates(gate)
        model = perceptron.sigmoid_neuron()
        start = np.concatenate([np.ravel(w) for w in model.get_weights()])
        fit(model, x, y, log_dir=tmp_path / gate, epochs=300, log_every=300, report=False)
        ends[gate] = np.concatenate([np.ravel(w) for w in model.get_weights()])
        assert np.max(np.abs(ends[gate])) < 1e-3 * np.max(np.abs(start))
        assert np.linalg.norm(_loss_gradient(model, x, y)) < 1e-6
        np.testing.assert_allclose(model(x), 0.5, atol=1e-6)
    np.testing.assert_allclose(ends["xor"], ends["xnor"], atol=1e-7)


def test_lesson_runs_sigmoid_weights_fade_on_xor_and_the_two_accuracies_add_up(runs_by_seed):
    for seed, summary in runs_by_seed.items():
        metrics = {name: entry["metrics"] for name, entry in summary["variants"].items()}
        xor, xnor = (metrics[perceptron.run_name(gate, "sigmoid_gradient")] for gate in ("xor", "xnor"))
        for weight in ("w1", "w2", "b"):
            assert xor[weight] == pytest.approx(xnor[weight], abs=1e-5), (seed, weight)
        assert xor["accuracy"] + xnor["accuracy"] == 1.0, seed
        # The gradient fades far faster on XOR, whose weights go to the bottom at 0, than on
        # AND, whose loss keeps falling as its weights grow.
        norms = {}
        for gate in ("and", "xor"):
            run = events.load_run(f"{summary['run_dir']}/{perceptron.run_name(gate, 'sigmoid_gradient')}")
            _, norms[gate] = events.scalar_series(run, "gradient_norm/output")
            _, w2 = events.scalar_series(run, "weights/output/w2")
            if gate == "xor":
                assert abs(w2[-1]) < abs(w2[0]), seed
        assert norms["xor"][-1] < norms["and"][-1] / 10, seed
        assert norms["xor"][-1] < norms["xor"][0] / 10, seed


def test_the_step_passes_no_gradient_back():
    import tensorflow as tf

    from dlintro.rules import step

    z = tf.Variable([-1.0, -0.1, 0.1, 2.0])
    with tf.GradientTape() as tape:
        answers = step(z)
    gradient = tape.gradient(answers, z)
    assert gradient is None or np.all(np.asarray(gradient) == 0.0)


def test_text_numbers_are_the_runs_own(runs_by_seed):
    from dlintro import texts

    for seed, summary in runs_by_seed.items():
        numbers = summary["text_numbers"]
        for part in texts.parts("perceptron").values():
            texts.render(part, numbers)  # every placeholder is filled
        metrics = {name: entry["metrics"] for name, entry in summary["variants"].items()}
        # The answers the text lists agree with XOR at the share its accuracy says, and with XNOR at the rest.
        answers = [int(a) for a in numbers["xor_answers"].split(", ")]
        xor_labels = datasets.gates("xor")[1].ravel()
        assert np.mean(np.array(answers) == xor_labels) == numbers["xor_sigmoid_gradient_accuracy"], seed
        assert numbers["xor_sigmoid_gradient_accuracy"] + numbers["xnor_sigmoid_gradient_accuracy"] == 1.0
        # The hand-computed gradient lengths are TensorFlow's, as GradientStatistics logged them.
        for gate in ("and", "xor"):
            name = perceptron.run_name(gate, "sigmoid_gradient")
            _, norms = events.scalar_series(events.load_run(f"{summary['run_dir']}/{name}"), "gradient_norm/output")
            assert metrics[name]["gradient_norm_start"] == pytest.approx(norms[0], rel=1e-4), (seed, gate)
            assert metrics[name]["gradient_norm_end"] == pytest.approx(norms[-1], rel=1e-2, abs=1e-7), (seed, gate)
        assert numbers["xor_gradient_shrink"] > 10 * numbers["and_gradient_shrink"], seed
        mistakes = [metrics[perceptron.run_name(gate, "perceptron_rule")]["mistakes"] for gate in datasets.SEPARABLE_GATES]
        assert (numbers["rule_fewest_mistakes"], numbers["rule_most_mistakes"]) == (min(mistakes), max(mistakes))
        # On XOR no line is right, so the rule errs at least once in every pass.
        assert numbers["rule_xor_mistakes"] >= SHORT.epochs


def test_the_rule_is_stochastic_gradient_descent_on_the_perceptron_criterion():
    # The criterion for one example: max(0, -(2t - 1) * sum) (Bishop, PRML 4.1.7). Its gradient
    # for a wrong answer is the rule's update; for a right one it is 0, as the rule changes nothing.
    import tensorflow as tf

    x, y = datasets.gates("or")
    start = [np.array([[0.3], [-0.8]], np.float32), np.array([0.1], np.float32)]
    for corner, target in zip(x, y.ravel()):
        kernel, bias = tf.Variable(start[0]), tf.Variable(start[1])
        with tf.GradientTape() as tape:
            total = tf.matmul(corner[None, :], kernel) + bias
            criterion = tf.maximum(0.0, -(2 * target - 1) * total)
        gradients = [np.asarray(g) for g in tape.gradient(criterion, [kernel, bias])]
        model = perceptron.perceptron(learning_rate=0.5)
        model.get_layer("output").set_weights(start)
        model.train_on_batch(corner[None, :], np.array([[target]], np.float32))
        kernel_after, bias_after = model.get_layer("output").get_weights()
        if float(total[0, 0]) != 0.0:  # at a sum of exactly 0 the criterion has no slope
            np.testing.assert_allclose(kernel_after, start[0] - 0.5 * gradients[0], atol=1e-7)
            np.testing.assert_allclose(bias_after, start[1] - 0.5 * gradients[1], atol=1e-7)


def test_the_views_select_their_runs_under_the_gate_ordered_names():
    import re

    from dlintro import texts

    names = [variant.name for variant in perceptron.variants(perceptron.Config())]

    def selected(view):
        return [name for name in names if re.match(f"(?:{view.run_filter})", name)]

    boundaries, network, accuracy = perceptron.VIEWS
    assert selected(boundaries) == [perceptron.run_name(gate, "perceptron_rule") for gate in perceptron.GATES]
    assert selected(network) == ["1-and-sigmoid_gradient", "5-xor-sigmoid_gradient"]
    assert re.match(f"(?:{accuracy.run_filter})", "2-or-sigmoid_gradient/train")
    # The look part leads with the first view's picture.
    first_bullet = texts.parts("perceptron")["look"].splitlines()[0]
    assert f"`{boundaries.shows[0]}`" in first_bullet and "perceptron_rule" in first_bullet


def test_the_verdicts_say_the_same_in_korean():
    config = perceptron.Config()
    results = {variant: {"accuracy": 0.75, "mistakes": 12} if variant.learner == "perceptron_rule" else {"accuracy": 1.0}
               for variant in perceptron.variants(config)}
    assert perceptron._describe(results).startswith("Accuracy: 1-and-perceptron_rule 75% after 12 mistakes; ")
    with i18n.language("ko"):
        assert perceptron._describe(results).startswith("정확도: 1-and-perceptron_rule 75%(실수 12번 뒤); ")
        assert perceptron.check(config, results).explanation.startswith("정확도: 1-and-perceptron_rule 75%, ")
