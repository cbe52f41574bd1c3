"""The Sphinx documentation builds without a warning (``-W``), with every public name in the API reference."""

import importlib
import subprocess
import sys

import pytest

from .conftest import REPO

PUBLIC = [
    "sklearn_groove",
    "sklearn_groove.preprocessing",
    "sklearn_groove.metrics",
    "sklearn_groove.midi",
    "sklearn_groove.songs",
    "sklearn_groove.datasets",
    "sklearn_groove.neighbors",
    "sklearn_groove.ensemble",
    "sklearn_groove.pretrained",
    "sklearn_groove.tasks",
    "sklearn_groove.plotting",
]


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html", str(REPO / "docs"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    api = (tmp_path / "api.html").read_text()
    for module in PUBLIC:
        for name in importlib.import_module(module).__all__:
            assert f'id="{module}.{name}"' in api or f'id="sklearn_groove.{name}"' in api, f"{module}.{name}"


def test_results_page_is_what_the_benchmarks_wrote():
    """docs/results.md is built from benchmarks/results/ (python benchmarks/results_page.py): no figure drifts."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("results_page", REPO / "benchmarks" / "results_page.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (REPO / "docs" / "results.md").read_text() == module.page()
    # the figures the README and the docs quote, each marked with the results file it comes from
    marked = {path.name: module.FIGURE.findall(path.read_text()) for path in module.QUOTING}
    assert marked["README.md"] and marked["user_guide.md"]
    for path in module.QUOTING:
        for spec_, value in module.FIGURE.findall(path.read_text()):
            assert value == module.figure(spec_), f"{path.name}: {spec_} is {module.figure(spec_)}, quoted {value}"
    assert module.figure("realism.json > rows > Quantized > two_sample > boosted trees > accuracy : .2f") == "1.00"
