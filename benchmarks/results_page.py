"""Write docs/results.md, the measured results, from what the benchmark scripts wrote in benchmarks/results/.

    python benchmarks/results_page.py

Each section is a results file as its script wrote it (its own title left
out, its other headings one level down), under a line saying which script
wrote it: a figure lives in one place, its results file, and this page and
the README link to it. ``tests/test_docs.py`` checks that the page is up to
date.

It also writes the figures that the README and the docs quote, each from its
results file: a quoted figure is marked
``<!-- fig FILE.json > key > key ... : FORMAT -->value<!-- /fig -->`` (keys down
the JSON, then a Python format spec), and the value between the marks is
rewritten; the test checks that none is stale.
"""

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
PAGE = REPO / "docs" / "results.md"
QUOTING = [REPO / "README.md", *sorted(p for p in (REPO / "docs").glob("*.md") if p != PAGE)]
FIGURE = re.compile(r"<!-- fig (?P<spec>.+?) -->(?P<value>.*?)<!-- /fig -->")

SECTIONS = [
    ("Humanization: the paper's Table 1", "table1.md", "benchmarks/table1.py"),
    ("Infilling and Tap2Drum", "tasks_test.md", "benchmarks/tasks.py --subset test"),
    ("Every tap sounds (Tap2Drum)", "every_tap_test.md", "benchmarks/every_tap.py"),
    ("Realism: can a classifier tell a performance from a drummer's?", "realism.md", "benchmarks/realism.py"),
    ("Realism of whole songs through the command line", "song_realism.md", "benchmarks/song_realism.py"),
    ("Whole songs played by the paper's four networks", "song_realism_humanize_paper.md",
     "benchmarks/song_realism.py --model humanize_paper"),
    ("Style and drummer", "control.md", "benchmarks/control.py"),
    ("Beats the models write: Tap2Drum and Infilling against the drummers", "realism_beats.md",
     "benchmarks/realism.py --part beats"),
    ("Style in Tap2Drum's beats", "control_tap2drum.md", "benchmarks/control.py --model tap2drum"),
    ("Speed of the ONNX files", "export_speed.md", "benchmarks/export_speed.py"),
    ("The browser page's speed", "web_speed.md", "benchmarks/web_speed.py"),
    ("Time to quality (training)", "time_to_quality.md", "benchmarks/time_to_quality.py"),
    ("Scale: time and memory against the number of notes", "scale.md", "benchmarks/scale.py"),
    ("Notes off the 16th grid", "off_grid.md", "benchmarks/off_grid.py"),
    ("Meters other than 4/4", "meters.md", "benchmarks/meters.py"),
    ("Grid search on Dask", "dask_search.md", "benchmarks/dask_search.py"),
]


def section(title, name, script):
    lines = (RESULTS / name).read_text().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    body = ["#" + line if line.startswith("#") else line for line in lines]
    body = [re.sub(r"\]\(([\w.-]+\.png)\)", r"](../benchmarks/results/\1)", line) for line in body]  # from docs/
    return [f"## {title}", "", f"Written by `python {script}` into `benchmarks/results/{name}`.", *body, ""]


def page():
    lines = ["# Results", "", "Everything measured, on the 2-core development machine unless a section says "
             "otherwise; each section is the results file its script wrote (intervals are 95% bootstrap "
             "intervals; choices were made on the validation split, the test split gives the figures). Built by "
             "`python benchmarks/results_page.py`.", ""]
    for title, name, script in SECTIONS:
        lines += section(title, name, script)
    return "\n".join(lines).rstrip() + "\n"


def figure(spec):
    """The value a figure's mark names: ``FILE.json > key > ... : FORMAT``, formatted."""
    path, _, form = spec.rpartition(" : ")
    name, *keys = path.split(" > ")
    value = json.loads((RESULTS / name).read_text())
    for key in keys:
        value = value[int(key)] if isinstance(value, list) else value[key]
    return format(value, form)


def quoted(text):
    """``text`` with every marked figure written from its results file."""
    return FIGURE.sub(lambda m: f"<!-- fig {m['spec']} -->{figure(m['spec'])}<!-- /fig -->", text)


if __name__ == "__main__":
    PAGE.write_text(page())
    print(f"wrote {PAGE}")
    for path in QUOTING:
        text = path.read_text()
        if quoted(text) != text:
            path.write_text(quoted(text))
            print(f"wrote the figures {path.relative_to(REPO)} quotes")
