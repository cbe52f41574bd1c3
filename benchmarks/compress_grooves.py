"""Re-save the shipped groove_transfer model with its grooves as principal components.

    python benchmarks/compress_grooves.py [--variance 0.999]

Prints the GMD validation timing MAE and velocity KL before and after, and the file sizes.
"""

import argparse
import json
import os
import tempfile
from pathlib import Path

from sklearn_groove import pretrained
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import timing_mae_ms, velocity_kl
from sklearn_groove.pretrained import WEIGHTS, info, save

ADDED_BY_SAVE = ("estimator", "params", "n_steps", "n_input_features", "n_encoder_features",
                 "n_condition_features", "pipeline", "library_version")


def validation_scores(model, validation):
    y_pred = model.predict(validation.hvo[..., :9])
    return {"timing_mae_ms": timing_mae_ms(validation.hvo, y_pred, bpm=validation.bpm),
            "velocity_kl": velocity_kl(validation.hvo, y_pred)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variance", type=float, default=0.999)
    parser.add_argument("--data-home", default=os.environ.get("SKLEARN_GROOVE_DATA", "../shared/data/groove"))
    args = parser.parse_args()
    validation = fetch_groove(subset="validation", data_home=args.data_home)
    model = pretrained.load("groove_transfer")
    before = validation_scores(model, validation)
    meta = {k: v for k, v in info("groove_transfer").items() if k not in ADDED_BY_SAVE}
    with tempfile.TemporaryDirectory() as tmp:
        save(model, "groove_transfer", meta, folder=tmp, groove_variance=args.variance)
        after = validation_scores(pretrained.load("groove_transfer", folder=tmp), validation)
        meta["groove_storage"] = {
            "explained_variance": args.variance,
            "validation_before": before,
            "validation_after": after,
            "bytes_before": (WEIGHTS / "groove_transfer.pt").stat().st_size,
            "bytes_after": (Path(tmp) / "groove_transfer.pt").stat().st_size,
        }
    print(json.dumps(meta["groove_storage"], indent=2))
    save(model, "groove_transfer", meta, groove_variance=args.variance)


if __name__ == "__main__":
    main()
