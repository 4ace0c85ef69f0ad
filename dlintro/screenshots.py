"""`make screenshots`: the TensorBoard views that tell each lesson's story, saved as PNGs.

Every lesson is trained with its default config into a temporary directory (into `--runs-dir`
when given, which is kept; with `--reuse`, the latest run already there is used instead of
training), one real TensorBoard serves them all, and
headless Chromium opens each view listed in `SHOTS` (a dashboard with a tag filter and a run
filter in its URL) and saves it to `docs/screenshots/<file>.png`. Lessons that are not
registered in `dlintro.lessons.NAMES` yet, or that have no views listed, are skipped with a
message.

Example:
    $ python -m dlintro.screenshots                     # train everything, then shoot
    $ python -m dlintro.screenshots --lessons xor --runs-dir runs --reuse
"""

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from dlintro import board, lessons
from dlintro.runs import latest_run

OUTPUT = Path("docs/screenshots")


@dataclasses.dataclass(frozen=True)
class Shot:
    """One view of TensorBoard worth a picture.

    Args:
        file: the PNG's name (without `.png`) under `docs/screenshots/`.
        caption: what the picture shows, one sentence.
        dashboard: `timeseries`, or an older dashboard (`images`, `histograms`, `custom_scalars`...).
        tag_filter: a regular expression over tag names (the dashboard's filter box).
        run_filter: a regular expression over the lesson's variant names, matched from the start
            of the name (for example `xor-` or `sigmoid|relu`); empty for every variant.
        shows: words the page must show before the picture is taken (tags, variant names).
        image_step: move every image card's step slider to this log point (0 = untrained);
            by default the cards show the last one.
        full_size: widen the first card to the whole dashboard (for a chart of many lines).
        log_y: draw the charts' y axes on a log scale.
        actual_size: show pictures at their own size rather than shrunk to the card.
        size: the browser window's (width, height) in pixels.
    """

    file: str
    caption: str
    dashboard: str = "timeseries"
    tag_filter: str = ""
    run_filter: str = ""
    shows: tuple = ()
    image_step: int | None = None
    full_size: bool = False
    log_y: bool = False
    actual_size: bool = False
    size: tuple = (1600, 1000)


# The views per lesson, in course order. Tag names are the ones each lesson's docstring names.
SHOTS = {
    "perceptron": [
        Shot("perceptron-boundaries", "The perceptron rule's line on each gate: right for AND, OR, NAND, NOR; never for XOR, XNOR.",
             tag_filter="^decision_boundary$", run_filter=".*-perceptron_rule$", shows=("decision_boundary",),
             size=(1600, 1400)),
        Shot("perceptron-accuracy", "Accuracy per gate: 1.0 for the four separable gates, at most 0.75 for XOR and XNOR.",
             tag_filter="^epoch_accuracy$", run_filter=".*-sigmoid_gradient/train", shows=("epoch_accuracy",),
             full_size=True),
    ],
    "linear": [
        Shot("linear-weights", "The two weights leave their random start and settle on the least-squares answer.",
             tag_filter="^weights/", shows=("weights/neuron/w1",)),
        Shot("linear-loss-surface", "The path of the weights down the loss surface, start (circle) to answer (star).",
             tag_filter="^loss_surface", shows=("loss_surface",), actual_size=True),
    ],
    "hebbian": [
        Shot("hebbian-weights", "The bell and food connections over the trials: the bell's grows only when it rings with food.",
             tag_filter="^weights/(bell|food)$", shows=("weights/bell", "weights/food")),
        Shot("hebbian-bell-alone", "The bell alone: its drive against the threshold, and whether the neuron fires.",
             tag_filter="^(response/bell_alone|response/threshold|fires/bell_alone)$", shows=("response/bell_alone",)),
    ],
    "xor": [
        Shot("xor-boundaries-start", "XOR before training (step 0): every net starts from a random, almost straight border.",
             tag_filter="^decision_boundary$", run_filter="xor-", shows=("decision_boundary", "xor-two_layer_nonlinear"),
             image_step=0),
        Shot("xor-boundaries-final", "XOR after training: only the tanh net bends its border around the corners.",
             tag_filter="^decision_boundary$", run_filter="xor-", shows=("decision_boundary", "xor-two_layer_nonlinear")),
        Shot("xor-accuracy", "Accuracy: the straight-border nets stall at 0.5-0.75, the tanh net reaches 1.0.",
             tag_filter="^epoch_accuracy$", run_filter=".*/train", shows=("epoch_accuracy",), full_size=True),
    ],
    "approximation": [
        Shot("approximation-curves", "The fitted curve (orange) against the target (grey), one card per hidden width.",
             tag_filter="^fitted_curve$", shows=("fitted_curve",), size=(1600, 1300)),
        Shot("approximation-error-vs-width", "The final error against the hidden width (on the x axis): it falls by orders of magnitude.",
             tag_filter="^final_error_vs_width$", run_filter="error_vs_width/", shows=("final_error_vs_width",),
             full_size=True, log_y=True),
    ],
    "features": [
        Shot("features-circles-boundaries", "Circles: the raw linear model's straight border against the squared features' and the MLP's loops.",
             tag_filter="^decision_boundary$", run_filter="circles-", shows=("decision_boundary", "circles-mlp_raw")),
        Shot("features-hidden-units", "What the MLP's hidden units learned on the circles: one half-plane each.",
             tag_filter="^hidden_units/hidden$", run_filter="circles-mlp_raw$", shows=("hidden_units/hidden",)),
        Shot("features-cnn-filters", "The CNN's learned 5x5 filters on raw digit pixels: edges and bars nobody designed.",
             tag_filter="^filters/conv$", run_filter="digits-cnn_raw$", shows=("filters/conv",), actual_size=True),
    ],
    "vanishing": [
        Shot("vanishing-gradient-norms", "Gradient norm per layer, input on the left: sigmoid falls like a staircase, ReLU stays level.",
             tag_filter="^gradient_norm_bars$", run_filter="sigmoid|relu", shows=("gradient_norm_bars", "sigmoid", "relu"),
             image_step=0, size=(1600, 800)),
        Shot("vanishing-sigmoid-activations", "Activation histograms of the sigmoid net, first, middle and last hidden layer.",
             tag_filter="^activations/hidden_(01|05|10)$", run_filter="sigmoid$",
             shows=("activations/hidden_01", "activations/hidden_10")),
        Shot("vanishing-first-layer-gradients", "First against last layer's gradients: the sigmoid net's first layer gets a spike at zero.",
             tag_filter="^gradients/(hidden_01|output)/kernel$", run_filter="sigmoid$|relu$",
             shows=("gradients/hidden_01/kernel", "gradients/output/kernel")),
        Shot("vanishing-validation-accuracy", "Validation accuracy: ReLU and tanh learn, the sigmoid net stays near chance.",
             tag_filter="^epoch_accuracy$", run_filter=r".*/validation", shows=("epoch_accuracy",), full_size=True),
    ],
    "overfitting": [
        Shot("overfitting-loss", "Training (falling) against validation loss, without and with dropout: without, validation turns up.",
             tag_filter="^epoch_loss$", run_filter="(none|dropout)/", shows=("epoch_loss", "none/validation"),
             full_size=True),
        Shot("overfitting-boundaries", "Decision boundaries: the unregularized net curls around single noisy points.",
             tag_filter="^decision_boundary$", run_filter="(none|dropout|l2)$", shows=("decision_boundary",)),
    ],
    "minima": [
        Shot("minima-final-losses", "The loss of every one of the starts: 2 hidden units leave lumps of stuck starts, 8 almost none.",
             tag_filter="^start_losses$", run_filter="(2|8)_units-adam", shows=("start_losses",)),
        Shot("minima-stuck-share", "The share of stuck starts per run, width against optimizer.",
             tag_filter="^stuck_share$", run_filter=r"\d+_units-\w+$", shows=("stuck_share",), full_size=True),
        Shot("minima-loss-slices", "The loss along the line from a start to its end: a stuck start flattens out above zero.",
             tag_filter="^loss_slice/", run_filter="2_units-adam$", shows=("loss_slice/stuck",), actual_size=True),
    ],
}


def view_url(server_url, lesson, shot):
    """The dashboard URL of `shot`, with its filters, for a server whose runs are `<lesson>/<variant>`."""
    run_filter = f"^{lesson}/(?:{shot.run_filter or '.*'})"
    if shot.dashboard == "timeseries":
        query = urllib.parse.urlencode({"tagFilter": shot.tag_filter, "runFilter": run_filter, "smoothing": 0})
        return f"{server_url}/?{query}#timeseries"
    # The older dashboards keep their state in the URL's fragment.
    fragment = urllib.parse.urlencode({"tagFilter": shot.tag_filter, "regexInput": run_filter})
    return f"{server_url}/#{shot.dashboard}&{fragment}"


def _click_all(browser, selector, first_only=False):
    """Clicks every element matching a CSS `selector` (or only the first)."""
    from selenium.webdriver.common.by import By

    for element in browser.find_elements(By.CSS_SELECTOR, selector)[: 1 if first_only else None]:
        if element.is_enabled():
            element.click()


def _set_setting(browser, label, on):
    """Ticks (or clears) the checkbox called `label` in Time Series's settings pane."""
    from selenium.webdriver.common.by import By

    path = f"//metrics-dashboard-right-pane//mat-checkbox[contains(., '{label}')]//input[@type='checkbox']"
    for box in browser.find_elements(By.XPATH, path):
        if box.is_selected() != on:
            box.click()


def _log_y_axes(browser):
    """Switches every line chart's y axis to a log scale, through each card's menu."""
    from selenium.webdriver.common.by import By

    item = "//button[.//span[contains(., 'Toggle Y-axis log scale')]]"
    for menu in browser.find_elements(By.CSS_SELECTOR, "card-view button[aria-label='More line chart options']"):
        menu.click()
        board.wait_until(lambda: browser.find_elements(By.XPATH, item), 5, "the chart's menu")[0].click()


def _adjust_time_series(browser, shot):
    """Applies the shot's view settings that Time Series keeps outside its URL."""
    # Draw every point: by default TensorBoard cuts outliers off the y axis, and a curve that
    # starts far away (a weight leaving its random start) would leave the chart.
    _set_setting(browser, "Ignore outliers in chart scaling", False)
    if shot.actual_size:
        _set_setting(browser, "Show actual image size", True)
    _click_all(browser, ".settings-button.checked")  # the settings pane would hide a third of the cards
    if shot.full_size:
        _click_all(browser, "card-view button[aria-label='Toggle full size mode']", first_only=True)
    if shot.log_y:
        _log_y_axes(browser)
    if shot.image_step is not None:
        _move_image_sliders(browser, shot.image_step)
    browser.execute_script("document.activeElement.blur();")  # no focus ring in the picture
    # Park the mouse on the run filter, where hovering shows no tooltip over a chart.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    for parking in browser.find_elements(By.CSS_SELECTOR, "runs-selector .filter-row")[:1]:
        ActionChains(browser).move_to_element(parking).perform()


# The lowest edge of what Time Series shows: its cards and the rows of its run list.
_CONTENT_BOTTOM = """
const parts = [...document.querySelectorAll('card-view, runs-selector tb-data-table-content-row')];
const bottoms = parts.map(e => e.getBoundingClientRect()).filter(r => r.height > 0).map(r => r.bottom);
return bottoms.length ? Math.max(...bottoms) : 0;
"""


def _crop_to_content(browser, path):
    """Cuts the empty page below Time Series's cards and run list off the saved picture."""
    from PIL import Image

    bottom = browser.execute_script(_CONTENT_BOTTOM) or 0
    scale = browser.execute_script("return window.devicePixelRatio") or 1
    with Image.open(path) as picture:
        height = min(picture.height, int((bottom + 16) * scale))
        if bottom and height < picture.height:
            picture.crop((0, 0, picture.width, height)).save(path)


def _images_loaded(browser):
    """True once every picture on the page has arrived."""
    return browser.execute_script(
        "return [...document.querySelectorAll('img')].every(img => img.complete && img.naturalWidth > 0);"
    )


def _move_image_sliders(browser, step_index):
    """Moves every Time Series image card's step slider to the `step_index`-th log point."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    for slider in browser.find_elements(By.CSS_SELECTOR, "image-card input[type=range]"):
        slider.send_keys(Keys.HOME, *[Keys.ARROW_RIGHT] * step_index)


def take(browser, server_url, lesson, shot, output):
    """Opens the view of `shot`, waits until it shows what it should, and saves it; returns the path."""
    browser.set_window_size(*shot.size)
    browser.get(view_url(server_url, lesson, shot))
    board.wait_for_text(browser, shot.shows, deep=shot.dashboard != "timeseries")
    if shot.dashboard == "timeseries":
        _adjust_time_series(browser, shot)
    board.wait_until(lambda: _images_loaded(browser), 20, "the pictures to load")
    time.sleep(2)  # the charts draw in a web worker, after their data arrived
    path = Path(output) / f"{shot.file}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(path))
    if shot.dashboard == "timeseries":
        _crop_to_content(browser, path)
    return path


def _train(name, runs_root):
    """Runs a lesson with its default config in a child process; returns its run directory or None."""
    print(f"[{name}] training with the default config ...", flush=True)
    command = [sys.executable, "-m", "dlintro", "run", name, "--runs-dir", str(runs_root)]
    # TensorFlow's start-up chatter goes to stderr: kept, and shown only when training fails.
    result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    if result.returncode == 1:
        print(f"[{name}] warning: the claim did not hold (or the run diverged); shooting it anyway", flush=True)
    elif result.returncode != 0:
        print(f"[{name}] training failed (exit code {result.returncode}); skipped\n{result.stderr[-2000:]}", flush=True)
        return None
    return latest_run(runs_root, name)


def _chosen_lessons(requested):
    """The lessons to shoot, in course order, with a message for each one that is skipped."""
    chosen = []
    for name in requested or [*lessons.NAMES, *(name for name in SHOTS if name not in lessons.NAMES)]:
        if name not in lessons.NAMES:
            print(f"[{name}] not registered in dlintro.lessons.NAMES yet; skipped")
        elif not SHOTS.get(name):
            print(f"[{name}] no screenshots listed in dlintro.screenshots.SHOTS; skipped")
        else:
            chosen.append(name)
    return chosen


def make_screenshots(requested=None, runs_root=None, reuse=False, output=OUTPUT):
    """Trains (or finds) each lesson's run, serves them all, and saves every shot.

    Args:
        requested: lesson names; every lesson with shots by default.
        runs_root: where the lessons are trained (and kept); a temporary directory by default.
        reuse: use the latest run of each lesson in `runs_root` instead of training.
        output: the directory the PNGs go to.

    Returns:
        `(saved paths, failures)`, failures as one-line messages.
    """
    missing = board.chromium_missing()
    if missing:
        raise board.BoardError(f"cannot take screenshots: {missing}")
    saved, failures = [], []
    with tempfile.TemporaryDirectory(prefix="dlintro-screenshots-") as scratch:
        view = Path(scratch) / "view"
        for name in _chosen_lessons(requested):
            run_dir = latest_run(runs_root, name) if reuse else _train(name, runs_root or Path(scratch) / "train")
            if run_dir is None:
                failures.append(f"[{name}] no finished run; skipped")
                print(failures[-1], flush=True)
                continue
            # Served as `<lesson>/<variant>`: short run names, and one server for every lesson.
            shutil.copytree(run_dir, view / name)
        if not view.exists():
            return saved, failures
        with board.TensorBoardServer(view) as server, board.chromium() as browser:
            for name in sorted(os.listdir(view), key=lessons.NAMES.index):
                for shot in SHOTS[name]:
                    try:
                        saved.append(take(browser, server.url, name, shot, output))
                        print(f"[{name}] saved {saved[-1]}", flush=True)
                    except board.BoardError as error:
                        failures.append(f"[{name}] {shot.file}: not saved: {error}")
                        print(failures[-1], flush=True)
    return saved, failures


def main(argv=None):
    """The command line; returns the exit code (1 when a listed shot could not be taken)."""
    parser = argparse.ArgumentParser(prog="python -m dlintro.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", help="comma-separated lesson names (default: every lesson with shots)")
    parser.add_argument("--runs-dir", help="train into this directory and keep it (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="use the latest runs in --runs-dir; train nothing")
    parser.add_argument("--output", default=str(OUTPUT), help=f"where the PNGs go (default: {OUTPUT})")
    options = parser.parse_args(argv)
    if options.reuse and not options.runs_dir:
        parser.error("--reuse needs --runs-dir")
    requested = options.lessons.split(",") if options.lessons else None
    try:
        saved, failures = make_screenshots(requested, options.runs_dir, options.reuse, options.output)
    except board.BoardError as error:
        print(f"dlintro.screenshots: error: {error}", file=sys.stderr)
        return 2
    print(f"{len(saved)} screenshots saved in {options.output}/; {len(failures)} failed")
    return 0 if saved and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
