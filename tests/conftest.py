"""Shared test set-up: quiet TensorFlow, and a fresh runs directory per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

# Command-line overrides that run each lesson briefly but still meaningfully, for the tests
# that treat every lesson alike (reproducibility, concurrency, log size). Every lesson in
# `dlintro.lessons.NAMES` needs an entry.
QUICK_ARGS = {
    "linear": ["--steps", "40", "--log-every", "20"],
    "perceptron": ["--epochs", "20", "--log-every", "10"],
    "hebbian": ["--trials", "10"],
    "xor": ["--epochs", "100", "--log-every", "50"],
    "approximation": ["--epochs", "300", "--log-every", "150", "--widths", "1,32"],
    "features": ["--circle-epochs", "200", "--circle-log-every", "100", "--digit-epochs", "5", "--digit-log-every", "5"],
    "vanishing": ["--epochs", "10", "--log-every", "5"],
    "overfitting": ["--epochs", "200", "--log-every", "20"],
    "minima": ["--starts", "40", "--epochs", "400", "--log-every", "200"],
}


@pytest.fixture
def runs_root(tmp_path):
    """An empty runs directory, private to the test."""
    path = tmp_path / "runs"
    path.mkdir()
    return path
