"""The Python blocks of the docs pages run as they are written.

page -> the indices of its blocks that run here (None: all). The grid search block of
docs/metrics.md (a search over the whole train split) is left out; tests/test_search.py runs the
same search on 600 windows.
"""

import re

import pytest

from .conftest import REPO

PAGES = {"docs/architecture.md": None, "docs/metrics.md": [1]}


@pytest.mark.parametrize("page", PAGES)
def test_python_blocks_run(page):
    blocks = re.findall(r"```python\n(.*?)```", (REPO / page).read_text(), flags=re.S)
    chosen = PAGES[page] or range(len(blocks))
    assert blocks and max(chosen) < len(blocks)
    namespace = {}
    for i in chosen:
        exec(compile(blocks[i], f"{page} (block {i})", "exec"), namespace)
