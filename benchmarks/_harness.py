"""What every benchmark script shares: where the data and the results are, and how results are written.

    from _harness import RESULTS, add_data_home, write_results

A script run as ``python benchmarks/NAME.py`` finds this module beside it. It
imports only the library's public names, so that a benchmark measures what a
user can call.
"""

import json
import os
from pathlib import Path

__all__ = ["RESULTS", "add_data_home", "write_results"]

RESULTS = Path(__file__).resolve().parent / "results"


def add_data_home(parser, default="../shared/data/groove"):
    """Add ``--data-home``: the GMD folder ($SKLEARN_GROOVE_DATA, else ``default``)."""
    parser.add_argument("--data-home", default=os.environ.get("SKLEARN_GROOVE_DATA", default),
                        help="the GMD folder (default: $SKLEARN_GROOVE_DATA, else %(default)s)")


def write_results(stem, result, markdown=None, folder=RESULTS):
    """Write ``folder/stem.json`` (``result``) and, given its lines or text, ``folder/stem.md``, each whole or as it
    was; return the JSON file's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / f"{stem}.json", json.dumps(result, indent=2, default=float) + "\n")
    if markdown is not None:
        _write(folder / f"{stem}.md", markdown if isinstance(markdown, str) else "\n".join(markdown) + "\n")
    return folder / f"{stem}.json"


def _write(path, text):
    part = path.with_name(path.name + ".part")
    part.write_text(text)
    os.replace(part, path)  # a results file is whole or as it was
