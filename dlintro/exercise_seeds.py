"""`make exercise-seeds`: does every exercise's expected outcome hold whatever the seed?

Runs every exercise of every lesson (or of those named) on seeds 0-9, one process, into a
temporary directory; prints a table of how many seeds held, keeps the outcome per seed in
`docs/exercise-seeds.json` and writes the table into the README. Exit code 1 when an
exercise failed on a seed. About 30 exercises x 10 seeds: expect 20-40 minutes on 2 cores.

    python -m dlintro.exercise_seeds                   # every lesson, seeds 0-9
    python -m dlintro.exercise_seeds xor --seeds 5 6   # one lesson, two seeds
    python -m dlintro.exercise_seeds --readme-only     # the README table from the kept file
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out

from dlintro import i18n, lessons, readme
from dlintro.i18n import _
from dlintro.exercises import exercises_of

KEPT = Path(__file__).resolve().parent.parent / "docs" / "exercise-seeds.json"
SEEDS = tuple(range(10))


def load():
    """The kept outcomes: lesson -> exercise -> seed (as text) -> held (True/False)."""
    try:
        return json.loads(KEPT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def table(outcomes, lang="en"):
    """The outcomes as a Markdown table in language `lang`: one row per exercise, the seeds that
    held and failed."""
    with i18n.language(lang):
        rows = [_("| lesson | exercise | seeds held | failed on |"), "| --- | --- | ---: | --- |"]
        for lesson in lessons.NAMES:
            for exercise, by_seed in outcomes.get(lesson, {}).items():
                held = sum(by_seed.values())
                failed = ", ".join(seed for seed, ok in by_seed.items() if not ok) or "-"
                rows.append(f"| {lesson} | `{exercise}` | " + _("{held} of {seeds}").format(held=held, seeds=len(by_seed))
                            + f" | {failed} |")
    return "\n".join(rows) + "\n"


def measure(names, seeds, out=print):
    """Runs each exercise of each lesson on each seed; returns lesson -> exercise -> seed -> held."""
    from dlintro.runner import run_lesson

    found = {}
    with tempfile.TemporaryDirectory(prefix="dlintro-seeds-") as root:
        for name in names:
            lesson = lessons.load(name)
            for exercise in exercises_of(lesson):
                by_seed = found.setdefault(name, {}).setdefault(exercise, {})
                for seed in seeds:
                    summary = run_lesson(name, lesson.Config(seed=seed), exercise=exercise,
                                         runs_root=root, out=lambda *unused: None)
                    by_seed[str(seed)] = bool(summary["claim"]["holds"])
                    out(f"{name:<14} {exercise:<20} seed {seed}: "
                        f"{'holds' if by_seed[str(seed)] else 'DOES NOT HOLD'}  {summary['claim']['verdict']}")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlintro.exercise_seeds", description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lessons whose exercises to run (default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS), help="seeds (default: 0-9)")
    parser.add_argument("--readme-only", action="store_true", help="only write the README table from the kept file")
    options = parser.parse_args(argv)
    unknown = [name for name in options.lessons if name not in lessons.NAMES]
    if unknown:
        print(f"dlintro.exercise_seeds: error: unknown lesson {unknown[0]!r} (known: {', '.join(lessons.NAMES)})",
              file=sys.stderr)
        return 2
    kept = load()
    if not options.readme_only:
        measured = measure(options.lessons or lessons.NAMES, options.seeds)
        for name, by_exercise in measured.items():
            # Seeds not run this time keep their outcome; a renamed or removed exercise leaves the table.
            before = kept.get(name, {})
            kept[name] = {exercise: {**before.get(exercise, {}), **by_seed} for exercise, by_seed in by_exercise.items()}
        kept = {name: kept[name] for name in lessons.NAMES if name in kept}
        KEPT.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
    print("\n" + table(kept))
    for lang in i18n.LANGUAGES:
        readme.rewrite({"exercise-seeds": table(kept, lang)}, readme.path(lang))
    return 0 if all(all(by_seed.values()) for by_exercise in kept.values() for by_seed in by_exercise.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
