"""The lesson texts: four parts each, short cores, every term taught before it is used,
every run number filled in from a run, and the README's copies the same as `make numbers` writes.

These tests read files only (no training), except the last, which runs one short lesson.
"""

import json
import re
from pathlib import Path

import pytest

from dlintro import lessons, numbers, readme, texts
from dlintro.exercises import exercises_of

WATCHED = [
    line.strip()
    for line in (Path(__file__).parent / "data" / "watched_terms.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
CORE_WORDS = 250
LOOK_BULLETS = 5


def _prose(text):
    """The words a learner reads: code spans, placeholders and link targets taken out."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\{[^{}]*\}", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def _glossary_matcher():
    """One pattern for every glossary term and form (longest first), and the term of each form."""
    owner = {}
    for term in texts.glossary():
        for form in (term.term, *term.forms):
            owner[form.lower()] = term
    forms = sorted(owner, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, forms)) + r")(?![\w-])", re.IGNORECASE)
    return pattern, owner


def _exercise_texts(lesson):
    return [" ".join((exercise.question, exercise.expected, exercise.explanation))
            for exercise in exercises_of(lessons.load(lesson)).values()]


@pytest.mark.parametrize("lesson", lessons.NAMES)
def test_every_lesson_has_its_four_parts(lesson):
    parts = texts.parts(lesson)
    assert parts["core"] and parts["look"] and parts["terms"], f"{lesson}: a part is empty"
    assert lessons.load(lesson).__doc__.count("\n") < 5, f"{lesson}: the module docstring still holds the text"


@pytest.mark.parametrize("lesson", lessons.NAMES)
def test_core_is_short_and_look_has_few_bullets(lesson):
    parts = texts.parts(lesson)
    core = texts.render(parts["core"], texts.default_numbers(lesson), missing="0")
    assert len(core.split()) <= CORE_WORDS, f"{lesson}: core has {len(core.split())} words"
    bullets = [line for line in parts["look"].splitlines() if line.startswith("- ")]
    assert 1 <= len(bullets) <= LOOK_BULLETS, f"{lesson}: {len(bullets)} look bullets"
    assert all(line.startswith("- ") for line in parts["look"].splitlines() if line.strip()), \
        f"{lesson}: the look part is bullets only"


@pytest.mark.parametrize("lesson", lessons.NAMES)
def test_paragraphs_are_one_line_each(lesson):
    """TensorBoard's Text tab keeps line breaks: a hard-wrapped paragraph shows as ragged lines."""
    for name, body in texts.parts(lesson).items():
        for previous, line in zip(body.splitlines(), body.splitlines()[1:]):
            if previous.strip() and line.strip():
                starts = ("- ", "|", "#", "* ") + tuple(f"{digit}. " for digit in range(10))
                assert line.lstrip().startswith(starts), f"{lesson} {name}: a paragraph wraps before {line[:40]!r}"


@pytest.mark.parametrize("lesson", lessons.NAMES)
def test_placeholders_are_numbers_the_default_run_gave(lesson):
    kept = texts.default_numbers(lesson)
    for name, body in texts.parts(lesson).items():
        missing = texts.placeholders(body) - set(kept)
        assert not missing, f"{lesson} {name}: asks for {sorted(missing)}, which make numbers did not record"


def test_no_term_is_used_before_the_lesson_that_teaches_it():
    pattern, owner = _glossary_matcher()
    order = {name: index for index, name in enumerate(lessons.NAMES)}
    early = []
    for lesson in lessons.NAMES:
        parts = texts.parts(lesson)
        for where, text in [("core", parts["core"]), ("look", parts["look"]),
                            *[("exercise", text) for text in _exercise_texts(lesson)]]:
            for match in pattern.finditer(_prose(text)):
                term = owner[match[0].lower()]
                if order[term.lesson] > order[lesson]:
                    early.append(f"{lesson} {where}: {match[0]!r} (taught in {term.lesson})")
    assert early == [], f"{len(early)} terms used before they are taught:\n" + "\n".join(early)


def test_every_watched_term_a_text_uses_is_in_the_glossary():
    pattern, _ = _glossary_matcher()
    watched = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(WATCHED, key=len, reverse=True)))
                         + r")(?![\w-])", re.IGNORECASE)
    unknown = set()
    for lesson in lessons.NAMES:
        for text in [*texts.parts(lesson).values(), *_exercise_texts(lesson)]:
            rest = pattern.sub(" ", _prose(text))  # what the glossary does not cover
            unknown |= {f"{lesson}: {match[0]}" for match in watched.finditer(rest)}
    assert unknown == set(), "technical terms missing from the glossary:\n" + "\n".join(sorted(unknown))


def test_glossary_entries_are_distinct_and_defined():
    seen = {}
    for term in texts.glossary():
        assert term.definition.endswith("."), f"{term.term}: a definition is one sentence ending in a full stop"
        for form in (term.term, *term.forms):
            assert form.lower() not in seen, f"{form!r} is in the glossary of {seen.get(form.lower())} and {term.lesson}"
            seen[form.lower()] = term.lesson


def test_glossary_command_prints_one_line_per_term(capsys):
    from dlintro.__main__ import main

    lines = []
    assert main(["glossary"], out=lines.append) == 0
    assert len(lines) == len(texts.glossary())
    assert all("\n" not in line for line in lines)


@pytest.mark.parametrize("part", ["core", "look", "deeper"])
def test_show_prints_one_part_with_the_default_numbers(part):
    from dlintro.__main__ import main

    lines = []
    assert main(["show", "minima", "--part", part], out=lines.append) == 0
    printed = "\n".join(lines)
    assert texts.render(texts.parts("minima")[part], texts.default_numbers("minima"), missing=texts.MISSING) in printed
    assert "default run" in printed  # says where its numbers come from
    other = {"core", "look", "deeper"} - {part}
    assert all(texts.parts("minima")[name][:60] not in printed for name in other)


def test_show_refuses_an_unknown_part(capsys):
    from dlintro.__main__ import main

    assert main(["show", "xor", "--part", "middle"], out=lambda *_: None) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_readme_lesson_texts_are_what_make_numbers_writes():
    text = readme.README.read_text(encoding="utf-8")
    for name, content in numbers.readme_blocks().items():
        assert readme.block(text, name) == content, (
            f"README block {name!r} differs from what `python -m dlintro.numbers --readme-only` writes")


def test_default_numbers_cover_every_lesson():
    kept = json.loads(texts.DEFAULT_NUMBERS.read_text())
    assert list(kept["lessons"]) == list(lessons.NAMES)
    assert kept["machine"]


def test_a_run_shows_its_own_numbers_not_the_default_runs(tmp_path):
    """A learner's run with another seed reads its own numbers in its Text tab."""
    from dlintro import events
    from dlintro.runner import run_lesson

    lesson = lessons.load("xor")
    summary = run_lesson("xor", lesson.QUICK.__class__(**{**lesson.QUICK.__dict__, "seed": 3}),
                         runs_root=tmp_path, out=lambda *_: None)
    _, shown = events.tensor_series(events.load_run(Path(summary["run_dir"])), "lesson")
    shown = shown[-1].item().decode()
    own = texts.lesson_markdown("xor", summary["text_numbers"])
    assert own in shown
    default = texts.lesson_markdown("xor", texts.default_numbers("xor"))
    assert default != own, "the default run and this run should differ in some number of the text"
    assert default not in shown
