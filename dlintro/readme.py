"""The README's generated blocks: text between `<!-- NAME:start -->` and `<!-- NAME:end -->`.

Commands that measure something (`make numbers`, `make exercise-seeds`) rewrite their block,
and the tests compare each block with what its command writes, so the README cannot drift
from the measurements. This module does not import TensorFlow.
"""

from pathlib import Path

from dlintro import i18n

README = Path(__file__).resolve().parent.parent / "README.md"


def path(lang="en"):
    """The README of language `lang`: README.md in English, README.<lang>.md in the others."""
    return README if lang == i18n.SOURCE else README.with_name(f"README.{lang}.md")


def lang_flag():
    """The `--lang` a command in the current language's README carries (none in English)."""
    return "" if i18n.current() == i18n.SOURCE else f" --lang {i18n.current()}"


def make_lang():
    """The `LANG=` a make command in the current language's README carries (none in English)."""
    return "" if i18n.current() == i18n.SOURCE else f" LANG={i18n.current()}"


def screenshot_folder():
    """Where the current language's screenshots are, under docs/screenshots/."""
    return "" if i18n.current() == i18n.SOURCE else f"{i18n.current()}/"


def _markers(name):
    return f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"


def block(text, name):
    """The content of block `name` in `text` (without its markers).

    Raises:
        ValueError: when `text` has no such block.
    """
    start, end = _markers(name)
    if start not in text or end not in text.split(start, 1)[1]:
        raise ValueError(f"the README has no block {name!r} ({start.strip()} ... {end})")
    return text.split(start, 1)[1].split(end, 1)[0]


def replace(text, name, content):
    """`text` with block `name`'s content replaced by `content` (a text ending in a newline)."""
    start, end = _markers(name)
    before = text.split(start, 1)[0]
    after = text.split(start, 1)[1].split(end, 1)[1]
    block(text, name)  # refuses a missing block
    return before + start + content + end + after


def rewrite(blocks, path=README):
    """Replaces each block named in `blocks` (name: content) in the README at `path`."""
    text = Path(path).read_text(encoding="utf-8")
    for name, content in blocks.items():
        text = replace(text, name, content)
    Path(path).write_text(text, encoding="utf-8")
