"""What the lesson notebooks (`notebooks/<lesson>.<lang>.ipynb`, `dlintro.notebooks`) call.

A notebook trains its lesson with `dlintro.runner.run_lesson`, like `make lesson-NAME`; this
module then draws the lesson's `VIEWS` inline with Matplotlib, read back from the run's own
event files (`dlintro.events`), as TensorBoard shows them: for an image tag, the last picture
(or the one at the view's `image_step`) of every matching run, the variant named above it; for
a scalar tag, one curve per run with a legend (a log axis when the values span orders of
magnitude); for a histogram tag, the last histogram of every run. It also checks the learner's
by-hand function against the framework (`check_by_hand`), and shows the lesson text with the
run's numbers, the claim with its verdict, and an exercise's outcome beside the learner's
prediction. Every word is in the current language (`dlintro.i18n`; the notebook sets it).

Example (in a notebook):
    >>> summary = runner.run_lesson("xor", xor.QUICK, runs_root="runs", lang="ko")
    >>> notebook_views.show_view(summary["run_dir"], "xor", "xor-accuracy")
"""

import functools
import io
import logging
import os
import re
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the event reader imports TensorFlow

import matplotlib  # noqa: E402
import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlintro import events, fonts, lessons, runner, texts  # noqa: E402
from dlintro.i18n import _  # noqa: E402
from dlintro.report import small_multiples  # noqa: E402
from dlintro.runs import status_word  # noqa: E402

DPI = 100
MAX_WIDTH = 15.0  # inches: the widest figure a notebook shows without scrolling
WIDE_RANGE = 100  # positive values spanning more than this ratio are drawn on a log axis


def quiet():
    """Keeps TensorFlow's and Keras's warnings (retracing, start-up) out of the notebook."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # pragma: no cover - absl comes with TensorFlow
        pass


def _display(item):
    """Shows `item` (a Markdown text, or PNG bytes) in the notebook; prints it elsewhere."""
    try:
        from IPython.display import Image, Markdown, display
    except ImportError:  # pragma: no cover - only outside Jupyter
        print(item if isinstance(item, str) else f"<PNG, {len(item)} bytes>")
        return
    display(Markdown(item) if isinstance(item, str) else Image(data=item, format="png"))


def figure_png(figure):
    """The PNG bytes of a bare Matplotlib figure (no pyplot, so no global state)."""
    fonts.use()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


# The by-hand cell.
def check_by_hand(lesson, function, seed=0):
    """Checks `function` (the learner's copy of the lesson's by-hand mechanism, maybe changed)
    against the framework with the by-hand module's `compare`, prints the result and returns it.

    While `compare` runs, the module's mechanism is replaced by `function`, so a change the
    learner makes shows in the largest difference.
    """
    comparison = compare_with(lesson, function, seed=seed)
    print(_("Compared: {what}").format(what=comparison.describe()))
    print(_("Largest difference: {difference:.1e}").format(difference=comparison.largest_difference))
    print(_("Tolerance: {tolerance:.0e}").format(tolerance=comparison.tolerance))
    print(_("Holds: the two computations agree within the tolerance.") if comparison.holds
          else _("Does not hold: the two computations differ by more than the tolerance."))
    return comparison


def compare_with(lesson, function, seed=0):
    """The by-hand module's `compare(seed)` with its mechanism replaced by `function` meanwhile."""
    from dlintro.lessons import by_hand

    module = by_hand.load(lesson)
    name = module.FUNCTION.__name__
    saved = getattr(module, name), module.FUNCTION
    setattr(module, name, function)
    module.FUNCTION = function
    try:
        return module.compare(seed=seed)
    finally:
        setattr(module, name, saved[0])
        module.FUNCTION = saved[1]


# Reading the run back.
@functools.lru_cache(maxsize=256)
def _load(directory):
    """The loaded event files of one directory (a finished run's files do not change)."""
    return events.load_run(directory)


def sub_runs(run_dir):
    """Every directory under `run_dir` with event files, by its name relative to `run_dir`
    (`xor-one_layer`, `xor-one_layer/train`; `.` for `run_dir` itself), sorted by name."""
    run_dir = Path(run_dir)
    found = {path.parent for path in run_dir.rglob("events.out.tfevents.*")}
    return {directory.relative_to(run_dir).as_posix(): directory for directory in sorted(found)}


def matching(run_dir, view):
    """`[(run name, tag, plugin, loaded run)]` for every tag of every run the view selects: its
    `run_filter` matched from the start of the run's name, its `tag_filter` searched in the tag,
    as TensorBoard's filter boxes do."""
    run_filter = re.compile(f"(?:{view.run_filter or '.*'})")
    tag_filter = re.compile(view.tag_filter or ".*")
    found = []
    for name, directory in sub_runs(run_dir).items():
        if not run_filter.match(name):
            continue
        run = _load(str(directory))
        for tag in sorted(events.tags(run)):
            if tag_filter.search(tag):
                found.append((name, tag, events.plugin_of(run, tag), run))
    return found


def _chosen_index(count, image_step):
    """The log point a view shows: `image_step` (0 = untrained) if the run has it, else the last."""
    if image_step is not None and 0 <= image_step < count:
        return image_step
    return count - 1


# Drawing the views.
def show_view(run_dir, lesson, file):
    """Draws view `file` of lesson `lesson` (one of its `VIEWS`) from the run in `run_dir`."""
    (view,) = [view for view in getattr(lessons.load(lesson), "VIEWS", ()) if view.file == file]
    for png in view_pictures(run_dir, view):
        _display(png)


def view_pictures(run_dir, view):
    """The view drawn as PNGs: one figure of images, one of scalar curves, one of histograms,
    as the tags it selects have them (an empty list, after saying so, when it selects none)."""
    found = matching(run_dir, view)
    by_plugin = {}
    for name, tag, plugin, run in found:
        by_plugin.setdefault(plugin, []).append((name, tag, run))
    drawn = []
    if "images" in by_plugin:
        drawn.append(images_figure(by_plugin["images"], view.image_step))
    if "scalars" in by_plugin:
        drawn.append(scalars_figure(by_plugin["scalars"], log_y=view.log_y))
    if "histograms" in by_plugin:
        drawn.append(histograms_figure(by_plugin["histograms"]))
    drawn = [png for png in drawn if png is not None]
    if not drawn:
        print(_("Nothing to draw: no run in {run_dir} has a tag that matches {tags}.").format(
            run_dir=run_dir, tags=view.tag_filter))
    return drawn


def _decoded(png):
    return matplotlib.image.imread(io.BytesIO(png), format="png")


def images_figure(entries, image_step=None):
    """One panel per run and image tag: its last picture (or the one at `image_step`), with the
    variant, the tag and the step in its title."""
    pictures = []
    for name, tag, run in entries:
        steps, arrays = events.tensor_series(run, tag)
        if not steps:
            continue
        index = _chosen_index(len(steps), image_step)
        # An image summary holds [width, height, PNG, PNG...]: the first PNG is the picture.
        pictures.append((name, tag, steps[index], _decoded(arrays[index][2])))
    if not pictures:
        return None
    widest = max(picture.shape[1] for *unused, picture in pictures)
    columns = max(1, min(len(pictures), int(1400 // max(widest, 1)) or 1, 3))
    rows = -(-len(pictures) // columns)
    panel_width = min(MAX_WIDTH / columns, widest / DPI)
    tallest = max(picture.shape[0] / picture.shape[1] for *unused, picture in pictures)
    figure = Figure(figsize=(panel_width * columns, (panel_width * tallest + 0.45) * rows))
    for index, (name, tag, step, picture) in enumerate(pictures):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow(picture, interpolation="antialiased")
        axes.set_axis_off()
        axes.set_title(_("{variant}: {tag} at step {step}").format(variant=name, tag=tag, step=step), fontsize=9)
    figure.tight_layout(pad=0.4)
    return figure_png(figure)


def _wide(values):
    """True when every value is positive and they span more than `WIDE_RANGE`."""
    flat = np.concatenate([np.asarray(v, dtype=float).ravel() for v in values]) if values else np.array([])
    return bool(flat.size and np.all(flat > 0) and flat.max() / flat.min() > WIDE_RANGE)


def _colors(count):
    palette = matplotlib.colormaps["tab10" if count <= 10 else "tab20"]
    return [palette(index % palette.N) for index in range(count)]


def _legend(axes, count):
    if count > 3:  # beside the panel, not over the curves
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        axes.legend(fontsize=8)


def scalars_figure(entries, log_y=False):
    """One panel per scalar tag, one curve per run, a legend naming the runs."""
    by_tag = {}
    for name, tag, run in entries:
        by_tag.setdefault(tag, []).append((name, events.scalar_series(run, tag)))
    figure, panels = small_multiples(len(by_tag), columns=2, size=(7.0, 3.8))
    for axes, (tag, curves) in zip(panels, by_tag.items()):
        colors = _colors(len(curves))
        for color, (name, (steps, values)) in zip(colors, curves):
            axes.plot(steps, values, "o-" if len(steps) < 3 else "-", markersize=4, color=color, label=name)
        if log_y or _wide([values for unused, (unused_steps, values) in curves]):
            axes.set_yscale("log")
        axes.set_title(tag, fontsize=10)
        axes.set_xlabel(_("step"))
        axes.grid(alpha=0.3)
        _legend(axes, len(curves))
    figure.tight_layout()
    return figure_png(figure)


def histograms_figure(entries):
    """One panel per histogram tag: every run's histogram at its last log point."""
    by_tag = {}
    for name, tag, run in entries:
        steps, arrays = events.tensor_series(run, tag)
        if steps and np.asarray(arrays[-1]).size:
            by_tag.setdefault(tag, []).append((name, steps[-1], np.asarray(arrays[-1], dtype=float)))
    if not by_tag:
        return None
    figure, panels = small_multiples(len(by_tag), columns=2, size=(7.0, 3.8))
    for axes, (tag, histograms) in zip(panels, by_tag.items()):
        for color, (name, step, buckets) in zip(_colors(len(histograms)), histograms):
            edges = np.append(buckets[:, 0], buckets[-1, 1])
            if np.all(np.diff(edges) > 0):
                axes.stairs(buckets[:, 2], edges, color=color, label=name)
            else:  # buckets of one value each: a bar at that value
                axes.plot(buckets[:, 0], buckets[:, 2], "o", color=color, label=name)
        last = max(step for unused, step, unused_buckets in histograms)
        axes.set_title(_("{tag} at step {step}").format(tag=tag, step=last), fontsize=10)
        axes.set_xlabel(_("value"))
        axes.set_ylabel(_("count"))
        axes.grid(alpha=0.3)
        _legend(axes, len(histograms))
    figure.tight_layout()
    return figure_png(figure)


# The texts of a run.
def lesson_text(summary):
    """The lesson's text (all four parts) with the run's own numbers, in the current language."""
    words = runner.translated(summary)
    note = ""
    if summary["status"] != "completed":
        note = _("*This run {status} before its numbers were measured: they are shown as {missing}.*").format(
            status=status_word(summary["status"]), missing=texts.MISSING) + "\n\n"
    return note + texts.lesson_markdown(summary["lesson"], words["text_numbers"], missing=texts.MISSING,
                                        heading_level=3)


def show_lesson_text(summary):
    """Shows `lesson_text(summary)`."""
    _display(lesson_text(summary))


def _outcome(summary):
    """Whether the claim (or the exercise's expected outcome) held, in one bold sentence."""
    holds = summary["claim"]["holds"]
    if holds is None:
        return _("**Not checked:** the run {status}, so its outcome was not measured.").format(
            status=status_word(summary["status"]))
    return _("**Checked: it holds.**") if holds else _("**Checked: it does not hold.**")


def _verdict(summary, words):
    if summary["claim"]["holds"] is None:
        return _outcome(summary)
    return _outcome(summary) + " " + words["verdict"]


def claim_text(summary):
    """The lesson's claim and the run's verdict on it, as Markdown."""
    words = runner.translated(summary)
    return _("**Claim.** {claim}").format(claim=words["claim"]) + "\n\n" + _verdict(summary, words)


def show_claim(summary):
    """Shows `claim_text(summary)`."""
    _display(claim_text(summary))


def exercise_text(summary, prediction=""):
    """The learner's prediction beside the exercise's expected outcome and whether it held, as
    Markdown (the run's console report above it gives the numbers and the explanation)."""
    words = runner.translated(summary)
    asked = words.get("exercise") or summary["exercise"]
    prediction = str(prediction).strip()
    lines = [
        _("**Your prediction:** {prediction}").format(prediction=prediction) if prediction
        else _("**Your prediction:** none written. Predicting first is what makes the exercise teach."),
        _("**Expected:** {expected}").format(expected=asked["expected"]),
        _outcome(summary),
    ]
    return "\n\n".join(lines)


def show_exercise(summary, prediction=""):
    """Shows `exercise_text(summary, prediction)`."""
    _display(exercise_text(summary, prediction))
