"""Realism: can a classifier tell generated performances from real ones, and how do their grooves differ?

``two_sample_test`` is a classifier two-sample test: cross-validated
accuracy of a classifier telling real from generated performances of the same
scores (0.5: indistinguishable). ``groove_statistics`` and ``compare_grooves``
describe a groove in the spirit of GrooveEvaluator: spreads, swing,
laid-back-ness, timing autocorrelation and how the voices move together.
"""

import warnings
from collections import namedtuple

import numpy as np
from sklearn.utils import check_random_state

from .._hvo import STEPS_PER_BEAT, VOICES, check_hvo, split_hvo

__all__ = ["TwoSampleResult", "groove_features", "two_sample_test", "groove_statistics", "compare_grooves"]

#: Accuracy of :func:`two_sample_test`, its interval and the number of pairs.
TwoSampleResult = namedtuple("TwoSampleResult", ["accuracy", "low", "high", "n_pairs"])

_FEEL_VOICES = ("kick", "snare", "closed_hihat")  # the voices most takes play


def _quietly(f, *args, **kwargs):
    """``f(*args, **kwargs)`` without NumPy's warnings about empty slices and zero spreads (they give nan)."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*args, **kwargs)


def _at_hits(values, hits, reduce):
    """``reduce`` (np.nanmean or np.nanstd) of values where hits, over axis 1 (steps); 0 where no hit."""
    return np.nan_to_num(_quietly(reduce, np.where(hits > 0, values, np.nan), axis=1))


def _mean_at_hits(values, hits, axis):
    """Mean of ``values`` where ``hits``, along ``axis``; nan where there is none."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (values * hits).sum(axis) / hits.sum(axis)


def groove_features(hvo):
    """One row per window: its velocities and offsets, then per voice their mean and spread at its hits.

    Parameters
    ----------
    hvo : array-like of shape (n_samples, n_steps, 27)

    Returns
    -------
    ndarray of shape (n_samples, n_steps * 18 + 36)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import groove_features
    >>> groove_features(np.zeros((4, 32, 27))).shape
    (4, 612)
    """
    h, v, o = split_hvo(check_hvo(hvo))
    n = len(h)
    summary = [_at_hits(a, h, f) for a in (v, o) for f in (np.nanmean, np.nanstd)]
    return np.concatenate([v.reshape(n, -1), o.reshape(n, -1), *summary], axis=1)


def _default_classifier(random_state):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, random_state=random_state)


def two_sample_test(real, generated, *, groups=None, classifier=None, n_splits=5, n_resamples=1000,
                    confidence=0.95, random_state=None):
    """Classifier two-sample test: how often a classifier tells a real performance from a generated one.

    ``real[i]`` and ``generated[i]`` are two performances of one score; the
    classifier reads :func:`groove_features` and is cross-validated with both
    performances of a score always in the same fold, so it cannot learn a
    score. The interval is a percentile bootstrap over scores (over groups
    where ``groups`` is given).

    Windows cut from one take share notes where they overlap, and all share
    the take's feel: with such windows in both the training and the held-out
    folds, the classifier learns the take instead of what real performances
    have in common, and tells the generated ones apart far more often. Pass
    the take of each window as ``groups`` (e.g. ``fetch_groove(...).filename``)
    so that a take is never on both sides.

    Parameters
    ----------
    real, generated : array-like of shape (n_pairs, n_steps, 27)
    groups : array-like of shape (n_pairs,), default=None
        The take (or song) each pair was cut from: pairs of one group are
        always in the same fold, and the bootstrap draws whole groups. None:
        each pair is its own group, right only for windows of distinct takes.
    classifier : scikit-learn classifier, default=None
        None: ``HistGradientBoostingClassifier(max_iter=200)``.
    n_splits : int, default=5
        Folds of the cross-validation (over groups).
    n_resamples : int, default=1000
    confidence : float, default=0.95
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the default classifier and the bootstrap.

    Returns
    -------
    TwoSampleResult
        ``(accuracy, low, high, n_pairs)``: 0.5 means the classifier cannot
        tell them apart, 1.0 that it always can.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.metrics import two_sample_test
    >>> rng = np.random.default_rng(0)
    >>> h = (rng.random((100, 32, 9)) < 0.3).astype(np.float32)
    >>> real = join_hvo(h, h * rng.uniform(0.4, 1.0, h.shape), h * rng.uniform(-0.2, 0.2, h.shape))
    >>> quantized = join_hvo(h, h * 0.7)
    >>> result = two_sample_test(real, quantized, classifier=LogisticRegression(), random_state=0)
    >>> bool(result.accuracy > 0.95)   # quantized performances are told apart
    True
    >>> bool(two_sample_test(real, real, classifier=LogisticRegression(), random_state=0).accuracy == 0.5)
    True
    """
    from sklearn.base import clone
    from sklearn.model_selection import GroupKFold, cross_val_predict

    real, generated = check_hvo(real, name="real"), check_hvo(generated, name="generated")
    if real.shape != generated.shape:
        raise ValueError(f"real and generated must be performances of the same scores: shapes {real.shape} and "
                         f"{generated.shape} differ")
    n = len(real)
    if n < 2 * n_splits:
        raise ValueError(f"two_sample_test needs at least {2 * n_splits} pairs for {n_splits} folds, got {n}")
    group = _group_index(groups, n, n_splits)
    rng = check_random_state(random_state)
    seed = rng.randint(2**31 - 1)
    model = _default_classifier(seed) if classifier is None else clone(classifier)
    X = np.concatenate([groove_features(real), groove_features(generated)])
    y = np.r_[np.ones(n, int), np.zeros(n, int)]
    # the folds as index pairs, so that this works with scikit-learn's metadata routing on or off
    folds = list(GroupKFold(n_splits, shuffle=True, random_state=seed).split(X, y, np.r_[group, group]))
    correct = (cross_val_predict(model, X, y, cv=folds) == y).reshape(2, n).mean(axis=0)
    n_groups = group.max() + 1
    per_group, size = np.bincount(group, correct, n_groups), np.bincount(group, minlength=n_groups)
    drawn = rng.randint(0, n_groups, (n_resamples, n_groups))
    resampled = per_group[drawn].sum(axis=1) / size[drawn].sum(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.percentile(resampled, [100 * alpha, 100 * (1 - alpha)])
    return TwoSampleResult(float(correct.mean()), float(low), float(high), n)


def _group_index(groups, n, n_splits):
    """Each pair's group as 0..n_groups-1 (each pair its own where ``groups`` is None), checked against the folds."""
    if groups is None:
        return np.arange(n)
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(f"groups must give one group per pair: shape {groups.shape}, expected ({n},)")
    group = np.unique(groups, return_inverse=True)[1].ravel()
    if group.max() + 1 < n_splits:
        raise ValueError(f"two_sample_test needs at least {n_splits} groups for {n_splits} folds, got "
                         f"{group.max() + 1}: pass fewer n_splits or more takes")
    return group


def _lag_correlation(step_offsets, lag):
    """Pearson correlation of each clip's step offsets (centred per clip) with those ``lag`` steps later."""
    centred = step_offsets - _quietly(np.nanmean, step_offsets, axis=1, keepdims=True)
    a, b = centred[:, :-lag].ravel(), centred[:, lag:].ravel()
    both = np.isfinite(a) & np.isfinite(b)
    return float(_quietly(np.corrcoef, a[both], b[both])[0, 1]) if both.sum() > 2 else float("nan")


def groove_statistics(hvo):
    """Statistics of a set of performances: name -> value (offsets in 16th notes, velocities 0..1).

    - ``offset_mean/VOICE``, ``offset_std/VOICE``, ``velocity_mean/VOICE``,
      ``velocity_std/VOICE``: at that voice's hits.
    - ``swing_8th``: mean offset of the off-beat 8ths minus that of the
      beats; ``swing_16th``: of the odd 16ths minus the even ones.
    - ``laid_back``: mean offset of the snare minus that of the kick.
    - ``autocorrelation_step`` and ``autocorrelation_beat``: correlation, within
      clips, of the mean offset of a step's hits with that one step and one
      beat later.
    - ``clip_offset_std``: spread of the clips' mean offsets (whole takes
      pushing or dragging).
    - ``voice_correlation``: mean correlation, over clips, of the mean offsets
      of kick, snare and closed hi-hat (the voices of a take moving together).

    Parameters
    ----------
    hvo : array-like of shape (n_samples, n_steps, 27)

    Returns
    -------
    dict of str to float (nan where there are too few hits)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.metrics import groove_statistics
    >>> h = np.ones((10, 32, 9), np.float32)
    >>> swung = join_hvo(h, 0.8 * h, h * 0.3 * (np.arange(32) % 4 == 2)[None, :, None])
    >>> round(groove_statistics(swung)["swing_8th"], 3)
    0.3
    """
    h, v, o = split_hvo(check_hvo(hvo))
    hit = h > 0
    stats = {}
    for j, voice in enumerate(VOICES):
        played = hit[..., j]
        for name, values in (("offset", o[..., j]), ("velocity", v[..., j])):
            x = values[played]
            stats[f"{name}_mean/{voice}"] = float(x.mean()) if x.size > 1 else float("nan")
            stats[f"{name}_std/{voice}"] = float(x.std()) if x.size > 1 else float("nan")
    step = np.arange(h.shape[1])
    at = lambda where: float(o[hit & where[None, :, None]].mean()) if (hit & where[None, :, None]).any() else float("nan")
    stats["swing_8th"] = at(step % STEPS_PER_BEAT == 2) - at(step % STEPS_PER_BEAT == 0)
    stats["swing_16th"] = at(step % 2 == 1) - at(step % 2 == 0)
    stats["laid_back"] = stats["offset_mean/snare"] - stats["offset_mean/kick"]
    step_offsets = _mean_at_hits(o, hit, axis=-1)  # (n, n_steps): the mean offset of each step's hits
    stats["autocorrelation_step"] = _lag_correlation(step_offsets, 1)
    stats["autocorrelation_beat"] = _lag_correlation(step_offsets, STEPS_PER_BEAT)
    clip_means = _quietly(np.nanmean, step_offsets, axis=1)
    stats["clip_offset_std"] = float(np.nanstd(clip_means))
    feel = [VOICES.index(v) for v in _FEEL_VOICES]
    per_voice = _mean_at_hits(o[..., feel], hit[..., feel], axis=1)  # (n, 3): each clip's mean offset per voice
    rows = per_voice[np.isfinite(per_voice).all(axis=1)]
    if len(rows) > 2:
        corr = _quietly(np.corrcoef, rows.T)
        stats["voice_correlation"] = float(_quietly(np.nanmean, corr[np.triu_indices(len(feel), 1)]))
    else:
        stats["voice_correlation"] = float("nan")
    return stats


def _verdict(name, real, generated, tolerance):
    if not (np.isfinite(real) and np.isfinite(generated)):
        return "n/a"
    if "_std" in name:  # spreads: a ratio
        ratio = generated / real if real > 0 else np.inf
        return "too tight" if ratio < 1 - tolerance else "too loose" if ratio > 1 + tolerance else "ok"
    if "correlation" in name:  # correlations: a difference
        return "too weak" if generated < real - tolerance else "too strong" if generated > real + tolerance else "ok"
    scale = 0.02 if "offset" in name or "swing" in name or "laid_back" in name else 0.05  # 16th notes, velocity
    low, high = ("too soft", "too loud") if "velocity" in name else ("too early", "too late")
    return low if generated < real - scale else high if generated > real + scale else "ok"


def compare_grooves(real, generated, *, tolerance=0.15):
    """Two-sided comparison of :func:`groove_statistics`, real against generated.

    Spreads are "too tight" or "too loose" beyond ``tolerance`` (a ratio);
    correlations "too weak" or "too strong" beyond ``tolerance``; mean
    offsets and swing "too early" or "too late" beyond 0.02 of a 16th note,
    and mean velocities "too soft" or "too loud" beyond 0.05.

    Parameters
    ----------
    real, generated : array-like of shape (n_samples, n_steps, 27)
        Any numbers of performances (of the same scores or not).
    tolerance : float, default=0.15

    Returns
    -------
    list of dict
        One row per statistic: ``statistic``, ``real``, ``generated``,
        ``verdict``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.metrics import compare_grooves
    >>> rng = np.random.default_rng(0)
    >>> h = np.ones((50, 32, 9), np.float32)
    >>> real = join_hvo(h, 0.7 * h, rng.normal(0, 0.1, h.shape).clip(-0.5, 0.49))
    >>> tight = join_hvo(h, 0.7 * h, rng.normal(0, 0.03, h.shape))
    >>> [r["verdict"] for r in compare_grooves(real, tight) if r["statistic"] == "offset_std/kick"]
    ['too tight']
    """
    real_stats, generated_stats = groove_statistics(real), groove_statistics(generated)
    return [
        {"statistic": k, "real": real_stats[k], "generated": generated_stats[k],
         "verdict": _verdict(k, real_stats[k], generated_stats[k], tolerance)}
        for k in real_stats
    ]
