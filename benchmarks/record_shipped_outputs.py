"""Record what the shipped models play on GMD test windows, for tests/test_shipped_outputs.py.

Run once before a change that must not move the shipped models' outputs:

    python benchmarks/record_shipped_outputs.py

It writes ``tests/data/shipped_outputs.npz``: for every 8th test window, each
shipped model's output at temperature 0, the sampled humanize and humanize_paper
(temperature 1, seed 0), a groove transfer, humanize asked for funk and drummer1, a sampled
tap2drum take asked for funk, and a sampled infill_closed_hihat take asked for jazz.
"""

from pathlib import Path

import numpy as np

from sklearn_groove import pretrained, split_hvo
from sklearn_groove.datasets import fetch_groove

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "shipped_outputs.npz"
EVERY = 8


def shipped_outputs(data_home=None):
    """name -> hvo played by the shipped models on every ``EVERY``-th GMD test window."""
    y = fetch_groove(subset="test", data_home=data_home).hvo[::EVERY]
    score = split_hvo(y)[0]
    out = {}
    for name in pretrained.available():
        model = pretrained.load(name)
        out[name] = model.predict(y if hasattr(model, "steps") else score)
    for name in ("humanize", "humanize_paper"):
        out[name + "_sampled"] = pretrained.load(name).set_params(temperature=1.0, random_state=0).predict(score)
    out["groove_transfer_transfer"] = pretrained.load("groove_transfer").transfer(y[::-1].copy(), score)
    out["humanize_funk_drummer1"] = pretrained.load("humanize").predict(score, style="funk", drummer="drummer1")
    tap2drum = pretrained.load("tap2drum")
    out["tap2drum_sampled_funk"] = tap2drum[-1].sample_y(tap2drum[0].transform(y), 1, 0, style="funk")[..., 0]
    infill = pretrained.load("infill_closed_hihat")  # a take drawn from its calibration's examples
    out["infill_sampled_jazz"] = infill[-1].sample_y(infill[0].transform(y), 1, 0, style="jazz", temperature=0.9)[..., 0]
    return out


if __name__ == "__main__":
    outputs = shipped_outputs()
    np.savez_compressed(OUT, **outputs)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB): " + ", ".join(f"{k} {v.shape}" for k, v in outputs.items()))
