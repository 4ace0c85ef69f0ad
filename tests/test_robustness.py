"""Interrupted, diverging, concurrent and repeated runs lose nothing and leave no misleading logs.

The runs are real: `python -m dlintro run ...` in subprocesses, stopped by signals or run side
by side, and read back afterwards from `summary.json` and, with `dlintro.events`, from every
event file they wrote.
"""

import datetime
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dlintro import datasets, events, lessons
from dlintro.config import to_arguments
from dlintro.lessons import xor
from dlintro.__main__ import main
from dlintro.runner import run_lesson


def dlintro_process(*arguments):
    """Starts `python -m dlintro ARGUMENTS` with Ctrl-C delivered as it is from a terminal."""
    # A shell that starts a job in the background makes it ignore SIGINT, and Python then never
    # installs its KeyboardInterrupt handler; give the child the terminal's default instead.
    return subprocess.Popen(
        [sys.executable, "-m", "dlintro", *map(str, arguments)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def finish(process, timeout):
    """Waits for a process; kills it and fails when it outlives `timeout` seconds."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"{process.args} still ran after {timeout} s\nstdout: {out}\nstderr: {err}")
    return out, err


def snapshot(root):
    """Every file under `root`, with its bytes and modification time."""
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in Path(root).rglob("*")
        if path.is_file()
    }


def event_files(run_dir):
    return sorted(Path(run_dir).rglob("events.out.tfevents.*"))


def writer_pid(event_file):
    """The process id in an event file's name: `events.out.tfevents.TIME.HOST.PID.N.v2`."""
    return int(event_file.name.split(".")[-3])


def every_tensor(run_dir):
    """(directory, tag, step, array) for every tensor in every event file of a run."""
    for directory in sorted({path.parent for path in event_files(run_dir)}):
        run = events.load_run(directory)
        for tag in events.tags(run):
            for step, array in zip(*events.tensor_series(run, tag)):
                yield directory, tag, step, array


def non_finite_tensors(run_dir):
    """(directory, tag, step) of every logged tensor that holds a NaN or an infinity."""
    return [
        (directory, tag, step)
        for directory, tag, step, array in every_tensor(run_dir)
        if array.dtype.kind in "fc" and not np.all(np.isfinite(array))
    ]


def lesson_text(run_dir):
    """The Markdown the run wrote for TensorBoard's Text tab."""
    _, (text,) = events.tensor_series(events.load_run(run_dir), "lesson")
    return text.item().decode()


def read_summary(run_dir):
    return json.loads((Path(run_dir) / "summary.json").read_text())


def new_run_dirs(root, lesson, before):
    return sorted(path for path in (Path(root) / lesson).glob("*") if path not in before)


# Interrupted runs.
@pytest.fixture(scope="module")
def root_with_an_earlier_run(tmp_path_factory):
    """A runs directory that already holds one finished xor run."""
    root = tmp_path_factory.mktemp("runs")
    run_lesson("xor", xor.QUICK, runs_root=root, out=lambda *_: None)
    return root


def wait_for_logged_steps(root, lesson, before, steps, timeout=240):
    """Waits until a new run of `lesson` has logged `steps` probe steps; returns its directory."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run_dir in new_run_dirs(root, lesson, before):
            for variant_dir in events.variant_dirs(run_dir):
                run = events.load_run(variant_dir)
                if "activation_mean/output" in events.tags(run):
                    if len(events.tensor_series(run, "activation_mean/output")[0]) >= steps:
                        return run_dir
        time.sleep(0.3)
    raise AssertionError(f"no new {lesson} run logged {steps} steps within {timeout} s")


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_keeps_its_logs_and_says_where_it_stopped(root_with_an_earlier_run, signal_number):
    root = root_with_an_earlier_run
    before = snapshot(root)
    earlier_runs = set((root / "xor").iterdir())
    process = dlintro_process("run", "xor", "--epochs", "20000", "--runs-dir", root)
    try:
        run_dir = wait_for_logged_steps(root, "xor", earlier_runs, steps=4)
    finally:
        process.send_signal(signal_number)
    # Prompt: the timeout only keeps a hung process from hanging the test suite.
    out, err = finish(process, timeout=120)

    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "dlintro: interrupted"
    assert f"logs so far and summary.json are in {run_dir}/" in out

    summary = read_summary(run_dir)
    assert summary["status"] == "interrupted"
    assert summary["claim"]["holds"] is None and summary["claim"]["verdict"] is None
    statuses = [entry["status"] for entry in summary["variants"].values()]
    stopped = statuses.index("interrupted")
    assert set(statuses[:stopped]) <= {"completed"} and set(statuses[stopped + 1:]) <= {"pending"}
    name, entry = list(summary["variants"].items())[stopped]
    step = entry["interrupted_at_step"]
    log_every = summary["config"]["log_every"]
    assert step > 0 and step % log_every == 0

    # Everything up to the step summary.json names is on disk, with no hole: every series runs
    # on every log point to that step (one more log point may have been written in part).
    series = {}
    for directory, tag, tag_step, _ in every_tensor(run_dir / name):
        series.setdefault((directory, tag), []).append(tag_step)
    assert any(tag == "epoch_loss" for _, tag in series)
    for (directory, tag), steps in series.items():
        if len(steps) > 1:
            assert steps == list(range(steps[0], steps[-1] + 1, log_every)), (directory, tag)
            assert step <= steps[-1] <= step + log_every, (directory, tag, steps[-1])
    assert "**Not checked:** the run interrupted." in lesson_text(run_dir)

    # The earlier run, and anything else that was there, is untouched.
    after = snapshot(root)
    assert {path: after.get(path) for path in before} == before
    assert all(run_dir in path.parents for path in set(after) - set(before))


def test_a_dropped_keyboard_interrupt_still_stops_training(tmp_path):
    # Python drops a KeyboardInterrupt that a signal handler raises inside a weakref callback or
    # a `__del__` (TensorFlow runs many). The handler also sets `runs.stop_requested`, which
    # `fit` checks after every graph call: here the flag is set and no exception raised at all.
    import keras

    from dlintro import runs, training
    from dlintro.lessons import xor

    class DroppedInterrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                runs.stop_requested.set()

    x, y = datasets.gates("xor")
    try:
        with pytest.raises(training.Interrupted) as stopped:
            training.fit(xor.xor_network(), x, y, log_dir=tmp_path, epochs=500, log_every=10,
                         callbacks=[DroppedInterrupt()])
    finally:
        runs.stop_requested.clear()
    assert stopped.value.step == 30


def test_a_stop_requested_between_variants_is_recorded(runs_root):
    from dlintro import runs

    runs.stop_requested.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_lesson("xor", xor.QUICK, runs_root=runs_root, out=lambda *_: None)
    finally:
        runs.stop_requested.clear()
    (run_dir,) = (runs_root / "xor").iterdir()
    summary = read_summary(run_dir)
    assert summary["status"] == "interrupted" and summary["claim"]["holds"] is None
    first, *rest = summary["variants"].values()
    assert first["status"] == "interrupted" and first["interrupted_at_step"] is None
    assert {entry["status"] for entry in rest} == {"pending"}


# Diverging runs.
@pytest.fixture
def diverging_lesson(monkeypatch):
    """Registers the test lesson `diverges` (plain SGD with a far too large step)."""
    import diverging_lesson as module

    from dlintro import texts

    monkeypatch.setattr(lessons, "NAMES", (*lessons.NAMES, "diverges"))
    monkeypatch.setattr(texts, "ROOT", Path(__file__).parent / "data" / "texts")
    monkeypatch.setitem(sys.modules, "dlintro.lessons.diverges", module)
    return module


def test_diverging_run_stops_logs_nothing_non_finite_and_has_no_verdict(diverging_lesson, runs_root, capsys):
    printed = []
    code = main(["run", "diverges", "--runs-dir", str(runs_root)], out=printed.append)
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "the run diverged" in err and "--learning-rate" in err
    assert any(line.split()[:2] == ["reckless", "diverged"] for line in printed)
    assert "Verdict: not checked, the run diverged." in printed

    (run_dir,) = (runs_root / "diverges").iterdir()
    summary = read_summary(run_dir)
    assert summary["status"] == "diverged"
    assert summary["claim"]["holds"] is None and summary["claim"]["verdict"] is None
    assert summary["variants"]["careful"]["status"] == "completed"
    reckless = summary["variants"]["reckless"]
    assert reckless["status"] == "diverged" and reckless["metrics"] == {}
    diverged_at = reckless["diverged_at_step"]
    assert f"reckless at step {diverged_at}" in err  # the console says where it diverged
    assert "**Not checked:** the run diverged." in lesson_text(run_dir)

    # Not one histogram, scalar or picture of the whole run holds a NaN or an infinity.
    assert non_finite_tensors(run_dir) == []
    # The reckless variant logged its climb up to the divergence and nothing after it.
    reckless_steps = {step for directory, _, step, _ in every_tensor(run_dir / "reckless")}
    assert max(reckless_steps) <= diverged_at
    steps, losses = events.scalar_series(events.load_run(run_dir / "reckless" / "train"), "epoch_loss")
    assert len(steps) >= 2 and steps[-1] == diverged_at - summary["config"]["log_every"]
    assert np.all(np.diff(losses) > 0), "the logged loss climbs until it stops being a number"


# A real lesson with a step size that really diverges (plain SGD on least squares).
DIVERGING_ARGS = {"linear": ["--learning-rate", "10"]}


@pytest.mark.parametrize("name", sorted(DIVERGING_ARGS))
def test_a_real_lesson_with_a_reckless_step_is_reported_as_diverged(name, runs_root, capsys):
    code = main(["run", name, *DIVERGING_ARGS[name], "--runs-dir", str(runs_root)], out=lambda *_: None)
    assert code == 1 and "the run diverged" in capsys.readouterr().err
    (run_dir,) = (runs_root / name).iterdir()
    summary = read_summary(run_dir)
    assert summary["status"] == "diverged" and summary["claim"]["holds"] is None
    assert any(entry["status"] == "diverged" for entry in summary["variants"].values())
    assert non_finite_tensors(run_dir) == []


# Runs side by side, and the same seed twice.
@pytest.fixture(scope="module", params=lessons.NAMES)
def two_runs_at_once(request, tmp_path_factory):
    """Two runs of one lesson with the same seed, started together into one runs directory."""
    name = request.param
    quick = getattr(lessons.load(name), "QUICK", None)
    if quick is None:
        return name, None, None
    root = tmp_path_factory.mktemp(f"{name}-runs")
    processes = [dlintro_process("run", name, *to_arguments(quick), "--runs-dir", root) for _ in range(2)]
    results = [(process.pid, *finish(process, timeout=900), process.returncode) for process in processes]
    return name, root, results


def require_quick(name):
    if getattr(lessons.load(name), "QUICK", None) is None:
        pytest.fail(f"lesson {name!r} has no QUICK config; add a brief one to its module so the "
                    "tests that cover every lesson can run it")


def test_two_runs_at_once_write_separate_complete_directories(two_runs_at_once):
    name, root, results = two_runs_at_once
    require_quick(name)
    for pid, out, err, code in results:
        assert code in (0, 1) and "Traceback" not in err, err
    run_dirs = sorted((root / name).iterdir())
    assert len(run_dirs) == 2
    pids = set()
    for run_dir in run_dirs:
        summary = read_summary(run_dir)
        assert summary["status"] == "completed" and summary["claim"]["holds"] is not None
        assert {entry["status"] for entry in summary["variants"].values()} == {"completed"}
        assert [path.name for path in events.variant_dirs(run_dir)] == sorted(summary["variants"])
        # One writer process per run directory: no event file was written by the other run.
        (pid,) = {writer_pid(path) for path in event_files(run_dir)}
        pids.add(pid)
        assert non_finite_tensors(run_dir) == []
    assert pids == {pid for pid, *_ in results}


def comparable(summary):
    """A summary without what differs between two runs of the same config (times, places)."""
    variants = {
        name: {key: value for key, value in entry.items() if key != "seconds"}
        for name, entry in summary["variants"].items()
    }
    kept = {key: value for key, value in summary.items() if key not in ("started", "finished", "run_dir")}
    return {**kept, "variants": variants}


def test_same_seed_gives_the_same_numbers_in_two_processes(two_runs_at_once):
    name, root, results = two_runs_at_once
    require_quick(name)
    first, second = (read_summary(run_dir) for run_dir in sorted((root / name).iterdir()))
    assert comparable(first) == comparable(second)
    assert results[0][3] == results[1][3]


def test_run_directories_created_in_the_same_second_by_several_processes_are_distinct(tmp_path):
    # Each process waits for the same instant, then claims five directories named after one
    # fixed time: twenty directories must come out, named with -2 ... -20 suffixes.
    code = (
        "import datetime, sys, time; from dlintro.runs import create_run_directory; "
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time())); "
        "now = datetime.datetime(2030, 1, 2, 3, 4, 5); "
        "print(*(create_run_directory(sys.argv[1], 'xor', now=now) for _ in range(5)), sep='\\n')"
    )
    start = str(time.time() + 2.0)
    processes = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path), start], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    created = [line for process in processes for line in process.communicate(timeout=60)[0].split()]
    assert all(process.returncode == 0 for process in processes)
    stamp = datetime.datetime(2030, 1, 2, 3, 4, 5).strftime("%Y%m%d-%H%M%S")
    expected = {stamp, *(f"{stamp}-{n}" for n in range(2, 21))}
    assert sorted(Path(path).name for path in created) == sorted(expected)
    assert {path.name for path in (tmp_path / "xor").iterdir()} == expected
