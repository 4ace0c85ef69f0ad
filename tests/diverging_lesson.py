"""A lesson made to diverge, for the tests: plain SGD with a step far too large for its data.

Its text is `tests/data/texts/en/diverges.md`.
"""

import dataclasses
from typing import Annotated

import keras
import numpy as np

from dlintro.config import LessonConfig, Range, require_multiple
from dlintro.runs import Variant, Verdict
from dlintro.training import fit

TITLE = "diverges: a step that is too large makes gradient descent blow up"
CLAIM = "The careful variant fits the line y = 3x."


@dataclasses.dataclass(frozen=True)
class Config(LessonConfig):
    epochs: Annotated[int, Range(1, 10_000)] = 200  # full-batch passes over the data
    log_every: Annotated[int, Range(1, 1_000)] = 5  # passes between log points
    learning_rate: Annotated[float, Range(0, 1e6, open_low=True)] = 15.0  # the reckless step

    def __post_init__(self):
        super().__post_init__()
        require_multiple(self, "epochs", of="log_every")


X = np.linspace(-1, 1, 32, dtype=np.float32).reshape(-1, 1)
Y = 3 * X


def line_model(learning_rate):
    """A compiled `Dense(1)` trained by plain SGD on the mean squared error."""
    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Dense(1, name="line")(inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


@dataclasses.dataclass(frozen=True, kw_only=True)
class Step(Variant):
    """One step size of plain SGD."""

    learning_rate: float


def variants(config):
    """The reckless step first, then a careful one."""
    return [Step(name="reckless", learning_rate=config.learning_rate), Step(name="careful", learning_rate=0.1)]


def train(config, variant, log_dir):
    """Fits the line with full reporting; `fit` raises `Diverged` when the loss stops being finite."""
    model = line_model(variant.learning_rate)
    history = fit(model, X, Y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
                  seed=config.seed)
    return {"loss": float(history.history["loss"][-1])}


def text_numbers(config, results):
    """The careful variant's final loss, for the text."""
    (loss,) = [metrics["loss"] for variant, metrics in results.items() if variant.learning_rate < 1]
    return {"careful_loss": loss}


def check(config, results):
    """The careful variant ends near a loss of zero."""
    (loss,) = [metrics["loss"] for variant, metrics in results.items() if variant.learning_rate < 1]
    return Verdict(holds=loss < 0.01, numbers={"careful_loss": loss}, explanation=f"Loss {loss:.3g}.")
