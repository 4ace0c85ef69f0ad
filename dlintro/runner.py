"""Runs a lesson: validates its config, trains every variant, checks the claim, logs it all.

`run_lesson` is the one function behind `python -m dlintro run` and `make lesson-NAME`; tests
call it directly with a shrunken config.
"""

import dataclasses
import datetime
import time

import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

from dlintro import exercises, lessons, texts
from dlintro.config import ConfigError, changed_values
from dlintro.exercises import markdown_list
from dlintro.runs import Diverged, create_run_directory, stop_if_requested, write_summary
from dlintro.training import seed_everything


def _hparam_value(value):
    """HParams take bool, int, float or str; lists become comma-separated text."""
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return value


def _log_hparams(log_dir, config, variant):
    """Writes the variant's hyperparameters (config and what sets it apart) for the HParams tab."""
    values = {key: _hparam_value(value) for key, value in dataclasses.asdict(config).items()}
    values.update({key: _hparam_value(value) for key, value in variant.hparams.items() if value is not None})
    values["variant"] = variant.name
    with tf.summary.create_file_writer(str(log_dir)).as_default():
        hparams_api.hparams(values, trial_id=variant.name)


def lesson_markdown(lesson, summary):
    """The lesson's explanation, claim and measured verdict, as Markdown for the Text tab.

    For an exercise's run: the question, the expected outcome, what happened and why.
    """
    claim = summary["claim"]
    if claim["holds"] is None:
        verdict = f"**Not checked:** the run {summary['status']}."
    else:
        verdict = ("**Holds.** " if claim["holds"] else "**Does not hold.** ") + claim["verdict"]
    exercise = summary.get("exercise")
    if exercise is not None:
        changes = ", ".join(f"`{key} = {value}`" for key, value in exercise["changes"].items())
        return "\n\n".join(
            [
                f"# {lesson.TITLE}",
                f"## Exercise {exercise['name']}\n\n**Question.** {exercise['question']}\n\nChanged: {changes}.",
                f"## Expected\n\n{exercise['expected']}\n\n{verdict}",
                f"## Why\n\n{exercise['explanation']}",
                "## Variants\n\n" + _variants_table(summary),
            ]
        )
    listed = markdown_list(lesson)
    return "\n\n".join(
        [
            f"# {lesson.TITLE}",
            _lesson_text(summary),
            f"## Claim\n\n{lesson.CLAIM}\n\n{verdict}",
            "## Variants\n\n" + _variants_table(summary),
            *([f"## Exercises\n\nPredict, then run and see it checked:\n\n{listed}"] if listed else []),
        ]
    )


def _lesson_text(summary):
    """The lesson's text with the run's numbers; a run that stopped early shows none of them."""
    numbers = summary.get("text_numbers") or {}
    if summary["status"] == "completed":
        return texts.lesson_markdown(summary["lesson"], numbers)
    note = (f"*This run {summary['status']} before its numbers were measured: "
            f"they are shown as {texts.MISSING}.*")
    return note + "\n\n" + texts.lesson_markdown(summary["lesson"], numbers, missing=texts.MISSING)


def _variants_table(summary):
    """The variants, their status and their metrics, as a Markdown table."""
    rows = ["| variant | status | " + " | ".join(summary["metric_names"]) + " |"]
    rows.append("|" + " --- |" * (2 + len(summary["metric_names"])))
    for name, entry in summary["variants"].items():
        values = [_format(entry["metrics"].get(metric)) for metric in summary["metric_names"]]
        rows.append(f"| {name} | {entry['status']} | " + " | ".join(values) + " |")
    return "\n".join(rows)


def _format(value):
    return "-" if value is None else f"{value:.4g}"


def _print_report(summary, out):
    """The console ending: a table of variants, then the claim and its verdict."""
    names = list(summary["variants"])
    metrics = summary["metric_names"]
    width = max(len("variant"), *map(len, names))
    columns = [max(10, len(m)) + 2 for m in metrics]
    out(f"\n{'variant':<{width}}  {'status':<11}" + "".join(f"{m:>{c}}" for m, c in zip(metrics, columns)))
    for name, entry in summary["variants"].items():
        cells = "".join(f"{_format(entry['metrics'].get(m)):>{c}}" for m, c in zip(metrics, columns))
        out(f"{name:<{width}}  {entry['status']:<11}{cells}")
    claim = summary["claim"]
    exercise = summary.get("exercise")
    out(f"\n{'Expected' if exercise else 'Claim'}: {claim['statement']}")
    if claim["holds"] is None:
        out(f"Verdict: not checked, the run {summary['status']}.")
    else:
        out(f"Verdict: {'HOLDS' if claim['holds'] else 'DOES NOT HOLD'}. {claim['verdict']}")
        if exercise:
            out(f"\nWhy: {exercise['explanation']}")


def _finish(run_dir, lesson, summary):
    """Writes the lesson text (with the verdict, or why there is none) and `summary.json`."""
    summary["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    with tf.summary.create_file_writer(str(run_dir)).as_default():
        tf.summary.text("lesson", lesson_markdown(lesson, summary), step=0)
    write_summary(run_dir, summary)


def run_lesson(name, config=None, *, exercise=None, runs_root="runs", run_name=None, out=print):
    """Trains every variant of a lesson, checks its claim and writes the logs and `summary.json`.

    Args:
        name: the lesson's name, for example `"xor"`.
        config: the lesson's `Config` (already checked when it was built); None for its defaults.
        exercise: the name of one of the lesson's `EXERCISES` to run instead of the lesson: its
            changes are applied to `config`, its variants trained and its outcome checked.
        runs_root: where runs are kept; the run goes to `runs_root/name/<timestamp>/`.
        run_name: a name for the run directory instead of the timestamp.
        out: where progress and the final report are printed.

    Returns:
        The summary written to `summary.json`, as a dict.

    Raises:
        UnknownLessonError, ConfigError, RunDirectoryError: before anything is trained
            (ConfigError also when `config` is not the lesson's `Config`, or sets a field the
            exercise sets to another value; UnknownExerciseError for an unknown exercise).
        KeyboardInterrupt: on Ctrl-C or SIGTERM (`training.Interrupted` when it came during
            `fit`), after writing a `summary.json` that says where the run stopped.

    Example:
        >>> from dlintro.lessons import xor
        >>> summary = run_lesson("xor", xor.Config(epochs=300), runs_root="/tmp/runs")
        >>> summary["claim"]["holds"]
        True
    """
    lesson = lessons.load(name)
    if config is None:
        config = lesson.Config()
    elif type(config) is not lesson.Config:
        raise ConfigError(f"lesson {name!r} takes a {lesson.__name__}.Config, got {type(config).__name__}")
    task = None
    if exercise is not None:
        task = exercises.find(lesson, exercise)
        config = task.config(lesson.Config, changed_values(config))
    # Before the directory: a refusal here leaves nothing behind.
    variants = lesson.variants(config) if task is None else task.variants(lesson, config)
    run_dir = create_run_directory(runs_root, name, run_name, suffix=exercise)
    summary = {
        "lesson": name,
        "title": lesson.TITLE,
        "run_dir": str(run_dir),
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "status": "running",
        "config": dataclasses.asdict(config),
        "variants": {v.name: {"hparams": v.hparams, "status": "pending", "metrics": {}} for v in variants},
        "metric_names": [],
        "claim": {"statement": lesson.CLAIM if task is None else task.expected,
                  "holds": None, "verdict": None, "numbers": {}},
    }
    if task is not None:
        summary["exercise"] = {"name": task.name, "question": task.question, "changes": task.changes,
                               "expected": task.expected, "explanation": task.explanation,
                               "holds": None, "numbers": {}}
    write_summary(run_dir, summary)
    out(lesson.TITLE)
    if task is not None:
        out(f"Exercise {task.name}: {task.question}\n(Make your prediction now.)")
    out(f"Training {len(variants)} variants into {run_dir}/")
    results = {}
    current = None  # the variant being trained, if any
    try:
        for variant in variants:
            current, entry = variant, summary["variants"][variant.name]
            stop_if_requested()
            seed_everything(config.seed)
            started = time.perf_counter()
            try:
                results[variant] = lesson.train(config, variant, run_dir / variant.name)
                entry["status"] = "completed"
                entry["metrics"] = results[variant]
            except Diverged as error:
                entry.update(status="diverged", diverged_at_step=error.step)
                summary["status"] = "diverged"
            seconds = time.perf_counter() - started
            entry["seconds"] = round(seconds, 2)
            _log_hparams(run_dir / variant.name, config, variant)
            out(f"  {variant.name:<28} {entry['status']:<10} {seconds:6.1f} s")
        current = None
        summary["metric_names"] = sorted({m for metrics in results.values() for m in metrics})
        if summary["status"] == "running":
            verdict = (lesson.check if task is None else task.check)(config, results)
            summary["claim"].update(holds=bool(verdict.holds), verdict=verdict.explanation, numbers=verdict.numbers)
            if task is None:
                summary["text_numbers"] = lesson.text_numbers(config, results)
            if task is not None:
                summary["exercise"].update(holds=bool(verdict.holds), numbers=verdict.numbers)
            summary["status"] = "completed"
    except KeyboardInterrupt as error:
        # Ctrl-C or SIGTERM, inside `fit` (an `Interrupted` that knows its step) or anywhere
        # else: summary.json and the Text tab must say the run stopped, not that it is running.
        step = getattr(error, "step", None)
        where = "after training" if current is None else f"during {current.name}"
        if current is not None:
            summary["variants"][current.name].update(status="interrupted", interrupted_at_step=step)
        summary["status"] = "interrupted"
        _finish(run_dir, lesson, summary)
        out(f"\nInterrupted {where}" + ("" if step is None else f" after step {step}")
            + f"; logs so far and summary.json are in {run_dir}/")
        raise
    except Exception as error:
        # A crash (a full disk, a bug) must not leave a summary.json that says "running" either.
        if current is not None:
            summary["variants"][current.name]["status"] = "failed"
        summary.update(status="failed", error=f"{type(error).__name__}: {error}")
        summary["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
        write_summary(run_dir, summary)
        raise
    _finish(run_dir, lesson, summary)
    _print_report(summary, out)
    return summary
