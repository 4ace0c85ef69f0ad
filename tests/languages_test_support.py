"""A run's texts in both languages, checked the same way by every lesson's tests."""

import re

from dlintro import texts

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def assert_korean_says_the_same(summary):
    """The run's Korean verdict is Korean and carries the English verdict's numbers, and the
    run's Korean numbers fill every part of the lesson's Korean text."""
    en, ko = summary["translations"]["en"], summary["translations"]["ko"]
    assert sorted(NUMBER.findall(en["verdict"])) == sorted(NUMBER.findall(ko["verdict"])), ko["verdict"]
    assert HANGUL.search(ko["verdict"]), ko["verdict"]
    for part in texts.parts(summary["lesson"], "ko").values():
        texts.render(part, ko["text_numbers"])
