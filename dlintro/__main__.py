"""Command line: `python -m dlintro list`, `show LESSON`, `run LESSON [--key value ...]`, `tensorboard`.

Exit codes: 0 the claim held, 1 it did not hold or the run diverged, 2 bad input (nothing was
trained), 130 interrupted. Bad input is refused before TensorFlow is imported where possible.
"""

import logging
import os
import signal
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out
# Every variant builds a fresh model, which TensorFlow's logger miscounts as "retracing".
logging.getLogger("tensorflow").setLevel(logging.ERROR)

from dlintro import lessons
from dlintro.config import ConfigError, describe_fields, parse_values
from dlintro.exercises import UnknownExerciseError, exercises_of, find
from dlintro.runs import RunDirectoryError, check_writable, stop_requested

USAGE = """usage: python -m dlintro list [--names]
       python -m dlintro show LESSON [--part core|look|deeper|terms]
       python -m dlintro glossary
       python -m dlintro run LESSON [--exercise NAME] [--runs-dir DIR] [--run-name NAME] [--HYPERPARAMETER VALUE ...]
       python -m dlintro exercises LESSON
       python -m dlintro tensorboard [LESSON | --all] [--runs-dir DIR] [--port PORT]"""

PORT = 6006


class UsageError(ValueError):
    """The command line is not of a form this program takes."""


def _take_option(arguments, flag, default):
    """Removes `flag VALUE` (or `flag=VALUE`) from `arguments`; returns VALUE or `default`."""
    for index, word in enumerate(arguments):
        if word == flag:
            if index + 1 == len(arguments):
                raise UsageError(f"{flag} needs a value")
            value = arguments[index + 1]
            del arguments[index : index + 2]
            return value
        if word.startswith(flag + "="):
            del arguments[index]
            return word.split("=", 1)[1]
    return default


def _raise_interrupt(signum, frame):
    stop_requested.set()
    raise KeyboardInterrupt


def main(argv=None, out=print):
    """Runs the command line; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        command = arguments.pop(0) if arguments else "help"
        if command in ("help", "-h", "--help"):
            out(USAGE)
            return 0
        if command == "list":
            if arguments not in ([], ["--names"]):
                raise UsageError("list takes only --names")
            if arguments:
                out(" ".join(lessons.NAMES))
            else:
                for name in lessons.NAMES:
                    out(f"{name:<14} {lessons.load(name).TITLE}")
            return 0
        if command == "tensorboard":
            return serve(arguments, out)
        if command == "glossary":
            if arguments:
                raise UsageError(f"glossary takes no arguments, got {' '.join(arguments)!r}")
            from dlintro import texts

            for term in texts.glossary():
                out(f"{term.term} ({term.lesson}): {term.definition}")
            return 0
        if command not in ("show", "run", "exercises") or not arguments:
            raise UsageError(f"unknown command {' '.join([command, *arguments])!r}; try: python -m dlintro help")
        name = arguments.pop(0)
        if name not in lessons.NAMES:
            raise lessons.UnknownLessonError(f"unknown lesson {name!r} (known: {', '.join(lessons.NAMES)})")
        if command == "show":
            return show(name, arguments, out)
        if command == "exercises":
            if arguments:
                raise UsageError(f"exercises takes only a lesson, got {' '.join(arguments)!r}")
            for exercise in exercises_of(lessons.load(name)).values():
                out(f"{exercise.name:<18} {exercise.question}")
            out(f"\nRun one: make lesson-{name} EXERCISE=NAME (or python -m dlintro run {name} --exercise NAME)")
            return 0
        runs_root = _take_option(arguments, "--runs-dir", "runs")
        run_name = _take_option(arguments, "--run-name", None)
        exercise = _take_option(arguments, "--exercise", None)
        check_writable(runs_root)  # before TensorFlow is imported (with the lesson)
        lesson = lessons.load(name)
        task = None if exercise is None else find(lesson, exercise)  # before any run is created
        values = parse_values(lesson.Config, arguments)
        config = lesson.Config(**values) if task is None else task.config(lesson.Config, values)
        # SIGTERM (`kill`, a closing terminal) stops the run the way Ctrl-C does, and both also
        # set `stop_requested` (see dlintro.runs). A SIGINT ignored by the shell stays ignored;
        # the previous handlers come back afterwards, for callers that run `main` in-process.
        stop_requested.clear()
        previous_handlers = {
            number: signal.signal(number, _raise_interrupt)
            for number in (signal.SIGINT, signal.SIGTERM)
            if signal.getsignal(number) is not signal.SIG_IGN
        }
        try:
            from dlintro.runner import run_lesson  # imports TensorFlow, so only now

            summary = run_lesson(name, config, exercise=exercise, runs_root=runs_root, run_name=run_name, out=out)
        finally:
            for number, handler in previous_handlers.items():
                signal.signal(number, handler)
    except (UsageError, ConfigError, RunDirectoryError, lessons.UnknownLessonError, UnknownExerciseError) as error:
        # One line whatever the user typed: line breaks in echoed input are shown escaped.
        message = str(error).replace("\r", "\\r").replace("\n", "\\n")
        print(f"dlintro: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dlintro: interrupted", file=sys.stderr)
        return 130
    if summary["status"] == "diverged":
        where = ", ".join(
            f"{variant} at step {entry['diverged_at_step']}"
            for variant, entry in summary["variants"].items()
            if entry["status"] == "diverged"
        )
        print(
            f"dlintro: the run diverged (the loss became NaN or infinite: {where}); "
            "try a smaller --learning-rate. Nothing after that point was logged.",
            file=sys.stderr,
        )
    out(f"\nLogs and summary.json: {summary['run_dir']}/")
    if summary["status"] == "completed" and "exercise" not in summary:
        print_guide(name, out, runs_root=runs_root)
    return 0 if summary["claim"]["holds"] else 1


def show(name, arguments, out):
    """`show LESSON [--part PART]`: the lesson's text with the default run's numbers."""
    from dlintro import texts

    part = _take_option(arguments, "--part", None)
    if arguments:
        raise UsageError(f"show takes a lesson and --part, got {' '.join(arguments)!r}")
    if part is not None and part not in texts.PARTS:
        raise UsageError(f"--part must be one of {', '.join(texts.PARTS)}, got {part!r}")
    lesson = lessons.load(name)
    numbers = texts.default_numbers(name)
    if part is not None:
        out(texts.render(texts.parts(name)[part], numbers, missing=texts.MISSING))
    else:
        out(f"# {lesson.TITLE}\n\n{texts.lesson_markdown(name, numbers, missing=texts.MISSING)}")
        out(f"\n## Claim\n\n{lesson.CLAIM}\n\n## Hyperparameters\n")
        for flag, default, kind in describe_fields(lesson.Config):
            out(f"  {flag:<22} {default:<14} {kind}")
    out(f"\n({texts.default_numbers_note()})")
    return 0


def print_guide(name, out, port=PORT, runs_root="runs"):
    """The command that serves a lesson's newest completed run, and links to its telling views."""
    where = "" if runs_root == "runs" else f" RUNS={runs_root}"
    out(f"See it in TensorBoard: make tensorboard LESSON={name}{where}  (then open the links below)")
    print_links(name, out, port)


def print_links(name, out, port=PORT):
    """Two to four links straight to lesson `name`'s telling views, each under its caption."""
    from dlintro.views import guide_links

    for caption, url in guide_links(name, f"http://127.0.0.1:{port}"):
        out(f"  {caption}\n    {url}")


def serve(arguments, out):
    """`tensorboard [LESSON | --all]`: serves the guided selection of runs until Ctrl-C."""
    import subprocess

    from dlintro import board

    runs_root = _take_option(arguments, "--runs-dir", "runs")
    port = _take_option(arguments, "--port", str(PORT))
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--port must be a port number, got {port!r}")
    everything = "--all" in arguments
    lesson = next((word for word in arguments if word != "--all"), None)
    if len(arguments) > 1 or (lesson and lesson.startswith("-")):
        raise UsageError(f"tensorboard takes one lesson or --all, got {' '.join(arguments)!r}")
    if lesson is not None and lesson not in lessons.NAMES:
        raise lessons.UnknownLessonError(f"unknown lesson {lesson!r} (known: {', '.join(lessons.NAMES)})")
    if everything:
        spec, lines = None, [f"serving every run under {runs_root}/"]
    else:
        spec, lines = board.guided_selection(runs_root, lesson)
        if spec is None:
            raise UsageError(f"nothing to serve: {lines[-1]}")
    for line in lines:
        out(line)
    out(f"TensorBoard on http://127.0.0.1:{port}/ (Ctrl-C stops it)")
    if lesson:
        print_links(lesson, out, port)
    command = [str(board.tensorboard_program()), *board.serve_arguments(runs_root if everything else None, spec, port)]
    try:
        return subprocess.call(command, stdin=subprocess.DEVNULL)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
