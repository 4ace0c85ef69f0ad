"""Command line: `python -m dlintro list`, `show LESSON`, `run LESSON [--key value ...]`, `tensorboard`.

Every command takes `--lang en|ko`; without it, the locale's language (`dlintro.i18n`).
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

from dlintro import i18n, lessons
from dlintro.config import ConfigError, describe_fields, parse_values
from dlintro.exercises import UnknownExerciseError, exercises_of, find
from dlintro.i18n import _
from dlintro.runs import RunDirectoryError, check_writable, stop_requested

USAGE = """python -m dlintro list [--names]
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
                raise UsageError(_("{flag} needs a value").format(flag=flag))
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
        with i18n.language(i18n.current()):
            lang = _take_option(arguments, "--lang", None)
            i18n.set_language(lang)  # stays until main returns: `language` restores the caller's
            return _main(arguments, out)
    except (UsageError, ConfigError, RunDirectoryError, lessons.UnknownLessonError, UnknownExerciseError,
            i18n.UnknownLanguageError) as error:
        # One line whatever the user typed: line breaks in echoed input are shown escaped.
        message = str(error).replace("\r", "\\r").replace("\n", "\\n")
        print(_("dlintro: error: {message}").format(message=message), file=sys.stderr)
        return 2


def _main(arguments, out):
    """`main` once the language is set."""
    try:
        command = arguments.pop(0) if arguments else "help"
        if command in ("help", "-h", "--help"):
            out(_("usage: {usage}").format(usage=USAGE))
            out(_("Every command takes --lang en|ko (default: the locale's language)."))
            return 0
        if command == "list":
            if arguments not in ([], ["--names"]):
                raise UsageError(_("list takes only --names"))
            if arguments:
                out(" ".join(lessons.NAMES))
            else:
                for name in lessons.NAMES:
                    out(f"{name:<14} {_(lessons.load(name).TITLE)}")
            return 0
        if command == "tensorboard":
            return serve(arguments, out)
        if command == "glossary":
            if arguments:
                raise UsageError(_("glossary takes no arguments, got {arguments!r}").format(arguments=" ".join(arguments)))
            from dlintro import texts

            for term in texts.glossary():
                english = "" if term.english == term.term else f" [{term.english}]"
                out(f"{term.term}{english} ({term.lesson}): {term.definition}")
            return 0
        if command not in ("show", "run", "exercises") or not arguments:
            raise UsageError(_("unknown command {command!r}; try: python -m dlintro help").format(
                command=" ".join([command, *arguments])))
        name = arguments.pop(0)
        lessons.check_name(name)
        if command == "show":
            return show(name, arguments, out)
        if command == "exercises":
            if arguments:
                raise UsageError(_("exercises takes only a lesson, got {arguments!r}").format(arguments=" ".join(arguments)))
            for exercise in exercises_of(lessons.load(name)).values():
                out(f"{exercise.name:<18} {_(exercise.question)}")
            out("\n" + _("Run one: {make} (or {python})").format(
                make=f"make lesson-{name} EXERCISE=NAME{_make_lang()}",
                python=f"python -m dlintro run {name} --exercise NAME{_lang_flag()}"))
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
    except KeyboardInterrupt:
        print(_("dlintro: interrupted"), file=sys.stderr)
        return 130
    if summary["status"] == "diverged":
        where = ", ".join(
            _("{variant} at step {step}").format(variant=variant, step=entry["diverged_at_step"])
            for variant, entry in summary["variants"].items()
            if entry["status"] == "diverged"
        )
        print(
            _("dlintro: the run diverged (the loss became NaN or infinite: {where}); "
              "try a smaller --learning-rate. Nothing after that point was logged.").format(where=where),
            file=sys.stderr,
        )
    out("\n" + _("Logs and summary.json: {run_dir}/").format(run_dir=summary["run_dir"]))
    if summary["status"] == "completed" and "exercise" not in summary:
        print_guide(name, out, runs_root=runs_root)
    return 0 if summary["claim"]["holds"] else 1


def show(name, arguments, out):
    """`show LESSON [--part PART]`: the lesson's text with the default run's numbers."""
    from dlintro import texts

    part = _take_option(arguments, "--part", None)
    if arguments:
        raise UsageError(_("show takes a lesson and --part, got {arguments!r}").format(arguments=" ".join(arguments)))
    if part is not None and part not in texts.PARTS:
        raise UsageError(_("--part must be one of {parts}, got {part!r}").format(parts=", ".join(texts.PARTS), part=part))
    lesson = lessons.load(name)
    numbers = texts.default_numbers(name)
    if part is not None:
        out(texts.part_markdown(name, part, numbers, missing=texts.MISSING))
    else:
        out(f"# {_(lesson.TITLE)}\n\n{texts.lesson_markdown(name, numbers, missing=texts.MISSING)}")
        out("\n" + _("## Claim") + f"\n\n{_(lesson.CLAIM)}\n\n" + _("## Hyperparameters") + "\n")
        for flag, default, kind in describe_fields(lesson.Config):
            out(f"  {flag:<22} {default:<14} {kind}")
    out(f"\n({texts.default_numbers_note()})")
    return 0


def _lang_flag():
    """`--lang ko` when the language was not the locale's, so a printed command speaks it too."""
    return "" if i18n.current() == i18n.from_environment() else f" --lang {i18n.current()}"


def _make_lang():
    """`LANG=ko` for a printed make command, when the language was not the locale's."""
    return "" if i18n.current() == i18n.from_environment() else f" LANG={i18n.current()}"


def print_guide(name, out, port=PORT, runs_root="runs"):
    """The command that serves a lesson's newest completed run, and links to its telling views."""
    where = "" if runs_root == "runs" else f" RUNS={runs_root}"
    out(_("See it in TensorBoard: {command}  (then open the links below)").format(
        command=f"make tensorboard LESSON={name}{where}{_make_lang()}"))
    print_links(name, out, port)


def print_links(name, out, port=PORT):
    """Two to four links straight to lesson `name`'s telling views, each under its caption."""
    from dlintro.views import guide_links

    for caption, url in guide_links(name, f"http://127.0.0.1:{port}"):
        out(f"  {_(caption)}\n    {url}")


def serve(arguments, out):
    """`tensorboard [LESSON | --all]`: serves the guided selection of runs until Ctrl-C."""
    import subprocess

    from dlintro import board

    runs_root = _take_option(arguments, "--runs-dir", "runs")
    port = _take_option(arguments, "--port", str(PORT))
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(_("--port must be a port number, got {port!r}").format(port=port))
    everything = "--all" in arguments
    lesson = next((word for word in arguments if word != "--all"), None)
    if len(arguments) > 1 or (lesson and lesson.startswith("-")):
        raise UsageError(_("tensorboard takes one lesson or --all, got {arguments!r}").format(arguments=" ".join(arguments)))
    if lesson is not None:
        lessons.check_name(lesson)
    if everything:
        spec, lines = None, [_("serving every run under {runs_root}/").format(runs_root=runs_root)]
    else:
        spec, lines = board.guided_selection(runs_root, lesson)
        if spec is None:
            raise UsageError(_("nothing to serve: {reason}").format(reason=lines[-1]))
    for line in lines:
        out(line)
    out(_("TensorBoard on {url} (Ctrl-C stops it)").format(url=f"http://127.0.0.1:{port}/"))
    if lesson:
        print_links(lesson, out, port)
    command = [str(board.tensorboard_program()), *board.serve_arguments(runs_root if everything else None, spec, port)]
    try:
        return subprocess.call(command, stdin=subprocess.DEVNULL)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
