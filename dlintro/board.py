"""A real TensorBoard server and a headless Chromium looking at it, for tests and screenshots.

`TensorBoardServer` starts the `tensorboard` program installed beside this Python on
127.0.0.1 and a free port, waits until it answers, reads its HTTP API (the same JSON the
dashboards read), and stops it whatever happens. `chromium()` opens Debian's Chromium headless
through Selenium and the matching Debian chromedriver, never a browser download of its own.

Example:
    >>> with TensorBoardServer("runs/xor/20261124-081157") as server:
    ...     print(server.url, server.get_json("/data/runs"))
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from dlintro.i18n import _

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# TensorBoard keeps a random 10 pictures per tag by default, so a step slider would skip log
# points (often step 0); the lessons log far fewer than this many.
SAMPLES_PER_PLUGIN = "images=1000"
# Every run status the HParams dashboard asks for, so no session group is left out.
ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]


class BoardError(RuntimeError):
    """TensorBoard or the browser did not start, or did not show what was expected in time."""


def serve_arguments(logdir=None, logdir_spec=None, port=6006):
    """The `tensorboard` arguments that serve `logdir` (or named runs, `logdir_spec`) on 127.0.0.1."""
    source = ["--logdir", str(logdir)] if logdir_spec is None else ["--logdir_spec", logdir_spec]
    return [*source, "--host", "127.0.0.1", "--port", str(port), "--samples_per_plugin", SAMPLES_PER_PLUGIN]


def guided_selection(runs_root, lesson=None):
    """What the guided board serves: the newest completed run of one lesson, or of each lesson.

    Returns:
        `(logdir_spec, lines)`: TensorBoard's `--logdir_spec` (`lesson:run directory,...`, so
        that runs are named `<lesson>/<variant>`, as in the links a lesson prints), or None
        when there is nothing to serve; and lines telling the user what is served and what
        was passed over (newer interrupted or diverged runs, lessons with no completed run).
    """
    from dlintro import lessons
    from dlintro.runs import latest_run, status_word, unfinished_runs

    chosen, lines, missing = [], [], []
    for name in [lesson] if lesson else lessons.NAMES:
        run_dir = latest_run(runs_root, name)
        for newer, status in unfinished_runs(runs_root, name):
            lines.append(_("{lesson}: passed over the newer {status} run {run}").format(
                lesson=name, status=status_word(status), run=newer))
        if run_dir is None:
            missing.append(name)
            continue
        if "," in str(run_dir) or ":" in str(run_dir):
            raise BoardError(f"cannot serve {run_dir}: TensorBoard's --logdir_spec takes no ',' or ':' in paths")
        chosen.append(f"{name}:{run_dir}")
        lines.append(_("{lesson}: serving {run_dir}").format(lesson=name, run_dir=run_dir))
    if missing:
        lines.append(_("no completed run of: {lessons} (make lesson-NAME)").format(lessons=", ".join(missing)))
    return (",".join(chosen) or None), lines


def tensorboard_program():
    """The `tensorboard` script installed beside the running Python (in `.venv/bin`)."""
    program = Path(sys.executable).with_name("tensorboard")
    if not program.exists():
        raise BoardError(f"no tensorboard program beside {sys.executable}; run `make setup`")
    return program


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout, what, interval=0.5):
    """Calls `condition()` until it returns something true, and returns that; BoardError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BoardError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class TensorBoardServer:
    """The real TensorBoard serving `logdir` on 127.0.0.1, as a context manager.

    Args:
        logdir: the directory of runs to serve.
        port: the port to listen on; a free one by default.
        start_timeout: seconds to wait for the first answer (TensorBoard imports TensorFlow).
    """

    def __init__(self, logdir=None, port=None, start_timeout=60, logdir_spec=None):
        if (logdir is None) == (logdir_spec is None):
            raise ValueError("give either logdir or logdir_spec")
        self.logdir = None if logdir is None else Path(logdir)
        self.logdir_spec = logdir_spec
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.process = None
        self._log = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        """Starts the server and waits until `/data/runs` answers."""
        self._log = tempfile.TemporaryFile()
        command = [str(tensorboard_program()), *serve_arguments(self.logdir, self.logdir_spec, self.port)]
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        try:
            wait_until(self._answers, self.start_timeout, f"TensorBoard on {self.url}")
        except BaseException:
            self.stop()
            raise

    def _answers(self):
        if self.process.poll() is not None:
            raise BoardError(f"tensorboard exited with code {self.process.returncode}:\n{self.output()}")
        try:
            self.get_json("/data/runs")
            return True
        except (OSError, urllib.error.URLError):
            return False

    def output(self):
        """What the server printed so far (for error messages)."""
        if self._log is None or self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def stop(self):
        """Stops the server: politely first, then by force."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()

    def get(self, path, body=None):
        """GETs `path` (or POSTs `body` to it as JSON) and returns the answer's bytes."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def get_json(self, path, body=None):
        """Like `get`, decoding the answer as JSON."""
        return json.loads(self.get(path, body))

    def runs(self):
        """The run names TensorBoard lists."""
        return self.get_json("/data/runs")

    def plugin_tags(self, plugin):
        """`{run: tags}` of one plugin (`scalars`, `histograms`, `images`, `text`)."""
        return self.get_json(f"/data/plugin/{plugin}/tags")

    def hparams_experiment(self):
        """The HParams plugin's experiment: the hyperparameters and metrics it found."""
        return self.get_json("/data/plugin/hparams/experiment", {"experimentName": ""})

    def hparams_session_groups(self):
        """The HParams plugin's session groups: one per variant, with its values and metrics."""
        request = {"experimentName": "", "allowedStatuses": ALL_STATUSES, "colParams": [],
                   "startIndex": 0, "sliceSize": 1000, "includeMetrics": True}
        return self.get_json("/data/plugin/hparams/session_groups", request)["sessionGroups"]

    def wait_for_runs(self, runs, timeout=30):
        """Waits until every name in `runs` is listed (TensorBoard loads logs in the background)."""
        wanted = set(runs)
        return wait_until(lambda: wanted <= set(self.runs()), timeout,
                          f"runs {sorted(wanted - set(self.runs()))} in TensorBoard")


def chromium_missing():
    """Why headless Chromium cannot be driven here, or None when it can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists() and not shutil.which(Path(path).name):
            return f"{path} is missing (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is missing (pip install -e '.[test]')"
    return None


def _fontconfig_with_hangul(folder):
    """A fontconfig file that adds the NanumGothic of dlintro's dependencies to the system's
    fonts, so that Korean text in TensorBoard (chart titles, the Text tab) and in the report
    shows in a browser on a machine with no Korean system font."""
    from dlintro import fonts

    file = folder / "fonts.conf"
    font_folder = fonts.font_files()[0].parent
    file.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    f'  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>{font_folder}</dir>\n'
                    f'  <cachedir>{folder / "fontconfig-cache"}</cachedir>\n</fontconfig>\n', encoding="utf-8")
    return str(file)


@contextlib.contextmanager
def chromium(width=1600, height=1000):
    """A headless Chromium driven by Selenium through Debian's chromedriver, closed afterwards.

    Raises:
        BoardError: when Chromium, chromedriver or Selenium is missing.
    """
    missing = chromium_missing()
    if missing:
        raise BoardError(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    with tempfile.TemporaryDirectory(prefix="dlintro-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver_path = CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver")
        environment = {**os.environ, "FONTCONFIG_FILE": _fontconfig_with_hangul(Path(profile))}
        driver = webdriver.Chrome(service=Service(driver_path, env=environment), options=options)
        try:
            driver.set_page_load_timeout(30)
            yield driver
        finally:
            driver.quit()


# Collects the text of the page, descending into shadow roots: TensorBoard's older dashboards
# (Histograms, Images, Text) are Polymer elements whose contents live inside shadow roots,
# where `document.body.innerText` does not look.
_DEEP_TEXT = """
const parts = [];
function walk(node) {
  if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
  if (node.shadowRoot) { walk(node.shadowRoot); }
  for (const child of node.childNodes) { walk(child); }
}
walk(document.body);
return parts.join(" ").replace(/\\s+/g, " ");
"""


def page_text(driver, deep=False):
    """The visible text of the page; `deep=True` also reads inside shadow roots."""
    if deep:
        return driver.execute_script(_DEEP_TEXT)
    return driver.find_element("tag name", "body").text


def wait_for_text(driver, words, timeout=30, deep=False):
    """Waits until the page shows every one of `words` (each without spaces); returns the page's text.

    Whitespace is ignored: TensorBoard breaks long card titles over two lines.
    """
    def missing():
        text = "".join(page_text(driver, deep).split())
        return [word for word in words if word not in text]

    try:
        wait_until(lambda: not missing(), timeout, f"the page at {driver.current_url} to show {list(words)}")
    except BoardError:
        raise BoardError(f"the page at {driver.current_url} does not show {missing()}") from None
    return page_text(driver, deep)
