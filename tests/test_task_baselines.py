"""The baselines of Infilling and Tap2Drum as estimators: what they play, and their errors."""

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_groove import GrooveMostFrequent, GrooveNearestWindow, join_hvo, split_hvo
from sklearn_groove.preprocessing import Tapper, VoiceRemover


@pytest.fixture(scope="module")
def performances():
    rng = np.random.default_rng(0)
    h = (rng.random((50, 32, 9)) < 0.3).astype(np.float32)
    h[:30, :, 2] = np.arange(32) % 2 == 0  # most windows: a hi-hat on every 8th note
    return join_hvo(h, h * rng.uniform(0.3, 1.0, h.shape), h * rng.uniform(-0.2, 0.2, h.shape))


def test_most_frequent_infills_the_most_frequent_pattern(performances):
    y = performances
    X = VoiceRemover().fit_transform(y)
    out = GrooveMostFrequent().fit(X, y).predict(X[:5])
    h, v, o = split_hvo(out)
    np.testing.assert_array_equal(h[..., 2], np.broadcast_to(np.arange(32) % 2 == 0, (5, 32)))
    np.testing.assert_allclose(v[0, :, 2], split_hvo(y)[1][:30, :, 2].mean(axis=0), atol=1e-6)
    others = [j for j in range(27) if j % 9 != 2]
    np.testing.assert_array_equal(out[..., others], X[:5][..., others])


def test_nearest_window_copies_its_drums_on_the_taps(performances):
    y = performances
    taps = Tapper().fit_transform(y)
    out = GrooveNearestWindow().fit(taps, y).predict(taps)
    h, _, o = split_hvo(out)
    tapped = split_hvo(taps)[0]
    assert not h[tapped[..., 0] == 0].any()  # drums only where there are taps
    tap_hits = tapped[..., 0]
    for i in range(0, 50, 7):  # brute force: the most taps in common, ties to the earliest window
        nearest = int(np.argmax((tap_hits * tap_hits[i]).sum(axis=1)))
        np.testing.assert_array_equal(h[i], split_hvo(y)[0][nearest] * tap_hits[i][:, None])
    np.testing.assert_allclose(o, h * np.repeat(split_hvo(taps)[2], 9, axis=-1), atol=1e-6)  # the taps' timing


@pytest.mark.parametrize("cls", [GrooveMostFrequent, GrooveNearestWindow])
def test_inputs_and_parameters_are_checked(cls, performances):
    y = performances
    with pytest.raises(ValueError, match="an hvo with a voice removed .* or taps"):
        cls().fit(split_hvo(y)[0], y)
    with pytest.raises(ValueError, match="voice"):
        cls(voice="cowbell").fit(y, y)
    model = cls(voice="snare").fit(y, y)
    assert clone(model).get_params() == {"voice": "snare"}
    with pytest.raises(ValueError, match="3 features per step, but .* fitted with 27"):
        model.predict(Tapper().fit_transform(y))
