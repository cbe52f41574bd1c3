"""The one array layout of sklearn_groove: the *hvo* array.

A drum performance on a grid of 16th notes is stored as three matrices of
shape ``(n_steps, n_voices)``:

* **H**, hits: 1.0 where a voice is struck on a step, else 0.0;
* **V**, velocities: MIDI velocity / 127, in ``[0, 1]``;
* **O**, timing offsets in 16th-note units, in ``[-0.5, 0.5)``; **positive
  means played late** (behind the grid), negative means early.

They are concatenated along the last axis into one float32 array, the *hvo*
array, of shape ``(n_samples, n_steps, 3 * n_voices)``::

    hvo[..., 0:9]    H  (one column per voice of VOICES)
    hvo[..., 9:18]   V
    hvo[..., 18:27]  O

One step is one 16th note; a bar of 4/4 is 16 steps, so the 2-bar windows of
the paper are ``(n_samples, 32, 27)``.  Velocity and offset are 0 where there
is no hit, and every function of the library ignores them there.  A *score*
is the hits alone, ``(n_samples, n_steps, 9)``.

The same rule (H, then V, then O, each ``n_voices`` wide) describes an hvo of
any number of voices: :class:`~sklearn_groove.preprocessing.Tapper` returns a
one-voice hvo ``(n_samples, n_steps, 3)``.

This module is the only place that knows the column positions; everything else
goes through :func:`split_hvo` and :func:`join_hvo`.
"""

import threading

import numpy as np

__all__ = [
    "VOICES",
    "N_VOICES",
    "STEPS_PER_BEAT",
    "STEPS_PER_BAR",
    "split_hvo",
    "join_hvo",
    "check_hvo",
    "check_hits",
    "hits_of",
    "keep_voices",
    "check_voices",
]

#: The nine drum voices, in column order.
VOICES = (
    "kick",
    "snare",
    "closed_hihat",
    "open_hihat",
    "low_tom",
    "mid_tom",
    "high_tom",
    "crash",
    "ride",
)
N_VOICES = len(VOICES)
#: Steps per quarter-note beat (16th-note grid).
STEPS_PER_BEAT = 4
#: Steps per bar of 4/4.
STEPS_PER_BAR = 4 * STEPS_PER_BEAT
#: Largest offset allowed: offsets live in [-0.5, 0.5).
MAX_OFFSET = float(np.nextafter(np.float32(0.5), np.float32(0.0)))


def split_hvo(hvo):
    """Split an hvo array into its hits, velocities and offsets.

    Parameters
    ----------
    hvo : ndarray of shape (..., 3 * n_voices)
        An hvo array of any leading shape.

    Returns
    -------
    hits, velocities, offsets : ndarray of shape (..., n_voices)
        Views into ``hvo`` (no copy).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import split_hvo
    >>> h, v, o = split_hvo(np.zeros((4, 32, 27), dtype=np.float32))
    >>> h.shape, v.shape, o.shape
    ((4, 32, 9), (4, 32, 9), (4, 32, 9))
    """
    hvo = np.asarray(hvo)
    n_features = hvo.shape[-1]
    if n_features % 3 or n_features == 0:
        raise ValueError(
            f"an hvo array has 3 * n_voices features on its last axis, got {n_features}"
        )
    m = n_features // 3
    return hvo[..., :m], hvo[..., m : 2 * m], hvo[..., 2 * m :]


def join_hvo(hits, velocities=None, offsets=None):
    """Join hits, velocities and offsets into one float32 hvo array.

    Velocities and offsets default to zeros (a quantized score); both are set
    to 0 wherever there is no hit.

    Parameters
    ----------
    hits : array-like of shape (..., n_voices)
    velocities, offsets : array-like of the same shape, or None

    Returns
    -------
    hvo : ndarray of shape (..., 3 * n_voices), float32

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> h = np.zeros((1, 32, 9)); h[0, 0, 0] = 1
    >>> hvo = join_hvo(h, velocities=np.full_like(h, 0.5))
    >>> hvo.shape, float(hvo[0, 0, 9]), float(hvo[0, 1, 9])
    ((1, 32, 27), 0.5, 0.0)
    """
    hits = np.asarray(hits, dtype=np.float32)
    velocities = np.zeros_like(hits) if velocities is None else velocities
    offsets = np.zeros_like(hits) if offsets is None else offsets
    velocities = np.asarray(velocities, dtype=np.float32)
    offsets = np.asarray(offsets, dtype=np.float32)
    if not hits.shape == velocities.shape == offsets.shape:
        raise ValueError(
            "hits, velocities and offsets must have one shape, got "
            f"{hits.shape}, {velocities.shape} and {offsets.shape}"
        )
    on = hits > 0
    return np.concatenate([hits, velocities * on, offsets * on], axis=-1)


def _check_ndim(X, name, ndim):
    if X.ndim != ndim:
        shape = "(n_samples, n_steps, n_features)" if ndim == 3 else "(n_steps, n_features)"
        raise ValueError(f"{name} must be a {ndim}-D array {shape}, got shape {X.shape}")


def check_voices(voices, *, name="voices"):
    """The column indices of voice names; a ValueError names the unknown ones and lists the voices.

    Examples
    --------
    >>> from sklearn_groove._hvo import check_voices
    >>> check_voices(["snare", "ride"])
    [1, 8]
    """
    voices = [voices] if isinstance(voices, str) else list(voices)
    unknown = [v for v in voices if v not in VOICES]
    if unknown or not voices:
        problem = f"unknown voices {unknown!r}" if unknown else "no voice named"
        raise ValueError(f"{name}: {problem}; the voices are {', '.join(VOICES)}")
    return [VOICES.index(v) for v in voices]


def keep_voices(hvo, voices):
    """The hvo with every voice but ``voices`` (names or indices) silenced.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import keep_voices
    >>> hvo = np.zeros((1, 32, 27), dtype=np.float32)
    >>> hvo[0, 0, [0, 1, 9, 10]] = 1, 1, 0.5, 0.5      # kick and snare
    >>> keep_voices(hvo, ["snare"])[0, 0, [0, 1, 9, 10]].tolist()
    [0.0, 1.0, 0.0, 0.5]
    """
    h, v, o = split_hvo(hvo)
    index = [VOICES.index(x) if isinstance(x, str) else int(x) for x in voices]
    keep = np.isin(np.arange(h.shape[-1]), index)
    return join_hvo(h * keep, v, o)


def check_hits(hits, *, name="hits"):
    """Check that an array is 0/1 and finite; return it as float32."""
    hits = np.asarray(hits, dtype=np.float32)
    if not np.all((hits == 0) | (hits == 1)):
        bad = hits[(hits != 0) & (hits != 1)]
        raise ValueError(f"{name} must be 0 or 1, found {float(bad.flat[0])!r}")
    return hits


def check_hvo(hvo, *, n_voices=N_VOICES, ndim=3, name="hvo"):
    """Validate an hvo array and return it as float32.

    Parameters
    ----------
    hvo : array-like of shape (n_samples, n_steps, 3 * n_voices)
    n_voices : int, default=9
        Expected number of voices, or None to accept any.
    ndim : {2, 3}, default=3
        2 for one song ``(n_steps, 3 * n_voices)``.
    name : str
        Name used in error messages.

    Returns
    -------
    hvo : ndarray, float32

    Raises
    ------
    ValueError
        For a wrong shape, non-finite values, hits other than 0/1,
        velocities outside [0, 1], offsets outside [-0.5, 0.5], or a
        velocity or offset where there is no hit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import check_hvo
    >>> check_hvo(np.zeros((2, 32, 27))).dtype
    dtype('float32')
    >>> check_hvo(np.zeros((2, 32, 9)))
    Traceback (most recent call last):
    ...
    ValueError: hvo must have 27 features (3 x 9 voices) on its last axis, got 9
    """
    hvo = np.asarray(hvo, dtype=np.float32)
    _check_ndim(hvo, name, ndim)
    n_features = hvo.shape[-1]
    if n_voices is not None and n_features != 3 * n_voices:
        raise ValueError(
            f"{name} must have {3 * n_voices} features (3 x {n_voices} voices) on its "
            f"last axis, got {n_features}"
        )
    if not np.all(np.isfinite(hvo)):
        raise ValueError(f"{name} contains NaN or infinity")
    h, v, o = split_hvo(hvo)
    check_hits(h, name=f"{name} hits")
    if v.size and (v.min() < 0 or v.max() > 1):
        raise ValueError(f"{name} velocities must lie in [0, 1], found [{v.min()}, {v.max()}]")
    if o.size and (o.min() < -0.5 or o.max() > 0.5):
        raise ValueError(
            f"{name} offsets must lie in [-0.5, 0.5] (16th notes), found [{o.min()}, {o.max()}]"
        )
    stray = (h == 0) & ((v != 0) | (o != 0))
    if stray.any():
        at = tuple(int(i) for i in np.argwhere(stray)[0])
        raise ValueError(
            f"{name} has a velocity or offset where there is no hit ({int(stray.sum())} places, the first at "
            f"{at}); join_hvo(hits, velocities, offsets) sets them to 0"
        )
    return hvo


def check_temperature(temperature):
    """``temperature`` as a float: a finite number, 0 or more; a ValueError otherwise (NaN and infinity included).

    Examples
    --------
    >>> from sklearn_groove._hvo import check_temperature
    >>> check_temperature(0.9)
    0.9
    >>> check_temperature(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: temperature must be a finite number, 0 or more, got nan
    """
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"temperature must be a finite number, 0 or more, got {temperature!r}")
    return value


def hits_of(X, *, name="X"):
    """Return the hits of a score ``(n, n_steps, 9)`` or an hvo ``(n, n_steps, 27)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import hits_of
    >>> hits_of(np.zeros((3, 32, 27))).shape
    (3, 32, 9)
    """
    X = np.asarray(X, dtype=np.float32)
    _check_ndim(X, name, 3)
    if X.shape[-1] == 3 * N_VOICES:
        return split_hvo(check_hvo(X, name=name))[0]
    if X.shape[-1] == N_VOICES:
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} contains NaN or infinity")
        return check_hits(X, name=f"{name} hits")
    raise ValueError(
        f"{name} must be a score (n_samples, n_steps, {N_VOICES}) or an hvo "
        f"(n_samples, n_steps, {3 * N_VOICES}), got shape {X.shape}"
    )


def bar_rotations(n_steps, rotate=True):
    """The rotations, in steps, that a window of ``n_steps`` is played at: 0 first, then (``rotate``) each bar.

    Bars are of 4/4 (16 steps) where the window is whole bars of it; else an
    even window is taken as two bars of another meter (24 steps: 3/4).

    Examples
    --------
    >>> from sklearn_groove._hvo import bar_rotations
    >>> bar_rotations(32), bar_rotations(48), bar_rotations(24), bar_rotations(25, rotate=False)
    ([0, 16], [0, 16, 32], [0, 12], [0])
    """
    if not rotate:
        return [0]
    if n_steps % STEPS_PER_BAR == 0:
        return list(range(0, n_steps, STEPS_PER_BAR))
    if n_steps % 2:
        raise ValueError(f"rotating bars needs windows of whole bars, got {n_steps} steps")
    return [0, n_steps // 2]


def take_seeds(random_state, n_takes=1):
    """The seeds of ``n_takes`` takes drawn from ``random_state`` (an int, a ``RandomState`` or None).

    Every player draws a take's seeds this way (the estimators'
    ``sample_y`` and ``predict``, and ``onnx_feed`` for an ONNX file), so
    that one seed is one take in all of them; NumPy alone.
    """
    if not isinstance(random_state, np.random.RandomState):
        random_state = _seeded(random_state)
    return [int(random_state.randint(2**31 - 1)) for _ in range(n_takes)]


_SEEDERS = threading.local()


def _seeded(seed):
    """``np.random.RandomState(seed)``'s stream, from one generator a thread reseeded: making a generator takes 80 µs
    (it first seeds itself from the system's entropy), reseeding one 3 µs, and an ONNX file plays a window in 2 ms."""
    seeder = getattr(_SEEDERS, "generator", None)
    if seeder is None:
        seeder = _SEEDERS.generator = np.random.RandomState()
    seeder.seed(seed)
    return seeder


def take_draws(seed, n_windows, n_steps, n_members=1, batch=None):
    """The random draws of one take from its seed, a batch of windows at a time: what a player reads to sample.

    Yields ``(member, noise)`` for each ``batch`` windows (all at once with
    None); the batches joined are the same whatever their size.

    member : ndarray of shape (batch,), int64
        The ensemble member that plays each window (of ``n_members``).
    noise : ndarray of shape (batch, n_steps, 27), float32
        Standard normal draws for each step's hits (where the model chooses
        them), velocities and offsets.
    """
    rng = np.random.default_rng(seed)
    member = rng.integers(n_members, size=n_windows).astype(np.int64)
    batch = batch or max(n_windows, 1)
    for i in range(0, max(n_windows, 1), batch):  # one empty batch for no windows
        rows = member[i : i + batch]
        yield rows, rng.standard_normal((len(rows), n_steps, 3 * N_VOICES), dtype=np.float32)


def prefix_steps(prefix, shape):
    """(given, kept) of a player for windows of ``shape`` (n, n_steps) whose first steps are ``prefix``
    (n, k, 27), the steps already played: the prefix padded to the windows' steps, and 1 on its steps (all
    zeros where ``prefix`` is None)."""
    n, steps = shape
    given, kept = np.zeros((n, steps, 3 * N_VOICES), np.float32), np.zeros((n, steps, 1), np.float32)
    if prefix is not None:
        prefix = check_hvo(prefix, name="prefix")
        if len(prefix) != n or not 0 < prefix.shape[1] < steps:
            raise ValueError(f"prefix must give the first steps (fewer than {steps}) of each of the {n} windows, "
                             f"got shape {prefix.shape}")
        given[:, : prefix.shape[1]], kept[:, : prefix.shape[1]] = prefix, 1.0
    return given, kept
