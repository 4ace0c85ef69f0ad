"""Hyperparameter dataclasses: declared once per lesson, checked before any training.

A lesson's `Config` is a frozen dataclass whose fields carry their own limits:

    @dataclasses.dataclass(frozen=True)
    class Config(LessonConfig):
        epochs: Annotated[int, Range(1, 100_000)] = 1000  # passes over the data
        hidden_activation: Literal["tanh", "relu"] = "tanh"  # non-linearity of the hidden layer

`LessonConfig.__post_init__` checks every field's type, range and choices, so a config can
never exist with a bad value, whether it came from the command line or from Python code.
This module does not import TensorFlow, so bad input fails fast.
"""

import dataclasses
import math
import typing
from typing import Annotated, Literal

from dlintro.i18n import _


class ConfigError(ValueError):
    """A hyperparameter is unknown, of the wrong type, or out of range."""


@dataclasses.dataclass(frozen=True)
class Range:
    """Allowed interval of a numeric field; `open_low`/`open_high` exclude the ends."""

    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False

    def contains(self, value):
        if self.low is not None and (value < self.low or (self.open_low and value == self.low)):
            return False
        if self.high is not None and (value > self.high or (self.open_high and value == self.high)):
            return False
        return True

    def __str__(self):
        low = "-inf" if self.low is None else _number(self.low)
        high = "inf" if self.high is None else _number(self.high)
        return f"{'(' if self.open_low else '['}{low}, {high}{')' if self.open_high else ']'}"


def _number(value):
    """An int as written, a float in its shortest form."""
    return str(value) if isinstance(value, int) else f"{value:g}"


def _describe(field_type):
    """The base type, its allowed choices and its range, read from a field's annotation."""
    range_ = None
    if typing.get_origin(field_type) is Annotated:
        field_type, *extras = typing.get_args(field_type)
        range_ = next((extra for extra in extras if isinstance(extra, Range)), None)
    if typing.get_origin(field_type) is Literal:
        choices = typing.get_args(field_type)
        return type(choices[0]), choices, range_
    return field_type, None, range_


def _check_scalar(name, value, base, choices, range_):
    """Raises ConfigError unless `value` fits the declared type, choices and range."""
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, base) or (base is int and isinstance(value, bool)):
        raise ConfigError(_("{name} must be {kind}, got {value!r}").format(name=name, kind=base.__name__, value=value))
    if base is float and not math.isfinite(value):
        raise ConfigError(_("{name} must be a finite number, got {value!r}").format(name=name, value=value))
    if choices is not None and value not in choices:
        raise ConfigError(_("{name} must be one of {choices}; got {value!r}").format(
            name=name, choices=", ".join(map(str, choices)), value=value))
    if range_ is not None and not range_.contains(value):
        raise ConfigError(_("{name} must be in {range}, got {value!r}").format(name=name, range=range_, value=value))
    return value


def _item_type(tuple_type):
    """The item annotation of `tuple[X, ...]`."""
    return typing.get_args(tuple_type)[0]


def _check_field(name, value, field_type):
    """Returns `value` checked against its annotation (ints given for floats become floats)."""
    base, choices, range_ = _describe(field_type)
    if typing.get_origin(base) is tuple:
        if isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, tuple) or not value:
            raise ConfigError(_("{name} must be a non-empty list, got {value!r}").format(name=name, value=value))
        item = _describe(_item_type(base))
        return tuple(_check_scalar(name, entry, *item) for entry in value)
    return _check_scalar(name, value, base, choices, range_)


@dataclasses.dataclass(frozen=True)
class LessonConfig:
    """Base of every lesson's hyperparameters; the seed is part of every config."""

    seed: Annotated[int, Range(0, 2**31 - 1)] = 0  # seeds Python, NumPy and TensorFlow

    def __post_init__(self):
        hints = typing.get_type_hints(type(self), include_extras=True)
        for field in dataclasses.fields(self):
            value = _check_field(field.name, getattr(self, field.name), hints[field.name])
            object.__setattr__(self, field.name, value)


def require_multiple(config, name, of):
    """Raises ConfigError unless field `name` is a whole multiple of field `of`."""
    value, step = getattr(config, name), getattr(config, of)
    if value % step:
        raise ConfigError(_("{name} ({value}) must be a multiple of {of} ({step})").format(name=name, value=value, of=of, step=step))


def _parse_scalar(name, text, base):
    """Turns command-line text into a value of `base`; the range is checked afterwards."""
    try:
        if base is bool:
            lowered = text.lower()
            if lowered in ("true", "yes", "1"):
                return True
            if lowered in ("false", "no", "0"):
                return False
            raise ValueError
        return base(text)
    except ValueError:
        raise ConfigError(_("{name} must be {kind}, got {value!r}").format(name=name, kind=base.__name__, value=text)) from None


def parse_values(config_class, arguments):
    """The values of `--key value` (or `--key=value`) pairs, by field name, refusing unknown keys.

    Args:
        config_class: the lesson's `Config` dataclass.
        arguments: command-line words, for example `["--epochs", "800", "--seed=3"]`.

    Returns:
        `{field name: value}`, each value of its field's type (ranges are checked when a
        config is built from them).

    Raises:
        ConfigError: on an unknown key, a missing value or a bad type.

    Example:
        >>> parse_values(LessonConfig, ["--seed", "3"])
        {'seed': 3}
    """
    hints = typing.get_type_hints(config_class, include_extras=True)
    fields = {field.name: hints[field.name] for field in dataclasses.fields(config_class)}
    values = {}
    words = list(arguments)
    while words:
        word = words.pop(0)
        if not word.startswith("--") or len(word) == 2:
            raise ConfigError(_("expected --name value, got {word!r}").format(word=word))
        key, has_value, text = word[2:].partition("=")
        if not has_value:
            if not words:
                raise ConfigError(_("{flag} needs a value").format(flag="--" + key))
            text = words.pop(0)
        name = key.replace("-", "_")
        if name not in fields:
            known = ", ".join("--" + field.replace("_", "-") for field in fields)
            raise ConfigError(_("unknown hyperparameter {flag} (known: {known})").format(flag="--" + key, known=known))
        if name in values:
            raise ConfigError(_("{flag} given twice").format(flag="--" + key))
        base, unused_choices, unused_range = _describe(fields[name])
        if typing.get_origin(base) is tuple:
            item_base, unused_choices, unused_range = _describe(_item_type(base))
            items = [item.strip() for item in text.split(",") if item.strip()]
            values[name] = tuple(_parse_scalar(name, item, item_base) for item in items)
        else:
            values[name] = _parse_scalar(name, text, base)
    return values


def parse_overrides(config_class, arguments):
    """Builds a config from `--key value` (or `--key=value`) pairs, refusing unknown keys.

    Raises:
        ConfigError: on an unknown key, a missing value, a bad type or an out-of-range value.

    Example:
        >>> parse_overrides(LessonConfig, ["--seed", "3"]).seed
        3
    """
    return config_class(**parse_values(config_class, arguments))


def changed_values(config):
    """The fields of `config` that differ from their defaults: `{field name: value}`."""
    return {
        field.name: getattr(config, field.name)
        for field in dataclasses.fields(config)
        if getattr(config, field.name) != field.default
    }


def to_arguments(config):
    """The command-line words that rebuild `config`: `--key value` for every non-default field.

    Example:
        >>> to_arguments(LessonConfig(seed=3))
        ['--seed', '3']
    """
    words = []
    for name, value in changed_values(config).items():
        text = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
        words += ["--" + name.replace("_", "-"), text]
    return words


def describe_fields(config_class):
    """One `(flag, default, type and limits)` row per field, for `dlintro show`."""
    hints = typing.get_type_hints(config_class, include_extras=True)
    rows = []
    for field in dataclasses.fields(config_class):
        base, choices, range_ = _describe(hints[field.name])
        if choices is not None:
            kind = " | ".join(map(str, choices))
        elif typing.get_origin(base) is tuple:
            item_base, item_choices, item_range = _describe(_item_type(base))
            if item_choices is not None:
                kind = "list of " + " | ".join(map(str, item_choices))
            else:
                kind = f"list of {item_base.__name__}" + (f" in {item_range}" if item_range else "")
        else:
            kind = base.__name__ + (f" in {range_}" if range_ else "")
        default = field.default
        if isinstance(default, tuple):
            default = ",".join(map(str, default))
        rows.append(("--" + field.name.replace("_", "-"), str(default), kind))
    return rows


__all__ = [
    "ConfigError",
    "LessonConfig",
    "Range",
    "parse_overrides",
    "parse_values",
    "to_arguments",
    "changed_values",
    "describe_fields",
    "require_multiple",
    "Annotated",
    "Literal",
]
