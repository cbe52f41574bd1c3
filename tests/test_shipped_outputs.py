"""The shipped models play what they played before a refactoring (recorded by benchmarks/record_shipped_outputs.py)."""

import importlib.util
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
RECORDED = REPO / "tests" / "data" / "shipped_outputs.npz"


def _recorder():
    spec = importlib.util.spec_from_file_location("record_shipped_outputs", REPO / "benchmarks" / "record_shipped_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_outputs_are_unchanged(data_home):
    recorded = np.load(RECORDED)
    now = _recorder().shipped_outputs(data_home)
    assert sorted(now) == sorted(recorded.files)
    for name, out in now.items():
        np.testing.assert_allclose(out, recorded[name], atol=1e-5, rtol=0, err_msg=name)
        assert np.any(out[..., 18:] != 0), name  # offsets were played: the comparison is not of empty arrays
