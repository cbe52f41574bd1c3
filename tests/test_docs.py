"""The Sphinx documentation builds without a warning (as ``-W`` makes every warning an error)."""

import subprocess
import sys

import pytest

from .conftest import REPO


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html", str(REPO / "docs"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    api = (tmp_path / "api.html").read_text()
    for name in (
        "GrooveSeq2Seq",
        "midi.rewrite_drums",
        "songs.predict_song",
        "metrics.score_report",
        "plotting.plot_roll",
        "datasets.fetch_groove",
        "pretrained.load",
    ):
        assert f'id="sklearn_groove.{name}"' in api, name
