"""Shared test set-up: quiet TensorFlow, and a fresh runs directory per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

@pytest.fixture
def runs_root(tmp_path):
    """An empty runs directory, private to the test."""
    path = tmp_path / "runs"
    path.mkdir()
    return path
