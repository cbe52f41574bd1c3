"""Metrics on hvo arrays (section 6.2 of the paper), bootstrap intervals, scorers, and realism measures."""

from ._metrics import (
    SCORERS,
    BootstrapCI,
    bootstrap_ci,
    hit_f1,
    hit_precision,
    hit_recall,
    score_report,
    timing_kl,
    timing_mae_ms,
    timing_mse,
    velocity_kl,
)
from ._realism import (
    TwoSampleResult,
    beat_statistics,
    compare_beats,
    compare_grooves,
    groove_features,
    groove_statistics,
    two_sample_test,
)

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
    "two_sample_test",
    "TwoSampleResult",
    "groove_features",
    "groove_statistics",
    "compare_grooves",
    "beat_statistics",
    "compare_beats",
]
