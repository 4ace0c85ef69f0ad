"""Shared test set-up: quiet TensorFlow, English unless a test asks for another language, and
a fresh runs directory per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from dlintro import i18n  # noqa: E402


@pytest.fixture(autouse=True)
def english():
    """Every test starts in English, whatever the machine's locale, and leaves it so."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def runs_root(tmp_path):
    """An empty runs directory, private to the test."""
    path = tmp_path / "runs"
    path.mkdir()
    return path
