import numpy as np
import pytest

from sklearn_groove import VOICES, check_hvo, hits_of, join_hvo, split_hvo


def test_voices_contract():
    assert VOICES == (
        "kick", "snare", "closed_hihat", "open_hihat", "low_tom", "mid_tom", "high_tom", "crash", "ride",
    )


def test_split_join_round_trip():
    rng = np.random.default_rng(0)
    h = (rng.random((5, 32, 9)) < 0.3).astype(np.float32)
    v = rng.random((5, 32, 9)).astype(np.float32) * h
    o = rng.uniform(-0.5, 0.49, (5, 32, 9)).astype(np.float32) * h
    hvo = join_hvo(h, v, o)
    assert hvo.shape == (5, 32, 27) and hvo.dtype == np.float32
    for a, b in zip(split_hvo(hvo), (h, v, o)):
        np.testing.assert_array_equal(a, b)


def test_join_zeroes_velocity_and_offset_without_hits():
    h = np.zeros((1, 2, 9))
    h[0, 0, 0] = 1
    hvo = join_hvo(h, np.full((1, 2, 9), 0.5), np.full((1, 2, 9), 0.1))
    _, v, o = split_hvo(hvo)
    assert v.sum() == pytest.approx(0.5) and o.sum() == pytest.approx(0.1)


def test_split_rejects_non_multiple_of_three():
    with pytest.raises(ValueError, match="3 \\* n_voices"):
        split_hvo(np.zeros((1, 32, 10)))


def test_join_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        join_hvo(np.zeros((1, 32, 9)), np.zeros((1, 16, 9)))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda x: x[..., :9], "27 features"),
        (lambda x: x[0], "3-D"),
        (lambda x: np.where(np.arange(27) == 0, 0.5, x), "0 or 1"),
        (lambda x: np.where(np.arange(27) == 9, 1.5, x), "velocities"),
        (lambda x: np.where(np.arange(27) == 18, 0.7, x), "offsets"),
        (lambda x: np.where(np.arange(27) == 18, np.nan, x), "NaN"),
    ],
)
def test_check_hvo_errors(change, message):
    with pytest.raises(ValueError, match=message):
        check_hvo(change(np.zeros((2, 32, 27), dtype=np.float32)))


def test_hits_of_score_and_hvo():
    hvo = np.zeros((2, 32, 27), dtype=np.float32)
    hvo[0, 3, 4] = 1
    np.testing.assert_array_equal(hits_of(hvo), hits_of(hvo[..., :9]))
    with pytest.raises(ValueError, match="score"):
        hits_of(np.zeros((2, 32, 5)))


def test_take_seeds_are_the_seed_s_legacy_stream_in_every_thread():
    """A take's seeds are what ``np.random.RandomState(seed)`` draws first, whichever thread asks, however often."""
    from concurrent.futures import ThreadPoolExecutor

    from sklearn_groove._hvo import take_seeds

    seeds = list(range(0, 2**31 - 1, 2**24)) * 4
    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(lambda s: take_seeds(s, 3), seeds))
    for seed, got in zip(seeds, drawn):
        legacy = np.random.RandomState(seed)
        assert got == [int(legacy.randint(2**31 - 1)) for _ in range(3)]
    given = np.random.RandomState(5)
    assert take_seeds(given) == [int(np.random.RandomState(5).randint(2**31 - 1))]  # a generator given is drawn from
