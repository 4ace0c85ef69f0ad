"""Where each random start of an ensemble stands: solved, on a valley floor, at a saddle, or still moving.

An ensemble model trains many independent copies of a small net side by side (one per random
start); every weight carries the starts as its first dimension. Since the copies share
nothing, the gradient of one start's loss involves only that start's weights, and its Hessian
(the matrix of second derivatives) is that start's own small `(P, P)` block. For nets of a few
dozen weights both are cheap to compute exactly, for all starts in one vectorised call:
`tf.GradientTape.batch_jacobian` of the gradient, in float64.

A start is then classed by the second-order test, with two tolerances:

- **solved**: its loss is under the line `solved_loss`;
- **on a valley floor**: its gradient is about 0 and no eigenvalue of its Hessian is clearly
  negative: the loss curves up (or stays flat) in every direction;
- **at a saddle**: its gradient is about 0 and some eigenvalue is clearly negative (a direction
  in which the loss still curves down);
- **still moving**: its gradient is not small: training has not finished with it.

"About 0" means a gradient norm below `gradient_tolerance` times the median start's gradient
norm before training (measured on the same model at step 0); "clearly negative" means below
`-curvature_tolerance` times the start's own largest eigenvalue. The class is named for what
the test sees, a valley floor, and not "minimum": a second-order test sees only the point
where training stopped. A valley floor is a local minimum when it ends in a lowest point
near by; one that keeps sinking slowly (towards weights of infinite size) passes the same
test. `bottom_distances` tells them apart: the length of the Newton step `H^-1 g`, how far
away the lowest point of the bowl that the gradient and the curvature describe lies. At a
true minimum it shrinks towards 0 as training goes on; on a floor that sinks exponentially
slowly towards infinity it stays about the same, however far training goes.
"""

import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from dlintro.callbacks.probe import ProbeCallback, all_finite, figure_to_array
from dlintro.i18n import N_, _

CLASSES = ("solved", "valley_floor", "saddle", "still_moving")
CLASS_COLOURS = {"solved": "#1a9850", "valley_floor": "#d73027", "saddle": "#fdae61", "still_moving": "#4575b4"}
# The legend entry of each class, with its share at the last step (translated where drawn).
CLASS_LABELS = {
    "solved": N_("solved: {share:.0%}"),
    "valley_floor": N_("valley floor: {share:.0%}"),
    "saddle": N_("saddle: {share:.0%}"),
    "still_moving": N_("still moving: {share:.0%}"),
}


def flat_weights(weights):
    """A `(starts, P)` float64 array of every start's weights, and the shapes to split it back."""
    starts = weights[0].shape[0]
    shapes = [tuple(weight.shape[1:]) for weight in weights]
    flat = np.concatenate([np.reshape(weight, (starts, -1)) for weight in weights], axis=1)
    return flat.astype(np.float64), shapes


def unflatten(theta, shapes):
    """The weight tensors of `(starts, P)` `theta`, each `(starts, *shape)`."""
    sizes = [int(np.prod(shape)) for shape in shapes]
    parts = tf.split(theta, sizes, axis=1)
    return [tf.reshape(part, (-1, *shape)) for part, shape in zip(parts, shapes)]


def start_derivatives(losses_of, weights, data=()):
    """Every start's loss, gradient and Hessian, exactly (float64 automatic differentiation).

    Args:
        losses_of: a function `losses_of(weights, *data)` from a list of float64 weight
            tensors `(starts, *shape)` (the model's weights, in `model.get_weights()` order)
            and the data tensors to the `(starts,)` losses.
        weights: the weights to evaluate at, as `model.get_weights()` returns them.
        data: the arrays `losses_of` takes after the weights (for example `(x, y)`), passed
            as float64 tensors, so that one traced computation serves any data of one shape.

    Returns:
        `(losses (starts,), gradients (starts, P), hessians (starts, P, P))` NumPy arrays.

    Example:
        >>> losses, gradients, hessians = start_derivatives(my_losses, model.get_weights(), (x, y))
    """
    theta, shapes = flat_weights(weights)
    data = [tf.constant(np.asarray(array, dtype=np.float64)) for array in data]
    losses, gradients, hessians = _derivatives(losses_of, tuple(shapes))(tf.constant(theta), *data)
    return losses.numpy(), gradients.numpy(), hessians.numpy()


_TRACED = {}


def _derivatives(losses_of, shapes):
    """The traced (once per loss function and weight shapes) derivative computation."""
    key = (losses_of, shapes)
    if key not in _TRACED:

        @tf.function(reduce_retracing=True)
        def derivatives(theta, *data):
            with tf.GradientTape() as outer:
                outer.watch(theta)
                with tf.GradientTape() as inner:
                    inner.watch(theta)
                    losses = losses_of(unflatten(theta, shapes), *data)
                    total = tf.reduce_sum(losses)
                # The starts share nothing: the gradient of the sum of their losses holds each
                # start's own gradient, and its Jacobian is block-diagonal, one (P, P) block
                # (that start's Hessian) per start, which is what `batch_jacobian` returns.
                gradients = inner.gradient(total, theta)
            return losses, gradients, outer.batch_jacobian(gradients, theta)

        _TRACED[key] = derivatives
    return _TRACED[key]


def classify(losses, gradient_norms, eigenvalues, *, solved_loss, gradient_scale,
             gradient_tolerance, curvature_tolerance):
    """The class of every start (`CLASSES`), as a `(starts,)` array of strings.

    Args:
        losses: `(starts,)` losses.
        gradient_norms: `(starts,)` norms of each start's gradient.
        eigenvalues: `(starts, P)` eigenvalues of each start's Hessian, ascending.
        solved_loss: a start whose loss is under this is solved.
        gradient_scale: the gradient norm that "about 0" is measured against.
        gradient_tolerance: a gradient norm under this share of `gradient_scale` is about 0.
        curvature_tolerance: an eigenvalue under `-curvature_tolerance` times the start's
            largest eigenvalue is clearly negative.
    """
    if gradient_scale <= 0 or gradient_tolerance <= 0 or curvature_tolerance < 0:
        raise ValueError("gradient_scale and gradient_tolerance must be positive, curvature_tolerance not negative")
    stationary = gradient_norms < gradient_tolerance * gradient_scale
    negative = eigenvalues[:, 0] < -curvature_tolerance * np.abs(eigenvalues).max(axis=1)
    return np.select(
        [losses < solved_loss, stationary & ~negative, stationary & negative],
        ["solved", "valley_floor", "saddle"],
        default="still_moving",
    )


def bottom_distances(gradients, hessians):
    """Every start's Newton step length `|H^-1 g|`: how far the lowest point of its local bowl lies.

    The pseudo-inverse keeps a flat direction (an eigenvalue of 0) from blowing the step up.
    The step means "distance to the bottom" only where no eigenvalue is negative (valley floors).
    """
    steps = np.linalg.pinv(hessians, hermitian=True) @ gradients[..., None]
    return np.linalg.norm(steps[..., 0], axis=1)


def shares(classes):
    """The share of the starts in each of `CLASSES`, by name (they add up to 1)."""
    return {name: float(np.mean(classes == name)) for name in CLASSES}


class StartClasses(ProbeCallback):
    """Logs the share of starts that are solved, on a valley floor, at a saddle, or still moving.

    At step 0 and every `every` Keras epochs, computes every start's gradient and Hessian
    exactly (`start_derivatives`) and logs `solved_share`, `valley_floor_share`,
    `saddle_share` and `still_moving_share` (they add up to 1). When training ends, the image `start_classes`
    stacks the four shares over training in one picture. The gradient scale for "about 0" is
    the median start's gradient norm at step 0. After training, `classes`, `gradient_norms`,
    `eigenvalues`, `bottom_distances` and `losses` hold the last measurement, `gradient_scale` the scale and
    `history` the `(step, shares)` of every log point.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        losses_of: a function `losses_of(weights, *data)` from float64 weight tensors (in
            `model.get_weights()` order, each `(starts, *shape)`) and float64 data tensors to
            the `(starts,)` losses, for example the mean binary cross-entropy from logits.
        data: the arrays `losses_of` takes after the weights, for example `(x, y)`.
        solved_loss: a start whose loss is under this is solved.
        gradient_tolerance: "about 0" is below this share of the initial median gradient norm.
        curvature_tolerance: "clearly negative" is below minus this share of the largest eigenvalue.
        title: the stacked picture's title (name the run: TensorBoard cuts long run names).
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.

    Example:
        >>> classes = StartClasses("runs/mine", my_losses, (x, y), solved_loss=0.17)
        >>> model.fit(x, y, epochs=100, verbose=0, callbacks=[classes])
        >>> classes.classes  # "solved", "valley_floor", "saddle" or "still_moving" for every start
    """

    def __init__(self, log_dir, losses_of, data, solved_loss, gradient_tolerance=0.03,
                 curvature_tolerance=1e-6, title="", every=1, passes_per_epoch=1):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        if gradient_tolerance <= 0 or curvature_tolerance < 0:
            raise ValueError("gradient_tolerance must be positive and curvature_tolerance not negative")
        self.losses_of = losses_of
        self.data = tuple(data)
        self.solved_loss = solved_loss
        self.gradient_tolerance = gradient_tolerance
        self.curvature_tolerance = curvature_tolerance
        self.title = title
        self.gradient_scale = None
        self.history = []
        self.classes = self.gradient_norms = self.eigenvalues = self.bottom_distances = self.losses = None

    def measure(self, weights):
        """Classes the starts at `weights`; returns the shares and keeps the details."""
        losses, gradients, hessians = start_derivatives(self.losses_of, weights, self.data)
        if not all_finite([losses, gradients, hessians]):
            return None
        gradient_norms = np.linalg.norm(gradients, axis=1)
        if self.gradient_scale is None:
            self.gradient_scale = float(np.median(gradient_norms))
        eigenvalues = np.linalg.eigvalsh(hessians)
        self.classes = classify(
            losses, gradient_norms, eigenvalues, solved_loss=self.solved_loss,
            gradient_scale=self.gradient_scale, gradient_tolerance=self.gradient_tolerance,
            curvature_tolerance=self.curvature_tolerance,
        )
        self.losses, self.gradient_norms, self.eigenvalues = losses, gradient_norms, eigenvalues
        self.bottom_distances = bottom_distances(gradients, hessians)
        return shares(self.classes)

    def summarize(self, step):
        measured = self.measure(self.model.get_weights())
        if measured is None:
            return False
        for name, share in measured.items():
            tf.summary.scalar(f"{name}_share", share)
        self.history.append((step, measured))
        return True

    def on_train_end(self, logs=None):
        if self.history:
            self.in_background(self.history[-1][0], self._draw, list(self.history))
        super().on_train_end(logs)

    def _draw(self, step, history):
        tf.summary.image("start_classes", render_class_shares(history, self.title)[None])


def render_class_shares(history, title):
    """The four shares over training, stacked to 1, as an RGB array (`history`: (step, shares))."""
    steps = [step for step, unused in history]
    figure = Figure(figsize=(6.4, 3.6), dpi=80)
    # Fixed margins: `tight_layout` would cost more than everything else in the picture.
    figure.subplots_adjust(left=0.1, right=0.72, bottom=0.14, top=0.9)
    axes = figure.add_subplot()
    stacked = [[shares[name] for unused, shares in history] for name in CLASSES]
    labels = [_(CLASS_LABELS[name]).format(share=history[-1][1][name]) for name in CLASSES]
    axes.stackplot(steps, stacked, labels=labels, colors=[CLASS_COLOURS[name] for name in CLASSES])
    axes.set_xlim(steps[0], steps[-1] if steps[-1] > steps[0] else steps[0] + 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel(_("step (passes over the data)"))
    axes.set_ylabel(_("share of the starts"))
    axes.set_title(title, fontsize=10)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
                title=_("at the last step"), title_fontsize=8)
    return figure_to_array(figure)
