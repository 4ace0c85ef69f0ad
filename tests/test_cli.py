"""The command line: listing, and bad input refused with one line and exit code 2."""

import subprocess
import sys

import pytest

from dlintro import lessons
from dlintro.__main__ import main


def run_main(arguments, capsys):
    """Runs the CLI in-process; returns (exit code, stdout, stderr)."""
    code = main(arguments)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_names_every_lesson(capsys):
    code, out, _ = run_main(["list"], capsys)
    assert code == 0
    assert [line.split()[0] for line in out.strip().splitlines()] == list(lessons.NAMES)


def test_show_lists_hyperparameters_with_defaults(capsys):
    code, out, _ = run_main(["show", "xor"], capsys)
    assert code == 0
    assert "--epochs" in out and "600" in out and "tanh | sigmoid | relu" in out


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["run", "nosuchlesson"], "unknown lesson 'nosuchlesson' (known: "),
        (["run", "xor", "--nosuch", "1"], "unknown hyperparameter --nosuch"),
        (["run", "xor", "--epochs", "many"], "epochs must be int, got 'many'"),
        (["run", "xor", "--epochs", "-50"], "epochs must be in [1, 100000], got -50"),
        (["run", "xor", "--epochs", "120"], "epochs (120) must be a multiple of log_every (50)"),
        (["run", "xor", "--learning-rate", "0"], "learning_rate must be in (0, 10]"),
        (["run", "xor", "--learning-rate", "nan"], "learning_rate must be a finite number"),
        (["run", "xor", "--hidden-activation", "swish"], "hidden_activation must be one of tanh, sigmoid, relu"),
        (["run", "xor", "--seed"], "--seed needs a value"),
        (["run", "xor", "--seed", "1", "--seed", "2"], "--seed given twice"),
        (["run", "xor", "epochs=3"], "expected --name value, got 'epochs=3'"),
        (["fly"], "unknown command 'fly'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(arguments, message, capsys, runs_root):
    code, out, err = run_main([*arguments, "--runs-dir", str(runs_root)] if "run" in arguments else arguments, capsys)
    assert code == 2
    assert err.startswith("dlintro: error: ") and message in err
    assert err.count("\n") == 1
    assert not any(runs_root.iterdir()), "nothing may be created for bad input"


def test_unwritable_runs_directory(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code, _, err = run_main(["run", "xor", "--runs-dir", str(blocker / "runs")], capsys)
    assert code == 2 and "cannot write to runs directory" in err and err.count("\n") == 1


def test_existing_run_name_is_refused_and_left_alone(runs_root, capsys):
    earlier = runs_root / "xor" / "mine"
    earlier.mkdir(parents=True)
    (earlier / "summary.json").write_text("{}")
    code, _, err = run_main(["run", "xor", "--runs-dir", str(runs_root), "--run-name", "mine"], capsys)
    assert code == 2 and "already exists" in err
    assert [p.name for p in earlier.iterdir()] == ["summary.json"]
    assert (earlier / "summary.json").read_text() == "{}"


def test_unknown_lesson_fails_fast_without_tensorflow(tmp_path):
    # A fresh process: the unknown lesson is refused before TensorFlow is imported.
    code = (
        "import sys; from dlintro.__main__ import main; "
        "c = main(['run', 'nope', '--runs-dir', sys.argv[1]]); "
        "assert 'tensorflow' not in sys.modules; sys.exit(c)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("dlintro: error: unknown lesson 'nope'")
    assert "Traceback" not in result.stderr


def test_line_breaks_in_echoed_input_keep_the_error_on_one_line(capsys, runs_root):
    # Found by the fuzzer: an unknown key containing a newline split the message in two.
    code, _, err = run_main(["run", "xor", "--runs-dir", str(runs_root), "--\n", "1"], capsys)
    assert code == 2 and err.count("\n") == 1 and "unknown hyperparameter --\\n" in err
