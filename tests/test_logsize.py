"""Event files grow in step with the number of log points, and `dlintro.logsize` measures them."""

from pathlib import Path

from dlintro import events
from dlintro.lessons import xor
from dlintro.logsize import main, measure
from dlintro.runner import run_lesson


def test_event_files_grow_in_proportion_to_log_points(tmp_path):
    # 100 and 300 passes logged every 50: the probes log 3 and 7 points (step 0 included), Keras's
    # own epoch summaries 2 and 6.
    sizes = {}
    for epochs in (100, 300):
        summary = run_lesson("xor", xor.Config(epochs=epochs, log_every=50), runs_root=tmp_path,
                             out=lambda *_: None)
        sizes[epochs] = measure(summary["run_dir"])
    short, long = sizes[100], sizes[300]
    assert short["files"] == long["files"]  # more points add records, never more files
    # Only the log points add bytes: the growth lies between those two ratios, less a little
    # for what is written once (graph, layout, hparams, lesson text).
    for measured in ("bytes", "tensors"):
        assert 1.8 < long[measured] / short[measured] <= 3, measured


def test_measure_counts_every_file_and_tensor(tmp_path, capsys):
    summary = run_lesson("xor", xor.Config(epochs=50, log_every=50), runs_root=tmp_path, out=lambda *_: None)
    size = measure(summary["run_dir"])
    files = list(Path(summary["run_dir"]).rglob("events.out.tfevents.*"))
    assert size["files"] == len(files) and size["bytes"] == sum(path.stat().st_size for path in files)
    directories = {path.parent for path in files}
    loaded = [events.load_run(directory) for directory in directories]
    assert size["tensors"] == sum(len(run.Tensors(tag)) for run in loaded for tag in events.tags(run))

    # The command line measures the latest existing run without training anything.
    assert main(["xor", "--runs-dir", str(tmp_path)]) == 0
    row = capsys.readouterr().out.splitlines()[-1]
    assert row.startswith("| xor | ") and f"| {size['files']} | {size['tensors']} |" in row
