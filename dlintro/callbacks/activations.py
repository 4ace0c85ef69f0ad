"""Histograms and per-layer statistics of every layer's activations on a probe batch."""

import os

import keras
import numpy as np
import tensorflow as tf

from dlintro.callbacks import backends
from dlintro.callbacks.probe import (
    ProbeCallback,
    ProbeFunction,
    all_finite,
    build_from_probe,
    built_inputs,
    check_finite,
    checked_probe,
    fitted_probe,
    from_dataset,
    layer_tree,
    plan_for,
    trace,
    traced_for,
)
from dlintro.callbacks.summaries import Summaries, buckets_and_moments

# A sigmoid or tanh unit counts as saturated where its slope is below a tenth of its
# largest slope (0.25 for sigmoid, 1 for tanh): little gradient gets through it there.
_SATURATION_SLOPE = 0.1


def saturated_share(activation_name, outputs):
    """Share of sigmoid/tanh outputs whose local slope is under a tenth of its maximum (worked out in float64)."""
    if activation_name not in ("sigmoid", "tanh"):
        return None
    outputs = np.asarray(outputs, dtype=np.float64)
    if activation_name == "sigmoid":
        slope = outputs * (1.0 - outputs) / 0.25
    else:
        slope = 1.0 - outputs**2
    return float(np.mean(slope < _SATURATION_SLOPE))


# The activations whose units can die: they output exactly 0 for every input below a point.
_RELU_NAMES = ("relu", "relu6")


def dead_share(activation_name, outputs):
    """Share of ReLU units (last axis) that output 0 for every probe example."""
    if activation_name not in _RELU_NAMES:
        return None
    per_unit = outputs.reshape(-1, outputs.shape[-1])
    return float(np.mean(np.all(per_unit <= 0.0, axis=0)))


def activation_name(layer):
    """Name of the activation function a layer's output comes out of (`"linear"` when none).

    A recurrent layer's output is not its `activation`'s output (an LSTM's is a gate times a
    tanh), so the saturated and dead shares, which assume it is, do not apply to one. A ReLU
    counts as one whatever its form: `activation="relu"` or `"relu6"`, `Activation("relu")`,
    and the `ReLU` layer (MobileNetV2's `ReLU(6.0)`) unless it leaks (`negative_slope` > 0).
    """
    if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional)):
        return "linear"
    if isinstance(layer, keras.layers.ReLU):
        return "relu" if not layer.negative_slope else "leaky_relu"
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "linear")


# Bytes per value of the largest layer while its statistics are computed, at most: the
# float64 copy and slope of a sigmoid's or tanh's saturated share, with room to spare (the
# histogram, mean and std take a block at a time, a ReLU's dead share a boolean per value).
_WORK_BYTES_PER_VALUE = 32


def available_memory():
    """Bytes of memory the system can give this process now (Linux's MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(owner, probe, outputs):
    """A ValueError when the probe's layer outputs would take more than half the available memory.

    `outputs` gives (shape, bytes per value) of every recorded output for the whole probe: all
    of them are held at once, and the largest also in float64 while its saturated share is
    worked out; outputs of a size unknown when traced are left out. The message says how many
    examples fit.
    """
    budget = available_memory()
    # An output whose size tracing cannot tell (a text layer's, by the vocabulary) is not counted.
    outputs = [(shape, width) for shape, width in outputs if None not in shape]
    if budget is None or not outputs:
        return
    budget //= 2
    rows = len(keras.tree.flatten(probe)[0])
    sizes = [int(np.prod(shape)) for shape, _ in outputs]
    needed = sum(size * width for size, (_, width) in zip(sizes, outputs)) + _WORK_BYTES_PER_VALUE * max(sizes)
    if needed <= budget:
        return
    fit = int(budget // (needed / rows))
    advice = f"pass at most {fit} examples (probe_x[:{fit}])" if fit else "no probe fits"
    raise ValueError(f"{owner}: the {rows}-example probe's layer outputs would take {needed / 1e9:.1f} GB "
                     f"({needed / rows / 1e6:.1f} MB an example), more than half the {2 * budget / 1e9:.1f} GB "
                     f"of memory available; {advice}")


class ActivationRecorder:
    """Records the output of every layer of `layer_tree(model)` while the model runs.

    During one trace of `forward` (inside a `tf.function`), each layer's `call` is briefly
    wrapped so that its outputs are kept as they are computed; the traced graph then returns
    them, and the wrappers are removed before `forward` returns. This works on models without
    a symbolic graph (subclassed models, custom `call`s) as on Functional and Sequential ones,
    and sees a shared layer at each of its calls. Outputs computed inside TensorFlow control
    flow (a recurrent cell inside its loop) cannot leave it and are not recorded; the layers
    that hold such loops are built-in Keras layers, which `layer_tree` does not look into.

    After the trace, `tags` names each returned tensor (`<path>`, `<path>/call_<i>` for the
    i-th call of a layer called more than once, `.../output_<j>` for a layer with several
    outputs) and `layers` gives the layer behind each.
    """

    def __init__(self, model):
        self.model = model
        self.tags = []
        self.layers = []

    def forward(self, x):
        """Every recorded layer output of the model on `x` (in inference mode)."""
        return self.run(x)[1]

    def run(self, x):
        """(the model's outputs, every recorded layer output) on `x`, in inference mode."""
        graph = backends.current_graph()
        calls = []
        restore = [self._wrap(path, layer, calls, graph) for path, layer, _ in layer_tree(self.model)]
        try:
            outputs = self.model(x, training=False)
        finally:
            for undo in restore:
                undo()
        return outputs, self._name(calls)

    @staticmethod
    def _wrap(path, layer, calls, graph):
        """Wraps `layer.call` to append (path, layer, outputs) to `calls`; returns the undo."""
        original = layer.call
        previous = layer.__dict__.get("call")

        def call(*args, **kwargs):
            outputs = original(*args, **kwargs)
            tensors = [tensor for tensor in keras.tree.flatten(outputs) if backends.is_traced_tensor(tensor, graph)]
            if tensors:
                calls.append((path, layer, tensors))
            return outputs

        # Keras layers track what is assigned to them; a plain instance attribute is enough here.
        object.__setattr__(layer, "call", call)

        def undo():
            if previous is None:
                object.__delattr__(layer, "call")
            else:
                object.__setattr__(layer, "call", previous)

        return undo

    def _name(self, calls):
        """Tags every recorded tensor; returns them, low-precision floats cast to float32."""
        counts = {}
        for path, _, _ in calls:
            counts[path] = counts.get(path, 0) + 1
        seen, outputs = {}, []
        self.tags, self.layers = [], []
        for path, layer, tensors in calls:
            seen[path] = seen.get(path, 0) + 1
            base = path if counts[path] == 1 else f"{path}/call_{seen[path]}"
            for index, tensor in enumerate(tensors):
                self.tags.append(base if len(tensors) == 1 else f"{base}/output_{index}")
                self.layers.append(layer)
                low_precision = keras.backend.standardize_dtype(tensor.dtype) in ("float16", "bfloat16")
                outputs.append(keras.ops.cast(tensor, "float32") if low_precision else tensor)
        return outputs


class ActivationStatistics(ProbeCallback):
    """Logs every layer's activations on a fixed probe batch.

    Writes, per layer: the histogram `activations/<layer>`, the scalars
    `activation_mean/<layer>` and `activation_std/<layer>`, and where they apply
    `saturated_share/<layer>` (sigmoid and tanh: share of outputs on the flat part of the curve)
    and `dead_share/<layer>` (ReLU of any form, `relu6` and the `ReLU` layer included: share of
    units silent on every probe example).

    What it works on: Sequential (with or without `Input`), Functional and subclassed models,
    models with a custom `train_step`, several inputs or outputs given as lists or dicts,
    integer inputs (`Embedding`), recurrent, convolution, attention, normalization, dropout
    and preprocessing layers, frozen layers, the `mixed_float16` policy (histograms of float32
    casts of the float16 outputs) and `tf.distribute` strategies; on Keras's TensorFlow and JAX
    backends (on JAX, jitted with JAX, with no TensorFlow tracing of the model; another backend
    is refused with a ValueError when the callback is made). The activations are those of
    inference (`training=False`): dropout and random augmentation are off, batch normalization
    uses its moving statistics.

    Which layers: every layer the model calls, found while the model runs, so subclassed
    models are covered as Functional ones. The layers of a nested model (a model used as a
    layer) and of layer classes of your own are reported too, tagged by their path
    (`activations/encoder/dense_1`), as is the nested model's own output (`activations/encoder`).
    A built-in Keras layer is one layer: the inner sublayers of an `LSTM`, a
    `MultiHeadAttention` or a `Bidirectional` are not reported. A shared layer gets one
    histogram per call (`activations/<layer>/call_1`, `.../call_2`); a layer with several
    outputs one per output (`.../output_0`, `.../output_1`). The saturated and dead shares are
    not computed for recurrent layers, whose outputs are not their activation's outputs.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        probe_x: a fixed batch of inputs, the same at every step: any structure the model
            takes (an array, a list, a dict keyed by input name), or a batched
            `tf.data.Dataset` as given to `fit`, of which the first `DATASET_EXAMPLES` (64)
            examples are taken once, when the callback is made.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.

    Cost: with a `GradientStatistics` of the same `fit` on the same `probe_x` (on TensorFlow),
    the activations and the gradients come from ONE traced function, one pass of the model
    for both at each log point (see `probe.ProbePlan`); a later `fit` of the same model,
    probes and loss reuses it.

    Memory: every layer's output on the whole probe is held at once (in float32; a sigmoid or
    tanh layer's also in float64 while its saturated share is computed). At the start of
    training the callback estimates that from the traced shapes and refuses a probe that would
    take more than half the memory available, saying how many examples fit (a 500-example probe of MobileNetV2 at
    32x32 takes about 1.3 GB; in float64, as before, it took 2.7 GB).

    Raises:
        ValueError: when made, if `probe_x` is not a batch of arrays (nested Python lists, a
            generator); at the start of training, before any callback writes, when the model
            cannot take `probe_x` (its structure, shapes or dtypes do not fit the model's
            inputs; an integer input takes only an integer probe), naming the expected and
            the given, when `probe_x` holds a NaN or an infinity, or when its layer outputs
            would not fit in memory.

    Example:
        >>> callback = ActivationStatistics("runs/mine", probe_x=x_train[:64])
        >>> model.fit(x_train, y_train, epochs=10, callbacks=[callback])
        >>> # Two named inputs, one of them token ids:
        >>> callback = ActivationStatistics("runs/mine", probe_x={"title": ids[:16], "image": images[:16]})
    """

    asks = "activations"  # what it asks `ProbePlan` for

    def __init__(self, log_dir, probe_x, every=1, passes_per_epoch=1):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        owner = type(self).__name__
        backends.check_backend(owner)
        if isinstance(probe_x, tf.data.Dataset):
            probe_x, _ = from_dataset(probe_x, owner)
        self.probe_x = checked_probe(probe_x, "probe_x", owner)
        self._probe = None

    @property
    def _forward(self):
        """The traced function that gives the layers' outputs (shared with other callbacks: `ProbePlan`)."""
        return self._function

    @property
    def asked_probes(self):
        """(probe_x, None): the probe it asks `ProbePlan` to run the model on (no targets)."""
        return self._probe, None

    def prepare(self):
        """Checks the probe against the model, and asks for the recording forward pass (see `ProbePlan`)."""
        owner = type(self).__name__
        self.defer_start = build_from_probe(self.model, fitted_probe(self.model, self.probe_x, owner), owner)
        self._probe = fitted_probe(self.model, self.probe_x, owner)
        check_finite(owner, probe_x=self._probe)
        plan_for(self.model).ask(self)

    def get_ready(self):
        """Gets the traced function (traced now, with the other probe callbacks', or reused), checks the memory."""
        plan_for(self.model).build()
        check_memory(type(self).__name__, self._probe, self._function.output_specs("activations"))

    def trace_key(self):
        """What a function of this callback's activations depends on (see `traced_for`)."""
        return traced_for(self.model, self._probe)

    def new_recorder(self):
        """A fresh `ActivationRecorder` of the model, for a function that records its activations."""
        return ActivationRecorder(self.model)

    def trace_function(self, key):
        """The recording forward pass on the probe alone, traced: a `ProbeFunction` of the activations."""
        recorder = self.new_recorder()
        traced = trace(recorder.forward, type(self).__name__, self._probe, expected=built_inputs(self.model),
                       model=self.model)
        return ProbeFunction(traced, key, ("activations",), recorder=recorder)

    def summarize(self, step):
        if self._function is None:
            self.prepare()
            self.get_ready()
        # The layers' outputs are held in their own type (float32, or float32 casts of
        # float16), and their statistics worked out in float64 a block at a time, with no
        # float64 copy of a layer (`buckets_and_moments`): the std of large but finite float32
        # activations (a diverging run just before its loss overflows) would overflow to
        # infinity in float32.
        outputs = [np.asarray(output) for output in self.computed("activations")]
        if not all_finite(outputs):
            return False
        self.write_later(step, self._write, outputs, self._function.recorder)
        return True

    @staticmethod
    def _write(step, outputs, recorder):
        """Every recorded layer's histogram, mean, std and shares at `step` (on the statistics' background thread)."""
        summaries = Summaries()
        for tag, layer, output in zip(recorder.tags, recorder.layers, outputs):
            buckets, mean, std = buckets_and_moments(output)  # finite: `summarize` checked
            name = activation_name(layer)
            summaries.buckets(f"activations/{tag}", buckets)
            summaries.scalar(f"activation_mean/{tag}", mean)
            summaries.scalar(f"activation_std/{tag}", std)
            for kind, share in (
                ("saturated_share", saturated_share(name, output)),
                ("dead_share", dead_share(name, output) if output.ndim else None),
            ):
                if share is not None:
                    summaries.scalar(f"{kind}/{tag}", share)
        summaries.write()
