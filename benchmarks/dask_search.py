"""Grid search over the GMD training set on Dask workers, against joblib's default backend.

    python benchmarks/dask_search.py [--data-home ../shared/data/groove] [--workers 1 2 4]

One GridSearchCV of GrooveKNN (n_neighbors x average, 8 candidates, 3 folds
grouped by drummer: 24 fits on the 46 MiB training set), run under joblib's
default backend (loky, 2 processes) and under joblib's Dask backend on a
``distributed.LocalCluster`` of 1, 2 and 4 single-threaded worker processes.
For each: wall time, and the bytes that crossed the loopback interface
(``/proc/net/dev``; Linux), which tell how often the training set was sent.
Results go to benchmarks/results/dask_search.{json,md}.
"""

import argparse
import os
import time

import joblib
import numpy as np

from _harness import RESULTS, write_results

GRID = {"n_neighbors": [5, 10, 20, 40], "average": ["all", "hits"]}


def loopback_mib():
    """MiB sent over the loopback interface so far, by every process of the machine (Linux)."""
    with open("/proc/net/dev") as f:
        line = next(row for row in f if row.strip().startswith("lo:"))
    return int(line.split(":")[1].split()[8]) / 2**20


def search(X, y, groups):
    from sklearn.model_selection import GridSearchCV, GroupKFold

    from sklearn_groove import GrooveKNN

    return GridSearchCV(GrooveKNN(), GRID, cv=GroupKFold(n_splits=3), n_jobs=-1).fit(X, y, groups=groups)


def timed(run):
    before, start = loopback_mib(), time.perf_counter()
    result = run()
    return result, round(time.perf_counter() - start, 2), round(loopback_mib() - before, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-home", default=os.environ.get("SKLEARN_GROOVE_DATA"))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster

    from sklearn_groove import split_hvo
    from sklearn_groove.datasets import fetch_groove

    train = fetch_groove(subset="train", data_home=args.data_home)
    X, y = split_hvo(train.hvo)[0], train.hvo
    data_mib = (X.nbytes + y.nbytes) / 2**20
    rows = []
    with joblib.parallel_config(backend="loky", n_jobs=2):
        reference, seconds, sent = timed(lambda: search(X, y, train.drummer))
    rows.append({"backend": "joblib default (loky), 2 processes", "workers": 2, "seconds": seconds, "loopback_mib": sent})
    print(rows[-1], flush=True)
    for n in args.workers:
        with LocalCluster(n_workers=n, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster):
            with joblib.parallel_config(backend="dask"):
                found, seconds, sent = timed(lambda: search(X, y, train.drummer))
        same = np.allclose(found.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"])
        rows.append({"backend": "dask LocalCluster", "workers": n, "seconds": seconds, "loopback_mib": sent,
                     "same_scores": bool(same)})
        print(rows[-1], flush=True)
    result = {"command": "python benchmarks/dask_search.py", "cpus": os.cpu_count(), "fits": 24,
              "training_set_mib": round(data_mib, 1), "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    write_results("dask_search", result, markdown(result))


def markdown(result):
    """The table of ``result`` (``python -c`` on the JSON rewrites it without a new run)."""
    size = result["training_set_mib"]
    lines = [
        "# Grid search on Dask workers", "",
        f"`{result['command']}` on this machine ({result['cpus']} cores): GridSearchCV of GrooveKNN, 8 candidates "
        f"x 3 folds = {result['fits']} fits on the GMD training set ({size} MiB of hits and hvo).", "",
        "| backend | workers | wall time (s) | sent over loopback (MiB) | that many training sets | same scores |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(f"| {row['backend']} | {row['workers']} | {row['seconds']} | {row['loopback_mib']} | "
                     f"{row['loopback_mib'] / size:.1f} | {'yes' if row.get('same_scores', True) else 'NO'} |")
    lines += [
        "", "Loopback bytes count every process's traffic over 127.0.0.1: the client, the scheduler and the workers. "
        "loky sends its data through pipes, which are not counted. With one worker, joblib's Dask backend has one "
        "slot, so joblib runs the fits one by one in the client process, sending nothing. With 2 and 4 workers, "
        "joblib scatters each large argument once a search and hands each fit a reference; the workers then copy "
        "it among themselves as they need it: a few training sets in all, where shipping it with each fit would send "
        f"{result['fits']}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
