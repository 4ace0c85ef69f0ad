"""Every lesson's mechanism by hand (`dlintro/lessons/<name>_by_hand.py`): short, plain NumPy, and
the same computation as the framework's; and each check fails when the by-hand function is wrong."""

import ast
import functools
import inspect
import re

import numpy as np
import pytest

from dlintro import datasets, i18n, lessons
from dlintro.lessons import by_hand
from dlintro.lessons.by_hand import Comparison


def _module(name):
    return by_hand.load(name)


@functools.cache
def _compared(name):
    """The lesson's comparison at seed 0, computed once for the tests that read it."""
    return _module(name).compare(seed=0)


def test_every_lesson_has_a_by_hand_module():
    assert by_hand.LESSONS == lessons.NAMES


@pytest.mark.parametrize("name", by_hand.LESSONS)
def test_the_mechanism_is_one_top_level_function_of_10_to_30_lines(name):
    module = _module(name)
    function = module.FUNCTION
    assert inspect.isfunction(function)
    assert function.__module__ == module.__name__ and function.__qualname__ == function.__name__
    assert getattr(module, function.__name__) is function
    lines, unused = inspect.getsourcelines(function)
    assert 10 <= len(lines) <= 30, f"{function.__name__} has {len(lines)} lines"
    # Plain NumPy: no class, and no framework inside the mechanism.
    tree = ast.parse(inspect.getsource(module))
    assert not [node for node in tree.body if isinstance(node, ast.ClassDef)]
    names = {node.id for node in ast.walk(ast.parse(inspect.getsource(function))) if isinstance(node, ast.Name)}
    assert not names & {"keras", "tf", "tensorflow", "ops"}, names


@pytest.mark.parametrize("name", by_hand.LESSONS)
def test_by_hand_computes_what_the_framework_computes(name):
    comparison = _compared(name)
    print(f"{name}: {comparison}")
    assert isinstance(comparison, Comparison)
    assert comparison.what and comparison.what.isascii()
    assert np.isfinite(comparison.largest_difference)
    assert comparison.holds, str(comparison)


@pytest.mark.parametrize("name", by_hand.LESSONS)
def test_a_comparison_reads_in_korean_with_the_same_numbers(name):
    comparison = _compared(name)
    with i18n.language("en"):
        english, english_what = str(comparison), comparison.describe()
    with i18n.language("ko"):
        korean, korean_what = str(comparison), comparison.describe()
    assert re.search(r"[\uac00-\ud7a3]", korean) and re.search(r"[\uac00-\ud7a3]", korean_what), korean
    assert english == (f"{english_what}: largest difference {comparison.largest_difference:.1e}, "
                       f"tolerance {comparison.tolerance:.0e} ({'agree' if comparison.holds else 'DIFFER'})")

    def numbers(text):
        return sorted(re.findall(r"\d+(?:\.\d+)?(?:e[-+]\d+)?", text))

    assert numbers(korean) == numbers(english), (english, korean)


def _wrong(module, wrap):
    """The module's mechanism with one argument made wrong by `wrap(arguments)`."""
    original = module.FUNCTION
    signature = inspect.signature(original)

    def wrong(*args, **kwargs):
        arguments = signature.bind(*args, **kwargs)
        arguments.apply_defaults()
        wrap(arguments.arguments)
        return original(*arguments.args, **arguments.kwargs)

    return wrong


def _times(key, factor):
    def wrap(arguments):
        arguments[key] = arguments[key] * factor

    return wrap


def _drop_last_unit(arguments):
    for key in ("hidden_kernel", "hidden_bias", "output_kernel"):
        value = np.asarray(arguments[key])
        arguments[key] = value[:-1] if key == "output_kernel" else value[..., :-1]


def _nudge_one_weight(arguments):
    kernel = np.array(arguments["hidden_kernel"], dtype=np.float64)
    kernel[0, 0] += 1e-3
    arguments["hidden_kernel"] = kernel


def _flip_filter(arguments):
    arguments["kernel"] = np.asarray(arguments["kernel"])[::-1, ::-1]  # a true convolution's flip


def _steeper_slope(arguments):
    slope = arguments["slope"]
    arguments["slope"] = lambda z: 1.01 * slope(z)


def _wide_step(arguments):
    arguments["h"] = 1e-2


# One wrong version of each lesson's mechanism: a small change of one input.
CONTROLS = {
    "linear": _times("learning_rate", 1.01),
    "perceptron": _times("learning_rate", 0.5),
    "hebbian": _times("learning_rate", 1.01),
    "xor": _nudge_one_weight,
    "approximation": _drop_last_unit,
    "features": _flip_filter,
    "vanishing": _steeper_slope,
    "overfitting": _times("l2", 1.01),
    "overfitting-dropout": _times("dropout_rate", 0.9),
    "minima": _wide_step,
}


@pytest.mark.parametrize("control", CONTROLS)
def test_the_check_fails_when_the_by_hand_function_is_wrong(control, monkeypatch):
    module = _module(control.split("-")[0])
    monkeypatch.setattr(module, module.FUNCTION.__name__, _wrong(module, CONTROLS[control]))
    comparison = module.compare(seed=0)
    print(f"{control} made wrong: {comparison}")
    assert not comparison.holds, str(comparison)


def test_comparison_holds_within_its_tolerance_only():
    assert Comparison("a vs b", 1e-6, 1e-6).holds
    assert not Comparison("a vs b", 2e-6, 1e-6).holds
    assert not Comparison("a vs b", float("nan"), 1e-6).holds


# The mechanisms also do, on their own, what their lessons show.
def test_gradient_descent_by_hand_reaches_the_least_squares_answer():
    from dlintro.lessons import linear, linear_by_hand

    x, y = datasets.equations()
    path = linear_by_hand.gradient_descent(x, y, start=(0.0, 0.0), learning_rate=0.05, steps=150)
    assert np.max(np.abs(path[-1] - linear.least_squares_solution())) <= linear.TOLERANCE


def test_the_perceptron_rule_by_hand_learns_and_but_not_xor():
    from dlintro.lessons import perceptron_by_hand

    for gate, learns in (("and", True), ("xor", False)):
        x, y = datasets.gates(gate)
        w1, w2, b = perceptron_by_hand.perceptron_rule(x, y, (0.0, 0.0), 0.0, passes=20)[-1]
        answers = (x @ np.array([w1, w2]) + b >= 0).astype(float)
        assert np.array_equal(answers, y.ravel()) == learns


def test_the_instar_rule_by_hand_conditions_the_bell():
    from dlintro.lessons import hebbian_by_hand

    food, bell = hebbian_by_hand.instar_rule(datasets.conditioning("paired", 30), (1.0, 0.1))[-1]
    assert bell >= 0.5  # the bell alone now reaches the threshold (0.5): it fires the neuron


def test_backpropagation_by_hand_matches_finite_differences():
    from dlintro.lessons import xor_by_hand

    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(2, 2)), rng.normal(size=2), rng.normal(size=(2, 1)), rng.normal(size=1)]
    x, y = datasets.gates("xor")
    loss, gradients = xor_by_hand.backpropagation(x, y, *weights)
    step = 1e-6
    nudged = [w.copy() for w in weights]
    nudged[0][1, 0] += step
    assert (xor_by_hand.backpropagation(x, y, *nudged)[0] - loss) / step == pytest.approx(gradients[0][1, 0], abs=1e-5)


def test_the_sigmoid_gradient_by_hand_fades_towards_the_input():
    from dlintro.lessons import vanishing, vanishing_by_hand

    rng = np.random.default_rng(0)
    sizes = [64] + [64] * 10 + [10]
    limits = [np.sqrt(6 / (a + b)) for a, b in zip(sizes[:-1], sizes[1:])]
    kernels = [rng.uniform(-limit, limit, (a, b)) for limit, a, b in zip(limits, sizes[:-1], sizes[1:])]
    biases = [np.zeros(b) for b in sizes[1:]]
    (x, y), unused = datasets.digits()
    norms = vanishing_by_hand.backward_gradient_norms(x[:64], y[:64], kernels, biases, *vanishing.ACTIVATIONS["sigmoid"][:2])
    assert norms[0] < 1e-3 * norms[-1]
