"""What the callbacks share: the step convention, probe checks, the layer tree, the probe gradient, histogram and figure helpers, ProbeCallback."""

import contextlib
import weakref
from concurrent import futures

import keras
import numpy as np
import tensorflow as tf
from matplotlib.backends.backend_agg import FigureCanvasAgg

from dlintro import fonts
from dlintro.callbacks import background, backends
from dlintro.callbacks.pictures import rgb_copy


def figure_to_array(figure):
    """Renders a Matplotlib figure into an (height, width, 3) uint8 RGB array.

    A bare `Figure` drawn by the Agg canvas renders in memory, without pyplot's global state.
    Hangul is drawn with NanumGothic (`dlintro.fonts`).
    """
    fonts.use()
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return rgb_copy(np.asarray(canvas.buffer_rgba()))


def epoch_step(epoch, passes_per_epoch):
    """The TensorBoard step after Keras epoch `epoch`: passes over the data completed.

    Every dlintro callback counts steps this way (step 0 is the untrained model), so that
    curves, histograms and pictures line up even when one Keras epoch covers several passes.
    """
    return (epoch + 1) * passes_per_epoch


def all_finite(arrays):
    """True when every value in every floating-point array is finite (no NaN, no Inf).

    Integer and boolean arrays (token ids, masks) cannot hold a NaN or an Inf, and NumPy's
    `isfinite` refuses some of them, so only floating-point arrays are checked.
    """
    for array in arrays:
        array = np.asarray(array)
        if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
            return False
    return True


def symbolic_input(model, probe_x):
    """The model's symbolic input, building one from the probe's shape when it has none.

    A Sequential model declared without an `Input` has no symbolic input before it is called
    (Keras builds it at the first training step, after `on_train_begin`); `build` gives it one.
    """
    try:
        inputs = model.inputs
    except AttributeError:
        model.build((None, *probe_x.shape[1:]))
        inputs = model.inputs
    return inputs[0] if len(inputs) == 1 else inputs


def as_probe(structure):
    """A probe (any nest of arrays) as NumPy arrays, floats in Keras's float type.

    Keras's `fit` turns float64 NumPy data into `keras.config.floatx()` before the model sees
    it; the probe is converted the same way, so that it meets the model as the training data do.
    Text becomes an object array of Python strings, which Keras and TensorFlow take as strings.
    """

    def convert(value):
        array = np.asarray(value)
        if array.dtype.kind == "f" and array.dtype != np.dtype(keras.config.floatx()):
            array = array.astype(keras.config.floatx())
        elif array.dtype.kind == "U":
            array = array.astype(object)
        return array

    return keras.tree.map_structure(convert, structure)


# How many examples a probe callback takes from a `tf.data.Dataset` given as its probe.
DATASET_EXAMPLES = 64


def from_dataset(dataset, owner, examples=DATASET_EXAMPLES):
    """(x, y) of the first `examples` examples of a batched `tf.data.Dataset`, as `fit` reads it.

    Each element is a batch of `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`, the forms
    `fit` takes; `y` is None when the dataset yields inputs alone. Batches are read until
    `examples` examples are in (fewer if the dataset ends first) and cut to `examples`.
    """
    xs, ys, taken = [], [], 0
    for element in dataset.as_numpy_iterator():
        x, y, _ = keras.utils.unpack_x_y_sample_weight(element)
        sizes = {np.shape(leaf)[0] if np.ndim(leaf) else 0 for leaf in keras.tree.flatten(x)}
        if len(sizes) != 1 or 0 in sizes:
            raise ValueError(f"{owner}: the probe dataset must yield batches (use `dataset.batch(n)`); "
                             f"given elements {describe(as_probe(x))}")
        xs.append(x)
        ys.append(y)
        taken += sizes.pop()
        if taken >= examples:
            break
    if not xs:
        raise ValueError(f"{owner}: the probe dataset is empty")

    def joined(*batches):
        return np.concatenate(batches)[:examples]

    x = keras.tree.map_structure(joined, *xs)
    y = None if any(value is None for value in ys) else keras.tree.map_structure(joined, *ys)
    return x, y


def checked_probe(value, name, owner):
    """`value` as given for the probe `name`, refused with one line unless it is a nest of batches.

    A probe is one array per model input (or target), each with the examples on its first
    axis: a NumPy array, a tensor, or a list or dict of them. Nested Python lists of numbers
    (not one array), a generator or a `PyDataset` (not one batch) are refused here, at the
    callback's construction.
    """
    leaves = keras.tree.flatten(value)
    if not leaves:
        raise ValueError(f"{owner}: {name} is empty; pass a batch of examples")
    if any(isinstance(leaf, (int, float, complex, str, bytes, np.generic)) for leaf in leaves):
        raise ValueError(f"{owner}: {name} is nested Python lists of values, not arrays; "
                         f"pass np.asarray({name}) (or a list of arrays, one per input)")
    for leaf in leaves:
        if not hasattr(leaf, "shape") and not isinstance(leaf, np.ndarray) and np.ndim(leaf) == 0:
            raise ValueError(f"{owner}: {name} must be a batch of arrays or a tf.data.Dataset, "
                             f"not a {type(leaf).__name__}; pass one batch of it")
    return value


def check_finite(owner, **probes):
    """A ValueError unless every value of the probes' floating-point arrays is finite."""
    for name, probe in probes.items():
        arrays = [np.asarray(array) for array in keras.tree.flatten(probe)]
        if not all_finite(arrays):
            bad = sum(int(np.sum(~np.isfinite(array))) for array in arrays if array.dtype.kind in "fc")
            raise ValueError(f"{owner}: {name} holds {bad} NaN or infinite value(s); a probe must be finite, "
                             "or every step's values would be too, and none would be written")


def describe(structure):
    """A short text of a nest of arrays or Keras tensors: their shapes and dtypes."""

    def one(value):
        if not hasattr(value, "dtype"):
            return type(value).__name__
        try:
            dtype = keras.backend.standardize_dtype(value.dtype)
        except ValueError:  # NumPy text ("<U4") and object arrays have no Keras name
            dtype = "string" if np.dtype(value.dtype).kind in "USO" else str(value.dtype)
        return f"{tuple(value.shape)} {dtype}"

    if isinstance(structure, dict):
        return "{" + ", ".join(f"{key!r}: {describe(value)}" for key, value in structure.items()) + "}"
    if isinstance(structure, (list, tuple)):
        return "[" + ", ".join(describe(value) for value in structure) + "]"
    return one(structure)


def declared_inputs(model):
    """The model's symbolic inputs in the structure it was declared with, or None (subclassed)."""
    functional = getattr(model, "_functional", None) or model  # a built Sequential holds one
    return getattr(functional, "_inputs_struct", None)


def _arrange_like(declared, probe, name):
    """The probe's arrays in the structure of the declared inputs, or a ValueError.

    Like Keras, a model declared with a list of inputs also takes a dict keyed by their names.
    """
    if isinstance(declared, dict):
        if not isinstance(probe, dict) or set(probe) != set(declared):
            raise ValueError(f"{name} must be a dict with the keys {sorted(declared)}")
        return {key: probe[key] for key in declared}
    if isinstance(declared, (list, tuple)):
        if isinstance(probe, dict):
            names = [tensor.name for tensor in declared]
            if set(probe) != set(names):
                raise ValueError(f"{name} must be a list of {len(declared)} arrays or a dict with the keys {names}")
            return [probe[key] for key in names]
        if not isinstance(probe, (list, tuple)) or len(probe) != len(declared):
            raise ValueError(f"{name} must be a list of {len(declared)} arrays")
        return list(probe)
    if isinstance(probe, (list, tuple)) and len(probe) == 1:
        probe = probe[0]
    if isinstance(probe, (list, tuple, dict)):
        raise ValueError(f"{name} must be one array")
    return probe


def _dtype_fits(expected, given):
    """Whether an array of dtype `given` can feed a model input of dtype `expected`.

    Integer inputs (token ids for an `Embedding`) take only integers: Keras would silently
    truncate a float; float inputs take numbers of any kind; string inputs only strings.
    """
    expected_kind = np.dtype(keras.backend.standardize_dtype(expected)).kind if expected != "string" else "U"
    if expected_kind in "iub":
        return given.kind in "iub"
    if expected_kind in "fc":
        return given.kind in "iubfc"
    return given.kind in "USO"


def fitted_probe(model, probe_x, owner):
    """`probe_x` as NumPy arrays in the structure the model declares, checked against its inputs.

    Raises:
        ValueError: naming the expected and the given, when the probe's structure, shapes or
            dtypes cannot feed the model's declared inputs, or when its arrays do not all
            have the same number of examples. A subclassed model declares no inputs: its
            probe is checked when `trace` first runs it.
    """
    probe = as_probe(probe_x)
    check_batch(owner, probe_x=probe_x)
    declared = declared_inputs(model)
    if declared is None:
        return probe
    refusal = f"{owner}: the model cannot take probe_x: expected {describe(declared)}, given {describe(probe)}"
    try:
        probe = _arrange_like(declared, probe, "probe_x")
    except ValueError as error:
        raise ValueError(f"{refusal} ({error})") from None
    arrays = []
    for tensor, array in zip(keras.tree.flatten(declared), keras.tree.flatten(probe)):
        shape = tuple(tensor.shape)
        # Keras's Functional models add or drop a last axis of 1 (a (N,) probe for an input of
        # shape (None, 1), such as one string per example); so does the probe.
        if array.ndim == len(shape) - 1 and shape[-1] == 1:
            array = array[..., None]
        elif array.ndim == len(shape) + 1 and array.shape[-1] == 1:
            array = array[..., 0]
        fits = len(shape) == array.ndim and all(
            want is None or want == have for want, have in zip(shape[1:], array.shape[1:])
        )
        if not fits or not _dtype_fits(tensor.dtype, array.dtype):
            raise ValueError(f"{refusal} (input {tensor.name!r})" if keras.tree.is_nested(declared) else refusal)
        arrays.append(array)
    return keras.tree.pack_sequence_as(probe, arrays)


def check_batch(owner, **probes):
    """A ValueError unless every array of every probe has the same, non-zero, number of examples."""
    sizes = {}
    for name, probe in probes.items():
        for array in keras.tree.flatten(probe):
            sizes.setdefault(len(array) if np.ndim(array) else 0, []).append(name)
    if len(sizes) != 1 or 0 in sizes:
        given = ", ".join(f"{name}: {describe(as_probe(probe))}" for name, probe in probes.items())
        raise ValueError(f"{owner}: every probe array needs the same number of examples (at least 1); given {given}")


def trace(function, owner, *probes, expected=None, model=None, pure=None):
    """`function` traced once for the probes' exact shapes and dtypes, called on the probes.

    On TensorFlow, a concrete function: tracing once, for one input signature, and calling the
    concrete function afterwards means TensorFlow never retraces it, so it never prints a
    retracing warning, however many models a process trains. On JAX, a `JaxFunction` of
    `model`'s variables and the probes: `pure` (by default `function` run in a stateless scope
    of the model's variables), jitted. An error while tracing (the model cannot take the
    probe) becomes a ValueError that names the given probes and, when known, what the model
    expects.
    """
    try:
        if backends.on_jax():
            return backends.JaxFunction(model, pure or backends.stateless(model, function), *probes)
        specs = keras.tree.map_structure(lambda array: tf.TensorSpec(array.shape, array.dtype), probes)
        # No AutoGraph, as in Keras's own train and test functions: the model's layers bring
        # their own graph code, and converting our wrappers' Python is needless and fragile.
        return tf.function(function, autograph=False).get_concrete_function(*specs)
    except Exception as error:  # noqa: BLE001: any failure here means the probe does not fit
        given = ", ".join(describe(probe) for probe in probes)
        wanted = f"expected {expected}, " if expected else ""
        # TensorFlow's tracing errors open with "in user code:" and a traceback; the cause is
        # the last line.
        reason = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
        cause = reason[-1] if reason else type(error).__name__
        raise ValueError(
            f"{owner}: the model cannot take the probe: {wanted}given {given} ({type(error).__name__}: {cause})"
        ) from error


def traced_for(model, *probes):
    """What a traced probe function depends on: the model, its variables and the probes' signature.

    A callback keeps its traced function from one `fit` to the next while this stays the same,
    so that a second `fit` (more epochs, a new learning rate) does not pay the tracing again.
    """
    signature = [(tuple(np.shape(array)), str(np.asarray(array).dtype)) for array in keras.tree.flatten(probes)]
    return (id(model), keras.backend.backend(), tuple(id(variable) for variable in model.variables),
            tuple(id(variable) for variable in model.trainable_variables),
            repr(keras.tree.map_structure(lambda _: None, probes)), tuple(signature))


def is_built(model):
    """Whether the model and all its layers have their weights (Keras builds some only at the first batch)."""
    return model.built and all(layer.built for layer in model._flatten_layers())


# Models that a probe callback built from its probe: their first batch shows whether the
# training data fit what the probe built, so every probe callback waits for it.
_BUILT_FROM_PROBE = weakref.WeakSet()


def build_from_probe(model, probe, owner):
    """Builds the model from the probe if training has not built it yet; True if a probe built it.

    Without TensorFlow's distribution strategies, Keras builds a subclassed model or a
    Sequential model declared without `Input` only when it traces its first training step,
    after the callbacks' `on_train_begin`; such a model is built here by calling it on the
    probe. The answer is True for a model built this way, by this or another callback.
    """
    if is_built(model):
        return model in _BUILT_FROM_PROBE
    try:
        model(backends.to_backend(probe), training=False)
    except Exception as error:  # noqa: BLE001: any failure here means the probe does not fit
        reason = str(error).strip().splitlines()
        raise ValueError(
            f"{owner}: the model cannot take the probe: given {describe(probe)} "
            f"({reason[0] if reason else type(error).__name__})"
        ) from error
    _BUILT_FROM_PROBE.add(model)
    return True


def built_inputs(model):
    """What a model was built for, as Keras recorded it, for error messages (or None)."""
    declared = declared_inputs(model)
    if declared is not None:
        return describe(declared)
    shapes = getattr(model, "_build_shapes_dict", None)
    return ", ".join(f"{key}={value}" for key, value in shapes.items()) if shapes else None


def is_container(layer):
    """Whether dlintro looks inside a layer: any `keras.Model`, and any layer class of your own.

    Keras's built-in layers (`LSTM`, `MultiHeadAttention`, `Bidirectional`...) count as one
    layer each: what they hold inside is their implementation, not your architecture.
    """
    if isinstance(layer, keras.Model):
        return True
    return not type(layer).__module__.startswith("keras") and bool(sublayers(layer))


def sublayers(layer):
    """A layer's direct sublayers, without the `InputLayer`s of a Functional model."""
    found = layer.layers if isinstance(layer, keras.Model) else layer._flatten_layers(include_self=False, recursive=False)
    return [child for child in found if not isinstance(child, keras.layers.InputLayer)]


def layer_tree(model):
    """Every layer dlintro reports on, as (path, layer, is a container), parents before children.

    The path is the chain of layer names below the model (`encoder/dense_1` for the layer
    `dense_1` of a nested model `encoder`). A layer used in several places is listed once, at
    the first; a built-in Keras layer is one entry, its inner sublayers are not listed.
    """
    nodes, seen = [], set()

    def visit(layer, prefix):
        for child in sublayers(layer):
            if id(child) in seen:
                continue
            seen.add(id(child))
            path = f"{prefix}{child.name}"
            container = is_container(child)
            nodes.append((path, child, container))
            if container:
                visit(child, f"{path}/")

    visit(model, "")
    return nodes


def weight_groups(model):
    """(path, trainable weights) of every layer that owns any, in the order of `layer_tree`.

    Each weight belongs to the deepest layer that holds it (a nested model's `Dense` owns its
    kernel, not the nested model); weights that the model itself creates form a group named
    after the model. Frozen (non-trainable) layers own no trainable weights: they have no group.
    """
    nodes = layer_tree(model)
    claimed, owned = set(), {}
    by_depth = sorted(nodes, key=lambda node: node[0].count("/"), reverse=True)
    for path, layer, _ in [*by_depth, (model.name, model, True)]:
        mine = [weight for weight in layer.trainable_weights if id(weight) not in claimed]
        claimed.update(id(weight) for weight in mine)
        owned[path] = mine
    ordered = [(path, owned[path]) for path, _, _ in nodes] + [(model.name, owned[model.name])]
    return [(path, weights) for path, weights in ordered if weights]


def loss_scale(model):
    """The factor the optimizer scales the loss by (a mixed-precision `LossScaleOptimizer`), else 1."""
    optimizer = getattr(model, "optimizer", None)
    return optimizer.scale_loss(tf.constant(1.0)) if hasattr(optimizer, "scale_loss") else tf.constant(1.0)


def scales_loss(model):
    """Whether the model's optimizer scales the loss: a `LossScaleOptimizer`, or a `loss_scale_factor`."""
    optimizer = getattr(model, "optimizer", None)
    return (isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
            or getattr(optimizer, "loss_scale_factor", None) is not None)


def gradient_function(model, groups, per_group=None, forward=None):
    """A function of (x, y): the compiled loss's gradients for each group of weights.

    The loss is computed in inference mode (so dropout does not make a probe noisy), scaled as
    the optimizer scales it (so float16 gradients of a `mixed_float16` model do not underflow),
    and the gradients are unscaled and returned in float32. A weight the loss does not depend
    on gets a zero gradient. With `forward`, a function of x that runs the model (in
    inference mode) and returns (its outputs, anything else it records on the way), the
    function returns (what `forward` recorded, the gradients): one pass of the model serves
    both, so that activations and gradients are traced and computed together.
    """

    # Without loss scaling, the graph holds no multiplication by 1 and no division of every
    # gradient by 1 (the same values, a few hundred operations fewer to trace on a deep model).
    scaling = scales_loss(model)

    def gradients(x, y):
        with tf.GradientTape() as tape:
            y_pred, recorded = forward(x) if forward is not None else (model(x, training=False), None)
            loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
            scale = tf.cast(loss_scale(model), loss.dtype) if scaling else None
            scaled = loss * scale if scaling else loss
        per_weight = tape.gradient(scaled, groups, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        # An Embedding's gradient comes as IndexedSlices: dense, like every other.
        per_weight = [[tf.convert_to_tensor(tf.cast(g, tf.float32)) for g in group] for group in per_weight]
        if scaling:
            unscale = tf.cast(scale, tf.float32)
            per_weight = [[g / unscale for g in group] for group in per_weight]
        per_weight = per_weight if per_group is None else [per_group(group) for group in per_weight]
        return per_weight if forward is None else (recorded, per_weight)

    return gradients


def probe_gradients(model, probe_x, per_layer=None):
    """The layers with trainable weights and a function of their loss gradients.

    The gradient is that of the compiled loss (regularization included) in inference mode, so
    that dropout does not make a probe noisy. The callbacks that look at gradients share this
    one definition, so that their numbers describe the same gradient. The function is traced
    once, at its first call, for the shapes of that call's probes.

    Args:
        model: a compiled `keras.Model`.
        probe_x: a batch of inputs, to build a Sequential model declared without `Input`.
        per_layer: optional function applied to each layer's list of gradients inside the
            traced function (for example `tf.linalg.global_norm`).

    Returns:
        (layers, gradients): `gradients(x, y)` returns one entry per layer, the list of the
        gradients of its trainable weights in their order (or `per_layer` of that list).
    """
    if isinstance(model, keras.Sequential):
        symbolic_input(model, probe_x)  # builds a never-called Sequential's weights
    layers = [layer for layer in model.layers if layer.trainable_weights]
    function = gradient_function(model, [layer.trainable_weights for layer in layers], per_layer)
    traced = []

    def gradients(x, y):
        x, y = as_probe(x), as_probe(y)
        if not traced:
            traced.append(trace(function, "probe_gradients", x, y))
        return traced[0](x, y)

    return layers, gradients


def same_probe(first, second):
    """Whether two probes (nests of NumPy arrays) hold the same values in the same structure and dtypes."""
    if repr(keras.tree.map_structure(lambda _: None, first)) != repr(keras.tree.map_structure(lambda _: None, second)):
        return False
    return all(a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
               for a, b in zip(map(np.asarray, keras.tree.flatten(first)), map(np.asarray, keras.tree.flatten(second))))


# Grappler's graph optimizations, which TensorFlow runs on a function when it is first called,
# cost more than they save on a probe function, called a few times a `fit`: they took half
# the first call of MobileNetV2's and ResNet50's at 32x32 (0.4 s and 0.7 s), and the calls
# after it ran about as fast without them (ResNet50) or 0.04 s slower (MobileNetV2).
_PROBE_GRAPH_OPTIONS = {"disable_meta_optimizer": True}


@contextlib.contextmanager
def probe_graph_options():
    """Within it, TensorFlow instantiates and runs functions without Grappler's optimizations.

    The options are TensorFlow's (`tf.config.optimizer`), for the calling thread's function
    calls; they are put back as they were on leaving, to the byte: TensorFlow instantiates a
    function again (and optimizes it again) when it is called under another configuration,
    so that Keras's training function, made before or after, must see the same one.
    """
    if backends.on_jax():
        yield
        return
    before = tf.config.optimizer.get_experimental_options()
    tf.config.optimizer.set_experimental_options(_PROBE_GRAPH_OPTIONS)
    try:
        yield
    finally:
        # An option left at its default goes back to unset (None), not to an explicit False,
        # which TensorFlow would write into the configuration.
        tf.config.optimizer.set_experimental_options({key: before.get(key) or None for key in _PROBE_GRAPH_OPTIONS})


class ProbeFunction:
    """A traced probe function, shared by the probe callbacks that ask for the same probe.

    `parts` names what it returns, in this order: `"activations"` (every layer's output, named
    by `recorder`), `"gradients"` (the loss gradients of the weight groups `groups`), or both
    from one pass of the model. Called by several callbacks at the same log point (the same
    step and optimizer iteration) on the same probes, it runs once: the first call computes,
    the others take its result, which is dropped once every callback sharing the function
    has taken it, or when training ends (`forget`).

    Attributes:
        traced: the concrete function (TensorFlow) or `backends.JaxFunction` (JAX).
        key: what it was traced for (see `traced_for`): a later `fit` reuses it while the same.
        users: how many callbacks share it in the current `fit`.
    """

    def __init__(self, traced, key, parts, recorder=None, groups=None):
        self.traced, self.key, self.parts = traced, key, parts
        self.recorder, self.groups = recorder, groups
        self.users = 1
        self._last = None  # (log point, probes, outputs, how many callbacks took them)

    def __call__(self, part, probes, at=None):
        """The `part` of the function's outputs on `probes` (a tuple), computed once per log point `at`."""
        last = self._last
        if last is not None and at is not None and last[0] == at and last[1] is probes:
            outputs, taken = last[2], last[3] + 1
        else:
            with probe_graph_options():
                outputs, taken = self.traced(*probes), 1
        self._last = (at, probes, outputs, taken) if at is not None and taken < self.users else None
        return outputs[self.parts.index(part)] if len(self.parts) > 1 else outputs

    def output_specs(self, part):
        """(shape, bytes per value) of every array of the `part` of the outputs (see `backends.output_specs`)."""
        return backends.output_specs(self.traced, self.parts.index(part) if len(self.parts) > 1 else None)

    def forget(self):
        """Drops the result kept for the callbacks that have not taken it yet."""
        self._last = None


class ProbePlan:
    """What the probe callbacks of one model ask for in one `fit`, traced together.

    Each `ActivationStatistics` and `GradientStatistics` asks in its `prepare`, at the start
    of training, and gets its function in `get_ready`, at the first batch, when every callback
    of the `fit` has asked. Callbacks on the same probe share one `ProbeFunction`: on
    TensorFlow, the activations and the gradients of the same probe come from ONE function of
    the model's weights, traced once, optimized once and run once per log point (two
    functions paid each of these twice, the model's forward pass included); on JAX each kind
    keeps its own jitted function. A function is kept by its callbacks: a later `fit` of the
    same model, probes and loss reuses it, whichever callbacks ask then.
    """

    def __init__(self):
        self._fit = None  # the `params` Keras hands every callback of one `fit`
        self._asks = []  # weak references to the callbacks that asked, in order
        self._built = False

    def ask(self, callback):
        """Registers a callback (with `asks`, `asked_probes`, `trace_key`, `trace_function`) for this `fit`."""
        if self._built or callback.params is not self._fit:
            self._fit, self._asks, self._built = callback.params, [], False
        if not any(ref() is callback for ref in self._asks):  # a callback prepared twice asks once
            self._asks.append(weakref.ref(callback))

    def build(self):
        """Gives every callback that asked its function: shared, reused, or traced now (once per `fit`).

        Raises:
            ValueError: the refusal of the first callback, in the order they asked, that
                cannot trace its probe.
        """
        if self._built:
            return
        callbacks = [callback for callback in (ref() for ref in self._asks) if callback is not None]
        self._asks, self._built = [], True
        for members in self._groups(callbacks):
            self._give(members)

    @staticmethod
    def _groups(callbacks):
        """The callbacks in groups that share a probe, each in the order they asked, groups by their first."""
        fuse = not backends.on_jax()
        order = {id(callback): index for index, callback in enumerate(callbacks)}
        groups = []  # [x, y, members]; gradient groups first, so that activations can join them
        for callback in sorted(callbacks, key=lambda callback: callback.asks != "gradients"):
            x, y = callback.asked_probes
            for group in groups:
                if same_probe(x, group[0]) and (same_probe(y, group[1]) if y is not None
                                                else group[1] is None or fuse):
                    group[2].append(callback)
                    break
            else:
                groups.append([x, y, [callback]])
        members = [sorted(group[2], key=lambda callback: order[id(callback)]) for group in groups]
        return sorted(members, key=lambda group: order[id(group[0])])

    @staticmethod
    def _give(members):
        gradients = [callback for callback in members if callback.asks == "gradients"]
        activations = [callback for callback in members if callback.asks == "activations"]
        leader = (gradients or activations)[0]
        x, y = leader.asked_probes
        inputs = (x,) if y is None else (x, y)
        parts = ("activations",) * bool(activations) + ("gradients",) * bool(gradients)
        key = (parts, leader.trace_key())
        held = [callback._function for callback in members if getattr(callback, "_function", None) is not None]
        function = next((function for function in held if function.key == key), None)
        if function is None:
            try:
                function = (leader.trace_function(key, activations[0].new_recorder()) if len(parts) > 1
                            else leader.trace_function(key))
            except ValueError:
                if len(parts) == 1:
                    raise
                # The refusal of the callback that cannot take its probe: each traced alone,
                # in the order they asked.
                for callback in members:
                    callback.take(callback.trace_function(((callback.asks,), callback.trace_key())),
                                  (x,) if callback.asks == "activations" else inputs)
                return
        function.users = len(members)
        for callback in members:
            callback.take(function, inputs)


# The probe plan of each model (see `ProbePlan`).
_PLANS = weakref.WeakKeyDictionary()


def plan_for(model):
    """The `ProbePlan` of a model."""
    if model not in _PLANS:
        _PLANS[model] = ProbePlan()
    return _PLANS[model]


class ProbeCallback(keras.callbacks.Callback):
    """Logs something about the model on a fixed probe batch, before training and every N epochs.

    Subclasses implement `summarize(step)`, which computes its values, and returns False,
    writing nothing, when any of them is not finite. TensorBoard steps count passes over the
    data: step 0 is the untrained model, and one Keras epoch adds `passes_per_epoch` (more than
    1 when a repeated dataset makes one `fit` epoch cover several passes). Subclasses may also
    implement `prepare()`, which runs at the start of training before anything is written, to
    check what they need, and `get_ready()`, which runs at the first batch, before anything is
    written too, once every callback of the `fit` has prepared (the probe statistics trace
    their functions there, together: see `ProbePlan`). A picture is drawn in two parts: `summarize` takes the
    numbers from the model at the log point, and hands them to `in_background`, which draws
    and writes the picture on a background thread while training goes on; `flush` (called at
    the end of training) waits for it. The probe statistics are written the same way
    (`write_later`): `summarize` takes the arrays and checks them, a background thread of
    their own buckets and writes them; the untrained model's are written once the first batch has
    trained, so that a first batch that fails leaves none.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
    """

    def __init__(self, log_dir, every=1, passes_per_epoch=1):
        super().__init__()
        if every < 1 or passes_per_epoch < 1:
            raise ValueError("every and passes_per_epoch must be at least 1")
        self.log_dir = str(log_dir)
        self.every = every
        self.passes_per_epoch = passes_per_epoch
        self.skipped_steps = []  # steps not written because a value was not finite
        self._writer = None
        self._function = None  # a `ProbeFunction` given by `ProbePlan`, for the callbacks that ask one
        self._inputs = None  # the probes it is called on
        self._log_point = None  # (step, optimizer iteration) while a step is being logged
        self._writing = None  # the future of the log point `write_later` is still writing
        self._held = None  # a log point's write held back until the first batch has trained
        self._first_batch = False  # True from the start of training until the first batch has trained

    @property
    def writer(self):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        return self._writer

    def on_train_begin(self, logs=None):
        self._start_weights = None
        self._start_pending = False
        self._unready = True
        self.defer_start = False
        self._first_batch, self._held = True, None
        self.prepare()
        if self.defer_start:
            self._start_weights = self.model.get_weights()
        else:
            self._start_pending = True

    def on_train_batch_begin(self, batch, logs=None):
        # The untrained model is logged when the first batch starts, not at `on_train_begin`:
        # by then every callback of the `fit` has checked its probe in `prepare`, so that a
        # probe refused by a callback listed later leaves no step 0 of one listed earlier.
        if getattr(self, "_unready", False):
            self.get_ready()
            self._unready = False
        if getattr(self, "_start_pending", False):
            self._start_pending = False
            self._log(0)

    def on_train_batch_end(self, batch, logs=None):
        if self._first_batch:
            self._first_batch = False
            self._release()
        # A model that `prepare` built from the probe logs its untrained state only once the
        # first batch of training data has gone through it: if the data do not fit what the
        # probe built, Keras refuses them at that batch, and nothing has been written.
        if getattr(self, "_start_weights", None) is not None:
            trained, self._start_weights = self.model.get_weights(), self._start_weights
            self.model.set_weights(self._start_weights)
            self._start_weights = None
            try:
                self._log(0)
            finally:
                self.model.set_weights(trained)

    def prepare(self):
        """Checks and traces what the callback needs, before anything is written.

        A subclass that cannot work on the model or its probe raises a ValueError here, at the
        start of training, so that a refused run leaves no partial log behind: every probe
        callback's `prepare` runs (at `on_train_begin`) before any of them writes its step 0
        (at the first batch's start). A subclass that
        has to build the model from the probe (see `build_from_probe`) sets `defer_start`:
        the untrained model is then logged at the end of the first batch, from its weights
        as they were before it.
        """

    def get_ready(self):
        """Traces what the callback needs, at the first batch, before anything is written.

        Every probe callback of the `fit` has run its `prepare` by then, so that the callbacks
        that ask `ProbePlan` for their functions are traced together. A subclass that cannot
        work on the model or its probe raises a ValueError here too, before any callback writes.
        """

    def take(self, function, inputs):
        """Keeps the `ProbeFunction` that `ProbePlan` gives this callback, and the probes to call it on."""
        self._function, self._inputs = function, inputs

    def computed(self, part, inputs=None):
        """The `part` of this callback's function's outputs on its probes (or `inputs`), at this log point."""
        return self._function(part, self._inputs if inputs is None else inputs, at=self._log_point)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._log(epoch_step(epoch, self.passes_per_epoch))

    def on_train_end(self, logs=None):
        if getattr(self, "_function", None) is not None:
            self._function.forget()
        self.flush()

    def flush(self):
        """Waits for the pictures still being drawn in the background, and writes everything to disk."""
        self._release()
        background.wait()
        if self._writer is not None:
            self._writer.flush()

    def in_background(self, step, draw, *arguments, lane="pictures"):
        """Calls `draw(step, *arguments)` on `lane`'s background thread, writing into this run at `step`.

        For the slow part of a picture (drawing, encoding, writing): `summarize` computes the
        numbers from the model, and passes them as `arguments`, which nothing may change later.
        Returns the job's future. (See `background` for the lanes.)
        """
        return background.submit(self._draw_into_run, step, draw, arguments, lane=lane)

    def write_later(self, step, write, *arguments):
        """Calls `write(step, *arguments)` on the statistics' background thread, as `in_background` does a picture.

        `summarize` takes a log point's arrays from the model and decides whether they are all
        finite; bucketing them into histograms and writing them then overlaps the next passes
        over the data. The callback's next log point waits for it first, so that at most one
        log point's arrays are held at a time (what `ActivationStatistics`' memory check assumes).

        The untrained model's write waits until the first batch has trained: Keras traces its
        own training function during that batch, in Python, and a write beside it would
        compete for Python's lock and slow both (on ResNet50, 0.7 s of bucketing took 4 s
        there, and lengthened the batch). After it, the passes run in TensorFlow, which lets
        go of the lock.
        """
        self._held = (step, write, arguments)
        if not self._first_batch:
            self._release()

    def _release(self):
        """Starts the write `write_later` holds, if any."""
        held, self._held = self._held, None
        if held is not None:
            step, write, arguments = held
            self._writing = self.in_background(step, write, *arguments, lane="statistics")

    def _draw_into_run(self, step, draw, arguments):
        with self.writer.as_default(step=step):
            draw(step, *arguments)

    def _log(self, step):
        # The callbacks that share a probe function compute it once per log point: the same
        # step at the same optimizer iteration, so the same weights.
        self._release()
        if self._writing is not None:  # the previous write first; its error, if any, is raised by `flush`
            futures.wait([self._writing])
            self._writing = None
        iterations = getattr(getattr(self.model, "optimizer", None), "iterations", None)
        self._log_point = (step, None if iterations is None else int(np.asarray(iterations)))
        try:
            with self.writer.as_default(step=step):
                if not self.summarize(step):
                    self.skipped_steps.append(step)
        finally:
            self._log_point = None

    def summarize(self, step):
        raise NotImplementedError
