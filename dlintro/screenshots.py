"""`make screenshots`: the TensorBoard views that tell each lesson's story, saved as PNGs.

Every lesson is trained with its default config into a temporary directory (into `--runs-dir`
when given, which is kept; with `--reuse`, the latest run already there is used instead of
training), one real TensorBoard serves them all, and
headless Chromium opens each view the lesson lists in its `VIEWS` (a dashboard with a tag filter and a run
filter in its URL, `dlintro.views.View`) and saves it to `docs/screenshots/<file>.png`; with
`--lang ko` the lessons are trained in Korean (pictures, Text tab) and the shots go to
`docs/screenshots/ko/`. Lessons that list no views are skipped with a message.

Example:
    $ python -m dlintro.screenshots                     # train everything, then shoot
    $ python -m dlintro.screenshots --lessons xor --runs-dir runs --reuse
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlintro import board, i18n, lessons
from dlintro.runs import latest_run
from dlintro.views import views_of

OUTPUT = Path("docs/screenshots")


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


# Ticks a checkbox found by its label anywhere in the page, shadow roots included: the older
# dashboards (Images) are Polymer elements whose settings live inside shadow roots.
_TICK_DEEP_CHECKBOX = """
const label = arguments[0];
function walk(node) {
  for (const child of [...(node.shadowRoot ? node.shadowRoot.children : []), ...node.children]) {
    if (child.tagName === 'PAPER-CHECKBOX' && child.textContent.includes(label)) { return child; }
    const found = walk(child);
    if (found) { return found; }
  }
  return null;
}
const box = walk(document.body);
if (box && !box.checked) { box.click(); }
return box !== null;
"""


def _tick_deep_checkbox(browser, label):
    """Ticks the older dashboards' checkbox called `label`; BoardError when there is none."""
    if not browser.execute_script(_TICK_DEEP_CHECKBOX, label):
        raise board.BoardError(f"no checkbox {label!r} on {browser.current_url}")


def take(browser, server_url, lesson, shot, output):
    """Opens the view of `shot`, waits until it shows what it should, and saves it; returns the path."""
    browser.set_window_size(*shot.size)
    browser.get(shot.url(server_url, lesson))
    board.wait_for_text(browser, shot.shows, deep=shot.dashboard != "timeseries")
    if shot.dashboard == "timeseries":
        _adjust_time_series(browser, shot)
    elif shot.actual_size:
        _tick_deep_checkbox(browser, "Show actual image size")
    board.wait_until(lambda: _images_loaded(browser), 20, "the pictures to load")
    time.sleep(2)  # the charts draw in a web worker, after their data arrived
    path = Path(output) / f"{shot.file}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(path))
    if shot.dashboard == "timeseries":
        _crop_to_content(browser, path)
    return path


def _train(name, runs_root, lang):
    """Runs a lesson with its default config in a child process, in language `lang`; returns its
    run directory or None."""
    print(f"[{name}] training with the default config ...", flush=True)
    command = [sys.executable, "-m", "dlintro", "run", name, "--runs-dir", str(runs_root), "--lang", lang]
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
    for name in requested or lessons.NAMES:
        if name not in lessons.NAMES:
            print(f"[{name}] not registered in dlintro.lessons.NAMES; skipped")
        elif not views_of(name):
            print(f"[{name}] its module lists no VIEWS; skipped")
        else:
            chosen.append(name)
    return chosen


def make_screenshots(requested=None, runs_root=None, reuse=False, output=OUTPUT, lang=i18n.SOURCE):
    """Trains (or finds) each lesson's run, serves them all, and saves every shot.

    Args:
        requested: lesson names; every lesson with shots by default.
        runs_root: where the lessons are trained (and kept); a temporary directory by default.
        reuse: use the latest run of each lesson in `runs_root` instead of training.
        output: the directory the PNGs go to.
        lang: the language the lessons are trained in (their pictures and Text tab).

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
            run_dir = latest_run(runs_root, name) if reuse else _train(name, runs_root or Path(scratch) / "train", lang)
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
                for shot in views_of(name):
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
    parser.add_argument("--output", help=f"where the PNGs go (default: {OUTPUT}, {OUTPUT}/ko for Korean)")
    parser.add_argument("--lang", help="the language of the lessons' pictures and texts (default: the locale's)")
    options = parser.parse_args(argv)
    if options.reuse and not options.runs_dir:
        parser.error("--reuse needs --runs-dir")
    try:
        lang = i18n.check_language(options.lang or i18n.current())
    except i18n.UnknownLanguageError as error:
        print(f"dlintro.screenshots: error: {error}", file=sys.stderr)
        return 2
    output = options.output or str(OUTPUT if lang == i18n.SOURCE else OUTPUT / lang)
    requested = options.lessons.split(",") if options.lessons else None
    try:
        saved, failures = make_screenshots(requested, options.runs_dir, options.reuse, output, lang)
    except board.BoardError as error:
        print(f"dlintro.screenshots: error: {error}", file=sys.stderr)
        return 2
    print(f"{len(saved)} screenshots saved in {output}/; {len(failures)} failed")
    return 0 if saved and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
