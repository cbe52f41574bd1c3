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

from .._hvo import STEPS_PER_BAR, STEPS_PER_BEAT, VOICES, check_hvo, split_hvo

__all__ = ["TwoSampleResult", "groove_features", "two_sample_test", "groove_statistics", "compare_grooves",
           "beat_statistics", "compare_beats"]

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


FEATURES = ("performance", "beat")  # what the classifier of two_sample_test reads (groove_features' kinds)


def groove_features(hvo, features="performance"):
    """One row per window: its velocities and offsets, then per voice their mean and spread at its hits.

    Parameters
    ----------
    hvo : array-like of shape (n_samples, n_steps, 27)
    features : {"performance", "beat"}, default="performance"
        "performance": the above, for performances of given hits (every
        humanizer plays the drummer's). "beat": also the hits themselves,
        each voice's number of hits and each bar's, for models that choose
        the hits (Tap2Drum, Infilling): a critic that also counts.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        ``n_steps * 18 + 36`` columns; with "beat", ``n_steps * 9 + 9 +
        n_bars`` more (bars of 16 steps, the last one partial).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.metrics import groove_features
    >>> groove_features(np.zeros((4, 32, 27))).shape
    (4, 612)
    >>> groove_features(np.zeros((4, 32, 27)), features="beat").shape
    (4, 911)
    """
    if features not in FEATURES:
        raise ValueError(f"features must be one of {', '.join(map(repr, FEATURES))}, got {features!r}")
    h, v, o = split_hvo(check_hvo(hvo))
    n = len(h)
    summary = [_at_hits(a, h, f) for a in (v, o) for f in (np.nanmean, np.nanstd)]
    parts = [v.reshape(n, -1), o.reshape(n, -1), *summary]
    if features == "beat":
        parts += [h.reshape(n, -1), h.sum(axis=1), _per_bar(h.sum(axis=-1))]
    return np.concatenate(parts, axis=1)


def _per_bar(per_step, steps_per_bar=STEPS_PER_BAR):
    """(n, n_steps) -> (n, n_bars): the sum over each bar's steps (the last bar may be partial)."""
    starts = np.arange(0, per_step.shape[1], steps_per_bar)
    return np.add.reduceat(per_step, starts, axis=1)


def _default_classifier(random_state):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, random_state=random_state)


def two_sample_test(real, generated, *, groups=None, classifier=None, features="performance", n_splits=5,
                    n_resamples=1000, confidence=0.95, random_state=None):
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
    features : {"performance", "beat"}, default="performance"
        What the classifier reads (:func:`groove_features`): "beat" also
        the hits and their counts, for models that choose the hits.
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
    if features not in FEATURES:
        raise ValueError(f"features must be one of {', '.join(map(repr, FEATURES))}, got {features!r}")
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
    X = np.concatenate([groove_features(real, features), groove_features(generated, features)])
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


def _jaccard(a, b):
    """Per row: |a & b| / |a | b| of two (n, k) hit arrays (1 where both are silent)."""
    both, either = (a & b).sum(axis=1), (a | b).sum(axis=1)
    return np.where(either > 0, both / np.maximum(either, 1), 1.0)


def beat_statistics(hvo, steps_per_bar=STEPS_PER_BAR):
    """Statistics of the hits of a set of beats: name -> value.

    - ``hits_per_bar/VOICE``: that voice's mean number of hits a bar.
    - ``density``: hits a bar, all voices; ``density_std``: their spread
      over bars.
    - ``syncopation``: the share of hits on the 16th notes between the 8ths;
      ``off_beat_8th``: on the 8ths between the beats.
    - ``bar_repetition``: how much a bar's hits repeat the bar before it
      (Jaccard similarity of consecutive bars, in 0..1, within each
      window); ``bars_identical``: the share of consecutive bars with
      exactly the same hits. A drummer keeps a beat and varies it: a model
      that repeats itself too much or too little is heard as one.

    Parameters
    ----------
    hvo : array-like of shape (n_samples, n_steps, 27)
        Beats of at least two bars each.
    steps_per_bar : int, default=16

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.metrics import beat_statistics
    >>> h = np.zeros((4, 32, 9), np.float32)
    >>> h[:, ::4, 0] = 1                       # four kicks a bar, every bar the same
    >>> stats = beat_statistics(join_hvo(h, 0.8 * h))
    >>> stats["hits_per_bar/kick"], stats["syncopation"], stats["bar_repetition"]
    (4.0, 0.0, 1.0)
    """
    h = split_hvo(check_hvo(hvo))[0] > 0
    n_bars = h.shape[1] // steps_per_bar
    if n_bars < 2:
        raise ValueError(f"beat_statistics needs windows of at least 2 bars of {steps_per_bar} steps, got "
                         f"{h.shape[1]} steps")
    bars = h[:, : n_bars * steps_per_bar].reshape(len(h), n_bars, steps_per_bar, len(VOICES))
    per_bar = bars.sum(axis=2)  # (n, n_bars, voices)
    stats = {f"hits_per_bar/{voice}": float(per_bar[..., j].mean()) for j, voice in enumerate(VOICES)}
    counts = per_bar.sum(axis=-1)
    stats["density"], stats["density_std"] = float(counts.mean()), float(counts.std())
    step = np.arange(steps_per_bar)
    on_steps = bars.sum(axis=(0, 1, 3))  # hits at each step of a bar
    total = max(on_steps.sum(), 1)
    stats["syncopation"] = float(on_steps[step % 2 == 1].sum() / total)
    stats["off_beat_8th"] = float(on_steps[step % STEPS_PER_BEAT == 2].sum() / total)
    flat = bars.reshape(len(h), n_bars, -1)
    pairs = [(flat[:, k], flat[:, k + 1]) for k in range(n_bars - 1)]
    stats["bar_repetition"] = float(np.mean([_jaccard(a, b).mean() for a, b in pairs]))
    stats["bars_identical"] = float(np.mean([(a == b).all(axis=1).mean() for a, b in pairs]))
    return stats


def compare_beats(real, generated, *, tolerance=0.10, steps_per_bar=STEPS_PER_BAR):
    """Two-sided comparison of :func:`beat_statistics`, real against generated: each as a ratio.

    A statistic is "too low" or "too high" where the generated one is
    more than ``tolerance`` (a ratio) below or above the real one.

    Parameters
    ----------
    real, generated : array-like of shape (n_samples, n_steps, 27)
        Any numbers of beats.
    tolerance : float, default=0.10
    steps_per_bar : int, default=16

    Returns
    -------
    list of dict
        One row per statistic: ``statistic``, ``real``, ``generated``,
        ``ratio``, ``verdict``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.metrics import compare_beats
    >>> h = np.zeros((4, 32, 9), np.float32)
    >>> h[:, ::4, 0] = 1
    >>> busier = h.copy(); busier[:, 2::4, 0] = 1
    >>> [r["verdict"] for r in compare_beats(join_hvo(h), join_hvo(busier)) if r["statistic"] == "hits_per_bar/kick"]
    ['too high']
    """
    real_stats = beat_statistics(real, steps_per_bar)
    generated_stats = beat_statistics(generated, steps_per_bar)
    rows = []
    for k, r in real_stats.items():
        g = generated_stats[k]
        ratio = g / r if r > 0 else (1.0 if g == 0 else float("inf"))
        verdict = "too low" if ratio < 1 - tolerance else "too high" if ratio > 1 + tolerance else "ok"
        rows.append({"statistic": k, "real": r, "generated": g, "ratio": float(ratio), "verdict": verdict})
    return rows
