"""Exercises: every lesson has them, each one's expected outcome holds, and bad requests are refused."""

import json

import pytest

from dlintro import events, lessons
from dlintro.__main__ import main
from dlintro.exercises import exercises_of
from dlintro.runner import run_lesson

EVERY_EXERCISE = [
    (name, exercise) for name in lessons.NAMES for exercise in exercises_of(lessons.load(name))
]


@pytest.mark.parametrize("name", lessons.NAMES)
def test_every_lesson_has_at_least_three_exercises_of_config_fields(name):
    lesson = lessons.load(name)
    found = exercises_of(lesson)
    assert len(found) >= 3, f"lesson {name} has {len(found)} exercises"
    for exercise in found.values():
        assert exercise.question.endswith("?") and exercise.expected and exercise.explanation
        config = exercise.config(lesson.Config)  # every knob is a checked Config field
        assert all(getattr(config, key) == value for key, value in exercise.changes.items())
        assert exercise.variants(lesson, config), f"{name} {exercise.name} trains nothing"


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("name", "exercise"), EVERY_EXERCISE)
def test_the_expected_outcome_holds(name, exercise, seed, runs_root):
    lesson = lessons.load(name)
    task = exercises_of(lesson)[exercise]
    config = lesson.Config(**{**task.quick, "seed": seed})
    summary = run_lesson(name, config, exercise=exercise, runs_root=runs_root, out=lambda *_: None)
    assert summary["status"] == "completed"
    assert summary["exercise"]["holds"] is True, summary["claim"]["verdict"]


def test_listing_names_every_exercise_and_its_question():
    printed = []
    assert main(["exercises", "xor"], out=printed.append) == 0
    for exercise in exercises_of(lessons.load("xor")).values():
        assert any(line.startswith(exercise.name) and exercise.question in line for line in printed)


def test_an_exercise_run_records_its_question_and_answer(runs_root):
    printed = []
    code = main(["run", "xor", "--exercise", "one_unit", "--epochs", "100", "--log-every", "50",
                 "--runs-dir", str(runs_root)], out=printed.append)
    assert code == 0
    (run_dir,) = (runs_root / "xor").iterdir()
    assert run_dir.name.endswith("-one_unit")
    summary = json.loads((run_dir / "summary.json").read_text())
    exercise = summary["exercise"]
    assert exercise["name"] == "one_unit" and exercise["holds"] is True and exercise["numbers"]
    assert summary["config"]["hidden_units"] == 1 and summary["config"]["epochs"] == 100
    text = "\n".join(printed)
    assert exercise["question"] in text and "Why:" in text and exercise["explanation"] in text
    _, texts = events.tensor_series(events.load_run(run_dir), "lesson")
    shown = texts[-1].item().decode()
    assert exercise["question"] in shown and exercise["explanation"] in shown
    # An exercise's run is not the lesson's: the guided board and the report pass over it.
    from dlintro.runs import latest_run

    assert latest_run(runs_root, "xor") is None


def test_the_lesson_text_lists_its_exercises():
    from dlintro.exercises import markdown_list

    listed = markdown_list(lessons.load("xor"))
    assert "make lesson-xor EXERCISE=one_unit" in listed


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--exercise", "nope"], "lesson 'xor' has no exercise 'nope' (known: one_unit,"),
        (["--exercise", "one_unit", "--hidden-units", "4"], "--hidden-units 4 conflicts with exercise 'one_unit'"),
        (["--exercise"], "--exercise needs a value"),
    ],
)
def test_bad_exercise_requests_are_refused_in_one_line_and_write_nothing(words, message, tmp_path, capsys):
    runs_root = tmp_path / "runs"
    assert main(["run", "xor", *words, "--runs-dir", str(runs_root)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("dlintro: error: ") and message in line
    assert not (runs_root / "xor").exists()


def test_the_readme_lists_every_exercise():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    listed = readme.split("<!-- exercises:start -->")[1].split("<!-- exercises:end -->")[0]
    for name, exercise in EVERY_EXERCISE:
        assert f"make lesson-{name} EXERCISE={exercise}" in listed, (name, exercise)
