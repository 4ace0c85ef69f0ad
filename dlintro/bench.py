"""`make bench`: how long lessons take, and what the TensorBoard reporting costs.

Prints Markdown tables (the README quotes them). Every figure is a median of several runs,
and every ratio compares runs made in this one invocation, alternating, so that a busy or
slow machine shifts both sides alike. Run it on a quiet machine.

    python -m dlintro.bench [--repeats 3] [--lessons xor,vanishing]
"""

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Every measured run builds a fresh model, which TensorFlow's logger miscounts as "retracing".
logging.getLogger("tensorflow").setLevel(logging.ERROR)

from dlintro import lessons  # noqa: E402
from dlintro.exercises import exercises_of  # noqa: E402
from dlintro.logsize import measure as measure_logs  # noqa: E402
from dlintro.runs import latest_run  # noqa: E402


def lesson_wall_time(name, runs_root, exercise=None):
    """Seconds for `python -m dlintro run NAME` with defaults (or one exercise), start-up included."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dlintro", "run", name, "--runs-dir", str(runs_root),
         *(["--exercise", exercise] if exercise else [])],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(f"lesson {name} {exercise or ''} failed:\n{result.stderr}")
    return seconds


def reporting_overhead(repeats):
    """Median seconds to train the non-linear XOR net with no callbacks and with all of them."""
    from dlintro import datasets
    from dlintro.callbacks import DecisionBoundaryImages, NetworkMap
    from dlintro.lessons import xor
    from dlintro.training import fit, seed_everything

    config = xor.Config()
    x, y = datasets.gates("xor")

    def train(report, log_dir):
        seed_everything(config.seed)
        model = xor.xor_network(config.hidden_units, config.hidden_activation, config.learning_rate)
        images = [DecisionBoundaryImages(log_dir, x, y), NetworkMap(log_dir, x, y)]
        started = time.perf_counter()
        fit(model, x, y, log_dir=log_dir, epochs=config.epochs, log_every=config.log_every,
            callbacks=images if report else [], report=report)
        return time.perf_counter() - started

    bare, full = [], []
    with tempfile.TemporaryDirectory() as scratch:
        train(True, f"{scratch}/warm-up")  # the first model pays TensorFlow's one-off set-up
        for index in range(repeats):
            bare.append(train(False, f"{scratch}/bare-{index}"))
            full.append(train(True, f"{scratch}/full-{index}"))
    return statistics.median(bare), statistics.median(full)


def feeding_cost(repeats, epochs=600, log_every=50):
    """Median seconds for `epochs` passes over the four XOR points: one Keras epoch a pass, and
    `dlintro.training.fit`'s `log_every` passes per Keras epoch (neither with any callback)."""
    from dlintro import datasets
    from dlintro.lessons import xor
    from dlintro.training import fit, seed_everything

    x, y = datasets.gates("xor")

    def train(chunked, log_dir):
        seed_everything(0)
        model = xor.xor_network()
        started = time.perf_counter()
        if chunked:
            fit(model, x, y, log_dir=log_dir, epochs=epochs, log_every=log_every, report=False)
        else:
            model.fit(x, y, epochs=epochs, batch_size=len(x), verbose=0)
        return time.perf_counter() - started

    plain, chunked = [], []
    with tempfile.TemporaryDirectory() as scratch:
        train(True, f"{scratch}/warm-up")
        for index in range(repeats):
            plain.append(train(False, None))
            chunked.append(train(True, f"{scratch}/chunked-{index}"))
    return statistics.median(plain), statistics.median(chunked)


def zoo_models():
    """Two small models of the callback tests' zoo, with random data: a convnet and an LSTM."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)

    def convnet():
        model = keras.Sequential([
            keras.Input((16, 16, 3)), keras.layers.Conv2D(8, 3, activation="relu"), keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(8, 3, activation="relu"), keras.layers.Flatten(), keras.layers.Dense(10),
        ])
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model, rng.random((512, 16, 16, 3), dtype=np.float32), rng.integers(0, 10, 512)

    def lstm():
        model = keras.Sequential([
            keras.Input((20,), dtype="int32"), keras.layers.Embedding(100, 16), keras.layers.LSTM(16),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
        model.compile("adam", "binary_crossentropy")
        return model, rng.integers(0, 100, (512, 20)).astype("int32"), rng.integers(0, 2, (512, 1)).astype("float32")

    return {"convnet": convnet, "Embedding + LSTM": lstm}


def zoo_reporting_overhead(repeats, epochs=5, probe_size=64):
    """Median seconds to fit each zoo model with no callbacks, Keras's TensorBoard, and dlintro's three.

    Keras's callback writes weight histograms every epoch (`histogram_freq=1`); dlintro's
    adds the activation and gradient histograms on a probe batch. Returns
    {model: {"none": s, "keras": s, "dlintro": s}}.
    """
    import keras

    from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard

    def callbacks(kind, log_dir, x, y):
        if kind == "keras":
            return [keras.callbacks.TensorBoard(log_dir, histogram_freq=1)]
        if kind == "dlintro":
            return [TensorBoard(log_dir), ActivationStatistics(log_dir, x[:probe_size]),
                    GradientStatistics(log_dir, x[:probe_size], y[:probe_size])]
        return []

    def train(build, kind, log_dir):
        keras.utils.set_random_seed(0)
        model, x, y = build()
        started = time.perf_counter()
        model.fit(x, y, epochs=epochs, batch_size=64, verbose=0, callbacks=callbacks(kind, log_dir, x, y))
        return time.perf_counter() - started

    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, build in zoo_models().items():
            train(build, "dlintro", f"{scratch}/warm-up")  # TensorFlow's one-off set-up
            seconds = {"none": [], "keras": [], "dlintro": []}
            for index in range(repeats):
                for kind in seconds:  # alternating, so that a busy machine slows all alike
                    seconds[kind].append(train(build, kind, f"{scratch}/{kind}-{index}"))
            results[name] = {kind: statistics.median(values) for kind, values in seconds.items()}
    return results


def print_zoo_reporting_overhead(repeats):
    """Prints `zoo_reporting_overhead` as a Markdown table."""
    results = zoo_reporting_overhead(repeats)
    print(f"## Cost of the reporting on your own models (5 epochs of 512 examples; median of {repeats})\n")
    print("| model | no callbacks (s) | Keras TensorBoard, histogram_freq=1 (s) | dlintro's three callbacks (s) "
          "| dlintro / Keras |\n| --- | ---: | ---: | ---: | ---: |")
    for name, seconds in results.items():
        print(f"| {name} | {seconds['none']:.2f} | {seconds['keras']:.2f} | {seconds['dlintro']:.2f} "
              f"| {seconds['dlintro'] / seconds['keras']:.2f}x |")
    print()


def applications_reporting_cost(repeats, names=("MobileNetV2", "ResNet50"), epochs=2, probe_size=64):
    """Seconds to fit keras.applications models with no callbacks, Keras's TensorBoard, and dlintro's three.

    Each model (weights=None, 32x32 inputs, 10 classes) fits `epochs` epochs of 256 random
    examples in batches of 64. Keras's callback writes weight histograms every epoch
    (`histogram_freq=1`); dlintro's `TensorBoard`, `ActivationStatistics` and
    `GradientStatistics` (probe: the first `probe_size` examples) add activation and gradient
    histograms of every layer. Returns {model: {kind: {"fit": s, "epoch": s, "setup": s}}},
    medians: "epoch" is the last epoch's time (the callbacks' steady cost per epoch), "setup"
    the probe callbacks' checking and tracing at the start of training (their step 0 included).
    """
    import keras
    import numpy as np

    from dlintro.callbacks import ActivationStatistics, GradientStatistics, TensorBoard
    from dlintro.callbacks.probe import ProbeCallback

    rng = np.random.default_rng(0)
    x, y = rng.random((256, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, 256)

    class Clock(keras.callbacks.Callback):
        """Epoch ends, and the time the probe callbacks spend before the first batch trains."""

        def __init__(self, probes):
            super().__init__()
            self.probes, self.setup, self.ends = probes, 0.0, []

        def on_train_begin(self, logs=None):
            self.ends = [time.perf_counter()]

        def on_epoch_end(self, epoch, logs=None):
            self.ends.append(time.perf_counter())

    def timed(hook):
        def run(self, *arguments, **kwargs):
            started = time.perf_counter()
            try:
                return hook(self, *arguments, **kwargs)
            finally:
                if getattr(self, "_bench_clock", None) is not None:
                    self._bench_clock.setup += time.perf_counter() - started
        return run

    def train(name, kind, log_dir):
        keras.utils.set_random_seed(0)
        model = getattr(keras.applications, name)(input_shape=(32, 32, 3), weights=None, classes=10)
        model.compile("adam", "sparse_categorical_crossentropy")
        probes = [ActivationStatistics(log_dir, x[:probe_size]), GradientStatistics(log_dir, x[:probe_size], y[:probe_size])]
        clock = Clock(probes)
        callbacks = {"none": [], "keras": [keras.callbacks.TensorBoard(log_dir, histogram_freq=1)],
                     "dlintro": [TensorBoard(log_dir), *probes]}[kind]
        for probe in probes:
            probe._bench_clock = clock if kind == "dlintro" else None
        started = time.perf_counter()
        model.fit(x, y, epochs=epochs, batch_size=64, verbose=0, callbacks=[*callbacks, clock])
        return {"fit": time.perf_counter() - started, "epoch": clock.ends[-1] - clock.ends[-2], "setup": clock.setup}

    # The set-up is the probe callbacks' `on_train_begin` and their step 0 at the first batch.
    originals = ProbeCallback.on_train_begin, ProbeCallback.on_train_batch_begin
    ProbeCallback.on_train_begin, ProbeCallback.on_train_batch_begin = map(timed, originals)
    results = {}
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for name in names:
                runs = {"none": [], "keras": [], "dlintro": []}
                for index in range(repeats):
                    for kind in runs:  # alternating, so that a busy machine slows all alike
                        runs[kind].append(train(name, kind, f"{scratch}/{name}-{kind}-{index}"))
                results[name] = {kind: {part: statistics.median(run[part] for run in values) for part in values[0]}
                                 for kind, values in runs.items()}
    finally:
        ProbeCallback.on_train_begin, ProbeCallback.on_train_batch_begin = originals
    return results


def print_applications_reporting_cost(repeats):
    """Prints `applications_reporting_cost` as a Markdown table."""
    results = applications_reporting_cost(repeats)
    print(f"## Cost of the reporting on keras.applications models (32x32, 2 epochs of 256 examples; "
          f"median of {repeats})\n")
    print("| model | no callbacks: fit / last epoch (s) | Keras TensorBoard, histogram_freq=1 (s) "
          "| dlintro's three (s) | dlintro set-up (s) | added to the fit: Keras / dlintro (s) "
          "| per-epoch ratio | whole-fit ratio |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, kinds in results.items():
        none, keras_, ours = kinds["none"], kinds["keras"], kinds["dlintro"]
        print(f"| {name} | {none['fit']:.1f} / {none['epoch']:.2f} | {keras_['fit']:.1f} / {keras_['epoch']:.2f} "
              f"| {ours['fit']:.1f} / {ours['epoch']:.2f} | {ours['setup']:.1f} "
              f"| {keras_['fit'] - none['fit']:.1f} / {ours['fit'] - none['fit']:.1f} "
              f"| {ours['epoch'] / keras_['epoch']:.2f}x | {ours['fit'] / keras_['fit']:.2f}x |")
    print()


def starts_per_second(starts=100, epochs=None, one_by_one=False, hidden_units=2, optimizer="adam"):
    """Random XOR starts trained per second: all in one ensemble model, or one model and `fit` each.

    Both ways use the same fast training loop (`dlintro.training.fit` without reporting, one
    graph call for all epochs); the time includes building and tracing the models, which is
    what one `fit` per start pays again and again. This is why the minima lesson trains its
    starts together.

    Args:
        starts: how many starts to train.
        epochs: passes over the four XOR points; the minima lesson's default when None.
        one_by_one: True trains a one-start model per start, False all starts in one model.
        hidden_units: width of each net.
        optimizer: `"sgd"`, `"momentum"` or `"adam"`, with the minima lesson's default step size.

    Example:
        >>> starts_per_second(100) / starts_per_second(3, one_by_one=True)  # the speed-up
    """
    from dlintro import datasets
    from dlintro.lessons import minima
    from dlintro.training import fit

    config = minima.Config()
    epochs = epochs or config.epochs
    x, y = datasets.gates("xor")
    started = time.perf_counter()
    for size in [1] * starts if one_by_one else [starts]:
        model = minima.ensemble_xor_network(size, hidden_units, optimizer, config.learning_rate(optimizer))
        fit(model, x, y, log_dir=None, epochs=epochs, log_every=epochs, report=False)
    return starts / (time.perf_counter() - started)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per median")
    parser.add_argument("--lessons", default=",".join(lessons.NAMES), help="comma-separated")
    parser.add_argument("--no-exercises", dest="exercises", action="store_false", help="skip timing the exercises")
    args = parser.parse_args(argv)
    names = [name for name in args.lessons.split(",") if name]
    unknown = [name for name in names if name not in lessons.NAMES]
    if unknown or args.repeats < 1:
        print(f"dlintro.bench: error: unknown lessons {unknown} or repeats < 1", file=sys.stderr)
        return 2

    print(f"## Lesson wall time (default config, start-up included; median of {args.repeats})\n")
    print("| lesson | seconds | event files |\n| --- | ---: | ---: |")
    total = 0.0
    with tempfile.TemporaryDirectory() as runs_root:
        for name in names:
            seconds = statistics.median(lesson_wall_time(name, runs_root) for _ in range(args.repeats))
            logs = measure_logs(latest_run(runs_root, name))
            total += seconds
            print(f"| {name} | {seconds:.1f} | {logs['bytes'] / 1e6:.2f} MB |", flush=True)
    print(f"| **all** | **{total:.1f}** | |\n")

    if args.exercises:
        print("## Exercise wall time (start-up included; one run each)\n")
        print("| lesson | exercise | seconds |\n| --- | --- | ---: |")
        slowest = 0.0
        with tempfile.TemporaryDirectory() as runs_root:
            for name in names:
                for exercise in exercises_of(lessons.load(name)):
                    seconds = lesson_wall_time(name, runs_root, exercise)
                    slowest = max(slowest, seconds)
                    print(f"| {name} | {exercise} | {seconds:.1f} |", flush=True)
        print(f"| **slowest** | | **{slowest:.1f}** |\n")

    plain, chunked = feeding_cost(args.repeats)
    print(f"## Feeding small data (600 passes over the four XOR points, no callbacks; median of {args.repeats})\n")
    print("| how | seconds | per pass |\n| --- | ---: | ---: |")
    print(f"| Keras `fit`, one epoch a pass | {plain:.2f} | {plain / 600 * 1000:.1f} ms |")
    print(f"| `dlintro.training.fit`, 50 passes a Keras epoch | {chunked:.2f} | {chunked / 600 * 1000:.2f} ms |")
    print(f"| **speed-up** | **{plain / chunked:.0f}x** | |\n")

    # A run takes about a second and the machine's noise is a tenth of that: three times the
    # repeats, alternating, keep the ratio steady from one `make bench` to the next.
    pairs = 3 * args.repeats
    bare, full = reporting_overhead(pairs)
    print(f"## Cost of the reporting (XOR two-layer tanh net, default config; median of {pairs})\n")
    print("| training | seconds |\n| --- | ---: |")
    print(f"| no callbacks | {bare:.2f} |\n| full reporting | {full:.2f} |")
    print(f"| **ratio** | **{full / bare:.2f}x** |\n")

    print_zoo_reporting_overhead(args.repeats)
    # Keras traces its training function in the first batch (about 20 s of a 2-epoch fit of
    # ResNet50), which varies by a few seconds from run to run: more runs per median.
    print_applications_reporting_cost(2 * args.repeats - 1)

    together = starts_per_second(starts=100, one_by_one=False)
    apart = starts_per_second(starts=3, one_by_one=True)
    print("## Minima: random starts trained per second\n")
    print("| how | starts/s |\n| --- | ---: |")
    print(f"| 100 starts in one model | {together:.1f} |\n| one `fit` per start | {apart:.2f} |")
    print(f"| **speed-up** | **{together / apart:.0f}x** |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
