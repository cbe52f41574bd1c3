"""The shipped models: names, metadata, loading without pickle, size."""

import numpy as np
import pytest

from sklearn_groove import pretrained, split_hvo
from sklearn_groove.pretrained import WEIGHTS


def test_unknown_name_lists_known():
    with pytest.raises(ValueError, match="unknown pretrained model 'nope'; known models: .*humanize"):
        pretrained.load("nope")


def test_shipped_files_are_small_and_documented():
    files = list(WEIGHTS.glob("*.pt"))
    assert files and sum(f.stat().st_size for f in files) <= 25 * 2**20
    for name in pretrained.available():
        meta = pretrained.info(name)
        for key in ("params", "training_data", "library_version", "test_metrics", "seconds_per_epoch", "command"):
            assert key in meta, (name, key)


@pytest.mark.parametrize("name", pretrained.available())
def test_load_and_predict(name, data_home):
    from sklearn_groove.datasets import fetch_groove

    model = pretrained.load(name)
    y = fetch_groove(subset="test", data_home=data_home).hvo[:16]
    X = y if hasattr(model, "steps") else y[..., :9]
    out = model.predict(X)
    assert out.shape == y.shape
    if name in ("humanize", "groove_transfer"):
        np.testing.assert_array_equal(split_hvo(out)[0], y[..., :9])
