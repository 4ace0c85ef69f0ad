"""A picture of a whole small network over the input plane, as TensorFlow Playground draws it.

Every unit is drawn as a small heat map of what it outputs at each point (x1, x2) of the input
plane, the units of a layer stacked in one column, the layers side by side from the inputs to
the output, and every weight as a line between two units: blue when negative, orange when
positive, thicker the larger it is. The output unit is drawn larger, with the training points.

The picture is drawn like `PicturePanel`'s: everything that does not change between log points
(captions, unit frames, colour bars, legend) is drawn once per process for each shape of
network and each language (`dlintro.i18n`) and kept; each log point pastes the new heat maps in NumPy and draws only the lines,
the points and the title on top.
"""

import numpy as np
import keras
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from dlintro import fonts
from dlintro.callbacks.decision_boundary import (
    BOUNDARY_GREY,
    STRONGEST_PROBABILITY_COLOUR,
    class_legend,
    default_extent,
    render_decision_boundary,
)
from dlintro.callbacks.dense import activation_name, dense_chain, dense_outputs
from dlintro.callbacks.heat_maps import upscale
from dlintro.callbacks.pictures import (
    BLUE,
    add_colour_bar,
    GREY,
    ORANGE,
    Title,
    diverging_colormap,
    diverging_colours,
    hex_colour,
    picture_title,
    plane_grid,
    rgb_copy,
    run_name,
    shared_panel,
)
from dlintro.callbacks.probe import ProbeCallback, all_finite, symbolic_input
from dlintro.callbacks.summaries import write_image
from dlintro.i18n import _

MAX_UNITS_DRAWN = 16  # a wider layer shows its first 16 units, and says so above its column
UNIT_SIZE = 40  # pixels per side of an input's or a hidden unit's heat map
OUTPUT_SIZE = 160  # pixels per side of the output unit's heat map
_UNIT_GAP = 8  # pixels between two units of a column
_LAYER_GAP = 110  # pixels between two columns, where the connections run
_LEFT, _TOP, _RIGHT = 40, 80, 180  # margins: input names; title and captions; colour bars
_MIN_WIDTH = 600  # wide enough for the legend below the network
# Line widths (in points) of the connections: |w| from 0 to 3 drawn from thin to thick, larger
# weights as thick as |w| = 3. Fixed, not fitted to each picture, so that the step slider shows
# weights growing.
_THINNEST, _THICKEST, _WIDEST_WEIGHT = 0.3, 5.0, 3.0
_LEGEND_WEIGHTS = (0.5, 1.5, 3.0)


def connection_width(magnitude):
    """The line width, in points, of connections of weight magnitude `magnitude` (array-like)."""
    share = np.clip(np.asarray(magnitude, dtype=np.float64) / _WIDEST_WEIGHT, 0.0, 1.0)
    return _THINNEST + (_THICKEST - _THINNEST) * share


class NetworkLayout:
    """Where each unit's heat map and each connection go, in pixels from the top-left corner.

    Args:
        units: units per column, inputs first and the one output unit last.
    """

    def __init__(self, units):
        self.units = list(units)
        self.drawn = [min(count, MAX_UNITS_DRAWN) for count in self.units]
        sizes = [UNIT_SIZE] * (len(self.units) - 1) + [OUTPUT_SIZE]
        column_heights = [count * (UNIT_SIZE + _UNIT_GAP) - _UNIT_GAP for count in self.drawn[:-1]]
        self.body_height = max(*column_heights, OUTPUT_SIZE)
        network_width = sum(sizes) + _LAYER_GAP * (len(sizes) - 1)
        # A narrow network is centred in the width the legend needs.
        left = _LEFT + max(0, _MIN_WIDTH - _RIGHT - _LEFT - network_width) // 2
        self.width = max(_MIN_WIDTH, _LEFT + network_width + _RIGHT)
        self.column_left = list(np.cumsum([left] + [size + _LAYER_GAP for size in sizes[:-1]]))
        self.column_size = sizes
        # Each column is centred on the middle of the body: (top, left) of every unit.
        self.unit_corners = []
        for column, count in enumerate(self.drawn):
            size = sizes[column]
            height = count * (size + _UNIT_GAP) - _UNIT_GAP
            top = _TOP + (self.body_height - height) // 2
            self.unit_corners.append([(top + unit * (size + _UNIT_GAP), self.column_left[column])
                                      for unit in range(count)])

    def connection_segments(self):
        """One ((x, y), (x, y)) segment per drawn weight, layer by layer, kernel row-major."""
        segments = []
        for column in range(len(self.units) - 1):
            size, next_size = self.column_size[column], self.column_size[column + 1]
            for source_top, source_left in self.unit_corners[column]:
                start = (source_left + size + 1, source_top + size / 2)
                for target_top, target_left in self.unit_corners[column + 1]:
                    end = (target_left - 1, target_top + next_size / 2)
                    segments.append((start, end))
        return segments


class NetworkPanel:
    """The kept frame of a network picture, into which each log point pastes its heat maps.

    Args:
        layout: the `NetworkLayout` of the network.
        captions: one caption per column, drawn above it.
        extent: (x_min, x_max, y_min, y_max) of the input plane, for the output's axes.
        probability_output: True when the output is P(class 1), drawn on its own colour scale.

    A panel depends only on these, not on the data or the weights, so the runs of a lesson
    share one (see `network_panel`): drawing the frame costs about 0.2 s, as much as a dozen
    pictures.
    """

    def __init__(self, layout, captions, extent, probability_output):
        fonts.use()
        self.layout = layout
        legend = self._legend(probability_output)
        legend_columns = 4
        legend_height = 22 * -(-len(legend) // legend_columns)
        bottom = 58 + legend_height  # the output's tick labels, a note, the legend
        self.height = _TOP + layout.body_height + bottom
        width, height = layout.width, self.height
        figure = Figure(figsize=(width / 100, height / 100), dpi=100)
        # An invisible axes over the whole picture, in pixels from the top-left corner, holds the
        # captions, the unit frames and the connections.
        board = figure.add_axes((0, 0, 1, 1))
        board.set_xlim(0, width)
        board.set_ylim(height, 0)
        board.set_axis_off()
        self._draw_captions(board, captions)
        self._draw_frames(board)
        board.text(width / 2, height - legend_height - 12,
                   _("Each square: one unit's output over the input plane (x1 across, x2 up)."),
                   ha="center", va="bottom", fontsize=8, color="#404040")
        self._connections = LineCollection(layout.connection_segments(), capstyle="butt",
                                           animated=True)
        board.add_collection(self._connections)
        self._output = self._output_axes(figure, extent)
        self._spines = list(self._output.spines.values())
        # The colour bars stand beside the output unit, as tall as it is.
        output_top = layout.unit_corners[-1][0][0]
        bars = [(diverging_colormap(1.0), -1.0, 1.0, _("unit output"))]
        if probability_output:
            bars.append((diverging_colormap(STRONGEST_PROBABILITY_COLOUR), 0.0, 1.0, _("output: P(class 1)")))
        for index, bar in enumerate(bars):
            left = layout.width - _RIGHT + 50 + 70 * index
            self._colour_bar(figure, bar, (left, output_top, 12, OUTPUT_SIZE))
        figure.legend(handles=legend, loc="lower center", ncols=legend_columns, fontsize=8,
                      frameon=False, borderaxespad=0.3, handletextpad=0.4, columnspacing=1.2)
        self._figure = figure
        self.title = Title(figure, top=8, fontsize=11)
        self._canvas = FigureCanvasAgg(figure)
        self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(figure.bbox)

    def _colour_bar(self, figure, colour_bar, box):
        """A vertical colour bar: `colour_bar` is (colormap, low, high, label), `box` its pixels."""
        colormap, low, high, label = colour_bar
        left, top, bar_width, bar_height = box
        width, height = self.layout.width, self.height
        rect = (left / width, 1 - (top + bar_height) / height, bar_width / width, bar_height / height)
        bar = add_colour_bar(figure, rect, colormap, (low, high), label, label_size=8, tick_size=7,
                             labelpad=2, length=2, pad=1)
        if (low, high) == (-1.0, 1.0):
            # Values beyond +-1 (a ReLU or linear unit, an input) are drawn at full colour.
            bar.set_yticks([-1, -0.5, 0, 0.5, 1], ["≤ −1", "−0.5", "0", "0.5", "≥ 1"])

    @staticmethod
    def _legend(probability_output):
        legend = [Line2D([], [], color=hex_colour(BLUE), linewidth=2.5, label=_("negative weight")),
                  Line2D([], [], color=hex_colour(ORANGE), linewidth=2.5, label=_("positive weight"))]
        legend += [Line2D([], [], color=hex_colour(GREY), linewidth=float(connection_width(weight)),
                          label=(_("|weight| ≥ {weight:g}") if weight == _WIDEST_WEIGHT
                                 else _("|weight| = {weight:g}")).format(weight=weight))
                   for weight in _LEGEND_WEIGHTS]
        legend += class_legend()
        if probability_output:
            legend.append(Line2D([], [], color=hex_colour([BOUNDARY_GREY] * 3), label="P = 0.5"))
        return legend

    def _draw_captions(self, board, captions):
        layout = self.layout
        for column, caption in enumerate(captions):
            centre = layout.column_left[column] + layout.column_size[column] / 2
            board.text(centre, _TOP - 8, caption, ha="center", va="bottom", fontsize=8, linespacing=1.2)
        for name, (top, left) in zip(("x1", "x2"), layout.unit_corners[0]):
            board.text(left - 6, top + UNIT_SIZE / 2, name, ha="right", va="center", fontsize=9)

    def _draw_frames(self, board):
        # Thin frames just outside each small heat map, so that a white one still shows.
        for corners in self.layout.unit_corners[:-1]:
            for top, left in corners:
                board.add_patch(Rectangle((left - 1, top - 1), UNIT_SIZE + 1, UNIT_SIZE + 1,
                                          fill=False, edgecolor="#b0b0b0", linewidth=0.6))

    def _output_axes(self, figure, extent):
        """Axes over the output unit's heat map, with ticks in input units."""
        width, height = self.layout.width, self.height
        top, left = self.layout.unit_corners[-1][0]
        axes = figure.add_axes((left / width, 1 - (top + OUTPUT_SIZE) / height,
                                OUTPUT_SIZE / width, OUTPUT_SIZE / height))
        axes.set_xlim(extent[0], extent[1])
        axes.set_ylim(extent[2], extent[3])
        axes.yaxis.tick_right()  # the connections arrive from the left
        axes.yaxis.set_label_position("right")
        axes.tick_params(labelsize=7, length=2, pad=1)
        axes.xaxis.set_major_locator(MaxNLocator(4))
        axes.yaxis.set_major_locator(MaxNLocator(4))
        axes.set_xlabel("x1", fontsize=8, labelpad=0)
        axes.set_ylabel("x2", fontsize=8, labelpad=2)
        return axes

    def points(self, xy, colours):
        """Dots to draw on the output unit (pass them to `render`): small, outlined, see-through.

        Args:
            xy: (n, 2) points in the coordinates of the panel's `extent`.
            colours: (n, 3) RGB colours, 0 to 1.
        """
        # Few points are drawn big enough to find, many small enough to leave the picture visible.
        size = float(np.clip(800 / len(xy), 5, 28))
        return self._output.scatter(xy[:, 0], xy[:, 1], s=size, c=colours, alpha=0.8,
                                    edgecolors="black", linewidths=0.5, animated=True)

    def render(self, unit_maps, output_map, kernels, title, marks=()):
        """The picture as a (height, width, 3) uint8 array.

        Args:
            unit_maps: per column but the last, a (units, UNIT_SIZE, UNIT_SIZE, 3) uint8 array.
            output_map: the output unit's (OUTPUT_SIZE, OUTPUT_SIZE, 3) uint8 heat map.
            kernels: per pair of columns, the kernel between their drawn units.
            title: the picture's title.
            marks: artists to draw over the output unit, such as `points`.
        """
        self._canvas.restore_region(self._background)
        pixels = np.asarray(self._canvas.buffer_rgba())
        for maps, corners in zip(unit_maps, self.layout.unit_corners):
            for heat_map, (top, left) in zip(maps, corners):
                pixels[top:top + UNIT_SIZE, left:left + UNIT_SIZE, :3] = heat_map
        top, left = self.layout.unit_corners[-1][0]
        pixels[top:top + OUTPUT_SIZE, left:left + OUTPUT_SIZE, :3] = output_map
        weights = np.concatenate([kernel.ravel() for kernel in kernels])
        colours = np.where(weights[:, None] < 0, BLUE, ORANGE) / 255.0
        self._connections.set_color(colours)
        self._connections.set_linewidths(connection_width(np.abs(weights)))
        for artist in (self._connections, *marks, *self._spines):
            self._figure.draw_artist(artist)
        self.title.draw(pixels, self._canvas.get_renderer(), title)
        return rgb_copy(pixels)


def network_panel(units, captions, extent, probability_output):
    """The `NetworkPanel` of a network of `units` per column (a tuple), made for `shared_panel`."""
    return NetworkPanel(NetworkLayout(units), captions, extent, probability_output)


class NetworkMap(ProbeCallback):
    """Logs a picture of the whole network, every unit over the input plane, as Playground does.

    The image `network_map` draws the network with its layers as columns, from the two inputs
    on the left to the output on the right. Each input and each hidden unit is a small heat
    map of its output at every point (x1, x2) of the plane: orange positive, blue negative,
    white zero, full colour at 1 and beyond (the `unit output` colour bar). The output unit is
    a larger heat map with the training points on it (small, outlined dots coloured by their
    label); a one-unit sigmoid output is drawn as P(class 1), blue 0, white 0.5, orange 1, with
    a dark line at 0.5, as `DecisionBoundaryImages` draws it. Every weight is a line between
    the two units it connects, blue when negative, orange when positive, and thicker the
    larger its magnitude (up to |w| = 3, as the legend shows). Biases are not drawn; they shift
    where a unit's heat map crosses zero. The picture names the run and the step.

    The picture grows with the network: one column per layer, one heat map per unit. A layer
    of more than 16 units shows its first 16, with their connections, and its caption says so.

    The models it draws take exactly two input features and are a chain of `Dense` layers: a
    `keras.Sequential` or a Functional model in which every layer takes the previous layer's
    output and nothing else, ending in one unit. `Dropout` layers are allowed and passed over
    (at inference they pass their input on unchanged). Any other model (other than two inputs,
    another kind of layer such as a convolution, a branch or merge, several outputs, a
    subclassed model) is refused with a `ValueError` naming the problem when training starts.

    Args:
        log_dir: directory of the TensorBoard run to write into.
        points: (n, 2) points to draw on the output unit (usually the training data).
        labels: (n,) or (n, 1) 0/1 labels of the points.
        every: log after every this many Keras epochs.
        passes_per_epoch: passes over the data that one Keras epoch stands for.
        extent: (x_min, x_max, y_min, y_max) of the plane; the points' box widened by a quarter.
        title: what the picture calls the run; the last part of `log_dir` by default.

    Example:
        >>> network_map = NetworkMap("runs/mine", points=x, labels=y, every=10)
        >>> model.fit(x, y, epochs=100, callbacks=[network_map])
    """

    def __init__(self, log_dir, points, labels, every=1, passes_per_epoch=1, extent=None, title=None):
        super().__init__(log_dir, every=every, passes_per_epoch=passes_per_epoch)
        self.points = np.asarray(points, dtype=np.float32)
        if self.points.ndim != 2 or self.points.shape[1] != 2 or len(self.points) == 0:
            raise ValueError(
                f"points must be an (n, 2) array of input points, got shape {self.points.shape}"
            )
        self.labels = np.asarray(labels).reshape(-1).astype(int)
        if len(self.labels) != len(self.points):
            raise ValueError(f"got {len(self.labels)} labels for {len(self.points)} points")
        self.extent = tuple(extent) if extent is not None else default_extent(self.points)
        self.title = title or run_name(log_dir)
        # One grid at the output's resolution; the small heat maps take every fourth point.
        self._grid, self._shape = plane_grid(self.extent, OUTPUT_SIZE // 2)
        self._chain = None
        self._panel = None
        self._dots = None
        self._input_maps = None
        self._probability_output = False

    def on_train_begin(self, logs=None):
        if isinstance(self.model, keras.Sequential):
            symbolic_input(self.model, self.points[:1])  # builds one declared without `Input`
        self._chain = dense_chain(self.model)
        self._probability_output = activation_name(self._chain[-1]) == "sigmoid"
        super().on_train_begin(logs)

    def summarize(self, step):
        kernels = [np.asarray(layer.kernel) for layer in self._chain]
        outputs = dense_outputs(self._chain, self._grid, kernels)  # every layer's, over the plane
        if not all_finite(outputs + kernels):
            return False
        self.in_background(step, self._draw, outputs, kernels)
        return True

    def _draw(self, step, outputs, kernels):
        panel = self._shared_panel()  # one per network shape and language
        if panel is not self._panel:
            self._panel = panel
            colours = np.where(self.labels[:, None] == 1, ORANGE, BLUE) / 255.0
            self._dots = self._panel.points(self.points, colours)
        drawn = self._panel.layout.drawn
        unit_maps = [self._input_maps] + [self._small_maps(values[:, :count])
                                          for values, count in zip(outputs[:-1], drawn[1:-1])]
        kernels = [kernel[:rows, :cols] for kernel, rows, cols in zip(kernels, drawn[:-1], drawn[1:])]
        image = self._panel.render(unit_maps, self._output_map(outputs[-1]), kernels,
                                   picture_title(self.title, step), marks=[self._dots])
        write_image("network_map", image, step=step)

    def _small_maps(self, values):
        """(units, UNIT_SIZE, UNIT_SIZE, 3) uint8 heat maps of (points of the plane, units) values."""
        stride = self._shape[0] // UNIT_SIZE
        planes = values.T.reshape(-1, *self._shape)[:, ::stride, ::stride]
        return diverging_colours(planes).astype(np.uint8)

    def _output_map(self, values):
        plane = values.reshape(self._shape)
        if self._probability_output:
            image = render_decision_boundary(plane)
        else:
            image = diverging_colours(plane).astype(np.uint8)
        return upscale(image, OUTPUT_SIZE // self._shape[0])

    def _shared_panel(self):
        """The frame of this network's pictures, shared with every network drawn alike."""
        chain = self._chain
        units = (2, *(layer.units for layer in chain))
        captions = [_("inputs")]
        for index, layer in enumerate(chain):
            if index == len(chain) - 1:
                role = _("output: '{layer}'").format(layer=layer.name)
            else:
                role = _("hidden layer {number}: '{layer}'").format(number=index + 1, layer=layer.name)
            if layer.units > MAX_UNITS_DRAWN:
                count = _("first {shown} of {units} units").format(shown=MAX_UNITS_DRAWN, units=layer.units)
            elif layer.units == 1:
                count = _("1 unit")
            else:
                count = _("{units} units").format(units=layer.units)
            captions.append(f"{role}\n{count}\n{activation_name(layer)}")
        if self._input_maps is None:
            self._input_maps = self._small_maps(self._grid)
        extent = tuple(float(value) for value in self.extent)
        return shared_panel(network_panel, units, tuple(captions), extent, self._probability_output)
