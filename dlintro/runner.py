"""Runs a lesson: validates its config, trains every variant, checks the claim, logs it all.

`run_lesson` is the one function behind `python -m dlintro run` and `make lesson-NAME`; tests
call it directly with a shrunken config.
"""

import dataclasses
import datetime
import time

import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

from dlintro import exercises, i18n, lessons, texts
from dlintro.config import ConfigError, changed_values
from dlintro.i18n import _
from dlintro.exercises import markdown_list
from dlintro.runs import Diverged, create_run_directory, status_word, stop_if_requested, write_summary
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


def translated(summary, lang=None):
    """The summary's texts in language `lang` (default: the current one): title, claim, verdict,
    text numbers and, for an exercise, its question, expected outcome and explanation.

    A run keeps them in every language (`summary["translations"]`); an older run, only in its own.
    """
    lang = lang or i18n.current()
    found = summary.get("translations", {}).get(lang)
    if found is not None:
        return found
    return {"title": summary["title"], "claim": summary["claim"]["statement"], "verdict": summary["claim"]["verdict"],
            "text_numbers": summary.get("text_numbers") or {}, "exercise": summary.get("exercise")}


def lesson_markdown(lesson, summary, lang=None):
    """The lesson's explanation, claim and measured verdict, as Markdown for the Text tab.

    For an exercise's run: the question, the expected outcome, what happened and why.

    Args:
        lesson: the lesson module.
        summary: the run's summary (as `run_lesson` returns it or `summary.json` holds it).
        lang: the language to show it in; by default the current one.
    """
    lang = lang or i18n.current()
    with i18n.language(lang):
        return _lesson_markdown(lesson, summary, translated(summary, lang))


def _lesson_markdown(lesson, summary, words):
    claim = summary["claim"]
    if claim["holds"] is None:
        verdict = _("**Not checked:** the run {status}.").format(status=status_word(summary["status"]))
    else:
        verdict = (_("**Holds.**") if claim["holds"] else _("**Does not hold.**")) + " " + words["verdict"]
    exercise = summary.get("exercise")
    if exercise is not None:
        changes = ", ".join(f"`{key} = {value}`" for key, value in exercise["changes"].items())
        asked = words.get("exercise") or exercise
        return "\n\n".join(
            [
                f"# {words['title']}",
                _("## Exercise {name}").format(name=exercise["name"]) + "\n\n"
                + _("**Question.** {question}").format(question=asked["question"]) + "\n\n"
                + _("Changed: {changes}.").format(changes=changes),
                _("## Expected") + f"\n\n{asked['expected']}\n\n{verdict}",
                _("## Why") + f"\n\n{asked['explanation']}",
                _("## Variants") + "\n\n" + _variants_table(summary),
            ]
        )
    listed = markdown_list(lesson)
    return "\n\n".join(
        [
            f"# {words['title']}",
            _lesson_text(summary, words["text_numbers"]),
            _("## Claim") + f"\n\n{words['claim']}\n\n{verdict}" + _by_hand_line(summary),
            _("## Variants") + "\n\n" + _variants_table(summary),
            *([_("## Exercises") + "\n\n" + _("Predict, then run and see it checked:") + f"\n\n{listed}"]
              if listed else []),
        ]
    )


def _by_hand_line(summary):
    """The run's check of the mechanism by hand against the framework, as a paragraph, if any."""
    checked = summary.get("by_hand")
    if not checked:
        return ""
    line = checked["described"].get(i18n.current()) or checked["described"][i18n.SOURCE]
    return "\n\n" + _("**By hand, in NumPy:** {comparison}").format(comparison=line)


def _lesson_text(summary, numbers):
    """The lesson's text with the run's numbers; a run that stopped early shows none of them."""
    if summary["status"] == "completed":
        return texts.lesson_markdown(summary["lesson"], numbers)
    note = _("*This run {status} before its numbers were measured: they are shown as {missing}.*").format(
        status=status_word(summary["status"]), missing=texts.MISSING)
    return note + "\n\n" + texts.lesson_markdown(summary["lesson"], numbers, missing=texts.MISSING)


def _variants_table(summary):
    """The variants, their status and their metrics, as a Markdown table."""
    rows = [f"| {_('variant')} | {_('status')} | " + " | ".join(summary["metric_names"]) + " |"]
    rows.append("|" + " --- |" * (2 + len(summary["metric_names"])))
    for name, entry in summary["variants"].items():
        values = [_format(entry["metrics"].get(metric)) for metric in summary["metric_names"]]
        rows.append(f"| {name} | {status_word(entry['status'])} | " + " | ".join(values) + " |")
    return "\n".join(rows)


def _format(value):
    return "-" if value is None else f"{value:.4g}"


def _print_report(summary, out):
    """The console ending: a table of variants, then the claim and its verdict."""
    names = list(summary["variants"])
    metrics = summary["metric_names"]
    width = max(_width(_("variant")), *map(len, names))
    columns = [max(10, len(m)) + 2 for m in metrics]
    out("\n" + _pad(_("variant"), width) + "  " + _pad(_("status"), 11)
        + "".join(f"{m:>{c}}" for m, c in zip(metrics, columns)))
    for name, entry in summary["variants"].items():
        cells = "".join(f"{_format(entry['metrics'].get(m)):>{c}}" for m, c in zip(metrics, columns))
        out(f"{name:<{width}}  " + _pad(status_word(entry["status"]), 11) + cells)
    claim = summary["claim"]
    exercise = summary.get("exercise")
    out("\n" + (_("Expected: {statement}") if exercise else _("Claim: {statement}")).format(statement=claim["statement"]))
    if claim["holds"] is None:
        out(_("Verdict: not checked, the run {status}.").format(status=status_word(summary["status"])))
    else:
        out((_("Verdict: HOLDS. {verdict}") if claim["holds"] else _("Verdict: DOES NOT HOLD. {verdict}"))
            .format(verdict=claim["verdict"]))
        if summary.get("by_hand"):
            out(_("By hand, in NumPy: {comparison}").format(
                comparison=summary["by_hand"]["described"][i18n.current()]))
        if exercise:
            out("\n" + _("Why: {explanation}").format(explanation=exercise["explanation"]))


def _width(text):
    """The columns `text` takes in a terminal: Hangul and other wide characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def _pad(text, width):
    """`text` padded with spaces to `width` terminal columns."""
    return text + " " * max(0, width - _width(text))


def _by_hand(name, config):
    """The lesson's mechanism by hand in NumPy, checked against the framework after the run
    (`dlintro/lessons/<name>_by_hand.py`), for summary.json; None for a lesson without one."""
    from dlintro.lessons import by_hand

    if name not in by_hand.LESSONS:
        return None
    comparison = by_hand.load(name).compare(seed=config.seed)
    described = {}
    for lang in i18n.LANGUAGES:
        with i18n.language(lang):
            described[lang] = str(comparison)
    return {"holds": bool(comparison.holds), "largest_difference": float(comparison.largest_difference),
            "tolerance": float(comparison.tolerance), "described": described}


def _finish(run_dir, lesson, summary):
    """Writes the lesson text in the run's language (with the verdict, or why there is none)
    and `summary.json`."""
    summary["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    with tf.summary.create_file_writer(str(run_dir)).as_default():
        tf.summary.text("lesson", lesson_markdown(lesson, summary, summary["language"]), step=0)
    write_summary(run_dir, summary)


def _translations(lesson, task, config, results):
    """The run's texts in every language: the verdict and the text numbers are built anew in
    each (from the same results), so both languages show the same numbers."""
    found = {}
    for lang in i18n.LANGUAGES:
        with i18n.language(lang):
            words = {"title": _(lesson.TITLE), "claim": _(lesson.CLAIM if task is None else task.expected),
                     "verdict": None, "text_numbers": {}}
            if task is not None:
                words["exercise"] = {"question": _(task.question), "expected": _(task.expected),
                                     "explanation": _(task.explanation)}
            if results is not None:
                words["verdict"] = (lesson.check if task is None else task.check)(config, results).explanation
                if task is None:
                    words["text_numbers"] = lesson.text_numbers(config, results)
            found[lang] = words
    return found


def run_lesson(name, config=None, *, exercise=None, runs_root="runs", run_name=None, out=print, lang=None):
    """Trains every variant of a lesson, checks its claim and writes the logs and `summary.json`.

    Args:
        name: the lesson's name, for example `"xor"`.
        config: the lesson's `Config` (already checked when it was built); None for its defaults.
        exercise: the name of one of the lesson's `EXERCISES` to run instead of the lesson: its
            changes are applied to `config`, its variants trained and its outcome checked.
        runs_root: where runs are kept; the run goes to `runs_root/name/<timestamp>/`.
        run_name: a name for the run directory instead of the timestamp.
        out: where progress and the final report are printed.
        lang: the language of the console, the Text tab and the pictures (`dlintro.i18n`); by
            default the current one. `summary.json` records it and keeps the texts in every language.

    Returns:
        The summary written to `summary.json`, as a dict.

    Raises:
        UnknownLessonError, ConfigError, RunDirectoryError: before anything is trained
            (ConfigError also when `config` is not the lesson's `Config`, or sets a field the
            exercise sets to another value; UnknownExerciseError for an unknown exercise;
            UnknownLanguageError for a language the course does not have).
        KeyboardInterrupt: on Ctrl-C or SIGTERM (`training.Interrupted` when it came during
            `fit`), after writing a `summary.json` that says where the run stopped.

    Example:
        >>> from dlintro.lessons import xor
        >>> summary = run_lesson("xor", xor.Config(epochs=300), runs_root="/tmp/runs", lang="ko")
        >>> summary["claim"]["holds"]
        True
    """
    with i18n.language(i18n.check_language(lang or i18n.current())):
        return _run_lesson(name, config, exercise=exercise, runs_root=runs_root, run_name=run_name, out=out)


def _run_lesson(name, config, *, exercise, runs_root, run_name, out):
    """`run_lesson` in the language already chosen."""
    lesson = lessons.load(name)
    if config is None:
        config = lesson.Config()
    elif type(config) is not lesson.Config:
        raise ConfigError(_("lesson {name!r} takes a {module}.Config, got {given}").format(
            name=name, module=lesson.__name__, given=type(config).__name__))
    task = None
    if exercise is not None:
        task = exercises.find(lesson, exercise)
        config = task.config(lesson.Config, changed_values(config))
    # Before the directory: a refusal here leaves nothing behind.
    variants = lesson.variants(config) if task is None else task.variants(lesson, config)
    run_dir = create_run_directory(runs_root, name, run_name, suffix=exercise)
    translations = _translations(lesson, task, config, None)
    words = translations[i18n.current()]
    summary = {
        "lesson": name,
        "language": i18n.current(),
        "title": words["title"],
        "run_dir": str(run_dir),
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "status": "running",
        "config": dataclasses.asdict(config),
        "variants": {v.name: {"hparams": v.hparams, "status": "pending", "metrics": {}} for v in variants},
        "metric_names": [],
        "claim": {"statement": words["claim"], "holds": None, "verdict": None, "numbers": {}},
        "translations": translations,
    }
    if task is not None:
        summary["exercise"] = {"name": task.name, **words["exercise"], "changes": task.changes,
                               "holds": None, "numbers": {}}
    write_summary(run_dir, summary)
    out(words["title"])
    if task is not None:
        out(_("Exercise {name}: {question}").format(name=task.name, question=words["exercise"]["question"]))
        out(_("(Make your prediction now.)"))
    out(_("Training {count} variants into {run_dir}/").format(count=len(variants), run_dir=run_dir))
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
            out(f"  {variant.name:<28} " + _pad(status_word(entry["status"]), 10) + f" {seconds:6.1f} s")
        current = None
        summary["metric_names"] = sorted({m for metrics in results.values() for m in metrics})
        if summary["status"] == "running":
            verdict = (lesson.check if task is None else task.check)(config, results)
            summary["translations"] = _translations(lesson, task, config, results)
            words = summary["translations"][summary["language"]]
            summary["claim"].update(holds=bool(verdict.holds), verdict=words["verdict"], numbers=verdict.numbers)
            if task is None:
                summary["text_numbers"] = words["text_numbers"]
                summary["by_hand"] = _by_hand(name, config)
            if task is not None:
                summary["exercise"].update(holds=bool(verdict.holds), numbers=verdict.numbers)
            summary["status"] = "completed"
    except KeyboardInterrupt as error:
        # Ctrl-C or SIGTERM, inside `fit` (an `Interrupted` that knows its step) or anywhere
        # else: summary.json and the Text tab must say the run stopped, not that it is running.
        step = getattr(error, "step", None)
        if current is not None:
            summary["variants"][current.name].update(status="interrupted", interrupted_at_step=step)
        summary["status"] = "interrupted"
        _finish(run_dir, lesson, summary)
        if current is None:
            stopped = _("Interrupted after training; logs so far and summary.json are in {run_dir}/")
        elif step is None:
            stopped = _("Interrupted during {variant}; logs so far and summary.json are in {run_dir}/")
        else:
            stopped = _("Interrupted during {variant} after step {step}; logs so far and summary.json are in {run_dir}/")
        out("\n" + stopped.format(variant=getattr(current, "name", ""), step=step, run_dir=run_dir))
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
