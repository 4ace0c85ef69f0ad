"""The lesson notebooks (`notebooks/<lesson>.<lang>.ipynb`, `python -m dlintro.notebooks`): the
committed ones are what the generator writes, the Korean ones are in Korean, and every one runs
top to bottom in a Jupyter kernel (this environment's Python) on the lessons' QUICK configs,
with no error cell, its by-hand check holding, every view drawn, its claim checked and every
exercise's expected outcome holding (their `quick` changes keep it).

Executing all of them is the slow part of this file (a few minutes: each notebook trains its
lesson and every exercise, shrunken).
"""

import re
from pathlib import Path

import nbformat
import pytest

from dlintro import i18n, lessons, notebooks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EVERY = [(name, lang) for name in lessons.NAMES for lang in i18n.LANGUAGES]
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _read(name, lang):
    return nbformat.read(NOTEBOOKS / notebooks.file_name(name, lang), as_version=4)


def _cell(notebook, kind):
    """The cell whose id ends with `kind` (ids are `<index>-<kind>`)."""
    (found,) = [cell for cell in notebook.cells if cell.id.split("-", 1)[1] == kind]
    return found


def test_the_committed_notebooks_are_what_the_generator_writes():
    stale = notebooks.stale(NOTEBOOKS)
    assert stale == [], ("notebooks out of date (run `make notebooks`, or `python -m dlintro.notebooks`): "
                         + ", ".join(f"{path.name} {why}" for path, why in stale))


def test_check_names_every_changed_missing_or_stray_notebook(tmp_path, capsys):
    assert notebooks.main(["--dir", str(tmp_path)]) == 0
    assert sorted(path.name for path in tmp_path.glob("*.ipynb")) == sorted(
        notebooks.file_name(name, lang) for name, lang in EVERY)
    assert notebooks.main(["--check", "--dir", str(tmp_path)]) == 0
    changed = tmp_path / "xor.ko.ipynb"
    changed.write_text(changed.read_text(encoding="utf-8").replace("XOR", "XNOR", 1), encoding="utf-8")
    (tmp_path / "minima.en.ipynb").unlink()
    (tmp_path / "old_lesson.en.ipynb").write_text("{}", encoding="utf-8")
    capsys.readouterr()
    assert notebooks.main(["--check", "--dir", str(tmp_path)]) == 1
    said = capsys.readouterr().err
    assert "xor.ko.ipynb: differs" in said and "minima.en.ipynb: missing" in said
    assert "old_lesson.en.ipynb: stray" in said and "xor.en.ipynb" not in said
    # Writing again mends them (a stray notebook is named, not deleted).
    assert notebooks.main(["--dir", str(tmp_path)]) == 0
    assert [why for unused, why in notebooks.stale(tmp_path)] == ["stray"]


def test_generating_twice_gives_the_same_text():
    assert notebooks.render("xor", "ko") == notebooks.render("xor", "ko")


@pytest.mark.parametrize("name", lessons.NAMES)
def test_the_korean_notebooks_speak_korean(name):
    notebook = _read(name, "ko")
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            assert HANGUL.search(cell.source), f"{name}.ko {cell.id}: no Korean in {cell.source[:80]!r}"
    for kind in ("install", "language", "training", "prediction-1"):
        assert HANGUL.search(_cell(notebook, kind).source), f"{name}.ko {kind}: its comments are not Korean"
    english = _read(name, "en")
    assert not any(HANGUL.search(cell.source) for cell in english.cells[1:]), f"{name}.en holds Korean"


@pytest.mark.parametrize("name", lessons.NAMES)
def test_every_notebook_has_the_lessons_parts(name):
    lesson = lessons.load(name)
    notebook = _read(name, "en")
    ids = [cell.id.split("-", 1)[1] for cell in notebook.cells]
    for kind in ("install", "language", "idea", "by-hand-function", "by-hand-check", "model", "training",
                 "text", "claim", "tensorboard"):
        assert kind in ids, f"{name}: no {kind} cell"
    for number in range(1, len(lesson.VIEWS) + 1):  # a caption and a drawing each
        assert f"caption-{number}" in ids and f"view-{number}" in ids
    for number in range(1, len(lesson.EXERCISES) + 1):  # the question, a prediction, the run
        assert {f"question-{number}", f"prediction-{number}", f"exercise-{number}"} <= set(ids)
    assert len(ids) == len(set(ids))
    assert "if not QUICK:\n    %load_ext tensorboard" in _cell(notebook, "tensorboard").source
    assert "--host 127.0.0.1" in _cell(notebook, "tensorboard").source


def _kernel_environment(monkeypatch):
    """QUICK runs; the kernel is `python3`, which jupyter_client starts with this Python
    (`sys.executable`: the project's environment), whatever `python` PATH finds."""
    monkeypatch.setenv(notebooks.QUICK_VARIABLE, "1")
    monkeypatch.delenv("DLINTRO_REPOSITORY", raising=False)


def _printed(cell):
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


def _shown(cell, kind):
    return [output.data[kind] for output in cell.outputs
            if output.output_type in ("display_data", "execute_result") and kind in output.data]


@pytest.mark.parametrize(("name", "lang"), EVERY)
def test_the_notebook_runs_top_to_bottom(name, lang, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    _kernel_environment(monkeypatch)
    notebook = _read(name, lang)
    # Raises CellExecutionError, naming the cell and its traceback, at the first error cell.
    NotebookClient(notebook, kernel_name="python3", timeout=900,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [cell.id for cell in notebook.cells if cell.cell_type == "code"
              and any(output.output_type == "error" for output in cell.outputs)]
    assert errors == []
    assert (tmp_path / "runs" / name).is_dir(), "the runs go beside the notebook"

    def words(message):
        return i18n.translate(message, lang)

    checked = _printed(_cell(notebook, "by-hand-check"))
    assert words("Holds: the two computations agree within the tolerance.") in checked, checked
    assert "Model:" in "".join(text for text in _shown(_cell(notebook, "model"), "text/plain"))
    # A QUICK run is too short for some lessons' claims (linear's, approximation's): checked, not held.
    claim = _shown(_cell(notebook, "claim"), "text/markdown")[0]
    assert words("**Checked: it holds.**") in claim or words("**Checked: it does not hold.**") in claim, claim
    for cell in notebook.cells:
        kind = cell.id.split("-", 1)[1]
        if kind.startswith("view-"):
            assert _shown(cell, "image/png"), f"{cell.id} drew nothing: {_printed(cell)}"
        if kind.startswith("exercise-"):
            outcome = _shown(cell, "text/markdown")
            assert outcome and words("**Checked: it holds.**") in outcome[0], f"{cell.id}: {outcome}"
    assert _cell(notebook, "tensorboard").outputs == [], "TensorBoard starts only outside QUICK"
    if lang != i18n.SOURCE:
        assert HANGUL.search(_printed(_cell(notebook, "training")))
        assert HANGUL.search(_shown(_cell(notebook, "text"), "text/markdown")[0])
