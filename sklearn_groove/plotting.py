"""Pictures of performances with matplotlib: piano rolls and offset distributions.

matplotlib is imported when a function is called (``pip install matplotlib``).
"""

import numpy as np

from ._hvo import STEPS_PER_BAR, STEPS_PER_BEAT, VOICES, check_hvo, check_voices, split_hvo

__all__ = ["plot_roll", "plot_rolls", "plot_offsets", "plot_voice_distributions"]

_POSITIONS = ("on the beat", "2nd 16th", "8th note", "4th 16th")


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from None
    return plt


def _as_song(hvo):
    hvo = np.asarray(hvo, dtype=np.float32)
    if hvo.ndim == 3:
        hvo = hvo.reshape(-1, hvo.shape[-1])  # windows one after another
    return check_hvo(hvo, ndim=2)


def plot_roll(hvo, *, ax=None, bars=None, title=None):
    """Piano roll of one performance, as in the paper's figure 1.

    Voices by time; each hit is a bar drawn at its step plus its offset
    (microtiming as a shift off the grid, whose steps are the thin lines and
    beats the thick ones), coloured by velocity.

    Parameters
    ----------
    hvo : array-like of shape (n_steps, 27) or (n_samples, n_steps, 27)
        Windows are drawn one after another.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    bars : int, default=None
        Draw only the first ``bars`` bars.
    title : str, default=None

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.plotting import plot_roll
    >>> hvo = np.zeros((32, 27), dtype=np.float32)
    >>> hvo[::4, 0], hvo[::4, 9], hvo[::4, 18] = 1, 0.9, 0.1     # kick on the beats, late
    >>> ax = plot_roll(hvo, title="late kick")
    >>> len(ax.patches)
    8
    """
    plt = _pyplot()
    hvo = _as_song(hvo)
    if bars is not None:
        hvo = hvo[: bars * STEPS_PER_BAR]
    h, v, o = split_hvo(hvo)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, len(h) / 5), 3.2))
    cmap = plt.get_cmap("viridis")
    for step, voice in zip(*np.nonzero(h > 0)):
        x = step + o[step, voice] - 0.4
        ax.add_patch(plt.Rectangle((x + 0.15, voice - 0.4), 0.5, 0.8, color=cmap(float(v[step, voice]))))
    for step in range(len(h) + 1):
        strong = step % STEPS_PER_BEAT == 0
        ax.axvline(step - 0.5, color="0.3" if strong else "0.85", lw=1.0 if strong else 0.5, zorder=0)
    ax.set_xlim(-0.9, len(h) - 0.1)
    ax.set_ylim(-0.6, len(VOICES) - 0.4)
    ax.set_yticks(range(len(VOICES)), VOICES)
    ax.set_xlabel("16th-note step")
    ax.figure.colorbar(plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1)), ax=ax, label="velocity", pad=0.01)
    if title:
        ax.set_title(title)
    return ax


def plot_rolls(songs, *, bars=None):
    """Piano rolls of several performances, one above the other (before / after).

    Parameters
    ----------
    songs : dict of str to array-like of shape (n_steps, 27)
        Title to performance.
    bars : int, default=None
        Draw only the first ``bars`` bars; None: the whole of each song.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.plotting import plot_rolls
    >>> score = np.zeros((32, 27), dtype=np.float32); score[::2, 2], score[::2, 11] = 1, 0.7
    >>> played = score.copy(); played[::2, 20] = 0.15
    >>> fig = plot_rolls({"score": score, "performance": played})
    >>> len(fig.axes)      # two rolls and their colour bars
    4
    """
    plt = _pyplot()
    if not songs:
        raise ValueError("give at least one performance to plot")
    shown = bars or max(-(-len(_as_song(hvo)) // STEPS_PER_BAR) for hvo in songs.values())
    fig, axes = plt.subplots(len(songs), 1, figsize=(min(2 + 5 * shown, 80), 3.2 * len(songs)), squeeze=False)
    for ax, (title, hvo) in zip(axes[:, 0], songs.items()):
        plot_roll(hvo, ax=ax, bars=bars, title=title)
    fig.tight_layout()
    return fig


def plot_offsets(songs, *, bins=40):
    """Distribution of timing offsets per position in the beat (the paper's figure 2).

    One panel per 16th-note position in the beat; in each, a histogram of
    the offsets of the notes on that position for each performance (such as
    the GMD and a model's output).

    Parameters
    ----------
    songs : dict of str to array-like of shape (n_steps, 27) or (n_samples, n_steps, 27)
        Label to performances.
    bins : int, default=40

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.plotting import plot_offsets
    >>> rng = np.random.default_rng(0)
    >>> hvo = np.zeros((64, 27), dtype=np.float32); hvo[:, 2], hvo[:, 11] = 1, 0.8
    >>> hvo[:, 20] = rng.normal(0.05, 0.1, 64).clip(-0.5, 0.49)
    >>> fig = plot_offsets({"hi-hat": hvo})
    >>> len(fig.axes)
    4
    """
    plt = _pyplot()
    if not songs:
        raise ValueError("give at least one performance to plot")
    fig, axes = plt.subplots(1, STEPS_PER_BEAT, figsize=(12, 3), sharex=True, sharey=True)
    edges = np.linspace(-0.5, 0.5, bins + 1)
    for label, hvo in songs.items():
        h, _, o = split_hvo(_as_song(hvo))
        position = np.arange(len(h)) % STEPS_PER_BEAT
        for p, ax in enumerate(axes):
            offsets = o[position == p][h[position == p] > 0]
            if not offsets.size:  # no note on this position: nothing to draw (a density of nothing is undefined)
                ax.plot([], [], label=f"{label} (no notes)")
                continue
            ax.hist(offsets, bins=edges, density=True, histtype="step", lw=1.5, label=f"{label} ({len(offsets)})")
    for p, ax in enumerate(axes):
        ax.set_title(_POSITIONS[p])
        ax.set_xlabel("offset (16th notes)")
        ax.legend(fontsize="x-small")
    axes[0].set_ylabel("density")
    fig.tight_layout()
    return fig


def plot_voice_distributions(songs, *, voices=("kick", "snare", "closed_hihat", "open_hihat", "ride"), bins=40):
    """Distributions of offsets (top row) and velocities (bottom row) per voice, one line per performance.

    Parameters
    ----------
    songs : dict of str to array-like of shape (n_steps, 27) or (n_samples, n_steps, 27)
        Label to performances, such as the GMD's and a model's.
    voices : sequence of str, default: the five most played
    bins : int, default=40

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.plotting import plot_voice_distributions
    >>> hvo = np.zeros((64, 27), dtype=np.float32); hvo[:, 0], hvo[:, 9] = 1, 0.8
    >>> len(plot_voice_distributions({"kick": hvo}, voices=["kick", "snare"]).axes)
    4
    """
    plt = _pyplot()
    if not songs:
        raise ValueError("give at least one performance to plot")
    columns = check_voices(voices)
    fig, axes = plt.subplots(2, len(columns), figsize=(2.6 * len(columns), 5), squeeze=False)
    edges = {1: np.linspace(0, 1, bins + 1), 2: np.linspace(-0.5, 0.5, bins + 1)}
    for label, hvo in songs.items():
        parts = split_hvo(_as_song(hvo))
        for c, j in enumerate(columns):
            played = parts[0][:, j] > 0
            for row, part in enumerate((2, 1)):  # offsets, then velocities
                values = parts[part][played, j]
                if values.size:  # a voice this performance does not play has no distribution
                    axes[row, c].hist(values, bins=edges[part], density=True, histtype="step", lw=1.3,
                                      label=f"{label} (std {values.std():.3f})")
    for c, j in enumerate(columns):
        axes[0, c].set_title(VOICES[j])
        axes[0, c].set_xlabel("offset (16th notes)")
        axes[1, c].set_xlabel("velocity")
        for row in range(2):
            if axes[row, c].get_legend_handles_labels()[0]:
                axes[row, c].legend(fontsize="xx-small")
    axes[0, 0].set_ylabel("density")
    axes[1, 0].set_ylabel("density")
    fig.tight_layout()
    return fig
