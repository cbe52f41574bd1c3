"""Every Python block of README.md and docs/*.md runs, in order, page by page.

Blocks that train run here with small settings: the Groove MIDI Dataset cut to every 170th window
(about a hundred, from many drummers), networks of a few units, one epoch. The pages state the
time of the real settings.
"""

import re
import shutil

import pytest

from .conftest import REPO

PAGES = ["README.md"] + sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md"))


def _blocks(page):
    return re.findall(r"```python\n(.*?)```", (REPO / page).read_text(), flags=re.S)


@pytest.fixture
def small_settings(monkeypatch, data_home, tmp_path):
    """fetch_groove returns every 170th window; networks are tiny and train one epoch; files in tmp_path."""
    import sklearn
    from sklearn.utils import Bunch

    import sklearn_groove.datasets as datasets
    from sklearn_groove.neural import _recurrent

    fetch = datasets.fetch_groove

    def fetch_few(*args, return_X_y=False, **kwargs):
        data = fetch(*args, **kwargs)
        n = len(data.hvo)
        few = Bunch(**{k: v[::170] if getattr(v, "__len__", None) and len(v) == n else v for k, v in data.items()})
        return (few.hvo[..., :9], few.hvo) if return_X_y else few

    monkeypatch.setattr(datasets, "fetch_groove", fetch_few)
    from sklearn_groove.neural import GrooveSeq2Seq, GrooveTransfer

    tiny = dict(module__encoder_size=16, module__latent_size=8, module__decoder_size=16, module__decoder_layers=1)
    for cls in (GrooveSeq2Seq, GrooveTransfer):
        monkeypatch.setattr(cls.__init__, "__kwdefaults__", {**cls.__init__.__kwdefaults__, **tiny})
    initialize = _recurrent._GrooveRecurrent._initialize_net
    monkeypatch.setattr(_recurrent._GrooveRecurrent, "_initialize_net",
                        lambda self, *a, **k: initialize(self, *a, **k).set_params(max_epochs=1))
    shutil.copy(REPO / "examples" / "beat.mid", tmp_path / "beat.mid")
    monkeypatch.chdir(tmp_path)
    with sklearn.config_context():  # a page may switch on metadata routing for itself
        yield


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p)])
def test_python_blocks_run(page, small_settings):
    namespace = {"__name__": "__main__"}  # as a saved script runs them
    for i, block in enumerate(_blocks(page)):
        exec(compile(block, f"{page} (block {i})", "exec"), namespace)


def test_blocks_that_start_processes_are_guarded():
    """A block that starts a Dask cluster, saved as a script, must not start one again in each worker it spawns."""
    for page in PAGES:
        for block in _blocks(page):
            if "LocalCluster(" in block or "Client(" in block:
                assert 'if __name__ == "__main__":' in block, page
