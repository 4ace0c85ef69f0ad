"""A picture of a two-weight linear neuron's loss surface, with the path its weights took."""

import matplotlib

matplotlib.use("Agg")  # draw into memory; never open a window

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlintro.callbacks.pictures import ORANGE, hex_colour, picture_title, rgb_copy, run_name  # noqa: E402
from dlintro.callbacks.summaries import write_image  # noqa: E402
from dlintro.callbacks.probe import ProbeCallback, all_finite  # noqa: E402
from dlintro import fonts, i18n  # noqa: E402
from dlintro.i18n import _  # noqa: E402


def squared_error_surface(x, y, w1, w2):
    """Mean squared error of the bias-free neuron `x @ (w1, w2)` at every grid point."""
    predictions = x[:, 0, None, None] * w1 + x[:, 1, None, None] * w2
    return np.mean((predictions - y.reshape(-1, 1, 1)) ** 2, axis=0)


def square_extent(points, margin=0.4, min_half_width=0.5):
    """A square (w1_min, w1_max, w2_min, w2_max) around `points`, widened by `margin` of its size."""
    points = np.asarray(points, dtype=np.float64)
    center = (points.min(axis=0) + points.max(axis=0)) / 2
    half = max((points.max(axis=0) - points.min(axis=0)).max() / 2 * (1 + 2 * margin), min_half_width)
    return (center[0] - half, center[0] + half, center[1] - half, center[1] + half)


class LossSurfacePath(ProbeCallback):
    """Draws the loss over (w1, w2) of a bias-free two-input linear neuron and the weights' path.

    The model must compute `x @ kernel` with a (2, 1) kernel (a `Dense(1, use_bias=False)`)
    and be trained on mean squared error. The weights are recorded after every optimizer step;
    the image `loss_surface` shows the contours of the loss, the path from the start (circle) to
    the current weights (dot) and, if given, the exact least-squares solution (star). One
    picture is drawn every `picture_every` steps and one at the end, so the Images dashboard's
    slider replays the descent.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        x: (n, 2) inputs, the equations' coefficients.
        y: (n,) or (n, 1) targets, the equations' right-hand sides.
        solution: optional (w1, w2) to mark with a star, for example `numpy.linalg.lstsq`'s.
        picture_every: optimizer steps between two pictures.
        resolution: grid points per side of the loss surface.
        title: what the picture calls the run; the last part of `log_dir` by default.

    Example:
        >>> surface = LossSurfacePath("runs/mine", x, y, solution=(1.0, 2.0), picture_every=25)
        >>> model.fit(x, y, batch_size=len(x), epochs=100, callbacks=[surface])
    """

    def __init__(self, log_dir, x, y, solution=None, picture_every=25, resolution=120, title=None):
        super().__init__(log_dir)
        self.title = title or run_name(log_dir)
        if picture_every < 1:
            raise ValueError(f"picture_every must be at least 1, got {picture_every}")
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64).reshape(-1)
        if self.x.ndim != 2 or self.x.shape[1] != 2 or len(self.x) != len(self.y):
            raise ValueError(f"expected x of shape (n, 2) and n targets, got {self.x.shape} and {self.y.shape}")
        self.solution = None if solution is None else np.asarray(solution, dtype=np.float64).reshape(2)
        self.picture_every = picture_every
        self.resolution = resolution
        self.path = []  # (step, w1, w2) after every optimizer step, step 0 first
        self._figure = None
        self._language = None  # the language the kept figure's texts are in

    def _kernel(self):
        """The current (w1, w2)."""
        kernels = [w for layer in self.model.layers for w in layer.weights if w.name == "kernel"]
        if len(kernels) != 1 or tuple(kernels[0].shape) != (2, 1):
            raise ValueError("LossSurfacePath needs a model with one (2, 1) kernel")
        return np.asarray(kernels[0]).reshape(2)

    def _build_figure(self, start):
        """Draws the contours once and keeps them; later pictures only redraw the path on top.

        Drawing the filled contours costs about 0.2 s; copying the kept background and drawing
        the path over it (Matplotlib's "blitting") costs a few milliseconds. The figure is kept
        for one language: drawing in another draws it anew.
        """
        fonts.use()
        self._language = i18n.current()
        corners = [start] if self.solution is None else [start, self.solution]
        w1_min, w1_max, w2_min, w2_max = square_extent(corners)
        w1, w2 = np.meshgrid(
            np.linspace(w1_min, w1_max, self.resolution), np.linspace(w2_min, w2_max, self.resolution)
        )
        loss = squared_error_surface(self.x, self.y, w1, w2)
        # Quadratic spacing makes the contour lines of a quadratic bowl evenly spaced.
        levels = loss.min() + (np.sqrt(loss.max() - loss.min()) * np.linspace(0, 1, 16)[1:]) ** 2
        figure = Figure(figsize=(5.8, 4.4), dpi=80)
        figure.subplots_adjust(left=0.11, right=0.9, bottom=0.11, top=0.92)
        axes = figure.add_subplot()
        filled = axes.contourf(w1, w2, loss, levels=np.concatenate([[loss.min()], levels]), cmap="Blues")
        colour_bar = figure.colorbar(filled, ax=axes, fraction=0.05, pad=0.03)
        colour_bar.set_label(_("mean squared error"), fontsize=9)
        colour_bar.ax.tick_params(labelsize=8)
        axes.contour(w1, w2, loss, levels=levels, colors="#4a4a4a", linewidths=0.4, alpha=0.5)
        if self.solution is not None:
            axes.plot(*self.solution, marker="*", markersize=16, color=hex_colour(ORANGE), linestyle="none",
                      label=_("least squares (lstsq)"))
        axes.plot(*start, marker="o", markersize=7, color="black", linestyle="none", label=_("start"))
        (self._line,) = axes.plot([], [], color="black", linewidth=1.2, marker=".", markersize=3,
                                  animated=True)
        (self._head,) = axes.plot([], [], marker="o", markersize=6, color="#fdb863",
                                  markeredgecolor="black", linestyle="none", label=_("weights now"),
                                  animated=True)
        self._step_text = axes.text(0.97, 0.03, "", transform=axes.transAxes, ha="right",
                                    va="bottom", fontsize=9, animated=True,
                                    bbox=dict(facecolor="white", alpha=0.8, edgecolor="none"))
        axes.set_xlim(w1_min, w1_max)
        axes.set_ylim(w2_min, w2_max)
        axes.set_aspect("equal")
        axes.set_xlabel("w1")
        axes.set_ylabel("w2")
        axes.legend(loc="upper left", fontsize=8, framealpha=0.8)
        axes.set_title(_("{name}: mean squared error over (w1, w2)").format(name=self.title), fontsize=10)
        self._axes = axes
        self._figure = figure
        self._canvas = FigureCanvasAgg(figure)
        self._canvas.draw()  # everything but the animated path, head and step
        self._background = self._canvas.copy_from_bbox(figure.bbox)

    def summarize(self, step):
        """Draws the path so far, up to `step`."""
        path = np.array([(w1, w2) for unused, w1, w2 in self.path])
        if not all_finite([path]):
            return False
        self.in_background(step, self._draw, path)
        return True

    def _draw(self, step, path):
        if self._figure is None or self._language != i18n.current():
            self._build_figure(path[0])
        self._line.set_data(path[:, 0], path[:, 1])
        self._head.set_data(path[-1:, 0], path[-1:, 1])
        self._step_text.set_text(picture_title(self.title, step))
        self._canvas.restore_region(self._background)
        for artist in (self._line, self._head, self._step_text):
            self._axes.draw_artist(artist)
        image = rgb_copy(np.asarray(self._canvas.buffer_rgba()))
        write_image("loss_surface", image, step=step)

    def _record(self, step):
        self.path.append((step, *map(float, self._kernel())))

    def on_train_begin(self, logs=None):
        self._record(0)
        self._log(0)

    def on_epoch_end(self, epoch, logs=None):
        pass  # pictures follow optimizer steps, not epochs

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations)
        self._record(step)
        if step % self.picture_every == 0:
            self._log(step)

    def on_train_end(self, logs=None):
        if self.path and self.path[-1][0] % self.picture_every:
            self._log(self.path[-1][0])
        super().on_train_end(logs)
