"""K-nearest-neighbour Humanization with the Hadamard similarity (section 5.1.3)."""

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import GrooveHumanizer, fit_labels, flatten, window_labels
from .._hvo import split_hvo

__all__ = ["GrooveKNN", "hadamard_similarity", "top_k_similar"]


def hadamard_similarity(hits_a, hits_b):
    """Number of hits in common of each pair of windows (equation 1 of the paper).

    ``sum(H_i * H_j)``, computed as a matrix product of the flattened hits.

    Parameters
    ----------
    hits_a : array-like of shape (n_a, n_steps, 9)
    hits_b : array-like of shape (n_b, n_steps, 9)

    Returns
    -------
    ndarray of shape (n_a, n_b), int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.neighbors import hadamard_similarity
    >>> a = np.zeros((1, 4, 9)); a[0, :, 0] = 1        # kick on 4 steps
    >>> b = np.zeros((2, 4, 9)); b[0, :2, 0] = 1; b[1, :, 1] = 1
    >>> hadamard_similarity(a, b).tolist()
    [[2, 0]]
    """
    a = flatten(np.asarray(hits_a, dtype=np.float32))
    b = flatten(np.asarray(hits_b, dtype=np.float32))
    return np.rint(a @ b.T).astype(np.int64)


def top_k_similar(hits, train_hits, k):
    """Indices of the ``k`` rows of ``train_hits`` with most hits in common with each row of ``hits``.

    Both are hits, flattened (n, n_steps * 9) or not. Ties go to the earlier training
    row; the most similar comes first.
    """
    n_train = len(train_hits)
    similarity = hadamard_similarity(hits, train_hits)
    # One key per pair: more hits in common first, then the earlier window.
    key = similarity * n_train + (n_train - 1 - np.arange(n_train))
    top = np.argpartition(-key, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(key, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)


class GrooveKNN(GrooveHumanizer):
    """Humanize with the mean groove of the K training windows with most hits in common.

    The similarity of two windows is the number of hits they share (the
    Hadamard product of their hit matrices, summed); velocities and offsets
    are the element-wise means of the ``n_neighbors`` most similar training
    windows' V and O matrices (equations 2 and 3), read on the input's hits.
    Ties in similarity go to the earlier training window, so predictions are
    deterministic. Similarities are computed ``batch_size`` test windows at
    a time, so memory stays at ``batch_size x n_train`` numbers.

    Parameters
    ----------
    n_neighbors : int, default=20
        K; the paper found 20 best on the validation split.
    average : {"all", "hits"}, default="all"
        ``"all"``: the mean over all K neighbours, those without a hit on a
        cell counting with velocity and offset 0 (equations 2 and 3 of the
        paper, so velocities shrink where few neighbours play the note).
        ``"hits"``: the mean over the neighbours that have a hit on the cell;
        a cell that none of them plays gets the voice's mean training
        velocity and offset 0.
    batch_size : int, default=512
        Test windows per similarity block.
    n_jobs : int, default=None
        Blocks computed in parallel (threads); None is 1, -1 all cores.

    Attributes
    ----------
    hits_ : ndarray of shape (n_train, n_steps * 9)
    velocities_, offsets_ : ndarray of shape (n_train, n_steps, 9)
        The training set.
    voice_velocity_ : ndarray of shape (9,)
        Mean training velocity of each voice (used by ``average="hits"``).
    n_features_in_ : int
        Steps per window seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveKNN, join_hvo
    >>> h = np.zeros((3, 32, 9)); h[:, ::2, 2] = 1      # 8th-note hi-hats
    >>> h[2, 4, 1] = 1                                   # the third has a snare
    >>> y = join_hvo(h, h * 0.5, h * np.array([0.1, 0.2, 0.3])[:, None, None])
    >>> knn = GrooveKNN(n_neighbors=1).fit(h, y)
    >>> round(float(knn.predict(h[2:])[0, 4, 18 + 1]), 2)  # its own groove
    0.3
    """

    _parameter_constraints = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "average": [StrOptions({"all", "hits"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def __init__(self, n_neighbors=20, average="all", batch_size=512, n_jobs=None):
        self.n_neighbors = n_neighbors
        self.average = average
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    def fit(self, X, y, *, style=None):
        """Store the training windows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)
            Scores; of an hvo only the hits are read.
        y : array-like of shape (n_samples, n_steps, 27)
        style : array-like of shape (n_samples,) of str, default=None
            Each window's style (``fetch_groove(...).genre``): ``predict``
            can then look for neighbours of one style only. Routed by
            scikit-learn's metadata routing (``set_fit_request(style=True)``).

        Returns
        -------
        self
        """
        super().fit(X, y)
        self.styles_, self.train_style_ = fit_labels(style, len(self.hits_), "style")
        return self

    def predict(self, X, *, style=None):
        """Perform scores with the grooves of their most similar training windows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)
        style : str or array-like of shape (n_samples,), default=None
            Only neighbours of this style (one for all windows, or one a
            window), for a model fitted with ``style``; None: all.

        Returns
        -------
        hvo : ndarray of shape (n_samples, n_steps, 27), float32
        """
        return self._perform(X, style=style)

    def _fit(self, hits, y):
        if self.n_neighbors > len(hits):
            raise ValueError(f"n_neighbors={self.n_neighbors} is more than the {len(hits)} training windows")
        h, v, o = split_hvo(y)
        self.hits_ = flatten(hits)
        self.velocities_ = np.ascontiguousarray(v)
        self.offsets_ = np.ascontiguousarray(o)
        played = np.maximum(h.sum(axis=(0, 1)), 1)
        self.voice_velocity_ = v.sum(axis=(0, 1)) / played

    def kneighbors(self, X):
        """Indices of the ``n_neighbors`` most similar training windows, most similar first.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)

        Returns
        -------
        ndarray of shape (n_samples, n_neighbors), int
        """
        check_is_fitted(self)
        return self._kneighbors(self._validate_X(X, reset=False))

    def _kneighbors(self, hits, style=None):
        if style is not None:
            return self._kneighbors_of_style(hits, style)
        batches = [hits[i : i + self.batch_size] for i in range(0, len(hits), self.batch_size)]
        # Threads of this process, whatever joblib backend is active: the batches share the training set in memory
        # (under a Dask backend, a process-level backend would ship it with every batch).
        found = Parallel(n_jobs=self.n_jobs, backend="threading")(delayed(self._top_k)(b) for b in batches)
        return np.concatenate(found) if found else np.zeros((0, self.n_neighbors), dtype=np.int64)

    def _top_k(self, hits):
        return top_k_similar(flatten(hits), self.hits_, self.n_neighbors)

    def _kneighbors_of_style(self, hits, style):
        """Neighbours among the training windows of each window's requested style."""
        if self.styles_ is None:
            raise ValueError("this GrooveKNN was fitted without styles: give none, or fit it with style=...")
        given = str(style) if np.ndim(style) == 0 else np.asarray(style).astype(str)  # every window names a style
        wanted = window_labels(given, len(hits), self.styles_, "style").astype(str)
        found = np.zeros((len(hits), self.n_neighbors), dtype=np.int64)
        for label in np.unique(wanted):
            rows, pool = np.flatnonzero(wanted == label), np.flatnonzero(self.train_style_ == label)
            k = min(self.n_neighbors, len(pool))
            nearest = pool[top_k_similar(flatten(hits[rows]), self.hits_[pool], k)]
            found[rows] = nearest[:, np.arange(self.n_neighbors) % k]  # a style with fewer windows: each as often
        return found

    def _predict_vo(self, hits, style=None):
        neighbors = self._kneighbors(hits, style)
        v, o = self.velocities_[neighbors], self.offsets_[neighbors]
        if self.average == "all":
            return v.mean(axis=1), o.mean(axis=1)
        n_hits = self.hits_[neighbors].reshape(v.shape).sum(axis=1)
        some = n_hits > 0
        per_hit = np.maximum(n_hits, 1)
        return (
            np.where(some, v.sum(axis=1) / per_hit, self.voice_velocity_),
            np.where(some, o.sum(axis=1) / per_hit, 0.0),
        )
