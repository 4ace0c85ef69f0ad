"""One self-contained HTML page for the latest run of every lesson: `make report`.

For each lesson with a finished run under the runs directory, the page shows its explanation,
its claim, the verdict with the numbers behind it, the loss curves (training against
validation), the per-layer gradient norms, the lesson's other curves and the last picture of
each image tag. Everything is read back from the event files (`dlintro.events`) and
`summary.json`, never from memory, so building the page also checks that the logs are
complete: anything missing is listed in the page and on the console. Figures are PNGs embedded
as base64, so the file opens in any browser with no server.

The page is in one language (`--lang en|ko`, by default the locale's; `dlintro.i18n`): its
headings, captions, chart labels, table headers and notes, and each lesson's text, claim and
verdict, which a run keeps in every language (`summary.json`'s `translations`; an older run
only in its own). Run names, variant names, tags and hyperparameters stay as they are.

Example:
    $ python -m dlintro.report --runs-dir runs --output runs/report.html --lang ko
"""

import argparse
import base64
import datetime
import html
import io
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the event reader imports TensorFlow

import markdown  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")  # no display: figures are only rendered to PNG bytes

from matplotlib.figure import Figure  # noqa: E402

from dlintro import events, fonts, i18n, lessons, runner  # noqa: E402
from dlintro.exercises import exercises_of  # noqa: E402
from dlintro.i18n import _  # noqa: E402
from dlintro.runs import latest_run, status_word, unfinished_runs  # noqa: E402

fonts.use()  # Hangul in the charts

# Per-layer probe statistics: drawn as the gradient-norm chart, or left to TensorBoard.
PER_LAYER_PREFIXES = ("gradient_norm/", "activation_mean/", "activation_std/", "saturated_share/", "dead_share/")
# Scalars that say nothing about the lesson (the constant learning rate) or are drawn elsewhere.
SKIPPED_SCALARS = {"epoch_loss", "epoch_learning_rate"}
MAX_OTHER_CURVES = 12


def variant_colors(count):
    """One distinct colour per variant: Matplotlib's ten, or twenty when there are more."""
    palette = matplotlib.colormaps["tab10" if count <= 10 else "tab20"]
    return [palette(index % palette.N) for index in range(count)]


class VariantLogs:
    """The scalars and last images of one variant, read from its run directory and sub-runs."""

    def __init__(self, log_dir):
        self.name = Path(log_dir).name
        self.found = Path(log_dir).is_dir()
        # {sub-run ("" for the variant's own directory, "train", "validation"): {tag: (steps, values)}}
        self.scalars = {}
        self.images = {}  # {tag: (step, PNG bytes)} of the last picture of each image tag
        if not self.found:
            return
        for directory in (Path(log_dir), *sorted(p for p in Path(log_dir).iterdir() if p.is_dir())):
            if not any(directory.glob("events.out.tfevents.*")):
                continue
            run = events.load_run(directory)
            sub_run = "" if directory == Path(log_dir) else directory.name
            for tag in sorted(events.tags(run)):
                plugin = events.plugin_of(run, tag)
                if plugin == "scalars":
                    self.scalars.setdefault(sub_run, {})[tag] = events.scalar_series(run, tag)
                elif plugin == "images":
                    steps, arrays = events.tensor_series(run, tag)
                    if steps:
                        # An image summary holds [width, height, PNG, PNG...]; keep the last PNG.
                        self.images[tag if not sub_run else f"{sub_run}/{tag}"] = (steps[-1], arrays[-1][-1])

    def loss_curves(self):
        """`{label: (steps, values)}`: Keras's training and validation losses, or any loss the lesson logged."""
        curves = {sub_run: tags["epoch_loss"] for sub_run, tags in self.scalars.items() if "epoch_loss" in tags}
        if not curves:
            curves = {
                tag: series for tag, series in self.scalars.get("", {}).items()
                if "loss" in tag.rsplit("/", 1)[-1]
            }
        return curves

    def gradient_norms(self):
        """`{layer: (steps, values)}` from the `gradient_norm/<layer>` tags, input side first."""
        own = self.scalars.get("", {})
        layers = sorted((tag.split("/", 1)[1] for tag in own if tag.startswith("gradient_norm/")),
                        key=lambda layer: (layer == "output", layer))
        return {layer: own[f"gradient_norm/{layer}"] for layer in layers}

    def other_curves(self):
        """`{tag (with its sub-run): (steps, values)}` of the remaining scalars."""
        curves = {}
        for sub_run, tags in self.scalars.items():
            for tag, series in tags.items():
                if tag in SKIPPED_SCALARS or tag.startswith(PER_LAYER_PREFIXES) or "loss" in tag.rsplit("/", 1)[-1]:
                    continue
                curves[f"{sub_run}/{tag}" if sub_run else tag] = series
        return curves


def figure_png(figure):
    """The PNG bytes of a Matplotlib figure."""
    fonts.use()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def _log_scale_if_wide(axes, values):
    """Switches the y axis to a log scale when positive values span more than two decades."""
    flat = [v for series in values for v in series if v > 0]
    if flat and len(flat) == sum(len(series) for series in values) and max(flat) / min(flat) > 100:
        axes.set_yscale("log")


def loss_figure(variants):
    """Every variant's loss over training: solid for training, dashed for validation."""
    figure = Figure(figsize=(8, 4.2))
    axes = figure.add_subplot()
    plotted = []
    colors = variant_colors(len(variants))
    for index, variant in enumerate(variants):
        for label, (steps, values) in variant.loss_curves().items():
            style = "--" if "validation" in label else "-"
            axes.plot(steps, values, style, color=colors[index], label=f"{variant.name} {label}".strip())
            plotted.append(values)
    if not plotted:
        return None
    _log_scale_if_wide(axes, plotted)
    axes.set_xlabel(_("passes over the training data"))
    axes.set_ylabel(_("loss"))
    axes.set_title(_("Loss: training (solid) and validation (dashed)"))
    axes.grid(alpha=0.3)
    _legend_below(figure, [axes])
    return figure_png(figure)


def _legend_below(figure, panels, columns=4):
    """One legend for all `panels`, below them, then a tight layout that leaves it room."""
    entries = {}
    for axes in panels:
        for handle, label in zip(*axes.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    rows = -(-len(entries) // columns)
    room = min(0.5, (0.22 * rows + 0.1) / figure.get_figheight())  # a legend row is about 0.22 inch
    figure.legend(entries.values(), entries.keys(), loc="lower center", ncol=columns, fontsize=7, frameon=False)
    figure.tight_layout(rect=(0, room, 1, 1))


def small_multiples(count, columns=3, size=(3.6, 2.7)):
    """A figure with `count` sub-plots in rows of `columns`; returns (figure, axes list)."""
    columns = min(columns, count)
    rows = -(-count // columns)
    figure = Figure(figsize=(size[0] * columns, size[1] * rows))
    return figure, [figure.add_subplot(rows, columns, index + 1) for index in range(count)]


def gradient_norm_figure(variants):
    """One panel per variant: each layer's gradient norm over training, on a log axis."""
    with_norms = [(variant, variant.gradient_norms()) for variant in variants if variant.gradient_norms()]
    if not with_norms:
        return None
    figure, panels = small_multiples(len(with_norms))
    cmap = matplotlib.colormaps["viridis"]
    for axes, (variant, norms) in zip(panels, with_norms):
        for index, (layer, (steps, values)) in enumerate(norms.items()):
            color = cmap(index / max(1, len(norms) - 1))
            axes.plot(steps, [max(v, 1e-30) for v in values], color=color, label=layer)
        axes.set_yscale("log")
        axes.set_title(variant.name, fontsize=9)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=6, ncol=2)
    figure.suptitle(_("Gradient norm per layer (input side dark, output side light)"), fontsize=10)
    figure.tight_layout()
    return figure_png(figure)


def other_curves_figure(variants):
    """One panel per remaining scalar tag, one line per variant."""
    by_tag = {}
    for index, variant in enumerate(variants):
        for tag, series in variant.other_curves().items():
            by_tag.setdefault(tag, []).append((index, variant.name, series))
    if not by_tag:
        return None, []
    shown = sorted(by_tag)[:MAX_OTHER_CURVES]
    colors = variant_colors(len(variants))
    figure, panels = small_multiples(len(shown))
    for axes, tag in zip(panels, shown):
        for index, name, (steps, values) in by_tag[tag]:
            axes.plot(steps, values, "o-" if len(steps) < 3 else "-", markersize=3,
                      color=colors[index], label=name)
        axes.set_title(tag, fontsize=9)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
    _legend_below(figure, panels)
    return figure_png(figure), sorted(by_tag)[MAX_OTHER_CURVES:]


def _img(png, alt):
    """An <img> element holding `png` inline."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def words_of(summary, lang):
    """The run's title, claim, verdict and text numbers in language `lang`.

    A run keeps them in every language (`summary["translations"]`); an older run has them only
    in its own, at the top level of its summary, and they are shown as they are.
    """
    found = summary.get("translations", {}).get(lang)
    if found is not None:
        return found
    return {"title": summary["title"], "claim": summary["claim"]["statement"], "verdict": summary["claim"]["verdict"],
            "text_numbers": summary.get("text_numbers") or {}}


def _verdict_html(summary, words):
    """The claim, the verdict and the numbers it rests on (`words`: the run's texts, `words_of`)."""
    claim = summary["claim"]
    if claim["holds"] is None:
        state, word = "unchecked", _("Not checked: the run {status}.").format(status=status_word(summary["status"]))
    else:
        state, word = ("holds", _("Holds.")) if claim["holds"] else ("fails", _("Does not hold."))
    rows = "".join(
        f"<tr><td>{html.escape(str(name))}</td><td>{html.escape(_number(value))}</td></tr>"
        for name, value in claim["numbers"].items()
    )
    head = f"<tr><th>{html.escape(_('measured'))}</th><th>{html.escape(_('value'))}</th></tr>"
    numbers = f"<table class='numbers'>{head}{rows}</table>" if rows else ""
    return (
        f"<div class='verdict {state}'><p><b>{html.escape(_('Claim.'))}</b> {html.escape(words['claim'])}</p>"
        f"<p><b>{html.escape(word)}</b> {html.escape(words['verdict'] or '')}</p>{numbers}</div>"
    )


def _number(value):
    if value is None:  # a number the run did not produce
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _variants_html(summary):
    """A table of the variants: status, seconds and final metrics, from summary.json."""
    metrics = summary["metric_names"]
    head = "".join(f"<th>{html.escape(m)}</th>" for m in [_("variant"), _("status"), _("seconds"), *metrics])
    rows = []
    for name, entry in summary["variants"].items():
        cells = [name, status_word(entry["status"]), _number(entry.get("seconds", "-"))]
        cells += [_number(entry["metrics"].get(metric, "-")) for metric in metrics]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _exercises_html(name):
    """The lesson's exercises: name, question, and the command that runs each."""
    found = exercises_of(lessons.load(name))
    if not found:
        return ""
    items = "".join(
        f"<li><b>{html.escape(exercise.name)}</b>: {html.escape(_(exercise.question))} "
        f"<code>make lesson-{html.escape(name)} EXERCISE={html.escape(exercise.name)}</code></li>"
        for exercise in found.values()
    )
    return (f"<h3>{html.escape(_('Exercises'))}</h3><p>{html.escape(_('Predict, then run and see it checked:'))}</p>"
            f"<ul>{items}</ul>")


def _sentence(message, **values):
    """`message` (already translated) HTML-escaped, its placeholders filled with ready HTML."""
    return html.escape(message).format(**values)


def _code(text):
    return f"<code>{html.escape(str(text))}</code>"


def _lesson_markdown(name, run_dir, summary, root, lang):
    """The lesson's four parts as the run's Text tab shows them, in language `lang`.

    In the run's own language, read back from the run's `lesson` text tag (`root`: the run's
    events, or None when it has none); in another, made from the lesson's text and the run's
    numbers in that language (`dlintro.runner.lesson_markdown`).
    """
    if summary.get("language", i18n.SOURCE) == lang and root is not None and "lesson" in events.tags(root):
        unused, tensors = events.tensor_series(root, "lesson")
        return tensors[-1].item().decode()
    return runner.lesson_markdown(lessons.load(name), summary, lang)


def lesson_section(name, run_dir, lang=None):
    """The HTML section of one lesson's run in language `lang` (default: the current one), and
    the problems found in its logs."""
    lang = lang or i18n.current()
    with i18n.language(lang):
        return _lesson_section(name, Path(run_dir), lang)


def _lesson_section(name, run_dir, lang):
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    words = words_of(summary, lang)
    problems = []
    root = events.load_run(run_dir) if any(run_dir.glob("events.out.tfevents.*")) else None
    if root is None or "lesson" not in events.tags(root):
        problems.append(_("the lesson text (tag `lesson`) is missing from the event files"))
        explanation = ""
    else:
        text = _lesson_markdown(name, run_dir, summary, root, lang)
        # The title is the section's heading; the verdict is shown from summary.json below.
        body = text.split("\n", 1)[1] if text.startswith("# ") else text
        body = body.split("\n" + i18n.translate("## Claim", lang), 1)[0]
        explanation = markdown.markdown(body, extensions=["tables"])
    variants = [VariantLogs(run_dir / variant) for variant in summary["variants"]]
    for variant in variants:
        status = summary["variants"][variant.name]["status"]
        if not variant.found:
            problems.append(_("variant {variant} ({status}) has no log directory").format(
                variant=variant.name, status=status_word(status)))
        elif status == "completed" and not variant.scalars:
            # Not every learner has a loss (Rosenblatt's rule, Hebb's rule), but every one logs curves.
            problems.append(_("variant {variant} has no curves in its event files").format(variant=variant.name))
    hyperparameters = ", ".join(_code(f"{key}={value}") for key, value in summary["config"].items())
    parts = [
        f"<section id='{html.escape(name)}'><h2>{html.escape(words['title'])}</h2>",
        "<p class='meta'>" + _sentence(
            _("Run {run_dir}, started {started}, status {status}. Hyperparameters: {hyperparameters}"),
            run_dir=_code(run_dir), started=html.escape(summary["started"]),
            status=html.escape(status_word(summary["status"])), hyperparameters=hyperparameters) + "</p>",
        explanation,
        _verdict_html(summary, words),
        f"<h3>{html.escape(_('Variants'))}</h3>",
        _variants_html(summary),
        _exercises_html(name),
    ]
    loss = loss_figure(variants)
    if loss:
        parts += [f"<h3>{html.escape(_('Loss curves'))}</h3>", _img(loss, _("{lesson}: loss curves").format(lesson=name))]
    norms = gradient_norm_figure(variants)
    if norms:
        parts += [f"<h3>{html.escape(_('Gradient norm per layer'))}</h3>",
                  _img(norms, _("{lesson}: gradient norms per layer").format(lesson=name))]
    others, left_out = other_curves_figure(variants)
    if others:
        parts += [f"<h3>{html.escape(_('Other curves'))}</h3>", _img(others, _("{lesson}: other curves").format(lesson=name))]
        if left_out:
            parts.append("<p class='meta'>" + _sentence(_("Not drawn here (see TensorBoard): {tags}"),
                                                         tags=html.escape(", ".join(left_out))) + "</p>")
    pictures = [
        f"<figure>{_img(png, f'{variant.name} {tag}')}<figcaption>{html.escape(variant.name)}<br>"
        + _sentence(_("{name}, step {step}"), name=_code(tag), step=step) + "</figcaption></figure>"
        for variant in variants
        for tag, (step, png) in variant.images.items()
    ]
    if pictures:
        parts += [f"<h3>{html.escape(_('Pictures (the last of each image tag)'))}</h3>",
                  f"<div class='pictures'>{''.join(pictures)}</div>"]
    if problems:
        items = "".join(f"<li>{html.escape(problem)}</li>" for problem in problems)
        parts.append(f"<div class='verdict fails'><b>{html.escape(_('Incomplete logs:'))}</b><ul>{items}</ul></div>")
    parts.append("</section>")
    return "\n".join(parts), problems


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h2 { border-bottom: 2px solid #f57c00; padding-bottom: .2em; margin-top: 2.5em; }
code { background: #f3f3f3; padding: 0 .2em; }
table { border-collapse: collapse; margin: .5em 0; font-size: 90%; }
td, th { border: 1px solid #ccc; padding: .2em .5em; text-align: left; }
.meta { color: #666; font-size: 85%; }
.verdict { padding: .5em 1em; border-left: 6px solid #999; background: #fafafa; margin: 1em 0; }
.verdict.holds { border-color: #2e7d32; } .verdict.fails { border-color: #c62828; }
img { max-width: 100%; }
:lang(ko) { word-break: keep-all; }  /* Korean breaks lines between words, not inside them */
.pictures { display: flex; flex-wrap: wrap; gap: 1em; }
.pictures figure { margin: 0; width: 250px; font-size: 80%; }
.pictures img { width: 250px; image-rendering: pixelated; border: 1px solid #ddd; }
"""


def build_report(runs_root="runs", names=None, lang=None):
    """The report's HTML, the lessons it covers and the problems found in their logs.

    Args:
        runs_root: the runs directory; the newest completed run of each lesson is used, and
            newer interrupted, diverged or failed runs are named, not shown.
        names: lessons to include (all registered lessons by default, in course order).
        lang: the page's language (`dlintro.i18n.LANGUAGES`); by default the current one.

    Returns:
        `(html, covered lesson names, problems)`, problems as `"lesson: what"` strings, in `lang`.

    Raises:
        UnknownLanguageError: for a language the course is not written in.
    """
    lang = i18n.check_language(lang or i18n.current())
    with i18n.language(lang):
        return _build_report(runs_root, names, lang)


def _build_report(runs_root, names, lang):
    sections, covered, problems, passed_over = [], [], [], []
    for name in names or lessons.NAMES:
        passed_over += [f"{run_dir} ({status_word(status)})" for run_dir, status in unfinished_runs(runs_root, name)]
        run_dir = latest_run(runs_root, name)
        if run_dir is None:
            continue
        section, found = lesson_section(name, run_dir, lang)
        sections.append(section)
        covered.append(name)
        problems += [f"{name}: {problem}" for problem in found]
    contents = "".join(f"<li><a href='#{name}'>{html.escape(name)}</a></li>" for name in covered)
    missing = [name for name in names or lessons.NAMES if name not in covered]
    note = (
        "<p class='meta'>" + _sentence(_("No completed run of: {lessons} (make lesson-NAME)."),
                                       lessons=html.escape(", ".join(missing))) + "</p>"
        if missing else ""
    )
    if passed_over:
        note += "<p class='meta'>" + _sentence(_("Newer runs that did not complete, passed over: {runs}."),
                                               runs=html.escape(", ".join(passed_over))) + "</p>"
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    built = _sentence(_("Built {stamp} from the event files and summary.json under {runs_dir}; "
                        "the newest completed run of each lesson."), stamp=stamp, runs_dir=_code(runs_root))
    page = (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(_('dlintro report'))}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(_('dlintro: what the lessons showed'))}</h1>"
        f"<p class='meta'>{built}</p>"
        f"<ul>{contents}</ul>{note}{''.join(sections)}</body></html>"
    )
    return page, covered, problems


def write_report(runs_root="runs", output=None, names=None, lang=None):
    """Writes the report (default `runs_root/report.html`); returns (path, covered lessons, problems).

    Nothing is written when no lesson has a finished run. `lang` as for `build_report`.
    """
    page, covered, problems = build_report(runs_root, names, lang)
    path = Path(output) if output else Path(runs_root) / "report.html"
    if covered:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    return path, covered, problems


def _language_asked(argv):
    """The value of `--lang` in `argv` (None when not given), before the full parse: the help
    and the errors are shown in it."""
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--lang")
    known, unused = first.parse_known_args(argv)
    return known.lang


def main(argv=None):
    """`python -m dlintro.report [--runs-dir DIR] [--output FILE] [--lang en|ko]`; returns the exit code.

    An unknown language is bad input: one line on stderr, exit code 2, nothing written.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        lang = i18n.check_language(_language_asked(argv) or i18n.current())
    except i18n.UnknownLanguageError as error:
        print(f"dlintro.report: {error}", file=sys.stderr)
        return 2
    with i18n.language(lang):
        parser = argparse.ArgumentParser(
            prog="python -m dlintro.report",
            description=_("One self-contained HTML page for the latest run of every lesson."))
        parser.add_argument("--runs-dir", default="runs", help=_("where the lessons' runs are (default: runs)"))
        parser.add_argument("--output", help=_("the HTML file to write (default: RUNS_DIR/report.html)"))
        parser.add_argument("--lang", help=_("the page's language, en or ko (default: the locale's)"))
        options = parser.parse_args(argv)
        path, covered, problems = write_report(options.runs_dir, options.output, lang=lang)
        if not covered:
            print(_("dlintro.report: no completed lesson runs under {runs_dir}/; run make lesson-xor first").format(
                runs_dir=options.runs_dir), file=sys.stderr)
            return 1
        for problem in problems:
            print(_("dlintro.report: incomplete logs: {problem}").format(problem=problem), file=sys.stderr)
        print(path)
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
