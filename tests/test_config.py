"""Hyperparameter dataclasses: overrides are parsed, typed and range-checked."""

import dataclasses
import re

import pytest

from dlintro.config import Annotated, ConfigError, LessonConfig, Literal, Range, parse_overrides


@dataclasses.dataclass(frozen=True)
class Example(LessonConfig):
    rate: Annotated[float, Range(0, 1, open_high=True)] = 0.5
    widths: tuple[Annotated[int, Range(1, 64)], ...] = (1, 2)
    mode: Literal["a", "b"] = "a"
    verbose: bool = False


def test_overrides_are_parsed_to_the_declared_types():
    config = parse_overrides(Example, ["--rate=0.25", "--widths", "4, 8,16", "--mode", "b", "--verbose", "yes"])
    assert config == Example(seed=0, rate=0.25, widths=(4, 8, 16), mode="b", verbose=True)


def test_ints_are_accepted_for_floats_in_code():
    assert Example(rate=0).rate == 0.0 and isinstance(Example(rate=0).rate, float)


@pytest.mark.parametrize(
    "values, message",
    [
        (dict(rate=1.0), "rate must be in [0, 1), got 1.0"),
        (dict(rate="0.1"), "rate must be float"),
        (dict(widths=(0,)), "widths must be in [1, 64], got 0"),
        (dict(widths=()), "widths must be a non-empty list"),
        (dict(mode="c"), "mode must be one of a, b"),
        (dict(verbose=1), "verbose must be bool"),
        (dict(seed=True), "seed must be int"),
        (dict(seed=-1), "seed must be in [0, 2147483647], got -1"),
    ],
)
def test_bad_values_are_refused_even_from_python(values, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Example(**values)
