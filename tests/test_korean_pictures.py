"""Every picture the callbacks draw, in Korean: Hangul drawn with a real font, no English label left.

Each test trains a tiny model with one picture callback inside `i18n.language("ko")` and
records every text Matplotlib draws (`RendererAgg.draw_text`, on whichever thread). A glyph
missing from the fonts (Hangul drawn as empty boxes) is a warning Matplotlib gives; here it is
an error. The drawn texts must hold Hangul, and none may hold an English word of the
callbacks' catalogue (a label, legend or title left untranslated). Run names and layer names
are identifiers and stay as they are; the tests give ones that are no English word.
"""

import json
import logging
import re
import warnings

import keras
import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure

from callbacks_test_support import images, tiny_data
from dlintro import events, fonts, i18n
from dlintro.callbacks import (
    DecisionBoundaryImages,
    FilterImages,
    FittedCurveImages,
    GradientNormBars,
    HiddenUnitImages,
    LossCurvePaths,
    LossSurfacePath,
    NetworkMap,
    StartClasses,
    TrainValidationChart,
)
from dlintro.callbacks.critical_points import render_class_shares
from dlintro.callbacks.decision_boundary import decision_boundary_panel
from dlintro.callbacks.gradients import per_layer_layout
from dlintro.callbacks.pictures import picture_title, shared_panel, title_halves

# A glyph missing from every font of the list is an error, on any thread (the filter list is global).
pytestmark = pytest.mark.filterwarnings("error:.*[Gg]lyph")

HANGUL = re.compile(r"[\uac00-\ud7a3]")
CATALOGUE = json.loads((i18n.TEXTS / "ko" / "callbacks.json").read_text(encoding="utf-8"))
# Identifiers that a catalogue entry names and the Korean keeps: activations, a NumPy function.
IDENTIFIERS = {"sigmoid", "tanh", "relu", "lstsq"}
ENGLISH_WORDS = sorted(
    {word.lower() for english in CATALOGUE for word in re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", "", english))}
    - IDENTIFIERS
)


@pytest.fixture
def drawn(monkeypatch, caplog):
    """The texts Matplotlib draws during the test (a list that fills as they are drawn)."""
    texts = []
    original = RendererAgg.draw_text

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        texts.append(s)
        return original(self, gc, x, y, s, prop, angle, ismath, mtext)

    monkeypatch.setattr(RendererAgg, "draw_text", draw_text)
    caplog.set_level(logging.WARNING, logger="matplotlib.font_manager")
    with i18n.language("ko"):
        yield texts
    # "findfont: Font family ... not found" is logged, not warned.
    assert not [record for record in caplog.records if "findfont" in record.getMessage()]


def check_korean(texts, *expected):
    """Hangul drawn, each `expected` Korean text among the drawn ones, no English word of the catalogue."""
    assert any(HANGUL.search(text) for text in texts), texts
    for text in expected:
        assert any(text in drawn for drawn in texts), (text, texts)
    english = {word for text in texts for word in ENGLISH_WORDS if re.search(rf"\b{word}\b", text, re.IGNORECASE)}
    assert not english, (english, texts)


def korean(english):
    return CATALOGUE[english]


def two_input_classifier(hidden=3, activation="tanh"):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(hidden, activation=activation, name="h1"),
                              keras.layers.Dense(1, activation="sigmoid", name="z")])
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    return model


def test_the_check_bites_hangul_without_nanumgothic_warns():
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        figure = Figure(figsize=(2, 1))
        figure.text(0.1, 0.5, "손실")
        with pytest.warns(UserWarning, match="[Gg]lyph"):
            FigureCanvasAgg(figure).draw()


def test_nanumgothic_is_a_fallback_after_the_usual_font():
    families = fonts.use()
    assert families[-1] == fonts.FAMILY and families[0] == "sans-serif"
    assert all(path.is_file() for path in fonts.font_files())
    import sys

    assert "koreanize_matplotlib" not in sys.modules  # its import would rewrite rcParams


def test_decision_boundary(tmp_path, drawn):
    x, y = tiny_data()
    callback = DecisionBoundaryImages(tmp_path / "ko-run", x, y, resolution=24)
    two_input_classifier().fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    assert callback._panel.title.text == "ko-run, 스텝 1"
    check_korean(drawn, korean("P(class 1)"), korean("class 0 point"), korean("class 1 point"), "스텝 1")
    assert images(events.load_run(tmp_path / "ko-run"), "decision_boundary")[0] == [0, 1]


def test_one_process_draws_both_languages_from_frames_kept_apart():
    with i18n.language("en"):
        english = shared_panel(decision_boundary_panel, (-1.0, 1.0, -1.0, 1.0), 20)
    with i18n.language("ko"):
        hangul = shared_panel(decision_boundary_panel, (-1.0, 1.0, -1.0, 1.0), 20)
        assert title_halves(picture_title("xor-one_layer", 50)) == ("xor-one_layer,", " 스텝 50")
    assert english is not hangul
    picture = np.full((20, 20, 3), 200, dtype=np.uint8)
    with i18n.language("en"):
        assert title_halves(picture_title("xor-one_layer", 50)) == ("xor-one_layer,", " step 50")
        first = english.render(picture, picture_title("ko-run", 3))
    with i18n.language("ko"):
        second = hangul.render(picture, picture_title("ko-run", 3))
    assert first.shape == second.shape and not np.array_equal(first, second)


def test_network_map(tmp_path, drawn):
    x, y = tiny_data()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(20, activation="relu", name="h1"),
                              keras.layers.Dense(1, activation="sigmoid", name="z")])
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[NetworkMap(tmp_path / "ko-net", x, y)])
    check_korean(drawn, korean("inputs"), "은닉층 1: 'h1'", "유닛 20개 중 처음 16개", "출력: 'z'", "유닛 1개",
                 korean("unit output"), korean("output: P(class 1)"), korean("negative weight"), "|가중치| ≥ 3",
                 korean("Each square: one unit's output over the input plane (x1 across, x2 up)."), "스텝 1")


def test_fitted_curve(tmp_path, drawn):
    x = np.linspace(-1, 1, 10, dtype=np.float32)[:, None]
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    callback = FittedCurveImages(tmp_path / "ko-curve", np.sin, (-1, 1), points=(x, np.sin(x)), size=(60, 100))
    model.fit(x, np.sin(x), epochs=1, verbose=0, callbacks=[callback])
    check_korean(drawn, korean("target"), korean("model"), korean("training points"), "스텝 1")


def test_hidden_units(tmp_path, drawn):
    x, y = tiny_data()
    callback = HiddenUnitImages(tmp_path / "ko-run", "h1", extent=(0, 1, 0, 1), resolution=12)
    two_input_classifier().fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    assert callback._panel.title.text == "ko-run: h1 유닛, 스텝 1"
    check_korean(drawn, korean("unit output"), "ko-run: h1 유닛,")


def test_filters(tmp_path, drawn):
    rng = np.random.default_rng(0)
    x, y = rng.random((6, 6, 6, 1), dtype=np.float32), rng.integers(0, 2, 6)
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3, name="c1"),
                              keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    callback = FilterImages(tmp_path / "ko-cnn", "c1", pixels_per_weight=4)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    assert callback._panel.title.text == "ko-cnn: c1 필터, 스텝 1"
    check_korean(drawn, korean("weight"))


def test_gradient_norm_bars(tmp_path, drawn):
    x, y = tiny_data()
    callback = GradientNormBars(tmp_path / "ko-run", x, y)
    two_input_classifier().fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    check_korean(drawn, korean("layer (input side on the left)"), korean("gradient norm"), "ko-run, 스텝 1: 첫 층/마지막 층 = ")


def test_loss_surface(tmp_path, drawn):
    x = np.array([[1, 2], [2, 1], [1, -1], [3, 1]], dtype=np.float32)
    y = x @ np.array([1.0, 2.0], dtype=np.float32)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    surface = LossSurfacePath(tmp_path / "ko-sgd", x, y, solution=(1.0, 2.0), picture_every=2)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0, callbacks=[surface])
    assert surface._step_text.get_text() == "ko-sgd, 스텝 2"
    check_korean(drawn, korean("mean squared error"), korean("least squares (lstsq)"), korean("start"),
                 korean("weights now"), "ko-sgd: (w1, w2)에 따른 평균 제곱 오차")


class Scale(keras.layers.Layer):
    """Three starts, each one weight w: the output is w * x per start."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(3,), initializer="zeros")

    def call(self, inputs):
        return inputs * self.w


def test_loss_curve_paths(tmp_path, drawn):
    x = np.linspace(-1, 1, 10, dtype="float32").reshape(-1, 1)
    inputs = keras.Input((1,))
    model = keras.Model(inputs, Scale(name="s")(inputs))
    model.compile(keras.optimizers.SGD(0.3), "mse")

    def losses_of(weights):
        return np.mean((np.outer(x[:, 0], weights) - 2 * x) ** 2, axis=0)

    paths = LossCurvePaths(tmp_path, losses_of, weight_range=(-2, 5), title="w x, 2x")
    model.fit(x, 2 * x, batch_size=10, epochs=1, verbose=0, callbacks=[paths])
    check_korean(drawn, korean("loss"), "시작점 0: 0.00 → ", korean("the weight (o: where a start began, *: where it ended)"))


def test_start_classes(drawn):
    history = [(0, {"solved": 0.0, "valley_floor": 0.25, "saddle": 0.25, "still_moving": 0.5}),
               (5, {"solved": 0.5, "valley_floor": 0.25, "saddle": 0.0, "still_moving": 0.25})]
    render_class_shares(history, "ko-minima")
    check_korean(drawn, "해결됨: 50%", "골짜기 바닥: 25%", "안장점: 0%", "아직 움직이는 중: 25%",
                 korean("step (passes over the data)"), korean("share of the starts"), korean("at the last step"))
    assert StartClasses  # the callback draws this picture when training ends


def test_custom_scalars_titles_are_korean(tmp_path):
    with i18n.language("ko"):
        layout = per_layer_layout()
        chart = TrainValidationChart(tmp_path, "dropout")._layout()
    (category,) = layout.category
    assert category.title == "층별" and category.chart[0].title == "층별 그레이디언트 노름"
    assert all(HANGUL.search(item.title) for item in category.chart)
    assert chart.category[0].title == "훈련 대 검증"
    assert chart.category[0].chart[0].title == "dropout: loss"  # a run name and a metric: identifiers
    with i18n.language("en"):
        assert per_layer_layout().category[0].title == "Per layer"


def test_every_english_picture_text_has_its_korean():
    # The picture tests above look for these words; the catalogue test (test_i18n) checks the rest.
    assert "step" in ENGLISH_WORDS and "class" in ENGLISH_WORDS and "hidden" in ENGLISH_WORDS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(HANGUL.search(value) for value in CATALOGUE.values())
