"""The hebbian lesson: pairing bell and food makes the bell alone fire the neuron, by Hebb's rule."""

import keras
import numpy as np
import pytest

from dlintro import datasets, events, i18n
from dlintro.config import ConfigError, parse_overrides
from dlintro.lessons import hebbian
from dlintro.runner import run_lesson
from dlintro.training import Interrupted

SHORT = hebbian.Config(trials=15)
BELL_AND_FOOD = datasets.stimulus("bell_and_food")
BELL_ALONE = datasets.stimulus("bell")
FOOD_ALONE = datasets.stimulus("food")


def test_one_trial_is_the_instar_rule_worked_by_hand():
    dog = hebbian.hebbian_neuron(food_weight=1.0, bell_weight=0.1, threshold=0.5, learning_rate=0.1)
    assert dog.trainable_weights == []  # nothing here is learned by gradient descent
    # Bell and food: drive 1.1 >= 0.5, so post = 1; each weight moves 0.1 of the way to its input, 1.
    dog.train_on_batch(BELL_AND_FOOD)
    np.testing.assert_allclose(dog.synapses.kernel.numpy().ravel(), [1.0, 0.19], rtol=1e-6)
    # Bell alone: drive 0.19 < 0.5, post = 0: pre without post changes nothing.
    dog.train_on_batch(BELL_ALONE)
    np.testing.assert_allclose(dog.synapses.kernel.numpy().ravel(), [1.0, 0.19], rtol=1e-6)
    # Food alone: post = 1, the silent bell's weight decays 0.1 of the way to 0.
    dog.train_on_batch(FOOD_ALONE)
    np.testing.assert_allclose(dog.synapses.kernel.numpy().ravel(), [1.0, 0.171], rtol=1e-6)


def test_config_refuses_a_bell_that_fires_from_the_start():
    with pytest.raises(ConfigError, match="bell_weight < threshold"):
        parse_overrides(hebbian.Config, ["--bell-weight", "0.6"])
    with pytest.raises(ConfigError, match="threshold <= food_weight"):
        parse_overrides(hebbian.Config, ["--food-weight", "0.4"])


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    return run_lesson("hebbian", SHORT, runs_root=tmp_path_factory.mktemp("runs"), out=lambda *_: None)


def test_claim_bell_alone_fires_only_after_pairing(short_run):
    assert short_run["claim"]["holds"] is True
    metrics = {name: entry["metrics"] for name, entry in short_run["variants"].items()}
    assert metrics["paired"]["bell_fires_before"] == 0.0 and metrics["paired"]["bell_fires_after"] == 1.0
    assert metrics["food_only"]["bell_fires_after"] == 0.0
    assert metrics["bell_only"]["bell_fires_after"] == 0.0


def test_event_files_show_the_bell_connection_growing_only_when_paired(short_run):
    threshold = hebbian.Config().threshold
    runs = {path.name: events.load_run(path) for path in events.variant_dirs(short_run["run_dir"])}
    assert set(runs) == {"paired", "food_only", "bell_only"}
    for name, run in runs.items():
        for tag in ("weights/food", "weights/bell", "response/bell_alone", "fires/bell_alone", "response/trial"):
            assert events.plugin_of(run, tag) == "scalars", (name, tag)
            assert events.scalar_series(run, tag)[0] == list(range(16)), (name, tag)
        assert events.plugin_of(run, "custom_scalars__config__") == "custom_scalars"
    _, bell = events.scalar_series(runs["paired"], "weights/bell")
    assert np.all(np.diff(bell) > 0)  # rises at every paired trial
    _, response = events.scalar_series(runs["paired"], "response/bell_alone")
    _, fires = events.scalar_series(runs["paired"], "fires/bell_alone")
    assert response[0] < threshold <= response[-1]
    assert fires[0] == 0.0 and fires[-1] == 1.0
    first_firing = int(np.argmax(fires))
    assert np.all(fires[first_firing:] == 1.0)  # once conditioned, it stays so
    _, bell = events.scalar_series(runs["food_only"], "weights/bell")
    assert np.all(np.diff(bell) < 0)  # food without the bell: the bell predicts nothing
    _, bell = events.scalar_series(runs["bell_only"], "weights/bell")
    assert np.all(bell == bell[0])  # the bell alone never fires the neuron, so nothing changes
    for run in runs.values():
        _, food = events.scalar_series(run, "weights/food")
        assert np.all(food >= threshold)  # the food keeps working


def test_interrupt_flushes_the_trials_so_far(tmp_path, monkeypatch):
    real_factory = hebbian.hebbian_neuron

    def interrupted_after_three_trials(**kwargs):
        model = real_factory(**kwargs)
        real_step = model.train_on_batch
        calls = []

        def train_on_batch(*args, **kw):
            calls.append(1)
            if len(calls) == 4:
                raise KeyboardInterrupt
            return real_step(*args, **kw)

        model.train_on_batch = train_on_batch
        return model

    monkeypatch.setattr(hebbian, "hebbian_neuron", interrupted_after_three_trials)
    with pytest.raises(Interrupted) as raised:
        hebbian.train(hebbian.Config(), hebbian.Conditioning(name="paired", schedule="paired"), tmp_path)
    # The stop came during the fourth trial: like `fit`, it reports the last step it logged.
    assert raised.value.step == 3
    steps, _ = events.scalar_series(events.load_run(tmp_path), "weights/bell")
    assert steps == [0, 1, 2, 3]


def test_factory_model_saves_and_loads(tmp_path):
    dog = hebbian.hebbian_neuron()
    dog.fit(np.repeat(BELL_AND_FOOD, 10, axis=0), batch_size=1, epochs=1, verbose=0)
    assert dog.predict(BELL_ALONE, verbose=0)[0, 0] == 1.0
    path = tmp_path / "dog.keras"
    dog.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.synapses.kernel.numpy(), dog.synapses.kernel.numpy())
    assert loaded.threshold == dog.threshold and loaded.learning_rate == dog.learning_rate
    loaded.fit(FOOD_ALONE, batch_size=1, epochs=1, verbose=0)  # still learns after loading


def test_food_only_trials_shrink_the_bell_link_by_the_rate_each_time(short_run):
    # The instar rule's decay: a firing trial with the bell silent moves its weight a tenth of
    # the way to 0; a paired trial moves it a tenth of the way to 1 (crossing at trial 6).
    runs = {path.name: events.load_run(path) for path in events.variant_dirs(short_run["run_dir"])}
    rate = hebbian.Config().learning_rate
    _, bell = events.scalar_series(runs["food_only"], "weights/bell")
    np.testing.assert_allclose(bell[1:] / bell[:-1], 1 - rate, rtol=1e-5)
    _, bell = events.scalar_series(runs["paired"], "weights/bell")
    np.testing.assert_allclose((1 - bell[1:]) / (1 - bell[:-1]), 1 - rate, rtol=1e-5)
    _, fires = events.scalar_series(runs["paired"], "fires/bell_alone")
    assert int(np.argmax(fires)) == 6


def test_the_rule_cannot_extinguish_a_conditioned_bell():
    # After conditioning, the bell alone fires the neuron, so bell-only trials strengthen the
    # bell's link further; it is the silent food's link that decays, until food alone fails.
    config = hebbian.Config()
    dog = hebbian.hebbian_neuron(config.food_weight, config.bell_weight, config.threshold, config.learning_rate)
    dog.fit(datasets.conditioning("paired", trials=config.trials), batch_size=1, epochs=1, verbose=0)
    conditioned_food, conditioned_bell = dog.synapses.kernel.numpy().ravel()
    assert dog.predict(BELL_ALONE, verbose=0)[0, 0] == 1.0
    food_fires = []
    for _ in range(7):
        dog.train_on_batch(BELL_ALONE)
        food_fires.append(float(dog.predict(FOOD_ALONE, verbose=0)[0, 0]))
    food, bell = dog.synapses.kernel.numpy().ravel()
    assert bell > conditioned_bell and food < conditioned_food
    assert dog.predict(BELL_ALONE, verbose=0)[0, 0] == 1.0  # no extinction
    assert food_fires == [1.0] * 6 + [0.0]  # the seventh bell-only trial silences the food
    # The closed form the text quotes agrees with the trials.
    assert hebbian.food_silenced_after(config, conditioned_food) == 7


def test_the_update_is_the_instar_rule_and_ojas_formula_with_a_0_1_output():
    dog = hebbian.hebbian_neuron(food_weight=1.0, bell_weight=0.3, threshold=0.5, learning_rate=0.2)
    for stimulus in (BELL_AND_FOOD, BELL_ALONE, FOOD_ALONE):
        weights = dog.synapses.kernel.numpy().ravel().astype(np.float64)
        pre = stimulus.ravel().astype(np.float64)
        post = float(weights @ pre >= 0.5)
        dog.train_on_batch(stimulus)
        instar = weights + 0.2 * post * (pre - weights)
        oja = weights + 0.2 * post * (pre - post * weights)
        np.testing.assert_allclose(instar, oja)  # post * post = post for a 0/1 output
        np.testing.assert_allclose(dog.synapses.kernel.numpy().ravel(), instar, rtol=1e-6)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [({}, 6), ({"learning_rate": 0.3}, 2), ({"threshold": 0.9}, 21), ({"threshold": 0.97, "trials": 40}, 33)],
)
def test_the_closed_form_first_firing_trial_matches_the_trials(changes, expected):
    config = hebbian.Config(**changes)
    assert hebbian.first_firing_trial(config) == expected
    dog = hebbian.hebbian_neuron(config.food_weight, config.bell_weight, config.threshold, config.learning_rate)
    fires = []
    for _ in range(config.trials):
        dog.train_on_batch(BELL_AND_FOOD)
        fires.append(float(dog.predict(BELL_ALONE, verbose=0)[0, 0]))
    assert fires.index(1.0) + 1 == expected


def test_extinction_trials_follow_the_conditioning_trials(tmp_path):
    config = hebbian.Config(trials=10, extinction_trials=5)
    metrics = hebbian.train(config, hebbian.Conditioning(name="paired", schedule="paired"), tmp_path / "paired")
    run = events.load_run(tmp_path / "paired")
    steps, bell = events.scalar_series(run, "response/bell_alone")
    assert steps == list(range(16))  # the untrained dog, 10 paired trials, 5 bell-only ones
    assert metrics["bell_response_conditioned"] == pytest.approx(bell[10])
    assert metrics["bell_response_after"] == pytest.approx(bell[15]) and bell[15] > bell[10]
    assert metrics["bell_first_fires_at_trial"] == 6
    _, food = events.scalar_series(run, "weights/food")
    np.testing.assert_allclose(food[10:], [0.9**k for k in range(6)], rtol=1e-5)


def test_text_numbers_are_the_runs_own(short_run):
    from dlintro import texts

    numbers = short_run["text_numbers"]
    for part in texts.parts("hebbian").values():
        texts.render(part, numbers)  # every placeholder is filled
    runs = {path.name: events.load_run(path) for path in events.variant_dirs(short_run["run_dir"])}
    for schedule in ("paired", "food_only", "bell_only"):
        _, bell = events.scalar_series(runs[schedule], "weights/bell")
        _, food = events.scalar_series(runs[schedule], "weights/food")
        assert numbers[f"{schedule}_bell_weight"] == pytest.approx(bell[SHORT.trials])
        assert numbers[f"{schedule}_food_weight"] == pytest.approx(food[SHORT.trials])
    _, fires = events.scalar_series(runs["paired"], "fires/bell_alone")
    assert numbers["paired_first_fires"] == int(np.argmax(fires)) == hebbian.first_firing_trial(SHORT)


def test_text_says_so_when_the_bell_never_fires(tmp_path):
    from dlintro import texts

    summary = run_lesson("hebbian", hebbian.Config(trials=3), runs_root=tmp_path, out=lambda *_: None)
    assert summary["claim"]["holds"] is False
    assert summary["text_numbers"]["paired_first_fires"] == texts.MISSING


def test_the_look_part_leads_with_the_first_view():
    from dlintro import texts

    first_bullet = texts.parts("hebbian")["look"].splitlines()[0]
    assert f"`{hebbian.VIEWS[0].shows[0]}`" in first_bullet


@pytest.mark.parametrize(("changes", "expected"), [({"learning_rate": 1.0}, 1), ({"threshold": 1.5, "food_weight": 2.0}, -1)])
def test_the_closed_form_handles_a_full_step_and_an_unreachable_threshold(tmp_path, changes, expected):
    config = hebbian.Config(trials=5, **changes)
    assert hebbian.first_firing_trial(config) == expected
    metrics = hebbian.train(config, hebbian.Conditioning(name="paired", schedule="paired"), tmp_path)
    assert metrics["bell_first_fires_at_trial"] == expected
    hebbian.food_silenced_after(config, metrics["food_weight_conditioned"])  # no error either


def test_verdicts_errors_and_charts_speak_korean():
    config = hebbian.Config(extinction_trials=20)
    fires = {"bell_response_before": 0.1, "bell_response_after": 0.96, "bell_fires_before": 0.0,
             "bell_fires_after": 1.0, "bell_response_conditioned": 0.9618, "bell_first_fires_at_trial": 6,
             "food_fires_after": 0.0, "food_weight": 0.1216}
    results = {hebbian.Conditioning(name="paired", schedule="paired"): fires}
    english = hebbian.check(config, results).explanation
    assert english == "Threshold 0.5. Bell alone after 30 trials and 20 bell-only trials: paired 0.100 -> 0.960 (fires)."
    with i18n.language("ko"):
        assert hebbian.check(config, results).explanation == (
            "임계값 0.5. 시행 30번과 종만 울리는 시행 20번 뒤, 종만 울렸을 때: paired 0.100 -> 0.960 (발화).")
        described = hebbian._describe(config, results)
        assert "마지막 0.9600(발화), 6번째 시행 뒤 종만으로 처음 발화; 마지막에 먹이만 주었을 때 침묵" in described
        with pytest.raises(ConfigError, match="이 실험에는 bell_weight < threshold <= food_weight가 필요합니다"):
            parse_overrides(hebbian.Config, ["--bell-weight", "0.6"])
        layout = hebbian.conditioning_layout()
    assert layout.category[0].title == "조건 형성"
    assert [chart.title for chart in layout.category[0].chart] == ["연결 세기 (먹이, 종)", "종만 울렸을 때의 가중합과 발화 임계값"]


def test_the_korean_text_renders_with_the_runs_numbers(short_run):
    from dlintro import texts

    markdown = texts.lesson_markdown("hebbian", short_run["translations"]["ko"]["text_numbers"], lang="ko")
    assert "{" not in markdown and f"{hebbian.first_firing_trial(SHORT)}번째 시행 뒤" in markdown
