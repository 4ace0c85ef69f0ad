"""The course's languages: English (`en`) and Korean (`ko`).

Short messages (console lines, errors, verdicts, captions, picture labels, exercises) are
written in English in the code, inside `_()`, gettext's way, and looked up in the catalogue of
the current language: `dlintro/texts/<lang>/*.json`, each a JSON object from the English text
to its translation (one file per lesson, `<lesson>.json`, and one per shared part of the
package). Long texts (a lesson's four parts) are one Markdown file per lesson and language
(`dlintro.texts`). Placeholders are named (`_("{name} at step {step}").format(...)`) and a
translation keeps every one, with the same format spec, so both languages show the same numbers.

A constant defined at import time, before the language is known (a lesson's `TITLE`, an
exercise's question), is marked with `N_()` and translated where it is shown: `_(lesson.TITLE)`.

The language is `--lang` on the command line; without it, the locale's (`LANGUAGE`, `LC_ALL`,
`LC_MESSAGES`, `LANG`, as gettext reads them): `ko_KR.UTF-8` gives Korean, anything else English.
Adding a language: its code in `LANGUAGES` and `NAMES`, a `texts/<lang>/` folder with every
lesson's `.md` and every catalogue's `.json` (the tests list what is missing), and a README.
This module does not import TensorFlow.
"""

import contextlib
import functools
import json
import os
import string
from pathlib import Path

LANGUAGES = ("en", "ko")
NAMES = {"en": "English", "ko": "한국어"}
SOURCE = "en"  # the language the code is written in
TEXTS = Path(__file__).parent / "texts"

_chosen = None  # set by set_language; None: the locale's


class UnknownLanguageError(ValueError):
    """A language the course is not written in."""


def check_language(lang):
    """Returns `lang` when the course has it.

    Raises:
        UnknownLanguageError: naming the languages there are.
    """
    if lang not in LANGUAGES:
        raise UnknownLanguageError(
            f"unknown language {lang!r} (known: {', '.join(LANGUAGES)}) / "
            f"지원하지 않는 언어입니다 (사용 가능: {', '.join(LANGUAGES)})")
    return lang


def from_environment(environ=None):
    """The language the locale asks for (`ko_KR.UTF-8`: `ko`); English for a locale in another."""
    environ = os.environ if environ is None else environ
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(key, "").split(":")[0].strip()
        if value:
            code = value.split(".")[0].split("_")[0].split("@")[0].lower()
            return code if code in LANGUAGES else SOURCE
    return SOURCE


def current():
    """The language messages are shown in now."""
    return _chosen or from_environment()


def set_language(lang):
    """Shows every later message in `lang` (None: the locale's again).

    Raises:
        UnknownLanguageError: for a language the course does not have.
    """
    global _chosen
    _chosen = None if lang is None else check_language(lang)


@contextlib.contextmanager
def language(lang):
    """Shows messages in `lang` inside the `with` block, and as before after it."""
    global _chosen
    previous = _chosen
    set_language(lang)
    try:
        yield lang
    finally:
        _chosen = previous


@functools.cache
def catalogue(lang):
    """Every translation of language `lang`, from all of `texts/<lang>/*.json`, by English text."""
    merged = {}
    for file in sorted((TEXTS / lang).glob("*.json")):
        merged.update(json.loads(file.read_text(encoding="utf-8")))
    return merged


def _(message):
    """`message` (English) in the current language; English where it has no translation yet."""
    lang = current()
    if lang == SOURCE:
        return message
    return catalogue(lang).get(message, message)


def N_(message):
    """Marks a constant for translation where it is shown (`_(constant)`); returns it unchanged."""
    return message


def translate(message, lang):
    """`message` in language `lang`, whatever the current language."""
    with language(lang):
        return _(message)


def fields(message):
    """The named placeholders of a message with their format specs, sorted (for the tests)."""
    return sorted((name, spec or "") for _text, name, spec, _conv in string.Formatter().parse(message) if name is not None)
