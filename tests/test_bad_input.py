"""Malformed input and unusable places are refused before training: one line, exit 2, nothing written.

Every hyperparameter of every lesson carries its own limits (a `Range`, a `Literal`, a bool or a
list of such), so the tests derive bad values from the annotations and work for any lesson; a
Hypothesis fuzzer throws random keys and values at the command line on top.
"""

import contextlib
import dataclasses
import io
import os
import subprocess
import sys
import tempfile
import typing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlintro import lessons
from dlintro.__main__ import main
from dlintro.config import ConfigError, Range, describe_fields, parse_overrides


def call_main(arguments):
    """Runs the CLI in-process; returns (exit code, printed lines, stderr text)."""
    printed, err = [], io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(map(str, arguments)), out=printed.append)
    return code, printed, err.getvalue()


def assert_refused(code, err, runs_root, *, mentions=""):
    """Exit code 2, one line on stderr, and no run of any lesson under `runs_root`."""
    assert code == 2, err
    assert err.startswith("dlintro: error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    assert mentions in err
    assert not Path(runs_root).exists() or not any(Path(runs_root).iterdir())


def hyperparameters(config_class):
    """(name, annotation) of every field of a lesson's Config, the seed included."""
    hints = typing.get_type_hints(config_class, include_extras=True)
    return [(field.name, hints[field.name]) for field in dataclasses.fields(config_class)]


def flag(name):
    return "--" + name.replace("_", "-")


def unpack(annotation):
    """(base type, choices or None, Range or None) of a field or list-item annotation."""
    range_ = None
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *extras = typing.get_args(annotation)
        range_ = next((extra for extra in extras if isinstance(extra, Range)), None)
    if typing.get_origin(annotation) is typing.Literal:
        return typing.Literal, typing.get_args(annotation), range_
    return annotation, None, range_


def unchecked_reason(annotation):
    """Why a field's annotation leaves some values unchecked, or None when it checks them all."""
    base, choices, range_ = unpack(annotation)
    if choices is not None or base is bool:
        return None
    if base in (int, float):
        if range_ is None or range_.low is None or range_.high is None:
            return f"{base.__name__} without a Range with both ends"
        return None
    if typing.get_origin(base) is tuple:
        item, *rest = typing.get_args(base)
        if rest != [Ellipsis]:
            return "a tuple that is not tuple[item, ...]"
        reason = unchecked_reason(item)
        return None if reason is None else f"list items: {reason}"
    return f"type {base!r} is neither a ranged number, a Literal, a bool nor a list of those"


def bad_texts(annotation):
    """Command-line texts the field must refuse."""
    base, choices, range_ = unpack(annotation)
    if typing.get_origin(base) is tuple:
        (item, _) = typing.get_args(base)
        return ["", ","] + [f"{good},{bad}" for good in [valid_text(item)] for bad in bad_texts(item) if bad]
    if choices is not None:
        return ["no-such-choice" if isinstance(choices[0], str) else str(max(choices) + 1)]
    if base is bool:
        return ["maybe", "2"]
    texts = ["abc", "1e400" if base is float else "1.5"]
    if base is float:
        texts += ["nan", "-inf"]
    low = range_.low if range_.open_low else range_.low - 1
    high = range_.high if range_.open_high else range_.high + 1
    texts += [str(int(low) if base is int else float(low)), str(int(high) if base is int else float(high))]
    return texts


def valid_text(annotation):
    """One command-line text the field accepts."""
    base, choices, range_ = unpack(annotation)
    if typing.get_origin(base) is tuple:
        return valid_text(typing.get_args(base)[0])
    if choices is not None:
        return str(choices[0])
    if base is bool:
        return "true"
    value = range_.high if not range_.open_high else (range_.low + range_.high) / 2
    return str(int(value) if base is int else float(value))


@pytest.mark.parametrize("name", lessons.NAMES)
def test_every_hyperparameter_is_checked(name):
    lesson = lessons.load(name)
    unchecked = {
        field: reason
        for field, annotation in hyperparameters(lesson.Config)
        if (reason := unchecked_reason(annotation)) is not None
    }
    assert not unchecked, f"{name}: these fields take values nothing checks: {unchecked}"
    lesson.Config()  # the defaults pass their own checks


@pytest.mark.parametrize("name", lessons.NAMES)
def test_every_bad_value_of_every_hyperparameter_is_refused_in_one_line(name, tmp_path):
    lesson = lessons.load(name)
    runs_root = tmp_path / "runs"
    for field, annotation in hyperparameters(lesson.Config):
        for text in bad_texts(annotation):
            code, printed, err = call_main(["run", name, "--runs-dir", runs_root, flag(field), text])
            assert_refused(code, err, runs_root, mentions=field)
            assert printed == [], (field, text)


# Bad input the foundation already refuses (tests/test_cli.py has more cases): in-process here,
# and in a real process further down.
@pytest.mark.parametrize(
    "arguments, message",
    [
        (["run", "xor", "--dropout-rate", "0.5"], "unknown hyperparameter --dropout-rate"),
        (["run", "xor", "--hidden-units", "8.5"], "hidden_units must be int, got '8.5'"),
        (["run", "xor", "--log-every"], "--log-every needs a value"),
        (["run", "xor", "--run-name"], "--run-name needs a value"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(arguments, message, runs_root):
    code, printed, err = call_main([*arguments, "--runs-dir", runs_root])
    assert_refused(code, err, runs_root, mentions=message)


def test_a_lesson_with_a_dropout_rate_refuses_a_rate_of_one(tmp_path):
    # Whichever lessons have a dropout rate, a rate of 1 (every unit dropped) is refused.
    for name in lessons.NAMES:
        if "dropout_rate" not in dict(hyperparameters(lessons.load(name).Config)):
            continue
        code, _, err = call_main(["run", name, "--runs-dir", tmp_path / "runs", "--dropout-rate", "1"])
        assert_refused(code, err, tmp_path / "runs", mentions="dropout_rate")


def test_an_existing_run_name_is_refused_and_the_earlier_run_left_alone(runs_root):
    earlier = runs_root / "xor" / "mine"
    (earlier / "xor-one_layer").mkdir(parents=True)
    files = {
        earlier / "summary.json": b'{"status": "completed"}',
        earlier / "xor-one_layer" / "events.out.tfevents.1.h.1.1.v2": b"\x00" * 64,
    }
    for path, data in files.items():
        path.write_bytes(data)
    times = {path: path.stat().st_mtime_ns for path in files}
    code, _, err = call_main(["run", "xor", "--runs-dir", runs_root, "--run-name", "mine"])
    assert code == 2 and err == f"dlintro: error: run directory {str(earlier)!r} already exists\n"
    assert sorted(p for p in runs_root.rglob("*") if p.is_file()) == sorted(files)
    for path, data in files.items():
        assert path.read_bytes() == data and path.stat().st_mtime_ns == times[path]


@pytest.mark.parametrize("run_name", ["", ".", "..", ".hidden", "a/b", "x" * 300])
def test_bad_run_names_are_refused(run_name, runs_root):
    code, _, err = call_main(["run", "xor", "--runs-dir", runs_root, "--run-name", run_name])
    assert code == 2 and err.count("\n") == 1 and err.startswith("dlintro: error: ")
    assert not any((runs_root / "xor").iterdir())


def test_refused_in_a_real_process_without_tensorflow(tmp_path):
    # A `tensorflow` that cannot be imported shadows the real one: an unknown lesson and an
    # unknown command are refused all the same, in one line, with no traceback.
    shadow = tmp_path / "shadow"
    for module in ("tensorflow", "keras"):
        (shadow / module).mkdir(parents=True)
        (shadow / module / "__init__.py").write_text(f"raise ImportError('{module} was imported')\n")
    environment = {**os.environ, "PYTHONPATH": str(shadow)}
    for arguments, message in (
        (["run", "nosuch", "--runs-dir", tmp_path / "runs"], "dlintro: error: unknown lesson 'nosuch' (known: "),
        (["fly"], "dlintro: error: unknown command 'fly'"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "dlintro", *map(str, arguments)],
            capture_output=True, text=True, env=environment, timeout=120,
        )
        assert result.returncode == 2
        assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
        assert result.stdout == ""
    assert not (tmp_path / "runs").exists()


def test_a_bad_hyperparameter_in_a_real_process_ends_in_one_error_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dlintro", "run", "xor", "--runs-dir", str(tmp_path / "runs"), "--epochs", "-5"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2
    # TensorFlow may print its start-up notices first; the last line is ours, with no traceback.
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == "dlintro: error: epochs must be in [1, 100000], got -5"
    assert not any((tmp_path / "runs").iterdir())


# Places that cannot be written.
def _file_in_the_way(tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    return tmp_path / "a-file" / "runs", "Not a directory"


def _runs_dir_is_a_file(tmp_path):
    (tmp_path / "runs").write_text("not a directory")
    return tmp_path / "runs", "File exists"


def _name_too_long(tmp_path):
    return tmp_path / ("r" * 300), "File name too long"


def _cannot_be_created(tmp_path):
    # Not even root can make a directory in /proc: as good a stand-in for a full disk as any.
    return Path("/proc/dlintro-runs"), "No such file or directory"


@pytest.mark.parametrize("place", [_file_in_the_way, _runs_dir_is_a_file, _name_too_long, _cannot_be_created])
def test_a_runs_directory_that_cannot_be_written_is_refused_in_one_line(place, tmp_path):
    runs_dir, reason = place(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    code, printed, err = call_main(["run", "xor", "--runs-dir", runs_dir])
    assert code == 2 and printed == []
    assert err == f"dlintro: error: cannot write to runs directory {str(runs_dir)!r}: {reason}\n"
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories anyway")
def test_a_read_only_runs_directory_is_refused_in_one_line(tmp_path):
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    runs_dir.chmod(0o555)
    try:
        code, _, err = call_main(["run", "xor", "--runs-dir", runs_dir])
    finally:
        runs_dir.chmod(0o755)
    assert code == 2 and err.count("\n") == 1 and "Permission denied" in err
    assert not any(runs_dir.iterdir())


# Fuzzing the command line.
# Real command-line words never hold a NUL byte, nor (as str) an unpaired surrogate.
WORD = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10)
NUMBERS = st.sampled_from(["-1", "0", "1", "2", "0.5", "1e9", "-1e-9", "nan", "inf", "1,2", " 3", "0x10", "1_000"])


@st.composite
def hyperparameter_words(draw, name):
    """`--key value` words for a lesson: its own keys and made-up ones, good and bad values."""
    fields = hyperparameters(lessons.load(name).Config)
    words = []
    for _ in range(draw(st.integers(0, 4))):
        field, annotation = draw(st.sampled_from(fields))
        key = draw(st.sampled_from([flag(field), "--" + field]) | WORD.map(lambda text: "--" + text) | WORD)
        value = draw(
            st.sampled_from([valid_text(annotation), *bad_texts(annotation)]) | NUMBERS | WORD
        )
        form = draw(st.sampled_from(["pair", "equals", "dangling"]))
        words += {"pair": [key, value], "equals": [f"{key}={value}"], "dangling": [key]}[form]
    return words


@st.composite
def command_lines(draw):
    """(lesson name, hyperparameter words): mostly real lessons, sometimes a made-up name."""
    name = draw(st.sampled_from(lessons.NAMES) | WORD)
    words = draw(hyperparameter_words(name if name in lessons.NAMES else lessons.NAMES[0]))
    return name, words


def parses(name, words):
    """The config `run` would train with, or None when the words must be refused."""
    if name not in lessons.NAMES:
        return None
    try:
        return parse_overrides(lessons.load(name).Config, words)
    except ConfigError:
        return None


@settings(max_examples=300, deadline=None)
@given(command_lines())
def test_fuzzed_command_lines_are_refused_cleanly_or_parse(command_line):
    name, words = command_line
    config = parses(name, words)
    if config is not None:
        # Valid input would start training, which is not what this test is for: check instead
        # that the values survive being written out as flags and read back.
        again = parse_overrides(type(config), [
            f"{flag}={value}" for (flag, _, _), value in zip(describe_fields(type(config)), _texts(config))
        ])
        assert again == config
        return
    with tempfile.TemporaryDirectory() as directory:
        runs_root = Path(directory) / "runs"
        code, printed, err = call_main(["run", name, *words, "--runs-dir", runs_root])
        assert_refused(code, err, runs_root)
        assert printed == []


def _texts(config):
    """Each field of a config as command-line text."""
    values = [getattr(config, field.name) for field in dataclasses.fields(config)]
    return [",".join(map(str, value)) if isinstance(value, tuple) else str(value) for value in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=3))
def test_fuzzed_commands_never_raise(arguments):
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as directory:
        os.chdir(directory)  # `run` with a made-up lesson must not create ./runs either
        try:
            code, printed, err = call_main(arguments if arguments[0] != "run" else ["run", "?", *arguments[1:]])
        finally:
            os.chdir(here)
        assert code in (0, 2)
        if code == 2:
            assert err.startswith("dlintro: error: ") and err.count("\n") == 1
        assert not any(Path(directory).iterdir())
