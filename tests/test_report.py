"""The static HTML report: built from a run's event files, self-contained, and a completeness check."""

import base64
import html
import json
import re
import shutil
import subprocess
import sys

import pytest

from dlintro import i18n, report, texts
from dlintro.lessons import xor
from dlintro.runner import run_lesson

SHORT = xor.QUICK  # 100 passes, a log point every 50
HANGUL = re.compile(r"[\uac00-\ud7a3]")


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


@pytest.fixture(scope="module")
def korean_xor_run(tmp_path_factory):
    """The xor lesson's QUICK run in Korean; returns (runs root, summary)."""
    runs_root = tmp_path_factory.mktemp("ko-runs")
    return runs_root, run_lesson("xor", xor.QUICK, runs_root=runs_root, out=lambda *_: None, lang="ko")


def test_the_korean_report_is_korean_throughout(korean_xor_run, tmp_path):
    runs_root, summary = korean_xor_run
    output = tmp_path / "보고서.html"
    done = subprocess.run([sys.executable, "-m", "dlintro.report", "--runs-dir", str(runs_root),
                           "--output", str(output), "--lang", "ko"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(output)
    page = output.read_text(encoding="utf-8")
    assert "<html lang='ko'>" in page
    korean = summary["translations"]["ko"]
    assert HANGUL.search(korean["title"]) and html.escape(korean["title"]) in page
    assert html.escape(korean["claim"]) in page and html.escape(korean["verdict"]) in page
    # The lesson's four parts under their Korean headings, in order, then the report's own.
    headings = [page.index(f">{i18n.translate(texts.HEADINGS[part], 'ko')}<") for part in texts.PARTS]
    assert headings == sorted(headings)
    for heading in ("dlintro: 레슨에서 확인한 것", "주장.", "성립합니다.", "변형", "연습 문제", "손실 곡선",
                    "층별 그레이디언트 노름", "그림 (이미지 태그마다 마지막 그림)", "측정한 것", "상태", "완료"):
        assert f">{heading}<" in page, heading
    assert ", 스텝 100</figcaption>" in page  # each picture's caption
    for english in ("Holds.", ">Claim.<", ">Variants<", ">Loss curves<", "What to look at", "The idea", ", step "):
        assert english not in page, english
    assert "make lesson-xor EXERCISE=one_unit" in page  # commands and names stay as they are
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in embedded_pngs(page))


def test_a_run_is_reported_in_the_other_language_too(korean_xor_run, xor_run, tmp_path):
    korean_root, korean_summary = korean_xor_run
    english_root, english_summary = xor_run
    # The Korean run in English: its English texts, kept in summary.json.
    page, covered, problems = report.build_report(korean_root, names=["xor"], lang="en")
    assert covered == ["xor"] and problems == [] and "<html lang='en'>" in page
    assert html.escape(xor.TITLE) in page and korean_summary["translations"]["en"]["verdict"] in page
    assert ">The idea<" in page and "Holds." in page and not HANGUL.search(page.split("<section", 1)[1].split("<h3>", 1)[0])
    # The English run in Korean: the lesson text made anew from the Korean text and the run's numbers.
    page, covered, problems = report.build_report(english_root, names=["xor"], lang="ko")
    assert problems == [] and html.escape(english_summary["translations"]["ko"]["verdict"]) in page
    assert f">{i18n.translate(texts.HEADINGS['look'], 'ko')}<" in page and "Holds." not in page


def test_a_run_without_translations_falls_back_to_its_own_texts(xor_run, tmp_path):
    runs_root, summary = xor_run
    copy = tmp_path / "runs"
    shutil.copytree(runs_root / "xor", copy / "xor")
    path = next((copy / "xor").iterdir()) / "summary.json"
    old = json.loads(path.read_text())
    del old["translations"], old["language"]  # as a run from before the Korean course wrote it
    path.write_text(json.dumps(old))
    page, covered, problems = report.build_report(copy, names=["xor"], lang="ko")
    assert covered == ["xor"] and problems == []
    assert html.escape(summary["title"]) in page and summary["claim"]["verdict"] in page  # English, as kept
    assert ">성립합니다.<" in page and f">{i18n.translate(texts.HEADINGS['core'], 'ko')}<" in page


def test_an_unknown_language_is_one_line_exit_2_and_nothing_written(xor_run, tmp_path, capsys):
    runs_root, _ = xor_run
    output = tmp_path / "report.html"
    assert report.main(["--runs-dir", str(runs_root), "--output", str(output), "--lang", "fr"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert "'fr'" in captured.err and "en, ko" in captured.err
    assert not output.exists()
