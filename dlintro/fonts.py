"""Hangul in dlintro's pictures: NanumGothic as Matplotlib's fallback font.

Matplotlib's default font (DejaVu Sans) has no Hangul: a Korean label would be drawn as empty
boxes, with a "Glyph ... missing from font(s)" warning. NanumGothic comes with the
`koreanize-matplotlib` package, one of dlintro's dependencies, so a fresh machine needs no
system font. The package is not imported (importing it rewrites Matplotlib's global settings
and, on Python 3.12, fails on `distutils`): its fonts are found on disk and registered here.

`use()` puts NanumGothic after the font families already chosen (`font.family`, by default
`sans-serif`, which is DejaVu Sans). Matplotlib (3.6 and later) looks each character up in
the families of that list in turn, so English text is drawn exactly as before and only the
characters DejaVu Sans lacks, Hangul, come from NanumGothic. Every module of dlintro that draws
with Matplotlib calls `use()` (`dlintro.callbacks.pictures` at import, so anything drawn with
`PicturePanel` or `figure_to_array` has it, and the report); it is cheap to call again.
"""

import importlib.util
from pathlib import Path

import matplotlib
from matplotlib import font_manager

FAMILY = "NanumGothic"
_FILES = ("NanumGothic.ttf", "NanumGothicBold.ttf")
_registered = []  # the font files registered with Matplotlib, once per process


def font_files():
    """The NanumGothic files of the installed `koreanize-matplotlib` package (without importing it).

    Raises:
        FileNotFoundError: when the package or its fonts are not installed.
    """
    spec = importlib.util.find_spec("koreanize_matplotlib")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise FileNotFoundError("the koreanize-matplotlib package, which brings the NanumGothic font for "
                                "Hangul, is not installed: pip install koreanize-matplotlib (make setup)")
    folder = Path(locations[0]) / "fonts"
    files = [folder / name for name in _FILES if (folder / name).is_file()]
    if not files:
        raise FileNotFoundError(f"no NanumGothic font in {folder}")
    return files


def use():
    """Makes Matplotlib draw Hangul with NanumGothic, every other character as before.

    Registers the font files once, and adds NanumGothic at the end of `font.family` if it is
    not there (again, should something have reset Matplotlib's settings). Returns the family list.
    """
    if not _registered:
        for file in font_files():
            font_manager.fontManager.addfont(str(file))
            _registered.append(file)
    families = matplotlib.rcParams["font.family"]
    families = [families] if isinstance(families, str) else list(families)
    if FAMILY not in families:
        families.append(FAMILY)
        matplotlib.rcParams["font.family"] = families
    return families
