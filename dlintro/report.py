"""One self-contained HTML page for the latest run of every lesson: `make report`.

For each lesson with a finished run under the runs directory, the page shows its explanation,
its claim, the verdict with the numbers behind it, the loss curves (training against
validation), the per-layer gradient norms, the lesson's other curves and the last picture of
each image tag. Everything is read back from the event files (`dlintro.events`) and
`summary.json`, never from memory, so building the page also checks that the logs are
complete: anything missing is listed in the page and on the console. Figures are PNGs embedded
as base64, so the file opens in any browser with no server.

Example:
    $ python -m dlintro.report --runs-dir runs --output runs/report.html
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

from dlintro import events, lessons  # noqa: E402
from dlintro.exercises import exercises_of  # noqa: E402
from dlintro.runs import latest_run, unfinished_runs  # noqa: E402

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
    axes.set_xlabel("passes over the training data")
    axes.set_ylabel("loss")
    axes.set_title("Loss: training (solid) and validation (dashed)")
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


def _small_multiples(count, columns=3, size=(3.6, 2.7)):
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
    figure, panels = _small_multiples(len(with_norms))
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
    figure.suptitle("Gradient norm per layer (input side dark, output side light)", fontsize=10)
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
    figure, panels = _small_multiples(len(shown))
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


def _verdict_html(summary):
    """The claim, the verdict and the numbers it rests on."""
    claim = summary["claim"]
    if claim["holds"] is None:
        state, word = "unchecked", f"Not checked: the run {summary['status']}."
    else:
        state, word = ("holds", "Holds.") if claim["holds"] else ("fails", "Does not hold.")
    rows = "".join(
        f"<tr><td>{html.escape(str(name))}</td><td>{html.escape(_number(value))}</td></tr>"
        for name, value in claim["numbers"].items()
    )
    numbers = f"<table class='numbers'><tr><th>measured</th><th>value</th></tr>{rows}</table>" if rows else ""
    return (
        f"<div class='verdict {state}'><p><b>Claim.</b> {html.escape(claim['statement'])}</p>"
        f"<p><b>{word}</b> {html.escape(claim['verdict'] or '')}</p>{numbers}</div>"
    )


def _number(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _variants_html(summary):
    """A table of the variants: status, seconds and final metrics, from summary.json."""
    metrics = summary["metric_names"]
    head = "".join(f"<th>{html.escape(m)}</th>" for m in ["variant", "status", "seconds", *metrics])
    rows = []
    for name, entry in summary["variants"].items():
        cells = [name, entry["status"], _number(entry.get("seconds", "-"))]
        cells += [_number(entry["metrics"].get(metric, "-")) for metric in metrics]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _exercises_html(name):
    """The lesson's exercises: name, question, and the command that runs each."""
    found = exercises_of(lessons.load(name))
    if not found:
        return ""
    items = "".join(
        f"<li><b>{html.escape(exercise.name)}</b>: {html.escape(exercise.question)} "
        f"<code>make lesson-{html.escape(name)} EXERCISE={html.escape(exercise.name)}</code></li>"
        for exercise in found.values()
    )
    return f"<h3>Exercises</h3><p>Predict, then run and see it checked:</p><ul>{items}</ul>"


def lesson_section(name, run_dir):
    """The HTML section of one lesson's run, and the problems found in its logs."""
    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    problems = []
    root = events.load_run(run_dir) if any(run_dir.glob("events.out.tfevents.*")) else None
    if root is not None and "lesson" in events.tags(root):
        _, texts = events.tensor_series(root, "lesson")
        text = texts[-1].item().decode()
        # The title is the section's heading; the verdict is shown from summary.json below.
        body = text.split("\n", 1)[1] if text.startswith("# ") else text
        body = body.split("\n## Claim", 1)[0]
        explanation = markdown.markdown(body, extensions=["tables"])
    else:
        problems.append("the lesson text (tag `lesson`) is missing from the event files")
        explanation = ""
    variants = [VariantLogs(run_dir / variant) for variant in summary["variants"]]
    for variant in variants:
        status = summary["variants"][variant.name]["status"]
        if not variant.found:
            problems.append(f"variant {variant.name} ({status}) has no log directory")
        elif status == "completed" and not variant.scalars:
            # Not every learner has a loss (Rosenblatt's rule, Hebb's rule), but every one logs curves.
            problems.append(f"variant {variant.name} has no curves in its event files")
    parts = [
        f"<section id='{html.escape(name)}'><h2>{html.escape(summary['title'])}</h2>",
        f"<p class='meta'>Run <code>{html.escape(str(run_dir))}</code>, started {html.escape(summary['started'])}, "
        f"status {html.escape(summary['status'])}. Hyperparameters: "
        + ", ".join(f"<code>{html.escape(k)}={html.escape(str(v))}</code>" for k, v in summary["config"].items())
        + "</p>",
        explanation,
        _verdict_html(summary),
        "<h3>Variants</h3>",
        _variants_html(summary),
        _exercises_html(name),
    ]
    loss = loss_figure(variants)
    if loss:
        parts += ["<h3>Loss curves</h3>", _img(loss, f"{name}: loss curves")]
    norms = gradient_norm_figure(variants)
    if norms:
        parts += ["<h3>Gradient norm per layer</h3>", _img(norms, f"{name}: gradient norms per layer")]
    others, left_out = other_curves_figure(variants)
    if others:
        parts += ["<h3>Other curves</h3>", _img(others, f"{name}: other curves")]
        if left_out:
            parts.append(f"<p class='meta'>Not drawn here (see TensorBoard): {html.escape(', '.join(left_out))}</p>")
    pictures = [
        f"<figure>{_img(png, f'{variant.name} {tag}')}<figcaption>{html.escape(variant.name)}<br>"
        f"<code>{html.escape(tag)}</code>, step {step}</figcaption></figure>"
        for variant in variants
        for tag, (step, png) in variant.images.items()
    ]
    if pictures:
        parts += ["<h3>Pictures (the last of each image tag)</h3>", f"<div class='pictures'>{''.join(pictures)}</div>"]
    if problems:
        items = "".join(f"<li>{html.escape(problem)}</li>" for problem in problems)
        parts.append(f"<div class='verdict fails'><b>Incomplete logs:</b><ul>{items}</ul></div>")
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
.pictures { display: flex; flex-wrap: wrap; gap: 1em; }
.pictures figure { margin: 0; width: 250px; font-size: 80%; }
.pictures img { width: 250px; image-rendering: pixelated; border: 1px solid #ddd; }
"""


def build_report(runs_root="runs", names=None):
    """The report's HTML, the lessons it covers and the problems found in their logs.

    Args:
        runs_root: the runs directory; the newest completed run of each lesson is used, and
            newer interrupted, diverged or failed runs are named, not shown.
        names: lessons to include (all registered lessons by default, in course order).

    Returns:
        `(html, covered lesson names, problems)`, problems as `"lesson: what"` strings.
    """
    sections, covered, problems, passed_over = [], [], [], []
    for name in names or lessons.NAMES:
        passed_over += [f"{run_dir} ({status})" for run_dir, status in unfinished_runs(runs_root, name)]
        run_dir = latest_run(runs_root, name)
        if run_dir is None:
            continue
        section, found = lesson_section(name, run_dir)
        sections.append(section)
        covered.append(name)
        problems += [f"{name}: {problem}" for problem in found]
    contents = "".join(f"<li><a href='#{name}'>{html.escape(name)}</a></li>" for name in covered)
    missing = [name for name in names or lessons.NAMES if name not in covered]
    note = (
        f"<p class='meta'>No completed run of: {html.escape(', '.join(missing))} (make lesson-NAME).</p>"
        if missing else ""
    )
    if passed_over:
        note += (
            "<p class='meta'>Newer runs that did not complete, passed over: "
            f"{html.escape(', '.join(passed_over))}.</p>"
        )
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>dlintro report</title>"
        f"<style>{STYLE}</style></head><body><h1>dlintro: what the lessons showed</h1>"
        f"<p class='meta'>Built {stamp} from the event files and summary.json under "
        f"<code>{html.escape(str(runs_root))}</code>; the newest completed run of each lesson.</p>"
        f"<ul>{contents}</ul>{note}{''.join(sections)}</body></html>"
    )
    return page, covered, problems


def write_report(runs_root="runs", output=None, names=None):
    """Writes the report (default `runs_root/report.html`); returns (path, covered lessons, problems).

    Nothing is written when no lesson has a finished run.
    """
    page, covered, problems = build_report(runs_root, names)
    path = Path(output) if output else Path(runs_root) / "report.html"
    if covered:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    return path, covered, problems


def main(argv=None):
    """`python -m dlintro.report [--runs-dir DIR] [--output FILE]`; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m dlintro.report", description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir", default="runs", help="where the lessons' runs are (default: runs)")
    parser.add_argument("--output", help="the HTML file to write (default: RUNS_DIR/report.html)")
    options = parser.parse_args(argv)
    path, covered, problems = write_report(options.runs_dir, options.output)
    if not covered:
        print(f"dlintro.report: no completed lesson runs under {options.runs_dir}/; run make lesson-xor first",
              file=sys.stderr)
        return 1
    for problem in problems:
        print(f"dlintro.report: incomplete logs: {problem}", file=sys.stderr)
    print(path)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
