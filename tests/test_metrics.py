import numpy as np
import pytest

from sklearn_groove import join_hvo
from sklearn_groove.metrics import (
    SCORERS,
    bootstrap_ci,
    hit_f1,
    hit_precision,
    hit_recall,
    timing_kl,
    timing_mae_ms,
    timing_mse,
    velocity_kl,
)


def _two_notes(o1, o2, v1=0.5, v2=0.5):
    """Two windows with one kick each, on step 0."""
    h = np.zeros((2, 32, 9))
    h[:, 0, 0] = 1
    v = np.zeros_like(h)
    o = np.zeros_like(h)
    v[0, 0, 0], v[1, 0, 0] = v1, v2
    o[0, 0, 0], o[1, 0, 0] = o1, o2
    return join_hvo(h, v, o)


def test_timing_mae_and_mse_hand_computed():
    y_true = _two_notes(0.25, -0.125)
    y_pred = _two_notes(0.0, 0.125)
    # errors: 0.25 and 0.25 steps; at 120 bpm a step is 125 ms, at 60 bpm 250 ms
    assert timing_mae_ms(y_true, y_pred) == pytest.approx(31.25)
    assert timing_mae_ms(y_true, y_pred, bpm=[120, 60]) == pytest.approx((31.25 + 62.5) / 2)
    assert timing_mse(y_true, y_pred) == pytest.approx(0.0625)


def test_timing_errors_only_on_true_hits():
    y_true = _two_notes(0.25, 0.25)
    y_pred = y_true.copy()
    y_pred[:, 5, [1, 10, 19]] = 1, 0.5, 0.4  # an extra predicted snare
    assert timing_mae_ms(y_true, y_pred) == 0
    with pytest.raises(ValueError, match="no hits"):
        timing_mse(np.zeros((1, 32, 27)), y_pred[:1])


def test_metric_errors():
    y = _two_notes(0.1, 0.1)
    with pytest.raises(ValueError, match="one shape"):
        timing_mse(y, y[:1])
    with pytest.raises(ValueError, match="bpm"):
        timing_mae_ms(y, y, bpm=[120, 120, 120])
    with pytest.raises(ValueError, match="positive"):
        timing_mae_ms(y, y, bpm=-1)


def _gaussian_kl(mp, sp, mq, sq):
    return np.log(sq / sp) + (sp**2 + (mp - mq) ** 2) / (2 * sq**2) - 0.5


def test_kl_by_position_hand_computed():
    """Position 0: real N(0, .1) vs pred N(.1, .2); position 2: real N(.2, .1) vs pred N(.2, .1)."""
    h = np.zeros((2, 32, 9))
    h[:, [0, 2], 0] = 1
    o_true = np.zeros_like(h)
    o_pred = np.zeros_like(h)
    o_true[0, 0, 0], o_true[1, 0, 0] = -0.1, 0.1
    o_pred[0, 0, 0], o_pred[1, 0, 0] = -0.1, 0.3
    o_true[0, 2, 0], o_true[1, 2, 0] = 0.1, 0.3
    o_pred[:, 2, 0] = o_true[:, 2, 0]
    y_true, y_pred = join_hvo(h, h * 0.5, o_true), join_hvo(h, h * 0.5, o_pred)
    expected = (_gaussian_kl(0, 0.1, 0.1, 0.2) + 0) / 2  # positions 1 and 3 have no notes
    assert timing_kl(y_true, y_pred) == pytest.approx(expected, rel=1e-5)
    # Velocity: predicted all equal (no spread) -> infinite, as the paper's N/A
    y_flat = join_hvo(h, h * 0.5, o_pred)
    y_varied = join_hvo(h, h * np.array([0.2, 0.8])[:, None, None], o_pred)
    assert velocity_kl(y_varied, y_flat) == np.inf
    assert velocity_kl(y_varied, y_varied) == 0


def test_kl_uses_predicted_hits_for_predicted_notes():
    y_true = _two_notes(-0.1, 0.1)
    y_pred = _two_notes(-0.1, 0.1)
    y_pred[:, 0, [0, 9, 18]] = 0  # predicted kicks gone ...
    y_pred[:, 4, [1, 10]] = 1, 0.5  # ... a snare on a beat, same offsets
    y_pred[:, 4, 19] = [-0.1, 0.1]
    assert timing_kl(y_true, y_pred) == pytest.approx(0)
    y_pred[:, 4, [1, 10, 19]] = 0  # the snare gone, with its velocity and offsets
    with pytest.raises(ValueError, match="2 or more"):
        timing_kl(y_true, y_pred)


def test_hit_metrics_hand_computed():
    y_true = np.zeros((1, 32, 27), dtype=np.float32)
    y_true[0, :4, 0] = 1
    y_pred = np.zeros_like(y_true)
    y_pred[0, [0, 1, 8], 0] = 1
    assert hit_precision(y_true, y_pred) == pytest.approx(2 / 3)
    assert hit_recall(y_true, y_pred) == pytest.approx(0.5)
    assert hit_f1(y_true, y_pred) == pytest.approx(4 / 7)
    assert hit_f1(y_true, y_true) == 1


def test_bootstrap_ci_resamples_per_sample_arguments():
    rng = np.random.default_rng(0)
    h = np.zeros((300, 32, 9))
    h[..., 0] = 1
    y_true = join_hvo(h, h * 0.5, h * rng.uniform(-0.3, 0.3, (300, 1, 1)))
    y_pred = join_hvo(h, h * 0.5, None)
    bpm = rng.choice([60.0, 180.0], 300)
    ci = bootstrap_ci(timing_mae_ms, y_true, y_pred, bpm=bpm, n_resamples=300, random_state=0)
    assert ci.low < ci.estimate < ci.high
    assert ci.estimate == pytest.approx(timing_mae_ms(y_true, y_pred, bpm=bpm))
    again = bootstrap_ci(timing_mae_ms, y_true, y_pred, bpm=bpm, n_resamples=300, random_state=0)
    assert again == ci
    wide = bootstrap_ci(timing_mae_ms, y_true[:30], y_pred[:30], bpm=bpm[:30], n_resamples=300, random_state=0)
    assert wide.high - wide.low > ci.high - ci.low
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ci(timing_mse, y_true, y_pred, confidence=95)


def test_scorers_exist_with_signs():
    assert set(SCORERS) == {"neg_timing_mae_ms", "neg_timing_mse", "neg_timing_kl", "neg_velocity_kl", "hit_f1"}
    assert SCORERS["neg_timing_mse"]._sign == -1 and SCORERS["hit_f1"]._sign == 1
