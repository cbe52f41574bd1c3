"""Metrics of section 6.2 of the paper, on hvo arrays, and their scorers."""

from collections import namedtuple

import numpy as np
from sklearn import config_context
from sklearn.metrics import make_scorer
from sklearn.utils import check_random_state

from .._hvo import STEPS_PER_BEAT, VOICES, check_hvo, keep_voices, split_hvo

__all__ = [
    "timing_mae_ms",
    "timing_mse",
    "timing_kl",
    "velocity_kl",
    "hit_precision",
    "hit_recall",
    "hit_f1",
    "bootstrap_ci",
    "BootstrapCI",
    "score_report",
    "SCORERS",
]


def _pair(y_true, y_pred):
    y_true = check_hvo(y_true, name="y_true")
    y_pred = check_hvo(y_pred, name="y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have one shape, got {y_true.shape} and {y_pred.shape}")
    return split_hvo(y_true), split_hvo(y_pred)


def _offset_errors(y_true, y_pred):
    """Offset errors (16th notes) on the true hits, and the mask of those hits."""
    (h, _, o), (_, _, o_pred) = _pair(y_true, y_pred)
    hit = h > 0
    if not hit.any():
        raise ValueError("y_true has no hits: timing errors are measured on the true hits")
    return (o_pred - o)[hit].astype(np.float64), hit


def timing_mae_ms(y_true, y_pred, *, bpm=120.0):
    """Mean absolute timing error in milliseconds, over the true hits.

    A true hit that ``y_pred`` does not play counts with offset 0.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples, n_steps, 27)
    bpm : float or array-like of shape (n_samples,), default=120.0
        Tempo of each sample; one 16th note lasts ``15000 / bpm`` ms.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import timing_mae_ms
    >>> y = np.zeros((1, 32, 27), dtype=np.float32)
    >>> y[0, 0, [0, 18]] = 1, 0.25        # a kick a quarter of a 16th late
    >>> timing_mae_ms(y, np.where(np.arange(27) == 18, 0, y), bpm=120)  # 0.25 * 125 ms
    31.25
    """
    errors, hit = _offset_errors(y_true, y_pred)
    bpm = np.asarray(bpm, dtype=np.float64)
    if bpm.ndim > 1 or (bpm.ndim == 1 and len(bpm) != hit.shape[0]):
        raise ValueError(f"bpm must be a number or one per sample ({hit.shape[0]}), got shape {bpm.shape}")
    if not np.all(np.isfinite(bpm) & (bpm > 0)):
        raise ValueError("bpm must be positive and finite")
    ms_per_step = np.broadcast_to((15000.0 / bpm).reshape(-1, 1, 1), hit.shape)[hit]
    return float(np.mean(np.abs(errors) * ms_per_step))


def timing_mse(y_true, y_pred):
    """Mean squared timing error in 16th-note units, over the true hits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import timing_mse
    >>> y = np.zeros((1, 32, 27), dtype=np.float32)
    >>> y[0, 0, [0, 18]] = 1, 0.2
    >>> round(timing_mse(y, np.where(np.arange(27) == 18, 0, y)), 6)
    0.04
    """
    errors, _ = _offset_errors(y_true, y_pred)
    return float(np.mean(errors**2))


def _gaussian_kl(mean_p, std_p, mean_q, std_q):
    """KL(N(mean_p, std_p^2) || N(mean_q, std_q^2)); infinite for a zero std."""
    if std_p == 0 or std_q == 0:
        return 0.0 if (std_p == std_q and mean_p == mean_q) else np.inf
    return float(np.log(std_q / std_p) + (std_p**2 + (mean_p - mean_q) ** 2) / (2 * std_q**2) - 0.5)


def _positional_kl(y_true, y_pred, part):
    """Mean over the 4 positions in the beat of KL(real || predicted).

    Real notes are the hits of ``y_true``, predicted notes the hits of
    ``y_pred``; ``part`` 1 is velocity, 2 is offset. A Gaussian (mean and
    standard deviation) is fitted to each group. Positions where either side
    has fewer than 2 notes are left out.
    """
    (h, *true_parts), (h_pred, *pred_parts) = _pair(y_true, y_pred)
    position = np.arange(h.shape[1]) % STEPS_PER_BEAT
    kls = []
    for p in range(STEPS_PER_BEAT):
        real = true_parts[part - 1][:, position == p][h[:, position == p] > 0]
        pred = pred_parts[part - 1][:, position == p][h_pred[:, position == p] > 0]
        if len(real) < 2 or len(pred) < 2:
            continue
        real, pred = real.astype(np.float64), pred.astype(np.float64)
        kls.append(_gaussian_kl(real.mean(), real.std(), pred.mean(), pred.std()))
    if not kls:
        raise ValueError("no position in the beat has 2 or more real and predicted notes")
    return float(np.mean(kls))


def timing_kl(y_true, y_pred):
    """KL divergence of timing offsets, real || predicted (section 6.2).

    Notes are grouped by their 16th-note position within the beat (4 groups);
    a Gaussian is fitted to the real offsets (hits of ``y_true``) and to the
    predicted offsets (hits of ``y_pred``) of each group, and the KL
    divergences are averaged over the groups. It is infinite where the
    predictions do not vary (for example all offsets 0).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import timing_kl
    >>> rng = np.random.default_rng(0)
    >>> y = np.zeros((50, 32, 27), dtype=np.float32)
    >>> y[..., 0] = 1
    >>> y[..., 18] = rng.normal(0, 0.1, (50, 32)).clip(-0.5, 0.49)
    >>> timing_kl(y, y)
    0.0
    """
    return _positional_kl(y_true, y_pred, part=2)


def velocity_kl(y_true, y_pred):
    """KL divergence of velocities, real || predicted; see :func:`timing_kl`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import velocity_kl
    >>> y = np.zeros((2, 32, 27), dtype=np.float32)
    >>> y[..., 0] = 1
    >>> y[0, :, 9], y[1, :, 9] = 0.4, 0.6      # real: mean 0.5, std 0.1
    >>> y_pred = y.copy()
    >>> y_pred[0, :, 9], y_pred[1, :, 9] = 0.3, 0.7  # mean 0.5, std 0.2
    >>> round(velocity_kl(y, y_pred), 4)   # log 2 + 1/8 - 1/2
    0.3181
    """
    return _positional_kl(y_true, y_pred, part=1)


def _hit_counts(y_true, y_pred):
    (h, _, _), (h_pred, _, _) = _pair(y_true, y_pred)
    h, h_pred = h > 0, h_pred > 0
    return int((h & h_pred).sum()), int(h_pred.sum()), int(h.sum())


def _divide(numerator, denominator, zero_division, metric):
    """``numerator / denominator``; where the denominator is 0, ``zero_division`` (``"warn"``: 0.0 and a warning)."""
    if denominator:
        return numerator / denominator
    if isinstance(zero_division, str) and zero_division == "warn":
        import warnings

        from sklearn.exceptions import UndefinedMetricWarning

        what = {"precision": "no hit is predicted", "recall": "there is no true hit",
                "F1": "there is neither a true nor a predicted hit"}[metric]
        warnings.warn(f"hit {metric} is ill-defined and set to 0.0: {what}; use zero_division to set it",
                      UndefinedMetricWarning, stacklevel=3)
        return 0.0
    if zero_division in (0, 1) or (isinstance(zero_division, float) and np.isnan(zero_division)):
        return float(zero_division)
    raise ValueError(f'zero_division must be "warn", 0.0, 1.0 or np.nan, got {zero_division!r}')


def hit_precision(y_true, y_pred, *, zero_division="warn"):
    """Fraction of predicted hits that are true hits.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples, n_steps, 27)
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value where no hit is predicted; ``"warn"`` gives 0.0 with an
        ``UndefinedMetricWarning``, as scikit-learn's ``precision_score``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import hit_precision
    >>> y = np.zeros((1, 32, 27), dtype=np.float32); y[0, :4, 0] = 1
    >>> y_pred = np.zeros_like(y); y_pred[0, :2, 0] = y_pred[0, 8, 0] = 1
    >>> round(hit_precision(y, y_pred), 4)
    0.6667
    >>> hit_precision(y, np.zeros_like(y), zero_division=1.0)
    1.0
    """
    both, predicted, _ = _hit_counts(y_true, y_pred)
    return _divide(both, predicted, zero_division, "precision")


def hit_recall(y_true, y_pred, *, zero_division="warn"):
    """Fraction of true hits that are predicted.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples, n_steps, 27)
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value where there is no true hit (``"warn"``: 0.0 and a warning).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import hit_recall
    >>> y = np.zeros((1, 32, 27), dtype=np.float32); y[0, :4, 0] = 1
    >>> y_pred = np.zeros_like(y); y_pred[0, :2, 0] = y_pred[0, 8, 0] = 1
    >>> hit_recall(y, y_pred)
    0.5
    """
    both, _, true = _hit_counts(y_true, y_pred)
    return _divide(both, true, zero_division, "recall")


def hit_f1(y_true, y_pred, *, zero_division="warn"):
    """Harmonic mean of :func:`hit_precision` and :func:`hit_recall`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples, n_steps, 27)
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value where there is neither a true nor a predicted hit
        (``"warn"``: 0.0 and a warning).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import hit_f1
    >>> y = np.zeros((1, 32, 27), dtype=np.float32); y[0, :4, 0] = 1
    >>> y_pred = np.zeros_like(y); y_pred[0, :2, 0] = y_pred[0, 8, 0] = 1
    >>> round(hit_f1(y, y_pred), 4)   # 2 * (2/3 * 1/2) / (2/3 + 1/2)
    0.5714
    """
    both, predicted, true = _hit_counts(y_true, y_pred)
    return _divide(2 * both, predicted + true, zero_division, "F1")


BootstrapCI = namedtuple("BootstrapCI", "estimate low high")
BootstrapCI.__doc__ = "A metric on the whole set and its bootstrap confidence interval."


def bootstrap_ci(metric, y_true, y_pred, *, n_resamples=1000, confidence=0.95, random_state=None, **kwargs):
    """Percentile bootstrap confidence interval of a metric, resampling samples.

    Samples (windows) are drawn with replacement ``n_resamples`` times; keyword
    arguments that hold one value per sample (such as ``bpm``) are resampled
    with them.

    Parameters
    ----------
    metric : callable ``metric(y_true, y_pred, **kwargs) -> float``
    y_true, y_pred : array-like of shape (n_samples, n_steps, 27)
    n_resamples : int, default=1000
    confidence : float, default=0.95
    random_state : int, RandomState instance or None, default=None
    **kwargs : passed to ``metric``

    Returns
    -------
    BootstrapCI
        ``(estimate, low, high)``: the metric on all samples and the interval.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import bootstrap_ci, timing_mse
    >>> rng = np.random.default_rng(0)
    >>> y = np.zeros((200, 32, 27), dtype=np.float32)
    >>> y[..., 0] = 1
    >>> y[..., 18] = rng.uniform(-0.3, 0.3, (200, 32))
    >>> ci = bootstrap_ci(timing_mse, y, np.where(np.arange(27) == 18, 0, y), n_resamples=200, random_state=0)
    >>> bool(ci.low < ci.estimate < ci.high)
    True
    """
    if not (isinstance(n_resamples, (int, np.integer)) and n_resamples >= 1):
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    y_true, y_pred = check_hvo(y_true, name="y_true"), check_hvo(y_pred, name="y_pred")
    n = len(y_true)
    per_sample = {k: np.asarray(v) for k, v in kwargs.items() if np.ndim(v) == 1 and len(v) == n}
    estimate = metric(y_true, y_pred, **kwargs)
    rng = check_random_state(random_state)
    values = np.empty(n_resamples)
    for i in range(n_resamples):
        index = rng.randint(0, n, n)
        resampled = {**kwargs, **{k: v[index] for k, v in per_sample.items()}}
        values[i] = metric(y_true[index], y_pred[index], **resampled)
    alpha = (1 - confidence) / 2
    low, high = np.percentile(values, [100 * alpha, 100 * (1 - alpha)])
    return BootstrapCI(float(estimate), float(low), float(high))


def _or_none(metric, *args, **kwargs):
    try:
        return float(metric(*args, **kwargs))
    except ValueError:  # no hits, or too few notes for a Gaussian fit
        return None


def score_report(y_true, y_pred, *, bpm=120.0, voices=VOICES):
    """Every metric of the library at once, on the hits of ``voices``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples, n_steps, 27)
    bpm : float or array-like of shape (n_samples,), default=120.0
    voices : sequence of str, default=VOICES
        Only these voices are scored, such as ``["closed_hihat"]`` for an
        infilled hi-hat.

    Returns
    -------
    dict
        ``timing_mae_ms``, ``timing_mse``, ``timing_kl``, ``velocity_kl``,
        ``hit_precision``, ``hit_recall`` and ``hit_f1``; a metric that is not
        defined on these notes (too few of them) is None.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import score_report
    >>> y = np.zeros((1, 32, 27), dtype=np.float32); y[0, :4, 0] = 1
    >>> y_pred = np.zeros_like(y); y_pred[0, :2, 0] = y_pred[0, 8, 0] = 1
    >>> report = score_report(y, y_pred)
    >>> round(report["hit_f1"], 4), report["timing_mae_ms"], report["timing_kl"]
    (0.5714, 0.0, None)
    """
    y_true = keep_voices(check_hvo(y_true, name="y_true"), voices)
    y_pred = keep_voices(check_hvo(y_pred, name="y_pred"), voices)
    return {
        "timing_mae_ms": _or_none(timing_mae_ms, y_true, y_pred, bpm=bpm),
        "timing_mse": _or_none(timing_mse, y_true, y_pred),
        "timing_kl": _or_none(timing_kl, y_true, y_pred),
        "velocity_kl": _or_none(velocity_kl, y_true, y_pred),
        "hit_precision": hit_precision(y_true, y_pred),
        "hit_recall": hit_recall(y_true, y_pred),
        "hit_f1": hit_f1(y_true, y_pred),
    }


def _make_scorers():
    mae = make_scorer(timing_mae_ms, greater_is_better=False)
    with config_context(enable_metadata_routing=True):
        mae = mae.set_score_request(bpm=True)
    return {
        "neg_timing_mae_ms": mae,
        "neg_timing_mse": make_scorer(timing_mse, greater_is_better=False),
        "neg_timing_kl": make_scorer(timing_kl, greater_is_better=False),
        "neg_velocity_kl": make_scorer(velocity_kl, greater_is_better=False),
        "hit_f1": make_scorer(hit_f1),
    }


#: Scorers for ``GridSearchCV(..., scoring=SCORERS, refit=...)``. The timing
#: MAE scorer requests ``bpm`` through scikit-learn's metadata routing: with
#: ``sklearn.set_config(enable_metadata_routing=True)``, ``search.fit(X, y,
#: bpm=bpm)`` hands each fold its tempi (120 bpm when none is given).
SCORERS = _make_scorers()
