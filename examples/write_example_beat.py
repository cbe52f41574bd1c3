"""Write examples/beat.mid: 8 bars of a quantized rock beat with a fill, at 100 bpm.

    python examples/write_example_beat.py

Every note on the grid at velocity 100: the kind of score a producer types in.
"""

from pathlib import Path

import numpy as np

from sklearn_groove import VOICES, join_hvo
from sklearn_groove.midi import hvo_to_midi


def main():
    bars = 8
    h = np.zeros((bars * 16, len(VOICES)), dtype=np.float32)
    kick, snare, hat, crash = (VOICES.index(v) for v in ("kick", "snare", "closed_hihat", "crash"))
    for bar in range(bars):
        start = bar * 16
        h[start + np.array([0, 6, 8, 10]), kick] = 1
        h[start + np.array([4, 12]), snare] = 1
        h[start + np.arange(0, 16, 2), hat] = 1
    fill = (bars - 1) * 16 + 8  # the second half of the last bar: snare and toms
    h[fill:, :] = 0
    h[fill + np.arange(0, 8, 2), [snare, snare, VOICES.index("high_tom"), VOICES.index("low_tom")]] = 1
    h[fill + np.arange(1, 8, 2), snare] = 1
    h[0, crash] = 1
    hvo = join_hvo(h[None], np.full((1, *h.shape), 100 / 127))[0]
    path = Path(__file__).with_name("beat.mid")
    hvo_to_midi(hvo, bpm=100).write(str(path))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
