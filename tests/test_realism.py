"""The realism measures: the two-sample test tested on cases of known answer, and the groove statistics."""

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_groove import join_hvo, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import beat_statistics, compare_beats, compare_grooves, groove_statistics, two_sample_test


@pytest.fixture(scope="module")
def real(data_home):
    return fetch_groove(subset="validation", data_home=data_home).hvo[::8]  # 257 windows of many takes


def _noisy(hvo, scale, seed=0):
    h, v, o = split_hvo(hvo)
    noise = np.random.default_rng(seed).normal(0, scale, o.shape)
    return join_hvo(h, v, np.clip(o + noise, -0.5, 0.49))


def test_identical_quantized_and_noisy(real):
    same = two_sample_test(real, real.copy(), random_state=0)
    assert same.accuracy == pytest.approx(0.5, abs=0.02) and same.n_pairs == len(real)
    h, v, _ = split_hvo(real)
    quantized = two_sample_test(real, join_hvo(h, v), random_state=0)
    assert quantized.accuracy > 0.97
    noisy = two_sample_test(real, _noisy(real, 0.1), random_state=0)
    assert same.high < noisy.accuracy < quantized.low
    assert noisy.low < noisy.accuracy < noisy.high


def test_another_classifier_and_reproducibility(real):
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    h, v, _ = split_hvo(real)
    assert two_sample_test(real, join_hvo(h, v), classifier=logistic, random_state=0).accuracy > 0.9
    first = two_sample_test(real, _noisy(real, 0.05), random_state=1)
    with sklearn.config_context(enable_metadata_routing=True):  # a user's setting for routed searches
        assert two_sample_test(real, _noisy(real, 0.05), random_state=1) == first


def test_refuses_mismatched_shapes_and_too_few_pairs(real):
    with pytest.raises(ValueError, match="same scores: shapes .* differ"):
        two_sample_test(real, real[:-1])
    with pytest.raises(ValueError, match="at least 10 pairs for 5 folds, got 6"):
        two_sample_test(real[:6], real[:6])
    with pytest.raises(ValueError, match="generated velocities must lie in"):
        two_sample_test(real, np.where(np.arange(27) == 9, 1.27, real))


def test_groove_statistics_and_two_sided_comparison(real):
    stats = groove_statistics(real)
    assert 0.1 < stats["offset_std/snare"] < 0.3 and stats["velocity_mean/kick"] > 0.3
    assert -1 < stats["autocorrelation_step"] < 1 and -1 < stats["voice_correlation"] < 1
    h, v, o = split_hvo(real)
    tight = compare_grooves(real, join_hvo(h, v, 0.5 * o))
    loose = compare_grooves(real, _noisy(real, 0.15))
    verdict = lambda rows, name: next(r["verdict"] for r in rows if r["statistic"] == name)
    assert verdict(tight, "offset_std/snare") == "too tight" and verdict(loose, "offset_std/snare") == "too loose"
    assert verdict(compare_grooves(real, real), "offset_std/snare") == "ok"
    late = join_hvo(h, v, np.clip(o + 0.1 * h, -0.5, 0.49))
    assert verdict(compare_grooves(real, late), "offset_mean/kick") == "too late"


def _takes(h, seed, per_take):
    """Performances of the scores ``h`` whose loudness and push are each take's own (a take: ``per_take`` windows)."""
    rng = np.random.default_rng(seed)
    takes = len(h) // per_take
    level = np.repeat(rng.uniform(0.3, 0.9, takes), per_take)[:, None, None]
    push = np.repeat(rng.uniform(-0.2, 0.2, takes), per_take)[:, None, None]
    v = np.clip(level + rng.normal(0, 0.03, h.shape), 0, 1)
    o = np.clip(push + rng.normal(0, 0.03, h.shape), -0.5, 0.49)
    return join_hvo(h, h * v, h * o)


def test_groups_keep_a_take_out_of_its_own_training():
    # real and generated takes come from one distribution; only a classifier that has seen other windows of the
    # same take (its loudness and push) can tell them apart
    per_take = 10
    h = (np.random.default_rng(0).random((300, 8, 9)) < 0.4).astype(float)
    real, generated = _takes(h, 1, per_take), _takes(h, 2, per_take)
    take = np.repeat(np.arange(len(h) // per_take), per_take)
    leaky = two_sample_test(real, generated, random_state=0)
    fair = two_sample_test(real, generated, groups=take, random_state=0)
    assert leaky.low > 0.6 and fair.low < 0.5 < fair.high
    assert fair.high - fair.low > leaky.high - leaky.low  # fewer independent units: a wider interval
    with pytest.raises(ValueError, match=r"one group per pair: shape \(299,\), expected \(300,\)"):
        two_sample_test(real, generated, groups=take[:-1])
    with pytest.raises(ValueError, match="at least 5 groups for 5 folds, got 3"):
        two_sample_test(real, generated, groups=take % 3)


def _moved_hits(hvo, seed=0):
    """Each window's hits, velocities and offsets at other steps of the same voice: the same counts, another beat."""
    rng = np.random.default_rng(seed)
    return np.stack([w[rng.permutation(len(w))] for w in hvo])


def test_the_beat_critic_reads_the_hits_and_their_counts(real):
    """A beat whose hits sit at random steps keeps every velocity and offset at some hit: the beat critic tells it
    apart more often than the performance critic; an unknown kind of features is refused."""
    shuffled = _moved_hits(real)
    plain = two_sample_test(real, shuffled, random_state=0)
    beat = two_sample_test(real, shuffled, features="beat", random_state=0)
    assert beat.accuracy > 0.9 and beat.accuracy >= plain.accuracy
    assert two_sample_test(real, real.copy(), features="beat", random_state=0).accuracy == pytest.approx(0.5, abs=0.02)
    with pytest.raises(ValueError, match="features must be one of 'performance', 'beat', got 'hits'"):
        two_sample_test(real, real, features="hits")


def test_beat_statistics_count_hits_syncopation_and_repetition(real):
    h = np.zeros((6, 32, 9), np.float32)
    h[:, ::4, 0] = 1  # a kick on every beat
    h[:, 1, 1] = 1  # a snare on the first bar's second 16th only
    stats = beat_statistics(join_hvo(h, 0.8 * h))
    assert stats["hits_per_bar/kick"] == 4 and stats["hits_per_bar/snare"] == 0.5
    assert stats["density"] == 4.5 and stats["density_std"] == 0.5
    assert stats["syncopation"] == pytest.approx(1 / 9) and stats["off_beat_8th"] == 0
    assert stats["bar_repetition"] == pytest.approx(4 / 5) and stats["bars_identical"] == 0
    with pytest.raises(ValueError, match="at least 2 bars of 16 steps, got 16"):
        beat_statistics(join_hvo(h[:, :16]))
    drummers = beat_statistics(real)
    assert 0 < drummers["bars_identical"] < drummers["bar_repetition"] < 1  # drummers repeat and vary
    rows = {r["statistic"]: r for r in compare_beats(real, _moved_hits(real))}
    assert rows["hits_per_bar/kick"]["verdict"] == "ok"  # the same hits, elsewhere
    assert rows["bar_repetition"]["verdict"] == "too low"
