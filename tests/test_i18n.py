"""Both languages say the same: every message, text, exercise and glossary entry exists in
English and Korean, with the same numbers, and Korean is what a Korean learner is shown.

The catalogue tests read the source with `ast`, as gettext's xgettext does: every literal
argument of `_()` and `N_()` in `dlintro/` is a message to translate.
"""

import ast
import collections
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dlintro import i18n, lessons, texts
from dlintro.exercises import exercises_of

PACKAGE = Path(i18n.__file__).parent
OTHERS = [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE]
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _messages():
    """Every literal message of the package, with where it is: `{message: [file:line, ...]}`."""
    found = collections.defaultdict(list)
    for file in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found[node.args[0].value].append(f"{file.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


MESSAGES = _messages()


def test_the_package_marks_its_messages():
    assert len(MESSAGES) > 100


@pytest.mark.parametrize("lang", OTHERS)
def test_every_message_has_a_translation_with_the_same_placeholders(lang):
    catalogue = i18n.catalogue(lang)
    missing = [f"{where[0]}: {message[:70]!r}" for message, where in MESSAGES.items() if message not in catalogue]
    assert missing == [], f"{len(missing)} messages have no {lang} translation:\n" + "\n".join(missing)
    differ = [f"{MESSAGES[message][0]}: {message[:60]!r}" for message in MESSAGES
              if i18n.fields(message) != i18n.fields(catalogue[message])]
    assert differ == [], f"placeholders differ from the English in:\n" + "\n".join(differ)


@pytest.mark.parametrize("lang", OTHERS)
def test_every_translation_is_used_and_in_that_language(lang):
    catalogue = i18n.catalogue(lang)
    unused = sorted(set(catalogue) - set(MESSAGES))
    assert unused == [], f"{lang} catalogue entries no code uses (stale?):\n" + "\n".join(m[:80] for m in unused)
    if lang == "ko":
        english = [message[:60] for message, translation in catalogue.items()
                   if re.search(r"[A-Za-z]{3,}", message) and not HANGUL.search(translation)
                   and _english_sentence(translation)]
        assert english == [], "translations still in English:\n" + "\n".join(english)


@pytest.mark.parametrize("lang", OTHERS)
def test_catalogue_files_do_not_disagree(lang):
    seen = {}
    for file in sorted((i18n.TEXTS / lang).glob("*.json")):
        for message, translation in json.loads(file.read_text(encoding="utf-8")).items():
            assert seen.get(message, (file, translation))[1] == translation, \
                f"{message[:60]!r} is translated differently in {seen[message][0].name} and {file.name}"
            seen[message] = (file, translation)


def _field_counts(text):
    return collections.Counter(i18n.fields(text))


@pytest.mark.parametrize("lang", OTHERS)
@pytest.mark.parametrize("lesson", lessons.NAMES)
def test_every_lesson_text_has_its_twin_with_the_same_numbers(lesson, lang):
    english, other = texts.parts(lesson, "en"), texts.parts(lesson, lang)
    for part in texts.PARTS:
        assert bool(english[part]) == bool(other[part]), f"{lesson} {part}: in one language only"
        assert _field_counts(english[part]) == _field_counts(other[part]), (
            f"{lesson} {part}: the {lang} text fills in other numbers than the English "
            f"({sorted(_field_counts(english[part]) - _field_counts(other[part]))} vs "
            f"{sorted(_field_counts(other[part]) - _field_counts(english[part]))})")
    bullets = [len([line for line in parts["look"].splitlines() if line.startswith("- ")]) for parts in (english, other)]
    assert bullets[0] == bullets[1], f"{lesson}: {bullets[1]} {lang} look bullets, {bullets[0]} English"
    assert len(texts.render(other["core"], texts.default_numbers(lesson, lang), missing="0").split()) <= 250


@pytest.mark.parametrize("lang", OTHERS)
@pytest.mark.parametrize("lesson", lessons.NAMES)
def test_glossary_entries_match_one_to_one(lesson, lang):
    english = [term.term for term in texts.terms(lesson, "en")]
    other = texts.terms(lesson, lang)
    assert [term.english for term in other] == english, f"{lesson}: the {lang} terms are not the English ones, in order"
    for term in other:
        assert HANGUL.search(term.definition) and term.definition.endswith("."), f"{term.term}: a Korean definition ending in a full stop"


@pytest.mark.parametrize("lang", OTHERS)
@pytest.mark.parametrize("lesson", lessons.NAMES)
def test_paragraphs_are_one_line_each(lesson, lang):
    starts = ("- ", "|", "#", "* ") + tuple(f"{digit}. " for digit in range(10))
    for name, body in texts.parts(lesson, lang).items():
        for previous, line in zip(body.splitlines(), body.splitlines()[1:]):
            if previous.strip() and line.strip():
                assert line.lstrip().startswith(starts), f"{lesson} {name}: a paragraph wraps before {line[:40]!r}"


def _prose(text):
    """The words a learner reads: code blocks and spans, placeholders and link targets taken out."""
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\{[^{}]*\}", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def test_no_korean_term_is_used_before_the_lesson_that_teaches_it():
    """As in English; a Korean form matches at the start of a word, since particles follow it."""
    owner = {}
    for term in texts.glossary("ko"):
        for form in (term.term, *term.forms):
            owner[form.lower()] = term
    forms = sorted(owner, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, forms)) + r")", re.IGNORECASE)
    order = {name: index for index, name in enumerate(lessons.NAMES)}
    early = []
    with i18n.language("ko"):
        for lesson in lessons.NAMES:
            parts = texts.parts(lesson)
            asked = [i18n._(text) for exercise in exercises_of(lessons.load(lesson)).values()
                     for text in (exercise.question, exercise.expected, exercise.explanation)]
            for where, text in [("core", parts["core"]), ("look", parts["look"]), *[("exercise", t) for t in asked]]:
                for match in pattern.finditer(_prose(text)):
                    term = owner[match[0].lower()]
                    if order[term.lesson] > order[lesson]:
                        early.append(f"{lesson} {where}: {match[0]!r} (taught in {term.lesson})")
    assert early == [], f"{len(early)} Korean terms used before they are taught:\n" + "\n".join(early)


def test_korean_glossary_forms_are_distinct():
    seen = {}
    for term in texts.glossary("ko"):
        for form in (term.term, *term.forms):
            assert form.lower() not in seen, f"{form!r} is in the Korean glossary of {seen.get(form.lower())} and {term.lesson}"
            seen[form.lower()] = term.lesson


# Korean as the learner is shown it.
# Four words in a row, each with a small letter: gate names (AND, OR, NAND) are identifiers.
ENGLISH_RUN = re.compile(r"[A-Za-z][a-z']+(?:[ ,;:-]+[A-Za-z][a-z']+){3,}")


def _english_sentence(text):
    """An English phrase of four or more words left in a text, once code, tags, run names,
    commands and URLs are taken out; None when there is none."""
    text = _prose(text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\b[\w.-]*[_/][\w./-]*", " ", text)  # tags, run names, paths
    text = re.sub(r"(make|python -m) [^\n()]*", " ", text)  # commands
    match = ENGLISH_RUN.search(text)
    return match[0] if match else None


@pytest.mark.parametrize("lesson", lessons.NAMES)
def test_show_in_korean_has_no_english_sentence(lesson):
    from dlintro.__main__ import main

    lines = []
    assert main(["show", lesson, "--lang", "ko"], out=lines.append) == 0
    shown = "\n".join(line for line in lines if not line.startswith("  --"))  # the hyperparameter table
    assert HANGUL.search(shown)
    assert _english_sentence(shown) is None, f"English in the Korean text of {lesson}: {_english_sentence(shown)!r}"


def test_console_commands_speak_korean():
    from dlintro.__main__ import main

    for command in (["list"], ["glossary"], ["exercises", "xor"], ["help"]):
        lines = []
        assert main([*command, "--lang", "ko"], out=lines.append) == 0
        printed = "\n".join(lines)
        assert HANGUL.search(printed), command
        if command != ["help"]:
            assert _english_sentence(printed) is None, f"{command}: {_english_sentence(printed)!r}"


@pytest.mark.parametrize("argv", [
    ["run", "xor", "--epochs", "-3"],
    ["run", "nosuch"],
    ["run", "xor", "--no-such-knob", "1"],
    ["run", "xor", "--exercise", "nosuch"],
    ["show", "xor", "--part", "middle"],
])
def test_bad_input_is_refused_in_korean_in_one_line(argv, capsys, tmp_path):
    from dlintro.__main__ import main

    assert main([*argv, "--lang", "ko", "--runs-dir", str(tmp_path)] if argv[0] == "run" else [*argv, "--lang", "ko"],
                out=lambda *unused: None) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and HANGUL.search(error), error
    assert not list(tmp_path.iterdir()) or argv[0] != "run" or not any(tmp_path.rglob("summary.json"))


def test_an_unknown_language_is_bad_input(capsys):
    from dlintro.__main__ import main

    assert main(["list", "--lang", "fr"], out=lambda *unused: None) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("environ, expected", [
    ({"LANG": "ko_KR.UTF-8"}, "ko"), ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "C.UTF-8"}, "en"), ({}, "en"),
    ({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"), ({"LANGUAGE": "en:ko", "LANG": "ko_KR.UTF-8"}, "en"),
])
def test_the_locale_chooses_the_language(environ, expected):
    assert i18n.from_environment(environ) == expected


def test_a_korean_locale_gives_korean_without_a_flag():
    env = {"PATH": "/usr/bin:/bin", "LANG": "ko_KR.UTF-8", "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "dlintro", "exercises", "xor"], capture_output=True, text=True,
                            env=env, cwd=PACKAGE.parent, timeout=120)
    assert result.returncode == 0 and HANGUL.search(result.stdout), result.stderr


def test_make_passes_lang_on_to_every_command():
    makefile = PACKAGE.parent / "Makefile"
    for target in ("lesson-xor", "exercises-xor", "tensorboard", "report", "screenshots", "list", "glossary"):
        result = subprocess.run(["make", "-n", "-f", str(makefile), target, "LANG=ko", "INSTALLED="],
                                capture_output=True, text=True, cwd=PACKAGE.parent, timeout=60)
        assert "--lang ko" in result.stdout, f"make {target} LANG=ko: {result.stdout}{result.stderr}"


def test_a_korean_run_shows_its_text_tab_in_korean_with_the_numbers_of_both_languages_equal(tmp_path):
    """One lesson run with --lang ko: its Text tab is Korean; its verdict and text numbers in the
    two languages carry the same numbers."""
    from dlintro import events
    from dlintro.__main__ import main

    lesson = lessons.load("xor")
    printed = []
    argv = ["run", "xor", "--lang", "ko", "--runs-dir", str(tmp_path), *_quick_arguments(lesson)]
    assert main(argv, out=printed.append) == 0
    console = "\n".join(printed)
    assert HANGUL.search(console)
    assert _english_sentence(console.split("http")[0]) is None, _english_sentence(console)
    summary = json.loads(next(tmp_path.rglob("summary.json")).read_text(encoding="utf-8"))
    assert summary["language"] == "ko"
    _, shown = events.tensor_series(events.load_run(Path(summary["run_dir"])), "lesson")
    shown = shown[-1].item().decode()
    assert texts.lesson_markdown("xor", summary["translations"]["ko"]["text_numbers"], lang="ko") in shown
    assert _english_sentence(shown.split("## " + i18n.translate("Variants", "ko"))[0].replace("|", " ")) is None
    assert summary["by_hand"]["holds"], summary["by_hand"]
    assert summary["by_hand"]["described"]["ko"] in console and summary["by_hand"]["described"]["ko"] in shown
    assert _numbers(summary["by_hand"]["described"]["en"]) == _numbers(summary["by_hand"]["described"]["ko"])
    en, ko = summary["translations"]["en"], summary["translations"]["ko"]
    assert _numbers(en["verdict"]) == _numbers(ko["verdict"]), (en["verdict"], ko["verdict"])
    assert en["text_numbers"].keys() == ko["text_numbers"].keys()
    for key, value in en["text_numbers"].items():
        if isinstance(value, str):
            assert _numbers(value) == _numbers(ko["text_numbers"][key]), key
        else:
            assert value == ko["text_numbers"][key], key


def _numbers(text):
    return collections.Counter(re.findall(r"\d+(?:\.\d+)?(?:e-?\d+)?", text))


def _quick_arguments(lesson):
    from dlintro.config import to_arguments

    return to_arguments(lesson.QUICK)


def test_no_module_that_translates_uses_the_name_underscore_for_anything_else():
    """`_` bound as a throwaway variable hides the translation function in its scope."""
    misuse = []
    for file in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        imports = any(isinstance(node, ast.ImportFrom) and node.module == "dlintro.i18n"
                      and any(alias.name == "_" for alias in node.names) for node in ast.walk(tree))
        if imports:
            misuse += [f"{file.relative_to(PACKAGE.parent)}:{node.lineno}" for node in ast.walk(tree)
                       if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)]
    assert misuse == [], "`_` assigned in a module that translates with it:\n" + "\n".join(misuse)


@pytest.mark.parametrize("lang", OTHERS)
def test_each_readme_holds_what_its_commands_write(lang):
    """README.<lang>.md's lesson texts, exercises and seed table are what `make numbers` and
    `make exercise-seeds` write in that language, and the English README links to it."""
    from dlintro import exercise_seeds, numbers, readme

    text = readme.path(lang).read_text(encoding="utf-8")
    for name, content in numbers.readme_blocks(lang).items():
        assert readme.block(text, name) == content, f"README.{lang}.md block {name!r}: run `make numbers ARGS=--readme-only`"
    assert readme.block(text, "exercise-seeds") == exercise_seeds.table(exercise_seeds.load(), lang)
    assert f"README.{lang}.md" in readme.README.read_text(encoding="utf-8").split("\n## ")[0]


def _texts_a_learner_reads(lang):
    """Every lesson text and catalogue translation of language `lang`, by where it is."""
    found = {f"texts/{lang}/{lesson}.md": texts.path(lesson, lang).read_text(encoding="utf-8") for lesson in lessons.NAMES}
    found.update({f"catalogue: {message[:40]!r}": translation for message, translation in i18n.catalogue(lang).items()})
    return found


@pytest.mark.parametrize("lang", OTHERS)
def test_bold_closes_before_a_particle(lang):
    """CommonMark (GitHub) does not end bold at `)**` followed by a letter: `**손실(loss)**은`
    shows its asterisks. The texts write `**손실**(loss)은`."""
    unclosed = [where for where, text in _texts_a_learner_reads(lang).items() if re.search(r"[)\]\"'.,:;!?`]\*\*\w", text)]
    assert unclosed == [], "bold that CommonMark leaves open:\n" + "\n".join(unclosed)
