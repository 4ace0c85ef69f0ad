"""`make numbers`: measures the numbers the lesson texts show when no run is at hand.

Runs every lesson (or those named) with its default config into a temporary directory, keeps
each run's `text_numbers` in `dlintro/texts/default_numbers.json`, and rewrites the README's
lesson texts from them. `show` and the README fill their texts from that file and say so; a
run's Text tab and the report use the run's own numbers.

    python -m dlintro.numbers                 # every lesson (about two minutes)
    python -m dlintro.numbers xor minima      # just these
    python -m dlintro.numbers --readme-only   # rewrite the README from the kept numbers
"""

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out

from dlintro import i18n, lessons, readme, texts
from dlintro.i18n import _


def lesson_section(name):
    """Lesson `name` as the README shows it, in the current language: title, core, what to look
    at (the kept numbers filled in), where to read on, and the picture its first view shows."""
    lesson = lessons.load(name)
    parts = texts.parts(name)
    numbers = texts.default_numbers(name)
    view = lesson.VIEWS[0]
    return (
        f"### {_(lesson.TITLE)}\n\n"
        + texts.render(parts["core"], numbers, missing=texts.MISSING)
        + f"\n\n**{_(texts.HEADINGS['look'])}**\n\n"
        + texts.render(parts["look"], numbers, missing=texts.MISSING)
        + "\n\n" + _("Going deeper: `{show}`. Run it: `{run}`.").format(
            show=f"python -m dlintro show {name} --part deeper{readme.lang_flag()}",
            run=f"make lesson-{name}{readme.make_lang()}")
        + f"\n\n![{name}: {_(view.caption)}](docs/screenshots/{readme.screenshot_folder()}{view.file}.png)\n"
    )


def exercise_list():
    """Every lesson's exercises, as the README lists them."""
    from dlintro.exercises import exercises_of

    lines = []
    for name in lessons.NAMES:
        lines.append(f"- **{name}**")
        for exercise in exercises_of(lessons.load(name)).values():
            lines.append(f"  - `make lesson-{name} EXERCISE={exercise.name}{readme.make_lang()}`: {_(exercise.question)}")
    return "\n".join(lines) + "\n"


def readme_blocks(lang="en"):
    """Every block this command writes into the README of language `lang`, by name."""
    with i18n.language(lang):
        return {
            "numbers-note": texts.default_numbers_note() + "\n",
            "lesson-texts": "\n".join(lesson_section(name) for name in lessons.NAMES),
            "exercises": exercise_list(),
        }


def rewrite_readmes():
    """Rewrites this command's blocks in the README of every language."""
    for lang in i18n.LANGUAGES:
        readme.rewrite(readme_blocks(lang), readme.path(lang))


def _machine():
    import keras
    import tensorflow as tf

    return {"architecture": platform.machine(), "cores": os.cpu_count(), "python": platform.python_version(),
            "tensorflow": tf.__version__, "keras": keras.__version__, "date": datetime.date.today().isoformat()}


def measure(names):
    """Runs each lesson with its defaults; returns its `text_numbers`, by lesson.

    Raises:
        RuntimeError: when a lesson's default run does not complete (its numbers would be missing).
    """
    from dlintro.runner import run_lesson

    found = {}
    with tempfile.TemporaryDirectory(prefix="dlintro-numbers-") as root:
        for name in names:
            print(f"{name} ...", file=sys.stderr, flush=True)
            summary = run_lesson(name, runs_root=root, out=lambda *unused: None, lang=i18n.SOURCE)
            if summary["status"] != "completed":
                raise RuntimeError(f"the default run of {name} {summary['status']}")
            found[name] = {lang: translated["text_numbers"] for lang, translated in summary["translations"].items()}
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlintro.numbers", description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lessons to measure (default: all)")
    parser.add_argument("--readme-only", action="store_true", help="only rewrite the README from the kept numbers")
    options = parser.parse_args(argv)
    unknown = [name for name in options.lessons if name not in lessons.NAMES]
    if unknown:
        print(f"dlintro.numbers: error: unknown lesson {unknown[0]!r} (known: {', '.join(lessons.NAMES)})", file=sys.stderr)
        return 2
    if not options.readme_only:
        kept = texts.kept_numbers()
        measured = measure(options.lessons or lessons.NAMES)
        kept.setdefault("lessons", {}).update({name: by_language[i18n.SOURCE] for name, by_language in measured.items()})
        kept["lessons"] = {name: kept["lessons"][name] for name in lessons.NAMES if name in kept["lessons"]}
        # The numbers that are words, in the other languages.
        for lang in i18n.LANGUAGES[1:]:
            worded = kept.setdefault("languages", {}).setdefault(lang, {})
            worded.update({name: {key: value for key, value in by_language[lang].items() if isinstance(value, str)}
                           for name, by_language in measured.items()})
        kept["machine"] = _machine()
        texts.DEFAULT_NUMBERS.write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {texts.DEFAULT_NUMBERS}", file=sys.stderr)
    rewrite_readmes()
    print(f"rewrote the lesson texts in {', '.join(str(readme.path(lang)) for lang in i18n.LANGUAGES)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
