import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sklearn_groove import VOICES, join_hvo, split_hvo
from sklearn_groove.preprocessing import Quantizer, Tapper, VoiceRemover


@pytest.fixture
def hvo():
    rng = np.random.default_rng(1)
    h = (rng.random((6, 32, 9)) < 0.25).astype(np.float32)
    return join_hvo(h, rng.random(h.shape), rng.uniform(-0.5, 0.49, h.shape))


def test_quantizer(hvo):
    out = Quantizer().fit_transform(hvo)
    h, v, o = split_hvo(out)
    np.testing.assert_array_equal(h, split_hvo(hvo)[0])
    assert not v.any() and not o.any()


def test_voice_remover(hvo):
    out = VoiceRemover(voices=("closed_hihat", "ride")).fit_transform(hvo)
    for part_in, part_out in zip(split_hvo(hvo), split_hvo(out)):
        removed = [VOICES.index("closed_hihat"), VOICES.index("ride")]
        assert not part_out[..., removed].any()
        kept = [i for i in range(9) if i not in removed]
        np.testing.assert_array_equal(part_out[..., kept], part_in[..., kept])
    assert not np.shares_memory(out, hvo)
    with pytest.raises(ValueError, match="unknown voices"):
        VoiceRemover(voices=("cowbell",)).fit(hvo)


def test_tapper_hand_computed():
    hvo = np.zeros((1, 32, 27), dtype=np.float32)
    hvo[0, 0, [0, 9, 18]] = 1, 0.9, 0.1  # loud kick, late
    hvo[0, 0, [2, 11, 20]] = 1, 0.3, -0.2  # soft hat, early
    hvo[0, 5, [2, 11, 20]] = 1, 0.3, -0.2  # hat alone
    taps = Tapper().fit_transform(hvo)
    assert taps.shape == (1, 32, 3)
    h, v, o = split_hvo(taps)
    assert h[0, :, 0].nonzero()[0].tolist() == [0, 5]
    assert o[0, 0, 0] == pytest.approx(0.1) and o[0, 5, 0] == pytest.approx(-0.2)
    assert v[0, 0, 0] == pytest.approx(0.9) and v[0, 5, 0] == pytest.approx(0.3)  # the loudest note's
    assert v[0, 1:5].sum() == 0
    silent = Tapper(velocity="none").fit_transform(hvo)
    np.testing.assert_array_equal(np.delete(silent, 1, axis=-1), np.delete(taps, 1, axis=-1))
    assert not silent[..., 1].any()  # as in the paper: no velocity
    with pytest.raises(ValueError, match="velocity"):
        Tapper(velocity="loud").fit(hvo)


def test_pipeline_pickle_clone(hvo):
    pipe = make_pipeline(VoiceRemover(), Tapper())
    out = pipe.fit_transform(hvo)
    for copy in (pickle.loads(pickle.dumps(pipe)), clone(pipe)):
        np.testing.assert_array_equal(copy.fit_transform(hvo), out)
    path = joblib.dump(pipe, __import__("tempfile").mktemp(suffix=".joblib"))[0]
    np.testing.assert_array_equal(joblib.load(path).transform(hvo), out)


@pytest.mark.parametrize("transformer", [Quantizer(), VoiceRemover(), Tapper()])
def test_stateless_and_shape_errors(transformer, hvo):
    out = transformer.transform(hvo)  # no fit needed
    assert out.shape[:2] == hvo.shape[:2]
    with pytest.raises(ValueError, match="27 features"):
        transformer.fit_transform(hvo[..., :9])
    with pytest.raises(ValueError):
        transformer.fit_transform(hvo[0])
    with pytest.raises(ValueError, match="velocities"):
        transformer.fit_transform(np.where(np.arange(27) == 9, 2.0, hvo))
