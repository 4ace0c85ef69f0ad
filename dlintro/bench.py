"""`make bench`: how long lessons take, and what the TensorBoard reporting costs.

Prints Markdown tables (the README quotes them). Every figure is a median of several runs,
and every ratio compares runs made in this one invocation, alternating, so that a busy or
slow machine shifts both sides alike. Run it on a quiet machine.

    python -m dlintro.bench [--repeats 3] [--lessons xor,vanishing]
"""

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Every measured run builds a fresh model, which TensorFlow's logger miscounts as "retracing".
logging.getLogger("tensorflow").setLevel(logging.ERROR)

from dlintro import lessons  # noqa: E402
from dlintro.logsize import measure as measure_logs  # noqa: E402
from dlintro.runs import latest_run  # noqa: E402


def lesson_wall_time(name, runs_root):
    """Seconds for `python -m dlintro run NAME` with defaults, start-up included."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dlintro", "run", name, "--runs-dir", str(runs_root)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(f"lesson {name} failed:\n{result.stderr}")
    return seconds


def reporting_overhead(repeats):
    """Median seconds to train the non-linear XOR net with no callbacks and with all of them."""
    from dlintro import datasets
    from dlintro.callbacks import DecisionBoundaryImages
    from dlintro.lessons import xor
    from dlintro.training import fit, seed_everything

    config = xor.Config()
    x, y = datasets.gates("xor")

    def train(report, log_dir):
        seed_everything(config.seed)
        model = xor.xor_network(config.hidden_units, config.hidden_activation, config.learning_rate)
        images = [DecisionBoundaryImages(log_dir, x, y)]
        started = time.perf_counter()
        fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
            callbacks=images if report else [], report=report)
        return time.perf_counter() - started

    bare, full = [], []
    with tempfile.TemporaryDirectory() as scratch:
        train(True, f"{scratch}/warm-up")  # the first model pays TensorFlow's one-off set-up
        for index in range(repeats):
            bare.append(train(False, f"{scratch}/bare-{index}"))
            full.append(train(True, f"{scratch}/full-{index}"))
    return statistics.median(bare), statistics.median(full)


def starts_per_second(starts=100, epochs=None, one_by_one=False, hidden_units=2, optimizer="adam"):
    """Random XOR starts trained per second: all in one ensemble model, or one model and `fit` each.

    Both ways use the same fast training loop (`dlintro.training.fit` without reporting, one
    graph call for all epochs); the time includes building and tracing the models, which is
    what one `fit` per start pays again and again. This is why the minima lesson trains its
    starts together.

    Args:
        starts: how many starts to train.
        epochs: passes over the four XOR points; the minima lesson's default when None.
        one_by_one: True trains a one-start model per start, False all starts in one model.
        hidden_units: width of each net.
        optimizer: `"sgd"`, `"momentum"` or `"adam"`, with the minima lesson's default step size.

    Example:
        >>> starts_per_second(100) / starts_per_second(3, one_by_one=True)  # the speed-up
    """
    from dlintro import datasets
    from dlintro.lessons import minima
    from dlintro.training import fit

    config = minima.Config()
    epochs = epochs or config.epochs
    x, y = datasets.gates("xor")
    started = time.perf_counter()
    for size in [1] * starts if one_by_one else [starts]:
        model = minima.ensemble_xor_network(size, hidden_units, optimizer, config.learning_rate(optimizer))
        fit(model, x, y, log_dir=None, epochs=epochs, log_every=epochs, report=False)
    return starts / (time.perf_counter() - started)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per median")
    parser.add_argument("--lessons", default=",".join(lessons.NAMES), help="comma-separated")
    args = parser.parse_args(argv)
    names = [name for name in args.lessons.split(",") if name]
    unknown = [name for name in names if name not in lessons.NAMES]
    if unknown or args.repeats < 1:
        print(f"dlintro.bench: error: unknown lessons {unknown} or repeats < 1", file=sys.stderr)
        return 2

    print(f"## Lesson wall time (default config, start-up included; median of {args.repeats})\n")
    print("| lesson | seconds | event files |\n| --- | ---: | ---: |")
    total = 0.0
    with tempfile.TemporaryDirectory() as runs_root:
        for name in names:
            seconds = statistics.median(lesson_wall_time(name, runs_root) for _ in range(args.repeats))
            logs = measure_logs(latest_run(runs_root, name))
            total += seconds
            print(f"| {name} | {seconds:.1f} | {logs['bytes'] / 1e6:.2f} MB |", flush=True)
    print(f"| **all** | **{total:.1f}** | |\n")

    bare, full = reporting_overhead(args.repeats)
    print(f"## Cost of the reporting (XOR two-layer tanh net, default config; median of {args.repeats})\n")
    print("| training | seconds |\n| --- | ---: |")
    print(f"| no callbacks | {bare:.2f} |\n| full reporting | {full:.2f} |")
    print(f"| **ratio** | **{full / bare:.2f}x** |\n")

    together = starts_per_second(starts=100, one_by_one=False)
    apart = starts_per_second(starts=3, one_by_one=True)
    print("## Minima: random starts trained per second\n")
    print("| how | starts/s |\n| --- | ---: |")
    print(f"| 100 starts in one model | {together:.1f} |\n| one `fit` per start | {apart:.2f} |")
    print(f"| **speed-up** | **{together / apart:.0f}x** |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
