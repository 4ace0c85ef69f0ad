"""The lesson notebooks: `python -m dlintro.notebooks` (`make notebooks`) writes
`notebooks/<lesson>.<lang>.ipynb` for every lesson and language.

Each notebook is generated from one source, the lesson itself: its module (title, claim,
`Config` and `QUICK`, model factories, `VIEWS`, `EXERCISES`), its texts
(`dlintro/texts/<lang>/<lesson>.md`, with the default run's numbers) and its by-hand module
(`dlintro/lessons/<lesson>_by_hand.py`), so a notebook cannot drift from the package: change
the lesson and generate again, never edit a notebook by hand. `--check` writes nothing and exits
1, naming every notebook that differs from what would be written (or is missing or stray).

A notebook runs top to bottom: it installs dlintro if missing (from `DLINTRO_REPOSITORY`, for a
hosted notebook service), sets its language and `QUICK` (`DLINTRO_NOTEBOOK_QUICK=1`, as the
tests set it, runs the lesson's shrunken `QUICK` config and each exercise's `quick` changes),
shows the lesson's idea and what to look at, the by-hand mechanism (editable) checked against
the framework, the model, trains every variant with dlintro's callbacks (`run_lesson`, into
`runs/` beside the notebook), draws the lesson's views inline from the run's event files
(`dlintro.notebook_views`), shows the text with the run's numbers and the claim checked, opens
TensorBoard inline, and lets the learner predict, run and check every exercise. Every word a
learner reads is in the notebook's language.

Example:
    $ python -m dlintro.notebooks            # writes notebooks/*.ipynb
    $ python -m dlintro.notebooks --check    # exit 1 if one is out of date
"""

import argparse
import inspect
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the lesson modules import TensorFlow

import nbformat  # noqa: E402

from dlintro import i18n, lessons, texts  # noqa: E402
from dlintro.exercises import exercises_of  # noqa: E402
from dlintro.i18n import _  # noqa: E402

DIRECTORY = Path("notebooks")  # where `make notebooks` writes them, from the repository's root
QUICK_VARIABLE = "DLINTRO_NOTEBOOK_QUICK"
REPOSITORY_VARIABLE = "DLINTRO_REPOSITORY"
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def file_name(lesson, lang):
    """The notebook of lesson `lesson` in language `lang`: `<lesson>.<lang>.ipynb`."""
    return f"{lesson}.{lang}.ipynb"


class _Cells:
    """The cells of one notebook, each with a stable id (so generating twice gives the same file)."""

    def __init__(self):
        self.cells = []

    def _id(self, kind):
        return f"{len(self.cells):02d}-{kind}"

    def markdown(self, kind, *paragraphs):
        text = "\n\n".join(paragraph.strip() for paragraph in paragraphs if paragraph and paragraph.strip())
        self.cells.append(nbformat.v4.new_markdown_cell(text, id=self._id(kind)))

    def code(self, kind, *lines):
        self.cells.append(nbformat.v4.new_code_cell("\n".join(lines).strip("\n"), id=self._id(kind)))


def _comment(text):
    """A translated comment line for a code cell."""
    return "# " + text


def _q(text):
    """`text` as a Python string literal in double quotes (Hangul kept as it is)."""
    return json.dumps(text, ensure_ascii=False)


def _changes(changes):
    return ", ".join(f"`{key} = {value!r}`" for key, value in changes.items())


def build(name, lang):
    """The notebook of lesson `name` in language `lang`, as an `nbformat` notebook (no outputs)."""
    lesson = lessons.load(name)
    from dlintro.lessons import by_hand

    mechanism = by_hand.load(name).FUNCTION
    with i18n.language(i18n.check_language(lang)):
        cells = _Cells()
        _opening(cells, name, lesson, lang)
        _setup(cells, name, lang)
        _idea(cells, name)
        _by_hand(cells, name, mechanism)
        _model(cells, name, lesson)
        _training(cells, name)
        _views(cells, name, lesson)
        _checked(cells)
        _tensorboard(cells)
        _exercises(cells, name, lesson)
        _closing(cells, name, lang)
    notebook = nbformat.v4.new_notebook(cells=cells.cells)
    notebook.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"}}
    nbformat.validate(notebook)
    return notebook


def render(name, lang):
    """The text of the notebook file of lesson `name` in language `lang`."""
    return nbformat.writes(build(name, lang)) + "\n"


def _opening(cells, name, lesson, lang):
    number = lessons.NAMES.index(name) + 1
    others = [other for other in i18n.LANGUAGES if other != lang]
    cells.markdown(
        "title",
        f"# {_(lesson.TITLE)}",
        _("Lesson {number} of {count} of dlintro, as a notebook. Run the cells from the top, one at a time "
          "(Shift-Enter): read, predict, run, and see each claim and each prediction checked in numbers.").format(
            number=number, count=len(lessons.NAMES)),
        _("This notebook is generated from the lesson's module, texts and by-hand mechanism "
          "(`make notebooks`): change those, not this file, to change it for everyone. "
          "`make notebooks` writes it anew, over your changes and outputs: save a copy to keep them."),
        " · ".join(f"[{i18n.NAMES[other]}]({file_name(name, other)})" for other in others),
    )


def _setup(cells, name, lang):
    cells.markdown(
        "setup-heading",
        "## " + _("Before you start"),
        _("The first cell installs dlintro where it is not installed (a hosted notebook service); where it is, "
          "it does nothing. The second one chooses the language, and `QUICK`: a short run, as the tests use."),
    )
    message = _("dlintro is not installed here. Set the environment variable {variable} to the address of "
                "dlintro's git repository (for example %env {variable}=https://github.com/OWNER/dlintro) "
                "and run this cell again, or install dlintro in this notebook's Python (pip install -e . "
                "in its folder).").format(variable=REPOSITORY_VARIABLE)
    cells.code(
        "install",
        _comment(_("Installs dlintro from its repository if this Python does not have it (a hosted notebook service).")),
        "import importlib",
        "import importlib.util",
        "import os",
        "import subprocess",
        "import sys",
        "",
        'if importlib.util.find_spec("dlintro") is None:',
        f"    repository = os.environ.get({_q(REPOSITORY_VARIABLE)})",
        "    if not repository:",
        f"        raise RuntimeError({_q(message)})",
        '    if "://" in repository and not repository.startswith("git+"):',
        '        repository = "git+" + repository',
        '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", repository], check=True)',
        "    importlib.invalidate_caches()",
    )
    cells.code(
        "language",
        'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  ' + _comment(_("keeps TensorFlow's start-up messages out")),
        "from dlintro import i18n, lessons",
        "",
        f"LANG = {_q(lang)}  " + _comment(_("the language of the texts, pictures and messages: {languages}").format(
            languages=", ".join(f'"{code}"' for code in i18n.LANGUAGES))),
        "i18n.set_language(LANG)",
        f"QUICK = os.environ.get({_q(QUICK_VARIABLE)}) == \"1\"  "
        + _comment(_("True: a short run (the lesson's QUICK config), as the tests use")),
        f"{name} = lessons.load({_q(name)})  " + _comment(_("the lesson: dlintro/lessons/{file}").format(file=f"{name}.py")),
        "",
        "from dlintro import exercises, notebook_views, runner",
        "",
        "notebook_views.quiet()",
    )


def _idea(cells, name):
    parts = texts.parts(name)
    numbers = texts.default_numbers(name)
    cells.markdown(
        "idea",
        "## " + _(texts.HEADINGS["core"]),
        texts.render(parts["core"], numbers, missing=texts.MISSING),
        "## " + _(texts.HEADINGS["look"]),
        texts.render(parts["look"], numbers, missing=texts.MISSING),
        "*" + texts.default_numbers_note() + " " + _("Below, your own run shows its numbers.") + "*",
    )


def _by_hand(cells, name, mechanism):
    function = mechanism.__name__
    cells.markdown(
        "by-hand-heading",
        "## " + _("By hand"),
        _("The lesson's mechanism in a few lines of plain NumPy: `{function}`, from "
          "`dlintro/lessons/{file}`. Read it line by line, then run it. The cell after it computes the same "
          "with Keras and TensorFlow, as the lesson does, and prints the largest difference between the two. "
          "Change a line (a sign, a factor) and run both cells again: the check says so.").format(
            function=function, file=f"{name}_by_hand.py"),
    )
    cells.code("by-hand-function", "import numpy as np", "", "", inspect.getsource(mechanism).rstrip())
    cells.code("by-hand-check", f"comparison = notebook_views.check_by_hand({_q(name)}, {function})")


def _model(cells, name, lesson):
    factory = lesson.FACTORIES[0]
    cells.markdown(
        "model-heading",
        "## " + _("The model"),
        _("The lesson's first model factory, `{factory}`, with its default arguments. `summary()` lists its "
          "layers and how many weights each has.").format(factory=factory.__name__),
    )
    cells.code("model", f"model = {name}.FACTORIES[0]()  " + _comment(factory.__name__ + "()"), "model.summary()")


def _training(cells, name):
    cells.markdown(
        "training-heading",
        "## " + _("Training"),
        _("This trains every variant of the lesson with dlintro's callbacks, as `make lesson-{lesson}` does, "
          "writes the event files TensorBoard reads into `runs/` beside this notebook, checks the claim, and "
          "prints each variant's time, its final numbers and the verdict.").format(lesson=name),
    )
    cells.code(
        "training",
        f"config = {name}.Config()  " + _comment(_("the lesson's defaults; try another value, for example {example}")
                                                 .format(example=f"{name}.Config(seed=1)")),
        "if QUICK:",
        f"    config = {name}.QUICK",
        f'summary = runner.run_lesson({_q(name)}, config, runs_root="runs", lang=LANG)',
        'run_dir = summary["run_dir"]',
    )


def _views(cells, name, lesson):
    views = getattr(lesson, "VIEWS", ())
    cells.markdown(
        "views-heading",
        "## " + _("What the run shows"),
        _("The lesson's pictures and curves, read back from this run's event files: the same ones TensorBoard "
          "shows. A picture is the last one the run logged, unless its caption names another step."),
    )
    for number, view in enumerate(views, 1):
        cells.markdown(f"caption-{number}", _("**Figure {number}.** {caption}").format(number=number, caption=_(view.caption)))
        cells.code(f"view-{number}", f"notebook_views.show_view(run_dir, {_q(name)}, {_q(view.file)})")


def _checked(cells):
    cells.markdown(
        "text-heading",
        "## " + _("The lesson with your run's numbers"),
        _("The whole text of the lesson again, now with the numbers your run measured, then its claim and the "
          "verdict on it."),
    )
    cells.code("text", "notebook_views.show_lesson_text(summary)")
    cells.code("claim", "notebook_views.show_claim(summary)")


def _tensorboard(cells):
    cells.markdown(
        "tensorboard-heading",
        "## " + _("TensorBoard"),
        _("For those who want it: TensorBoard inside the notebook, on this run, served on 127.0.0.1 (this computer "
          "only): every picture, curve and histogram the run logged, and the lesson text in its Text tab. "
          "The cell does nothing when QUICK is set, so the tests start no server."),
    )
    cells.code(
        "tensorboard",
        "if not QUICK:",
        "    %load_ext tensorboard",
        "    %tensorboard --logdir {run_dir} --host 127.0.0.1",
    )


def _exercises(cells, name, lesson):
    found = exercises_of(lesson)
    if not found:
        return
    cells.markdown(
        "exercises-heading",
        "## " + _("Exercises"),
        _("Each exercise changes one or two hyperparameters. Write your prediction first, then run the exercise: "
          "its expected outcome is checked in numbers, as the lesson's claim is."),
    )
    for number, (key, exercise) in enumerate(found.items(), 1):
        cells.markdown(
            f"question-{number}",
            "### " + _("Exercise {number}: {name}").format(number=number, name=key),
            _("**Question.** {question}").format(question=_(exercise.question)),
            _("It changes {changes}.").format(changes=_changes(exercise.changes)),
            _("Write your prediction in the cell below, between the quotes, and run it; then run the exercise."),
        )
        cells.code(f"prediction-{number}", 'prediction = ""  ' + _comment(_("your prediction, before you run the next cell")))
        cells.code(
            f"exercise-{number}",
            f"task = exercises.find({name}, {_q(key)})",
            f"config = {name}.Config(**(task.quick if QUICK else {{}}))",
            f'exercise_summary = runner.run_lesson({_q(name)}, config, exercise={_q(key)}, runs_root="runs", lang=LANG)',
            "notebook_views.show_exercise(exercise_summary, prediction)",
        )


def _closing(cells, name, lang):
    index = lessons.NAMES.index(name)
    paragraphs = [_("Every run of this notebook is kept in `runs/` beside it; for a notebook opened with `make notebook`, "
                    "`make tensorboard RUNS=notebooks/mine/runs` shows the newest of each lesson.")]
    if index + 1 < len(lessons.NAMES):
        following = lessons.NAMES[index + 1]
        paragraphs.append(_("Next lesson: [{title}]({file})").format(
            title=_(lessons.load(following).TITLE), file=file_name(following, lang)))
    else:
        paragraphs.append(_("This was the course's last lesson."))
    cells.markdown("next", "## " + _("What next"), *paragraphs)


def expected(directory=DIRECTORY):
    """`{path: text}` of every notebook under `directory`, as they should be."""
    directory = Path(directory)
    return {directory / file_name(name, lang): render(name, lang) for name in lessons.NAMES for lang in i18n.LANGUAGES}


def write(directory=DIRECTORY):
    """Writes every notebook into `directory`; returns the paths of those it changed."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    changed = []
    for path, text in expected(directory).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale(directory=DIRECTORY):
    """The notebooks under `directory` that differ from what `write` would write, are missing, or
    are not one of the lessons' (a notebook left from a lesson renamed or removed)."""
    wanted = expected(directory)
    found = []
    for path, text in wanted.items():
        if not path.is_file():
            found.append((path, "missing"))
        elif path.read_text(encoding="utf-8") != text:
            found.append((path, "differs"))
    found += [(path, "stray") for path in sorted(Path(directory).glob("*.ipynb")) if path not in wanted]
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlintro.notebooks", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 naming every notebook that differs from what would be written")
    parser.add_argument("--dir", default=str(DIRECTORY), help="where the notebooks are (default: notebooks)")
    options = parser.parse_args(argv)
    if options.check:
        found = stale(options.dir)
        for path, why in found:
            print(f"{path}: {why} (make notebooks writes it anew)", file=sys.stderr)
        return 1 if found else 0
    changed = write(options.dir)
    print(f"wrote {len(changed)} of {len(lessons.NAMES) * len(i18n.LANGUAGES)} notebooks in {options.dir}/"
          + (": " + ", ".join(path.name for path in changed) if changed else " (all were up to date)"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
