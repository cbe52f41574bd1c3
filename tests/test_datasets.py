import csv
import hashlib
import time
import zipfile

import numpy as np
import pytest

from sklearn_groove import split_hvo
from sklearn_groove.datasets import DESCR, fetch_groove, get_data_home
from sklearn_groove.datasets import _groove


@pytest.fixture(scope="module")
def train(data_home):
    return fetch_groove(subset="train", data_home=data_home)


@pytest.mark.parametrize("subset, expected", [("train", 16_600), ("validation", 2_070), ("test", 2_070)])
def test_split_sizes(data_home, subset, expected):
    bunch = fetch_groove(subset=subset, data_home=data_home)
    assert abs(len(bunch.hvo) - expected) / expected < 0.02
    assert (bunch.split == subset).all()


def test_bunch_contents(train):
    n = len(train.hvo)
    assert train.hvo.shape == (n, 32, 27) and train.hvo.dtype == np.float32
    for key in ("bpm", "drummer", "session", "style", "beat_type", "filename", "start_bar", "split"):
        assert len(train[key]) == n, key
    assert split_hvo(train.hvo)[0].any(axis=(1, 2)).all()  # empty windows are dropped
    assert set(train.beat_type) == {"beat", "fill"}
    assert train.bpm.min() > 40 and train.bpm.max() < 300
    assert "CC BY 4.0" in train.DESCR and "Gillick" in train.DESCR and train.DESCR == DESCR
    _, _, o = split_hvo(train.hvo)
    assert o.min() >= -0.5 and o.max() < 0.5


def test_windows_match_the_midi_reader(data_home, train):
    """A window is the song read by midi_to_hvo, sliced at its start bar."""
    from sklearn_groove.midi import midi_to_hvo

    i = 123
    song = midi_to_hvo(data_home / train.filename[i], pitch_map="gmd")
    start = train.start_bar[i] * 16
    np.testing.assert_array_equal(train.hvo[i], song[start : start + 32])


def test_return_X_y_and_all(data_home, train):
    X, y = fetch_groove(subset="train", data_home=data_home, return_X_y=True)
    np.testing.assert_array_equal(y, train.hvo)
    np.testing.assert_array_equal(X, split_hvo(train.hvo)[0])
    everything = fetch_groove(subset="all", data_home=data_home)
    assert set(everything.split) == {"train", "validation", "test"}


def test_other_window_sizes_parse_again(data_home):
    one_bar = fetch_groove(subset="test", data_home=data_home, bars=1, hop_bars=1)
    assert one_bar.hvo.shape[1:] == (16, 27)
    four = fetch_groove(subset="test", data_home=data_home, bars=4, hop_bars=2)
    assert four.hvo.shape[1:] == (64, 27) and (four.start_bar % 2 == 0).all()


def test_cache_makes_second_call_fast(data_home, tmp_path, monkeypatch):
    monkeypatch.setenv("SKLEARN_GROOVE_CACHE", str(tmp_path))
    t0 = time.perf_counter()
    first = fetch_groove(subset="validation", data_home=data_home)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    second = fetch_groove(subset="validation", data_home=data_home)
    warm = time.perf_counter() - t0
    np.testing.assert_array_equal(first.hvo, second.hvo)
    assert warm < cold / 3
    # A new parser version is a new cache entry: the files are read again.
    from sklearn_groove.midi._reading import read_bytes as _read_bytes

    reads = []
    monkeypatch.setattr(_groove, "PARSER_VERSION", _groove.PARSER_VERSION + 1)
    monkeypatch.setattr(_groove, "read_bytes", lambda *a: reads.append(a) or _read_bytes(*a))
    fetch_groove(subset="validation", data_home=data_home)
    assert len(reads) > 1000


def test_bad_arguments(data_home, tmp_path):
    with pytest.raises(ValueError, match="subset"):
        fetch_groove(subset="dev", data_home=data_home)
    with pytest.raises(ValueError, match="bars"):
        fetch_groove(data_home=data_home, bars=0)
    with pytest.raises(OSError, match="download_if_missing=False"):
        fetch_groove(data_home=tmp_path, download_if_missing=False)


def test_data_home_resolution(data_home, tmp_path, monkeypatch):
    assert get_data_home(data_home) == data_home
    assert get_data_home(tmp_path) == tmp_path / "groove"
    monkeypatch.setenv("SKLEARN_GROOVE_DATA", str(data_home))
    assert get_data_home() == data_home


def _small_archive(data_home, tmp_path, n_files=6):
    """A zip laid out as the official one (groove/info.csv, groove/drummer*/...)."""
    with open(data_home / "info.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    rows = [r for r in rows if r["split"] == "test" and r["time_signature"] == "4-4"][:n_files]
    path = tmp_path / "groove-small.zip"
    with zipfile.ZipFile(path, "w") as z:
        with z.open("groove/info.csv", "w") as f:
            text = ",".join(rows[0]) + "\n" + "".join(",".join(r.values()) + "\n" for r in rows)
            f.write(text.encode())
        for r in rows:
            z.write(data_home / r["midi_filename"], "groove/" + r["midi_filename"])
    data = path.read_bytes()
    return path, len(data), hashlib.sha256(data).hexdigest()


def test_download_from_local_archive(data_home, tmp_path, monkeypatch):
    path, size, sha = _small_archive(data_home, tmp_path)
    monkeypatch.setattr(_groove, "ARCHIVE", (path.as_uri(), size, sha))
    monkeypatch.setattr(_groove._download, "__defaults__", ((path.as_uri(), size, sha), 3, 0.0))
    home = tmp_path / "home"
    bunch = fetch_groove(subset="test", data_home=home)
    assert (home / "groove" / "info.csv").is_file()
    assert len(bunch.hvo) > 0 and len(set(bunch.filename)) <= 6


def test_download_checksum_mismatch_retries_then_fails(data_home, tmp_path, monkeypatch):
    path, size, _ = _small_archive(data_home, tmp_path)
    opened = []
    real_urlopen = _groove.urllib.request.urlopen
    monkeypatch.setattr(_groove.urllib.request, "urlopen", lambda *a, **k: opened.append(a) or real_urlopen(*a, **k))
    monkeypatch.setattr(_groove._download, "__defaults__", ((path.as_uri(), size, "0" * 64), 3, 0.0))
    with pytest.raises(OSError, match="after 3 tries: checksum mismatch"):
        fetch_groove(data_home=tmp_path / "home")
    assert len(opened) == 3
    assert not list((tmp_path / "home").glob("*.part"))
