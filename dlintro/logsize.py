"""`python -m dlintro.logsize`: how big each lesson's event files get and how fast they load.

TensorBoard reads every event file of a run before it shows anything, so the size of a run
decides how long the learner waits. Each lesson's logging frequency (`--log-every`) is chosen
to keep a default run at a few MB. This prints, per lesson, the bytes of event files, how many
files and tensors they hold, and the seconds `dlintro.events` (TensorBoard's own reader) takes
to read every tensor back, as a Markdown table.

    python -m dlintro.logsize [LESSON ...]                 # trains the default configs first
    python -m dlintro.logsize --runs-dir runs [LESSON ...] # measures the latest existing runs
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dlintro import events, lessons  # noqa: E402
from dlintro.runs import latest_run  # noqa: E402


def measure(run_dir):
    """Event-file bytes, files and tensors of a run, and the seconds to read them all back."""
    files = sorted(Path(run_dir).rglob("events.out.tfevents.*"))
    started = time.perf_counter()
    tensors = 0
    for directory in sorted({path.parent for path in files}):
        run = events.load_run(directory)
        tensors += sum(len(run.Tensors(tag)) for tag in events.tags(run))
    return {
        "bytes": sum(path.stat().st_size for path in files),
        "files": len(files),
        "tensors": tensors,
        "load_seconds": time.perf_counter() - started,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlintro.logsize", description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", default=list(lessons.NAMES), help="lessons to measure (all)")
    parser.add_argument("--runs-dir", help="measure the latest run of each lesson here instead of training")
    args = parser.parse_args(argv)
    unknown = [name for name in args.lessons if name not in lessons.NAMES]
    if unknown:
        parser.error(f"unknown lessons: {', '.join(unknown)}")

    print("| lesson | event files | files | tensors | load seconds |\n| --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.lessons:
            if args.runs_dir:
                run_dir = latest_run(args.runs_dir, name)
                if run_dir is None:
                    print(f"| {name} | no run in {args.runs_dir} | | | |")
                    continue
            else:
                from dlintro.runner import run_lesson  # imports TensorFlow, so only now

                run_dir = run_lesson(name, runs_root=scratch, out=lambda *_: None)["run_dir"]
            size = measure(run_dir)
            print(
                f"| {name} | {size['bytes'] / 1e6:.2f} MB | {size['files']} | {size['tensors']} "
                f"| {size['load_seconds']:.2f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
