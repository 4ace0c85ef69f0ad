"""What the pictures share: the palette, the grid of points over the input plane, and a frame.

Every picture a dlintro callback logs names its run and step inside the picture (TensorBoard
cuts long run names), and carries a colour bar wherever colour stands for a value and a
legend wherever marks stand for something. `PicturePanel` adds these around a picture drawn in
NumPy, with Matplotlib's "blitting": the frame (axes, colour bar, legend) is drawn once and
kept, and each log point only pastes the new picture, its marks and its title on top, which
costs a few milliseconds instead of the 50 ms or more of a full Matplotlib drawing.

Every text a learner reads in a picture (titles, axis and colour-bar labels, legends) is in the
current language (`dlintro.i18n`); Hangul is drawn with NanumGothic (`dlintro.fonts`). Frames
are kept per language too, so one process can draw pictures in both.
"""

import functools
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw into memory; never open a window

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlintro import fonts, i18n  # noqa: E402
from dlintro.i18n import _  # noqa: E402

fonts.use()  # Hangul in every picture drawn with Matplotlib
# The palette: blue for class 0 and negative values, orange for class 1 and positive values,
# and an off-white between them, as in most textbooks (ColorBrewer's PuOr ends).
BLUE = np.array([33, 102, 172], dtype=np.float32)
WHITE = np.array([247, 247, 247], dtype=np.float32)
ORANGE = np.array([230, 97, 1], dtype=np.float32)
GREY = np.array([90, 90, 90], dtype=np.float32)


def hex_colour(rgb):
    """`#rrggbb` of an RGB triple of 0-255 values, for Matplotlib."""
    return "#" + "".join(f"{int(round(value)):02x}" for value in rgb)


def diverging_colours(share):
    """RGB float colours of shares in [-1, 1]: blue at -1, off-white at 0, orange at 1."""
    share = np.clip(np.asarray(share, dtype=np.float32), -1.0, 1.0)[..., None]
    toward = np.where(share >= 0, ORANGE, BLUE)
    return WHITE + (toward - WHITE) * np.abs(share)


def diverging_colormap(strongest=1.0):
    """The Matplotlib colormap of `diverging_colours`, its ends at `strongest` of full colour."""
    colours = diverging_colours(np.linspace(-strongest, strongest, 256)) / 255.0
    return ListedColormap(colours)


def plane_grid(extent, resolution):
    """The points of a `resolution` x `resolution` grid over the input plane, row by row.

    Args:
        extent: (x_min, x_max, y_min, y_max) of the plane.
        resolution: points per side.

    Returns:
        A (resolution**2, 2) float32 array whose first row of points is the top of the picture
        (largest y), and the picture's shape (resolution, resolution).
    """
    x_min, x_max, y_min, y_max = extent
    xs = np.linspace(x_min, x_max, resolution, dtype=np.float32)
    ys = np.linspace(y_max, y_min, resolution, dtype=np.float32)  # row 0 is the top
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.stack([grid_x.ravel(), grid_y.ravel()], axis=1), grid_x.shape


def run_name(log_dir):
    """The name a picture gives its run: the last part of the run's log directory."""
    return Path(str(log_dir)).name or str(log_dir)


# What a picture says about itself: its run (or what it shows of the run) and its step. The
# run's half is everything up to the first space after `{name}`, the step's half the rest.
_TITLE = "{name}, step {step}"


def picture_title(name, step):
    """`"xor-two_layer_linear, step 300"`: what a picture says about itself (in the current language)."""
    return _("{name}, step {step}").format(name=name, step=step)


@functools.lru_cache(maxsize=8)
def _title_pattern(template):
    """A regular expression that splits titles made from `template` into the run's and the step's half."""
    head, name, tail = template.partition("{name}")
    glue, space, rest = tail.partition(" ")
    before, step, after = rest.partition("{step}")
    if not name or not space or not step or "{" in head + glue + before + after:
        return None  # the language puts the step first, or elsewhere: titles are drawn whole
    return re.compile(f"(?P<run>{re.escape(head)}.*{re.escape(glue)})"
                      f"(?P<step>{re.escape(space + before)}\\S+{re.escape(after)})", re.DOTALL)


def title_halves(text):
    """(run half, step half) of a title `picture_title` made in the current language, or None."""
    pattern = _title_pattern(_(_TITLE))
    found = pattern.fullmatch(text) if pattern is not None else None
    return (found["run"], found["step"]) if found else None


def rgb_copy(rgba):
    """A new (height, width, 3) array of the colour channels of a (height, width, 4) RGBA array.

    Copied one channel at a time: NumPy copies a channel's evenly spaced bytes about four times
    faster than the three-byte runs of `rgba[..., :3].copy()`.
    """
    rgb = np.empty((*rgba.shape[:2], 3), dtype=rgba.dtype)
    for channel in range(3):
        rgb[..., channel] = rgba[..., channel]
    return rgb


def add_colour_bar(figure, rect, colormap, value_range, label, label_size=9, tick_size=8, labelpad=4,
                   **tick_params):
    """A vertical colour bar in `figure` at `rect` (left, bottom, width, height as figure shares).

    The colours run from `value_range[0]` at the bottom to `value_range[1]` at the top, ticked
    and labelled on the right. Extra keyword arguments go to the ticks (`length`, `pad`).
    """
    bar = figure.add_axes(rect)
    bar.imshow(np.linspace(1, 0, 128)[:, None], cmap=colormap, aspect="auto", extent=(0, 1, *value_range))
    bar.set_xticks([])
    bar.yaxis.tick_right()
    bar.yaxis.set_label_position("right")
    bar.tick_params(labelsize=tick_size, **tick_params)
    bar.set_ylabel(label, fontsize=label_size, labelpad=labelpad)
    return bar


class Title:
    """A picture's title, drawn once per text and pasted from kept pixels after that.

    Text is the slowest part of a frame to draw (about 1.5 ms of 5). A title of the form
    `"<run>, step <n>"` (`picture_title`, in the current language: `"<run>, 스텝 <n>"`) is
    drawn in two halves that meet at the centre of the picture: the run's half is the same at
    every step of a run, and the step's half repeats from one run to the next, so each half is
    drawn once, its pixels kept (by language, half and text), and pasted at its later uses.
    A title of another form, or whose run half would not fit beside the centre, is drawn
    centred, in one piece, the same way.

    Args:
        figure: the panel's figure.
        top: pixels from the figure's top to the top of the text.
        fontsize: the text's size in points.
    """

    _MOST_KEPT = 512  # texts kept per title; beyond that all are forgotten and drawn anew

    def __init__(self, figure, top, fontsize):
        y = 1 - top / figure.bbox.height
        self._figure = figure
        self._height = int(round(figure.bbox.height))
        self._width = int(round(figure.bbox.width))
        self._centre = self._width // 2
        style = dict(va="top", fontsize=fontsize, animated=True)
        self._pieces = {
            "run": figure.text(0.5, y, "", ha="right", **style),
            "step": figure.text(0.5, y, "", ha="left", **style),
            "whole": figure.text(0.5, y, "", ha="center", **style),
        }
        self._kept = {}
        self.text = ""  # the last title drawn

    def draw(self, pixels, renderer, text):
        """Draws `text` into `pixels`, the canvas's (height, width, 4) RGBA buffer."""
        self.text = text
        split = title_halves(text)
        halves = list(zip(("run", "step"), split)) if split else []
        if halves and all(self._fits(renderer, kind, piece) for kind, piece in halves):
            for kind, piece in halves:
                self._draw_piece(pixels, renderer, kind, piece)
        else:  # a long run name is centred with its step, as one piece
            self._draw_piece(pixels, renderer, "whole", text)

    def _fits(self, renderer, kind, text):
        """Whether a half-title stays inside the picture."""
        if (i18n.current(), kind, text) in self._kept:
            return True
        artist = self._pieces[kind]
        artist.set_text(text)
        box = artist.get_window_extent(renderer)
        return box.x0 >= 2 and box.x1 <= self._width - 2

    def _draw_piece(self, pixels, renderer, kind, text):
        key = (i18n.current(), kind, text)
        kept = self._kept.get(key)
        if kept is None:
            artist = self._pieces[kind]
            artist.set_text(text)
            self._figure.draw_artist(artist)
            box = artist.get_window_extent(renderer)
            rows = slice(max(0, self._height - int(np.ceil(box.y1)) - 1),
                         min(self._height, self._height - int(np.floor(box.y0)) + 1))
            # The two halves meet at the centre column; neither keeps the other's pixels.
            left = self._centre if kind == "step" else max(0, int(np.floor(box.x0)) - 1)
            right = self._centre if kind == "run" else min(self._width, int(np.ceil(box.x1)) + 1)
            if len(self._kept) >= self._MOST_KEPT:
                self._kept.clear()
            kept = self._kept[key] = (rows, slice(left, right), pixels[rows, left:right].copy())
        rows, columns, values = kept
        pixels[rows, columns] = values


class PicturePanel:
    """Frames RGB pictures of one fixed shape with a title, axes, a colour bar and a legend.

    Args:
        shape: (rows, cols) of the pictures in pixels.
        zoom: screen pixels per picture pixel (nearest neighbour, so edges stay crisp).
        extent: (x_min, x_max, y_min, y_max) the picture covers, for labelled axes; None
            draws no axes.
        axis_labels: (x label, y label) when `extent` is given.
        colour_bar: optional (colormap, low, high, label): a bar beside the picture; with low
            and high None, `render` is given each picture's own (low, high) and labels the bar
            with them.
        legend: Matplotlib artists (with labels) to list below the picture.
        legend_columns: entries per row of the legend.

    A panel depends only on these arguments, not on the pictures or points it frames, so
    callbacks that draw alike can share one (see `shared_panel`): drawing the frame costs
    about 0.2 s, as much as a small lesson's whole reporting.
    """

    def __init__(self, shape, zoom=1, extent=None, axis_labels=("x1", "x2"), colour_bar=None,
                 legend=(), legend_columns=3):
        fonts.use()
        rows, cols = shape
        self.shape = (rows, cols)
        self.zoom = zoom
        dpi = 100
        left = 60 if extent is not None else 10
        right = 96 if colour_bar is not None else 10
        # Wide enough for a long title: a narrow picture is centred between wider margins.
        room = max(0, 360 - (left + cols * zoom + right))
        left, right = left + room // 2, right + room - room // 2
        top = 30
        bottom = (40 if extent is not None else 8) + (26 * -(-len(legend) // legend_columns))
        width, height = left + cols * zoom + right, top + rows * zoom + bottom
        figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
        axes = figure.add_axes((left / width, bottom / height, cols * zoom / width, rows * zoom / height))
        # The picture is pasted into the kept frame pixel for pixel; the axes only give it
        # ticks, labels and a border.
        self._region = (slice(top, top + rows * zoom), slice(left, left + cols * zoom))
        self._axes = axes
        self._spines = list(axes.spines.values())
        if extent is None:
            axes.set_axis_off()
        else:
            axes.set_xlim(extent[0], extent[1])
            axes.set_ylim(extent[2], extent[3])
            axes.set_xlabel(axis_labels[0], fontsize=9, labelpad=1)
            axes.set_ylabel(axis_labels[1], fontsize=9, labelpad=1)
            axes.tick_params(labelsize=8)
        self._bar_labels = []
        if colour_bar is not None:
            self._add_colour_bar(figure, colour_bar, (left + cols * zoom + 14) / width,
                                 bottom / height, rows * zoom / height, width)
        if legend:
            figure.legend(handles=list(legend), loc="lower center", ncols=legend_columns, fontsize=8,
                          frameon=False, borderaxespad=0.2, handletextpad=0.4, columnspacing=1.2)
        self._figure = figure
        self.title = Title(figure, top=6, fontsize=10)
        self._canvas = FigureCanvasAgg(figure)
        self._canvas.draw()  # the frame; the picture, its marks and its title are drawn per call
        self._background = self._canvas.copy_from_bbox(figure.bbox)

    def _add_colour_bar(self, figure, colour_bar, left, bottom, height, width):
        colormap, low, high, label = colour_bar
        fixed = low is not None and high is not None
        bar = add_colour_bar(figure, (left, bottom, 12 / width, height), colormap,
                             (low, high) if fixed else (0, 1), label, labelpad=4 if fixed else 34)
        if not fixed:
            # Ticks at the ends and the middle, labelled per picture with its own range.
            bar.set_yticks([0, 0.5, 1], ["", "", ""])
            self._bar_labels = [
                bar.text(1.6, position, "", transform=bar.transAxes, va="center", fontsize=8,
                         animated=True)
                for position in (0.0, 0.5, 1.0)
            ]

    def points(self, xy, colours, size=22):
        """Dots to draw over pictures (pass them to `render`): outlined and half-transparent.

        Args:
            xy: (n, 2) points in the coordinates of the panel's `extent`.
            colours: (n, 3) RGB colours, 0 to 1.
            size: the dots' area in points squared.
        """
        return self._axes.scatter(xy[:, 0], xy[:, 1], s=size, c=colours, alpha=0.75,
                                  edgecolors="black", linewidths=0.6, animated=True)

    def render(self, picture, title, value_range=None, marks=()):
        """The framed picture as a (height, width, 3) uint8 array.

        Args:
            picture: a (rows, cols, 3) uint8 array.
            title: the text above it.
            value_range: (low, high) that the colour bar's ends stand for, when the panel was
                made without fixed ones.
            marks: artists to draw over the picture, such as `points`.
        """
        if picture.shape[:2] != self.shape:
            raise ValueError(f"expected a picture of shape {self.shape}, got {picture.shape[:2]}")
        if self._bar_labels:
            if value_range is None:
                raise ValueError("this panel's colour bar needs the picture's value_range")
            low, high = value_range
            for text, value in zip(self._bar_labels, (low, (low + high) / 2, high)):
                text.set_text(f"{value:.3g}")
        self._canvas.restore_region(self._background)
        pixels = np.asarray(self._canvas.buffer_rgba())
        upscaled = np.repeat(np.repeat(picture, self.zoom, axis=0), self.zoom, axis=1)
        pixels[self._region[0], self._region[1], :3] = upscaled
        for artist in (*marks, *self._spines, *self._bar_labels):
            self._figure.draw_artist(artist)
        self.title.draw(pixels, self._canvas.get_renderer(), title)
        return rgb_copy(pixels)


def shared_panel(build, *arguments):
    """The panel `build(*arguments)` made once per process and language, shared by every caller.

    A lesson's variants draw the same frame (same shape, axes and colour bar) many times;
    `arguments` must be hashable and say everything the frame depends on besides the language
    its texts are in (`dlintro.i18n.current()`), which is part of the key.
    """
    return _shared_panel(i18n.current(), build, *arguments)


@functools.lru_cache(maxsize=32)
def _shared_panel(language, build, *arguments):
    return build(*arguments)
