"""The real TensorBoard serves a lesson's logs: every run, curve, histogram, picture, text and
hyperparameter, read through its HTTP API and seen in headless Chromium."""

import urllib.parse
from pathlib import Path

import pytest

from dlintro import board, events, screenshots
from dlintro.lessons import xor
from dlintro.runner import run_lesson
from dlintro.views import View

SHORT = xor.Config(epochs=100, log_every=50)
# The plugins whose tags the HTTP API lists per run, as `events.plugin_of` names them.
SERVED_PLUGINS = ("scalars", "histograms", "images", "text")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A short xor run in a fresh runs directory, served by a real TensorBoard (stopped afterwards)."""
    runs_root = tmp_path_factory.mktemp("runs")
    summary = run_lesson("xor", SHORT, runs_root=runs_root, out=lambda *_: None)
    server = board.TensorBoardServer(runs_root)
    server.start()
    try:
        run_prefix = Path(summary["run_dir"]).relative_to(runs_root).as_posix()
        server.wait_for_runs([f"{run_prefix}/{name}" for name in summary["variants"]])
        yield server, summary, run_prefix
    finally:
        server.stop()


def tags_on_disk(run_dir):
    """`{run name relative to the runs root: {plugin: tags}}` for a lesson run, read from its files."""
    runs_root = Path(run_dir).parent.parent
    found = {}
    directories = [Path(run_dir)] + [p for d in events.variant_dirs(run_dir) for p in (d, *d.iterdir()) if p.is_dir()]
    for directory in directories:
        if not list(directory.glob("events.out.tfevents.*")):
            continue
        run = events.load_run(directory)
        by_plugin = {}
        for tag in events.tags(run):
            by_plugin.setdefault(events.plugin_of(run, tag), set()).add(tag)
        found[directory.relative_to(runs_root).as_posix()] = by_plugin
    return found


def test_every_variant_is_a_run_with_everything_it_logged(served):
    server, summary, prefix = served
    on_disk = tags_on_disk(summary["run_dir"])
    assert set(server.runs()) == set(on_disk)
    for name in summary["variants"]:
        assert f"{prefix}/{name}" in on_disk and f"{prefix}/{name}/train" in on_disk
    for plugin in SERVED_PLUGINS:
        # TensorBoard loads in the background; wait (bounded) until it serves all it will.
        wanted = {run: tags[plugin] for run, tags in on_disk.items() if plugin in tags}
        served_tags = board.wait_until(
            lambda: (t := server.plugin_tags(plugin)) and all(set(t.get(r, ())) >= w for r, w in wanted.items()) and t,
            20, f"every {plugin} tag",
        )
        assert {run: set(tags) for run, tags in served_tags.items()} == wanted, plugin


def test_curves_histograms_pictures_and_text_are_served(served):
    server, summary, prefix = served
    scalars, histograms = server.plugin_tags("scalars"), server.plugin_tags("histograms")
    images, texts = server.plugin_tags("images"), server.plugin_tags("text")
    for name, entry in summary["variants"].items():
        run, train = f"{prefix}/{name}", f"{prefix}/{name}/train"
        layers = ["output"] if entry["hparams"]["hidden_units"] == 0 else ["hidden", "output"]
        assert {"epoch_loss", "epoch_accuracy"} <= set(scalars[train])
        assert {f"gradient_norm/{layer}" for layer in layers} <= set(scalars[run])
        for layer in layers:
            assert {f"activations/{layer}", f"gradients/{layer}/kernel", f"gradients/{layer}/bias"} <= set(histograms[run])
            assert f"{layer}/kernel/histogram" in histograms[train]  # the weights, from Keras
        assert "decision_boundary" in images[run]
    assert texts[prefix] == ["lesson"]

    # The data behind the tags, fetched the way the dashboards fetch it.
    run = f"{prefix}/xor-two_layer_nonlinear"
    query = lambda **fields: urllib.parse.urlencode(fields)  # noqa: E731
    loss = server.get_json(f"/data/plugin/scalars/scalars?{query(run=run + '/train', tag='epoch_loss')}")
    assert [step for _, step, _ in loss] == [50, 100] and loss[-1][2] < loss[0][2]
    histogram = server.get_json(f"/data/plugin/histograms/histograms?{query(run=run, tag='gradients/hidden/kernel')}")
    assert [step for _, step, _ in histogram] == [0, 50, 100]
    assert sum(count for _, _, count in histogram[0][2]) == 2 * xor.Config().hidden_units
    pictures = server.get_json(f"/data/plugin/images/images?{query(run=run, tag='decision_boundary', sample=0)}")
    assert [picture["step"] for picture in pictures] == [0, 50, 100]
    png = server.get(f"/data/plugin/images/individualImage?{pictures[-1]['query']}")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    (text,) = server.get_json(f"/data/plugin/text/text?{query(run=prefix, tag='lesson')}")
    assert xor.TITLE in text["text"] and "Holds" in text["text"]


def test_hyperparameters_are_served(served):
    server, summary, _ = served
    experiment = server.hparams_experiment()
    names = {info["name"] for info in experiment["hparamInfos"]}
    assert {"variant", "gate", "hidden_units", "hidden_activation", *summary["config"]} <= names
    groups = {group["name"]: group for group in server.hparams_session_groups()}
    assert set(groups) == set(summary["variants"])
    for name, group in groups.items():
        assert group["hparams"]["variant"] == name
        assert group["hparams"]["gate"] == summary["variants"][name]["hparams"]["gate"]
        assert any(metric["name"]["tag"] == "epoch_loss" for metric in group["metricValues"])


def test_the_dashboards_show_the_runs_and_gradient_histograms_in_chromium(served, tmp_path):
    missing = board.chromium_missing()
    if missing:
        pytest.skip(f"no headless browser: {missing}")
    server, summary, prefix = served
    variants = list(summary["variants"])
    with board.chromium() as browser:
        # Time Series lives in the page's light DOM: its run list and its cards' titles.
        browser.get(f"{server.url}/?tagFilter=gradients/hidden/kernel#timeseries")
        board.wait_for_text(browser, [f"{prefix}/{name}" for name in variants] + ["gradients/hidden/kernel"])
        browser.save_screenshot(str(tmp_path / "timeseries.png"))
        # The Histograms tab is a Polymer dashboard: its cards sit inside shadow roots.
        histograms = View("histograms", "", dashboard="histograms", tag_filter="^gradients/",
                                      run_filter="xor-two_layer_nonlinear$")
        browser.get(histograms.url(server.url, prefix))
        board.wait_for_text(browser, ["gradients/hidden/kernel", "gradients/output/bias", "xor-two_layer_nonlinear"],
                            deep=True)
        browser.save_screenshot(str(tmp_path / "histograms.png"))
        # One of `make screenshots`' views, taken the way it takes them (filters, step slider, crop).
        shot = next(shot for shot in xor.VIEWS if shot.image_step is not None)
        screenshots.take(browser, server.url, prefix, shot, tmp_path)
    for picture in ("timeseries.png", "histograms.png", f"{shot.file}.png"):
        assert (tmp_path / picture).read_bytes().startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def crowded_runs(served, tmp_path_factory):
    """A runs directory as a learner's looks after a while: many older xor runs, the served run
    as the newest completed one, and a newer run that was interrupted."""
    import json
    import os
    import shutil

    _, summary, _ = served
    runs_root = tmp_path_factory.mktemp("crowded")
    for index in range(8):  # 8 older runs x 13 TensorBoard runs each: far more than 40
        old = runs_root / "xor" / f"20200101-00000{index}"
        shutil.copytree(summary["run_dir"], old)
        os.utime(old / "summary.json", (1_600_000_000 + index, 1_600_000_000 + index))
    newest = runs_root / "xor" / "20260101-000000"
    shutil.copytree(summary["run_dir"], newest)
    interrupted = runs_root / "xor" / "20260101-000100"
    shutil.copytree(summary["run_dir"], interrupted)
    (interrupted / "summary.json").write_text(json.dumps({**summary, "status": "interrupted"}))
    return runs_root, newest, interrupted


def test_the_guided_board_serves_only_the_newest_completed_run(crowded_runs):
    runs_root, newest, interrupted = crowded_runs
    spec, lines = board.guided_selection(runs_root, "xor")
    assert spec == f"xor:{newest}"
    assert f"xor: passed over the newer interrupted run {interrupted}" in lines
    with board.TensorBoardServer(logdir_spec=spec) as server:
        variants = [variant.name for variant in xor.variants(SHORT)]
        server.wait_for_runs(["xor/.", *(f"xor/{name}" for name in variants)])
        # Only the newest completed run: one lesson text, one run per variant (and its train/).
        assert sorted(server.runs()) == sorted(["xor/.", *(f"xor/{n}{sub}" for n in variants for sub in ("", "/train"))])
        assert len(server.hparams_session_groups()) == len(xor.variants(SHORT))
        missing = board.chromium_missing()
        if missing:
            pytest.skip(f"no headless browser: {missing}")
        with board.chromium() as browser:
            # Text and HParams are older dashboards that switch runs off past about 40 runs:
            # served alone, the lesson shows on first open, with nothing clicked.
            browser.get(f"{server.url}/#text")
            board.wait_for_text(browser, ["Claim", "Holds."], deep=True)
            browser.get(f"{server.url}/#hparams")
            board.wait_for_text(browser, ["xor-two_layer_nonlinear", "xnor-one_layer"], deep=True)


def test_tensorboard_command_refuses_bad_input_in_one_line(capsys):
    from dlintro.__main__ import main

    assert main(["tensorboard", "nope"]) == 2
    assert main(["tensorboard", "xor", "--runs-dir", "/nonexistent-runs"]) == 2
    assert main(["tensorboard", "xor", "--port", "http"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 3 and all(line.startswith("dlintro: error: ") for line in errors)
    assert "no completed run of: xor" in errors[1]
