"""Histograms of the loss gradient for every weight, and per-layer gradient norms."""

import keras
import numpy as np
import tensorflow as tf
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary

from dlintro.callbacks import backends
from dlintro.callbacks.probe import (
    ProbeCallback,
    ProbeFunction,
    all_finite,
    as_probe,
    build_from_probe,
    built_inputs,
    check_batch,
    check_finite,
    checked_probe,
    describe,
    fitted_probe,
    from_dataset,
    gradient_function,
    plan_for,
    trace,
    traced_for,
    weight_groups,
)
from dlintro.callbacks.summaries import Summaries
from dlintro.i18n import N_, _

# One Custom Scalars chart per statistic, each drawing every layer of a run as its own line.
# The titles are what a learner reads in the Custom Scalars tab: written in the run's language.
_PER_LAYER_CHARTS = (
    (N_("Gradient norm per layer"), r"gradient_norm/.*"),
    (N_("Activation mean per layer"), r"activation_mean/.*"),
    (N_("Activation std per layer"), r"activation_std/.*"),
    (N_("Saturated sigmoid/tanh share per layer"), r"saturated_share/.*"),
    (N_("Dead ReLU share per layer"), r"dead_share/.*"),
)
PER_LAYER_CATEGORY = N_("Per layer")


def per_layer_layout():
    """The Custom Scalars layout that puts all layers of a run into one chart per statistic.

    Its titles are in the current language (`dlintro.i18n`); the tags they match are not.
    """
    charts = [
        layout_pb2.Chart(title=_(title), multiline=layout_pb2.MultilineChartContent(tag=[regex]))
        for title, regex in _PER_LAYER_CHARTS
    ]
    return layout_pb2.Layout(category=[layout_pb2.Category(title=_(PER_LAYER_CATEGORY), chart=charts)])


def log10_magnitudes(gradients):
    """log10 of the magnitudes of all entries of a layer's gradients, exact zeros dropped.

    An exact zero has no logarithm; such entries (a dead ReLU unit's weights, for example)
    are left out rather than floored at an arbitrary value that would stretch the axis. The
    `dead_share` scalars of `ActivationStatistics` count the dead units instead.
    """
    # The magnitudes are taken in the gradients' own type (exactly), their log10 in float64.
    magnitudes = np.concatenate([np.abs(np.asarray(g)).ravel() for g in gradients])
    return np.log10(magnitudes[magnitudes > 0], dtype=np.float64)


def shared_range(arrays):
    """(low, high) whole numbers around the values of all the arrays: common histogram edges."""
    filled = [array for array in arrays if array.size]
    if not filled:
        return None
    low = np.floor(min(array.min() for array in filled))
    high = np.ceil(max(array.max() for array in filled))
    return float(low), float(max(high, low + 1))


def output_description(model, probe_x):
    """What the model outputs for `probe_x`, as text, for an error message (None if it cannot run)."""
    try:
        outputs = model(backends.to_backend(probe_x), training=False)
        return describe(keras.tree.map_structure(np.asarray, outputs))
    except Exception:  # noqa: BLE001: only for a message; the caller raises its own error
        return None


class GradientStatistics(ProbeCallback):
    """Logs the gradient of the loss with respect to every trainable weight on a probe batch.

    Writes the histogram `gradients/<weight path>` for every trainable weight, the scalar
    `gradient_norm/<layer>` (L2 norm over all of a layer's weight gradients) for every layer,
    `gradient_norm_ratio/first_over_last` (how much smaller the first layer's norm is than the
    last layer's) and a Custom Scalars layout that draws every layer's norm in one chart. The
    gradient is the compiled loss (regularization included) in inference mode, so dropout does
    not make the probe noisy.

    It also writes, per layer, the histogram `gradient_magnitude_log10/<layer>`: log10 of the
    magnitude of every entry of all the layer's weight gradients (exact zeros, which have no
    logarithm, are left out). Why this tag exists: TensorBoard draws every histogram on an axis
    fitted to its own values, so `gradients/hidden_01/kernel` of a deep sigmoid net, a million
    times smaller than `gradients/output/kernel`, looks just like it; the difference hides in
    the axis labels (1e-8 against 1e-2). On a log10 axis the size of a gradient becomes a
    position, and all layers of a run share the same bucket edges at every step (whole numbers
    around the smallest and largest value of all layers), so TensorBoard gives their charts the
    same axis: the vanishing sigmoid net's first layer sits about six units left of its output
    layer, visible at first sight, with no log-axis toggle and no Custom Scalars layout.

    What it works on: the same models as `ActivationStatistics` (Sequential, Functional,
    subclassed, custom `train_step`, lists and dicts of inputs and outputs, `Embedding`,
    recurrent, convolution, attention layers, `mixed_float16`, `tf.distribute`), on the TensorFlow
    and JAX backends (on JAX, differentiated by `jax.grad`). A "layer" of
    the per-layer tags is the deepest layer that owns the weights, named by its path
    (`gradient_norm/encoder/dense_1` for a layer of a nested model `encoder`); a shared layer's
    weights are counted once. Frozen (non-trainable) weights get no gradient histogram. Under
    `mixed_float16` the loss is scaled as the optimizer scales it, and the gradients are
    unscaled in float32. A weight the loss does not depend on gets a zero gradient.

    With an `ActivationStatistics` of the same `fit` on the same `probe_x` (on TensorFlow), the
    gradients and the activations come from ONE traced function, one pass of the model for
    both at each log point (see `probe.ProbePlan`); a later `fit` of the same model, probes
    and loss reuses it.

    The loss is `model.compute_loss`: the one given to `compile`, or your override of
    `compute_loss`. A model that computes its loss only inside a custom `train_step` (and was
    compiled without `loss`) is refused: the callback cannot know that loss.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        probe_x: a fixed batch of inputs: any structure the model takes; or a batched
            `tf.data.Dataset` of `(x, y)` as given to `fit`, of which the first
            `DATASET_EXAMPLES` (64) examples are taken once, when the callback is made.
        probe_y: their targets: any structure the loss takes (a dict keyed by output name
            for a model with named outputs and a dict of losses); omitted for a dataset.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.

    Raises:
        ValueError: when made, if a probe is not a batch of arrays or `probe_y` is missing;
            at the start of training, before any callback writes, when the model cannot take
            `probe_x`, the loss cannot take `probe_y` (structure, shapes, dtypes), the
            probes' numbers of examples differ, a probe holds a NaN or an infinity, or the
            model has no compiled loss; the message names the expected and the given.

    Example:
        >>> callback = GradientStatistics("runs/mine", probe_x=x[:64], probe_y=y[:64])
        >>> model.fit(x, y, epochs=10, callbacks=[callback])
    """

    def __init__(self, log_dir, probe_x, probe_y=None, every=1, passes_per_epoch=1):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        owner = type(self).__name__
        backends.check_backend(owner)
        if isinstance(probe_x, tf.data.Dataset):
            if probe_y is not None:
                raise ValueError(f"{owner}: give probe_y only with an array probe_x; "
                                 "a dataset's (x, y) batches bring their own targets")
            probe_x, probe_y = from_dataset(probe_x, owner)
            if probe_y is None:
                raise ValueError(f"{owner}: the probe dataset yields inputs alone; it needs (x, y) batches")
        elif probe_y is None:
            raise ValueError(f"{owner}: probe_y, the targets of probe_x, is missing "
                             "(or pass a tf.data.Dataset of (x, y) batches as probe_x)")
        self.probe_x = checked_probe(probe_x, "probe_x", owner)
        self.probe_y = checked_probe(probe_y, "probe_y", owner)
        self._probe = None

    asks = "gradients"  # what it asks `ProbePlan` for

    @property
    def _gradients(self):
        """The traced function that gives the gradients (shared with other callbacks: `ProbePlan`)."""
        return self._function

    @property
    def asked_probes(self):
        """(probe_x, probe_y): the probes it asks `ProbePlan` to differentiate the loss on."""
        return self._probe

    def prepare(self):
        """Checks the probes and the loss, and asks for the gradient computation (see `ProbePlan`)."""
        owner = type(self).__name__
        model = self.model
        if getattr(model, "loss", None) is None and type(model).compute_loss is keras.Model.compute_loss:
            raise ValueError(f"{owner}: the model has no loss to differentiate: compile it with `loss=`, "
                             "or override `compute_loss`")
        self.defer_start = build_from_probe(model, fitted_probe(model, self.probe_x, owner), owner)
        x = fitted_probe(model, self.probe_x, owner)
        y = as_probe(self.probe_y)
        check_batch(owner, probe_x=self.probe_x, probe_y=self.probe_y)
        check_finite(owner, probe_x=x, probe_y=y)
        self._probe = (x, y)
        self._layout_written = False
        plan_for(model).ask(self)

    def get_ready(self):
        """Gets the traced function: traced now, with the other probe callbacks', or reused."""
        plan_for(self.model).build()

    def trace_key(self):
        """What a function of this callback's gradients depends on: model, probes' signature, loss, optimizer."""
        x, y = self._probe
        return traced_for(self.model, x, y), id(self.model.loss), id(getattr(self.model, "optimizer", None))

    def trace_function(self, key, recorder=None):
        """The gradient computation on the probes, traced: a `ProbeFunction` of the gradients.

        With an `ActivationRecorder`, the function returns the activations it records on the
        way too, from the same pass of the model (TensorFlow only).
        """
        owner = type(self).__name__
        model = self.model
        x, y = self._probe
        groups = weight_groups(model)
        weights = [group for unused, group in groups]
        try:
            if backends.on_jax():
                # The loss scale is an argument: it changes while a mixed-precision model trains.
                traced = trace(None, owner, x, y, self._loss_scale(), expected=built_inputs(model), model=model,
                               pure=backends.jax_gradient_function(model, weights))
            else:
                forward = None if recorder is None else recorder.run
                traced = trace(gradient_function(model, weights, forward=forward), owner, x, y,
                               expected=built_inputs(model))
        except ValueError as error:
            outputs = output_description(model, x)
            if outputs is None:  # the model itself cannot run on probe_x
                raise
            raise ValueError(
                f"{owner}: the loss cannot take probe_y: expected targets for the outputs "
                f"{outputs}, given {describe(y)} ({error.__cause__})"
            ) from error.__cause__
        parts = ("gradients",) if recorder is None else ("activations", "gradients")
        return ProbeFunction(traced, key, parts, recorder=recorder, groups=groups)

    def _loss_scale(self):
        """The optimizer's loss scale now, as a float32 NumPy scalar (1 without loss scaling)."""
        optimizer = getattr(self.model, "optimizer", None)
        scale = optimizer.scale_loss(1.0) if hasattr(optimizer, "scale_loss") else 1.0
        return np.float32(keras.ops.convert_to_numpy(scale))

    def summarize(self, step):
        if self._function is None:
            self.prepare()
            self.get_ready()
        # On JAX the optimizer's loss scale, as it is now, is an argument of the function.
        inputs = (*self._inputs, self._loss_scale()) if backends.on_jax() else None
        groups = self._function.groups
        per_layer = [
            list(zip(weights, map(np.asarray, gradients)))
            for (unused, weights), gradients in zip(groups, self.computed("gradients", inputs))
        ]
        if not all_finite(g for pairs in per_layer for unused, g in pairs):
            return False
        self.write_later(step, self._write, per_layer, groups, not self._layout_written)
        self._layout_written = True
        return True

    @classmethod
    def _write(cls, step, per_layer, groups, with_layout):
        """Every weight's gradient histogram, each layer's norm and magnitudes at `step` (on the statistics' background thread)."""
        if with_layout:
            tf.summary.experimental.write_raw_pb(
                custom_scalar_summary.pb(per_layer_layout()).SerializeToString(), step=0
            )
        summaries = Summaries()
        norms = []
        for (path, unused), pairs in zip(groups, per_layer):
            for weight, gradient in pairs:
                summaries.histogram(f"gradients/{weight.path}", gradient)
            norm = float(np.sqrt(sum(np.sum(np.square(gradient, dtype=np.float64)) for unused, gradient in pairs)))
            summaries.scalar(f"gradient_norm/{path}", norm)
            norms.append(norm)
        if len(norms) > 1 and norms[-1] > 0:
            summaries.scalar("gradient_norm_ratio/first_over_last", norms[0] / norms[-1])
        cls._add_log_magnitudes(summaries, per_layer, groups)
        summaries.write()

    @staticmethod
    def _add_log_magnitudes(summaries, per_layer, groups):
        """One log10-magnitude histogram per layer, all on the same bucket edges."""
        logs = [log10_magnitudes([gradient for unused, gradient in pairs]) for pairs in per_layer]
        # When every gradient is exactly zero (a net at the exact bottom of its loss), there is
        # no logarithm to draw; an empty histogram on the unit interval keeps every series
        # complete, one histogram per log point.
        value_range = shared_range(logs) or (0.0, 1.0)
        for (path, unused), values in zip(groups, logs):
            # A layer whose gradient is exactly zero gets an empty histogram on the shared edges.
            summaries.histogram(f"gradient_magnitude_log10/{path}", values, value_range=value_range)
