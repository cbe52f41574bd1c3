"""The Python blocks of the docs pages that train nothing run as they are written."""

import re

import pytest

from .conftest import REPO

PAGES = ["docs/architecture.md"]


@pytest.mark.parametrize("page", PAGES)
def test_python_blocks_run(page):
    text = (REPO / page).read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    namespace = {}
    for block in blocks:
        exec(compile(block, page, "exec"), namespace)
