"""The static HTML report: built from a run's event files, self-contained, and a completeness check."""

import base64
import html
import re
import shutil

import pytest

from dlintro import report, texts
from dlintro.lessons import xor
from dlintro.runner import run_lesson

SHORT = xor.Config(epochs=100, log_every=50)


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    """A short xor run; returns (runs root, summary)."""
    runs_root = tmp_path_factory.mktemp("runs")
    return runs_root, run_lesson("xor", SHORT, runs_root=runs_root, out=lambda *_: None)


def embedded_pngs(page):
    """The decoded bytes of every image embedded in the page."""
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def test_report_names_every_variant_the_verdict_and_embeds_pictures(xor_run, capsys):
    runs_root, summary = xor_run
    assert report.main(["--runs-dir", str(runs_root)]) == 0
    path = runs_root / "report.html"
    assert capsys.readouterr().out.strip() == str(path)
    page = path.read_text()
    assert html.escape(xor.TITLE) in page
    for name in summary["variants"]:
        assert name in page
    assert "Holds." in page and summary["claim"]["verdict"] in page
    # The lesson's text, read from its text tag, in the order the learner reads it.
    headings = [page.index(f">{texts.HEADINGS[part]}<") for part in ("core", "look", "deeper", "terms")]
    assert headings == sorted(headings)
    assert "make lesson-xor EXERCISE=one_unit" in page  # the lesson's exercises
    pictures = embedded_pngs(page)
    # Loss curves, gradient norms, other curves, and the last decision boundary of each variant.
    assert len(pictures) >= 3 + len(summary["variants"])
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pictures)
    # Self-contained: nothing is fetched from elsewhere.
    assert not re.search(r'(src|href)="(?!data:|#)', page)


def test_missing_logs_are_reported(xor_run, tmp_path, capsys):
    runs_root, summary = xor_run
    copy = tmp_path / "runs"
    shutil.copytree(runs_root / "xor", copy / "xor")
    run_dir = next((copy / "xor").iterdir())
    shutil.rmtree(run_dir / "xor-one_layer")
    output = tmp_path / "out" / "report.html"
    assert report.main(["--runs-dir", str(copy), "--output", str(output)]) == 1
    assert "variant xor-one_layer (completed) has no log directory" in capsys.readouterr().err
    assert "Incomplete logs" in output.read_text()


def test_no_runs_is_a_clear_message(tmp_path, capsys):
    assert report.main(["--runs-dir", str(tmp_path)]) == 1
    assert "no completed lesson runs" in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


def test_a_newer_interrupted_run_is_passed_over_and_named(xor_run, tmp_path, capsys):
    # Interrupting `make lesson-...` once must not make the report fail: the newest completed
    # run is reported, and the newer interrupted one is named.
    runs_root, summary = xor_run
    copy = tmp_path / "runs"
    shutil.copytree(runs_root / "xor", copy / "xor")
    interrupted = copy / "xor" / "99991231-235959"
    interrupted.mkdir()
    (interrupted / "summary.json").write_text(
        '{"status": "interrupted", "variants": {"xor-one_layer": {"status": "pending"}}}'
    )
    output = tmp_path / "report.html"
    assert report.main(["--runs-dir", str(copy), "--output", str(output)]) == 0
    page = output.read_text()
    assert summary["claim"]["verdict"] in page
    assert "99991231-235959 (interrupted)" in page


def test_a_lesson_with_no_completed_run_is_listed(tmp_path, xor_run):
    runs_root, _ = xor_run
    copy = tmp_path / "runs"
    shutil.copytree(runs_root / "xor", copy / "xor")
    (copy / "linear" / "20260101-000000").mkdir(parents=True)
    (copy / "linear" / "20260101-000000" / "summary.json").write_text('{"status": "diverged"}')
    page, covered, problems = report.build_report(copy, names=["linear", "xor"])
    assert covered == ["xor"] and problems == []
    assert "No completed run of: linear" in page and "20260101-000000 (diverged)" in page
