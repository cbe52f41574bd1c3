"""The one player: torch modules that play windows for the estimators, the ensemble and the ONNX files.

``GrooveSeq2Seq.predict`` and ``sample_y``, ``GrooveTransfer``, a
``GrooveEnsemble`` of networks and :func:`~sklearn_groove.neural.export_onnx`
all play through the modules made here (the ONNX file is one of them,
traced). Their inputs are the file's: the windows, a temperature, standard
normal noise for every draw (:func:`sklearn_groove._hvo.take_draws` makes
it from a seed), each window's ensemble member and each window's labels, so
that one seed is one take in all of them.
"""

import weakref

import numpy as np
import torch
from torch import nn

from .._hvo import MAX_OFFSET, N_VOICES, bar_rotations, take_draws
from .._labels import KINDS
from ._calibration import OFFSET_UNITS, VELOCITY_UNITS, input_hits
from ._modules import Decoding, calibrate, check_steps, head_means, sound

__all__ = ["BATCH", "tensor", "conditioned", "keep_given", "Examples", "NetworkPlayer", "EnsemblePlayer", "Named",
           "TransferPlayer", "play", "transformer_step"]

#: Windows a network reads at once (playing, embedding, choosing neighbours).
BATCH = 1024
M = N_VOICES
#: The range of drawn velocities and offsets: [0, 1] and [-0.5, 0.5)
LOWEST = torch.tensor([0.0] * M + [-0.5] * M)
HIGHEST = torch.tensor([1.0] * M + [MAX_OFFSET] * M)


def tensor(a):
    """``a`` as a float32 torch tensor on C-ordered, writable memory (a copy only where needed), or None."""
    return None if a is None else torch.from_numpy(np.require(a, np.float32, ["C", "W"]))


def _later(x, k):
    """``x`` moved ``k`` steps earlier: each step holds what comes ``k`` steps later (zeros past the end)."""
    return torch.cat([x[:, k:], torch.zeros_like(x[:, :k])], dim=1)


def _rotated(x, shifts):
    """Every window of ``x`` rotated by each of ``shifts`` steps, the rotations one after another (0 first)."""
    return torch.cat([torch.roll(x, -s, dims=1) for s in shifts])


def _repeated(a, times):
    """A per-window tensor (or None) repeated for :func:`_rotated`'s windows."""
    return None if a is None else a.repeat(times, *[1] * (a.dim() - 1))


def _rotated_back(played, shifts):
    """The mean of the performances of :func:`_rotated`'s windows, each rolled back to its window's own steps."""
    parts = played.unflatten(0, (len(shifts), -1))
    return sum(torch.roll(parts[i], s, dims=1) for i, s in enumerate(shifts)) / len(shifts)


def conditioned(x, reads, ahead=0, labels=None):
    """What a decoder reads at each step besides z, from windows ``x``, in training and in playing.

    ``reads``: "hits" (``x``, the hits to play, then those of each of the
    next ``ahead`` steps), "input" (``x``) or None; ``labels``: each
    window's one-hot labels, added to every step. None where it reads nothing.
    """
    parts = {"hits": [x] + [_later(x, k) for k in range(1, ahead + 1)], "input": [x], None: []}[reads]
    if labels is not None:
        parts.append(labels[:, None, :].expand(-1, x.shape[1], -1))
    return torch.cat(parts, dim=-1) if parts else None


def guidance_strength(strength, sampled):
    """The strength guidance plays a model's ``label_strength`` at, in a take (``sampled``) or at temperature 0: above
    1 only in a take; at temperature 0 a label plays at most as learned (on validation, guidance there moved the
    likeliest performance away from the drummer's: humanize's MAE 21.7 ms at 4 against 18.4 at 1)."""
    return strength if sampled else min(strength, 1.0)


#: A calibration's examples as the tensors :class:`Examples` holds: (its examples, (written voices, label sizes,
#: input features), the tensors), built once and kept while the calibration lives.
_TENSORS = weakref.WeakKeyDictionary()


def _example_tensors(examples, written, label_sizes, n_input_features):
    """The tensors :class:`Examples` ranks and plays of ``examples`` (``QuantileCalibration.examples_``): the input
    hits and their count, the written hits played and not, the place of the written voices in an hvo, the examples
    playing none, each one's index times 1e-11 (the earlier of equals first), their labels one-hot, their velocities
    and offsets as stored."""
    n, n_steps = examples["velocities"].shape[:2]
    labels = [examples["labels"][:, k, None] == np.arange(size) for k, size in enumerate(label_sizes) if size]
    hits = np.unpackbits(examples["hits"], axis=1)[:, : n_steps * (n_input_features // 3)]  # the bits end in 0s
    played = examples["velocities"].reshape(n, -1) > 0
    place = np.zeros((3 * len(written), 3 * M), dtype=bool)  # the written voices' hits, velocities, offsets -> hvo
    for part in range(3):
        place[part * len(written) + np.arange(len(written)), part * M + np.array(written)] = True
    stored = {"hits": hits > 0, "counts": hits.sum(axis=1, dtype=np.float64), "played": played, "unplayed": ~played,
              "place": place, "silent": (~played.any(1)).astype(np.float64), "tiebreak": 1e-11 * np.arange(n),
              "labels": np.concatenate(labels, axis=1) if labels else np.zeros((n, 0)),
              "velocities": examples["velocities"], "offsets": examples["offsets"]}
    return {name: torch.from_numpy(np.ascontiguousarray(value.astype(np.float32) if value.dtype == bool else value))
            for name, value in stored.items()}


class Examples(nn.Module):
    """The written voices of a sampled take drawn from a calibration's examples (``calibrate(..., neighbors=)``):
    (x, noise, labels, given, kept) -> (n, steps, 27), the voices the model writes played as one of the examples
    most like each window, the others zero.

    An example's likeness to a window: the cosine similarity of their input
    hits, plus ``continuity_`` times the share of the steps already played
    (``given`` where ``kept``) whose written hits it plays alike, plus 2 for
    each label of the window's (``labels``, one-hot) it has. An example that
    plays none of the written voices is drawn only for a window that plays a
    voice past the kick and the snare (a fill, a ride or crash part): a plain
    kick and snare beat always gets a part. Reckoned in float64 from whole
    numbers, each example's index taking off 1e-11 (the earlier of equals
    first), so that torch and ONNX Runtime rank them alike. The uniform of
    ``noise``'s first step and voice picks one of the ``neighbors_``
    likeliest. (An ONNX file stores the examples' 0/1 tensors as bits, and
    their velocities and offsets as bytes.)
    """

    def __init__(self, calibration, written, label_sizes, n_input_features):
        super().__init__()
        self.k, self.continuity = int(calibration.neighbors_), float(calibration.continuity_)
        self.written = [int(i) for i in np.flatnonzero(written)]
        self.n_steps = calibration.examples_["velocities"].shape[1]
        # more than any likeness: the cosine, the continuity and 2 for each kind of label
        self.silence_cost = 2.0 + self.continuity + 2.0 * sum(1 for size in label_sizes if size)
        examples, key = calibration.examples_, (tuple(self.written), tuple(label_sizes), n_input_features)
        known = _TENSORS.get(calibration)
        if known is None or known[0] is not examples or known[1] != key:  # unpacked once (a model plays many times)
            known = _TENSORS[calibration] = examples, key, _example_tensors(examples, self.written, label_sizes,
                                                                            n_input_features)
        for name, value in known[2].items():
            self.register_buffer(name, value, persistent=False)

    def forward(self, x, noise, labels=None, given=None, kept=None):
        hits = input_hits(x).float()
        query = hits.flatten(1)
        norms = query.sum(dim=1, keepdim=True).double() * self.counts
        score = (query @ self.hits.T).double() / torch.sqrt(torch.clamp(norms, min=1.0))
        if given is not None and self.continuity:  # agreeing with the written hits already played
            keep = kept.float().expand(-1, -1, len(self.written))
            wanted = (given[..., self.written] > 0).float() * keep
            agree = wanted.flatten(1) @ self.played.T + (keep - wanted).flatten(1) @ self.unplayed.T
            steps = torch.clamp(keep.flatten(1).sum(dim=1, keepdim=True), min=1.0)
            score = score + self.continuity * agree.double() / steps.double()
        if labels is not None and self.labels.shape[1]:
            score = score + 2.0 * (labels.float() @ self.labels.T).double()
        plain = (hits[..., 2:].sum(dim=(1, 2)) == 0).double()  # (n,): the window plays only kick and snare
        score = score - self.silence_cost * plain[:, None] * self.silent - self.tiebreak
        top = torch.topk(score, self.k, dim=1).indices  # (n, k), the likeliest first
        uniform = 0.5 * (1 + torch.erf(noise[:, 0, :1] / 2**0.5))
        chosen = torch.gather(top, 1, torch.clamp((uniform * self.k).long(), max=self.k - 1))[:, 0]
        v = self.velocities[chosen].to(torch.int32).float() / VELOCITY_UNITS
        o = self.offsets[chosen].to(torch.int32).float() / OFFSET_UNITS
        return torch.cat([(v > 0).float(), v, o], dim=-1) @ self.place


class NetworkPlayer(nn.Module):
    """One fitted GrooveSeq2Seq (or GrooveTransfer) network: (x, temperature, noise, labels, z) -> hvo.

    ``x``: what the estimator's ``predict`` reads (a GrooveTransfer's: the
    score's hits); ``z``: the latent vectors to decode from (a
    GrooveTransfer's grooves), else ``x``'s own. ``labels``: each window's
    one-hot style and drummer (None: the model plays with none). ``given``
    and ``kept`` (n, steps, 27) and (n, steps, 1): steps already played
    (where ``kept`` is 1), which the performance keeps, and which a decoder
    that reads its previous steps reads as its own: a take continues them.
    ``sound_taps`` (batch,): where 0, a window's taps may rest (a model
    made with ``sound_taps=True`` that reads taps; None: every tap sounds).
    """

    def __init__(self, estimator, sound_taps=True):
        super().__init__()
        self.net = estimator.module_
        transfer = not hasattr(estimator, "condition")  # a GrooveTransfer: z from a groove, the hits given
        self.keeps_hits = transfer or estimator._keeps_hits()
        self.reads, self.ahead = estimator._decoder_reads()
        self.threshold = 0.5 if transfer else float(estimator.hit_threshold)
        self.copied = [] if transfer else estimator._copied_voices(estimator.n_input_features_)
        self.sounds_taps = sound_taps and not transfer and estimator._reads_taps()
        self.strength = float(estimator.label_strength)
        self.velocity_sharing = float(estimator._calibrated("velocity_sharing_") or 0.0)
        self.hit_repetition = float(estimator._calibrated("hit_repetition_") or 0.0)
        self.bar_repeat = float(estimator._calibrated("bar_repeat_") or 0.0)
        self.calibration, self.hit_bias = (None if a is None else torch.as_tensor(a) for a in (
            estimator._calibrated("maps_"), None if transfer else estimator._calibrated("hit_bias_")))
        learned = [getattr(estimator, kind + "s_", None) for kind in KINDS]
        self.examples = None if transfer or not estimator._calibrated("neighbors_") else Examples(
            estimator.calibration_, estimator._written_voices(), [0 if k is None else len(k) for k in learned],
            estimator.n_input_features_)

    def forward(self, x, temperature, noise, labels=None, z=None, given=None, kept=None, sound_taps=None):
        # a network with two decoders samples with the second, and plays temperature 0 with the first (a trace keeps
        # the branch of its example: export_onnx traces both and joins them with an ONNX If, so that a file plays
        # only the decoder asked for)
        if self.examples is not None and x.shape[1] == self.examples.n_steps and bool(temperature > 0):
            # the written voices drawn from the calibration's examples (a trace keeps this branch of its example)
            return keep_given(self.copy(x, self.examples(x, noise, labels, given, kept)), given, kept)
        sampler = self.net.sampler is not None and bool(temperature > 0)
        prefix = {} if given is None else {"given": given, "kept": kept}
        performance = self.played(x, temperature, noise, labels, z, sampler, sound_taps=sound_taps, **prefix)
        return keep_given(self.copy(x, self.calibrated(performance, temperature)), given, kept)

    def played(self, x, temperature, noise, labels=None, z=None, sampler=False, given=None, kept=None,
               sound_taps=None):
        """The performance one decoder plays (the second, ``sampler``, of a network with two), before the
        calibration and the copied voices; a decoder that reads its previous steps reads ``given`` where ``kept``."""
        net = self.net
        if z is None:
            z, _ = net.encode(x)
        condition = conditioned(x, self.reads, self.ahead, labels)
        # guidance: the windows that have a label also decoded without it (in eager playing, only where some has)
        strength = guidance_strength(self.strength, bool(temperature > 0))  # in a trace: its example's
        labelled = None if labels is None else labels.abs().sum(dim=1) > 0  # (n,): the windows asked a label
        guided = labels is not None and strength != 1.0 and (torch.jit.is_tracing() or bool(labelled.any()))
        rows = labelled.nonzero()[:, 0] if guided else None
        unlabelled = conditioned(x[rows], self.reads, self.ahead, torch.zeros_like(labels[rows])) if guided else None
        taps = x[..., :1] if self.sounds_taps else None
        if taps is not None and sound_taps is not None:  # a window's taps may rest where its switch is 0
            taps = taps * sound_taps[:, None, None]
        decoding = Decoding(net, z, condition, unlabelled, strength, sampler, rows)
        inputs = self.draw_inputs(x, temperature, noise, taps, labelled)
        if not (sampler or net.autoregressive):  # the steps do not read each other's outputs: all at once
            raw = decoding.all(torch.zeros(x.shape[0], x.shape[1], 3 * M))
            return self.draw(raw, temperature, **inputs)
        if given is not None:  # steps already played: the decoder goes on from them
            inputs.update(given=given, kept=kept > 0)
        # each input cut into its steps once (in a file: one Split a tensor, not a Slice a step)
        steps = {name: a.split(1, dim=1) for name, a in inputs.items() if a is not None}
        k = decoding.steps  # the steps a state of the decoder plays, reading the k steps before them
        check_steps(x.shape[1], k)
        played = [torch.zeros(x.shape[0], 1, 3 * M)] * k
        bar = x.shape[1] // 2  # a window is two bars
        for t in range(x.shape[1]):  # in a file: unrolled, so it plays windows of this many steps
            if t % k == 0:  # (one step: no Concat or Split in a file)
                raw = decoding.step(torch.cat(played[-k:], dim=-1) if k > 1 else played[-1], t // k)
                raw = raw.chunk(k, dim=-1) if k > 1 else [raw]
            now = {name: parts[t] for name, parts in steps.items()}
            if (self.hit_repetition or self.bar_repeat) and "uniform" in now and t >= bar:  # hits drawn, the bar
                now["before"] = played[k + t - bar][..., :M]  # before's leaning them, or played again
                if self.bar_repeat:
                    if t == bar:
                        repeat, now["uniform"] = self.repeats(x, temperature, now["uniform"])
                    now["repeat"] = repeat
            kept_now, given_now = now.pop("kept", None), now.pop("given", None)
            drawn = self.draw(decoding.linked(raw[t % k], played[-1]) if t % k else raw[t % k], temperature,
                              sampled=sampler, **now)
            played.append(drawn if given_now is None else torch.where(kept_now, given_now, drawn))
        return torch.cat(played[k:], dim=1)

    def repeats(self, x, temperature, uniform):
        """(n, 1, 1) bool: the sampled windows ``x`` that play their first bar's hits again, those whose two bars
        have the same input hits, with probability ``bar_repeat`` (the calibration's); and ``uniform``, a step's
        uniform draws (n, 1, 9), whose first decides it: where it decided against, it is made a uniform of its own
        again (rescaled from above the probability), so that it still draws its hit."""
        hits, bar, p = input_hits(x), x.shape[1] // 2, self.bar_repeat
        same = (hits[:, :bar] == hits[:, bar : 2 * bar]).flatten(1).all(dim=1)[:, None, None]
        first = uniform[..., :1]
        repeat = same & (first < p) & (temperature > 0)
        first = torch.where(same & (first >= p), (first - p) / (1 - p), first)
        return repeat, torch.cat([first, uniform[..., 1:]], dim=-1)

    def draw_inputs(self, x, temperature, noise, taps, labelled=None):
        """What :meth:`draw` reads besides a decoder's output, for every step of windows ``x``: the hits given (and
        twice, side by side), or the uniform draws of the hits to choose; the velocities' and offsets' standard
        normal draws (:meth:`shared`) times the temperature; the taps that must sound."""
        inputs = {"noise": temperature * self.shared(noise[..., M:], labelled), "taps": taps}
        if self.keeps_hits:
            hits = x[..., :M]
            inputs.update(hits=hits, twice=torch.cat([hits, hits], dim=-1))
        else:
            inputs["uniform"] = 0.5 * (1 + torch.erf(noise[..., :M] / 2**0.5))
        return inputs

    def shared(self, noise, labelled=None):
        """Windows' velocity and offset draws (n, steps, 2 * 9), each velocity sharing the share
        ``velocity_sharing`` (of the calibration) of its variance with the other steps of its window and voice:
        each draw still standard normal, any two steps' correlated by the share (the steps' mean draw weighs more).
        A window asked a label (where ``labelled``, (n,) bool, is True) keeps its draws: its loudness is the label's
        (on the test split, drummers asked were recognised in 0.668 of takes that shared against 0.719 of takes that
        did not)."""
        if self.velocity_sharing == 0:
            return noise
        rho = torch.full((noise.shape[0], 1, 1), self.velocity_sharing)
        if labelled is not None:
            rho = rho * ~labelled[:, None, None]
        velocity, offset = noise.split(M, dim=-1)
        n = torch.ones_like(velocity[0, :, 0]).sum()  # the steps (a file whose steps are free reads them from noise)
        own = torch.sqrt(1 - rho)
        common = torch.sqrt(rho * n + 1 - rho) - own  # the steps' mean, a normal of variance 1 / n, weighs more
        return torch.cat([own * velocity + common * velocity.mean(dim=1, keepdim=True), offset], dim=-1)

    def draw(self, raw, temperature, noise, hits=None, twice=None, uniform=None, taps=None, sampled=False,
             before=None, repeat=None):
        """hvo of decoded steps: the hits given (``hits``, and ``twice`` side by side), or chosen (the likeliest at
        temperature 0, drawn from ``uniform`` above it with the calibration's hit biases, and its hit repetition
        towards the hits ``before`` of a bar earlier, every tap of ``taps`` sounding; those ``before`` where
        ``repeat``, (n, 1, 1) bool: :meth:`repeats`); velocities and offsets drawn
        from their spread above temperature 0 (``noise``: standard normal draws times the temperature).
        ``sampled``: the temperature is known to be above 0 (the second decoder's steps), else it tells."""
        spreads = [2 * M] if raw.shape[-1] > 3 * M else []  # a head of 5 outputs a voice: their spreads too
        logit, means, *spread = raw.split([M, 2 * M] + spreads, dim=-1)
        means = head_means(means)
        chosen = lambda drawn, likeliest: drawn if sampled else torch.where(temperature > 0, drawn, likeliest)
        if hits is None:
            scaled = logit / torch.clamp(temperature, min=1e-6)
            if before is not None and self.hit_repetition:
                scaled = scaled + self.hit_repetition * (2 * before - 1)
            drawn = (uniform < torch.sigmoid(scaled if self.hit_bias is None else scaled + self.hit_bias)).float()
            hits = chosen(drawn, (torch.sigmoid(logit) > self.threshold).float())
            if taps is not None:
                hits = sound(hits, logit, taps)
            if repeat is not None:
                hits = torch.where(repeat, before, hits)
            twice = torch.cat([hits, hits], dim=-1)
        if spread:  # velocities and offsets drawn from their spreads, within their ranges
            drawn = torch.minimum(torch.maximum(means + torch.exp(spread[0].clamp(-7, 1)) * noise, LOWEST), HIGHEST)
            means = chosen(drawn, means)
        return torch.cat([hits, means * twice], dim=-1)

    def calibrated(self, played, temperature):
        """Sampled velocities and offsets through the learned quantile maps, where the estimator has them."""
        if self.calibration is None:
            return played
        return torch.where(temperature > 0, calibrate(played, self.calibration), played)

    def copy(self, x, played):
        """``played`` with the voices the model does not write copied from the input hvo."""
        if not self.copied:
            return played
        keep = torch.zeros(3 * M)
        keep[[c + k * M for k in range(3) for c in self.copied]] = 1.0
        return played * (1 - keep) + x * keep


def keep_given(played, given, kept):
    """``played`` with the steps of ``given`` where ``kept`` is 1 (None: ``played``)."""
    return played if given is None else torch.where(kept > 0, given, played)


class EnsemblePlayer(nn.Module):
    """Members that humanize, played as a GrooveEnsemble plays them: (x, temperature, noise, member, labels) -> hvo.

    Temperature 0: the members' mean performance (over every bar rotation of
    each window with ``rotate``); above it: each window played by its
    ``member`` (by ``sampler``, where it is set). ``prepare``: a function of
    the input run first (a pipeline's transformer). ``labels``: one tensor
    for every member, or a list of one tensor a member. ``given`` and
    ``kept``: steps already played (:class:`NetworkPlayer`), which members
    that do not rotate bars go on from; the performance keeps them.
    ``sound_taps``: each window's switch of its taps (:class:`NetworkPlayer`).
    """

    def __init__(self, members, rotate=False, sampler=None, prepare=None):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.rotate = rotate
        self.sampler = sampler
        self.prepare = prepare

    def forward(self, x, temperature, noise, member, labels=None, given=None, kept=None, sound_taps=None):
        if self.prepare is not None:
            x = self.prepare(x)
        labels = labels if isinstance(labels, (list, tuple)) else [labels] * len(self.members)
        extra = {} if given is None or self.rotate else {"given": given, "kept": kept}  # more inputs a window
        if sound_taps is not None:
            extra["sound_taps"] = sound_taps
        if self.sampler is not None:
            member = torch.full_like(member, self.sampler)
        if torch.jit.is_tracing():  # the file plays every member on every window, and keeps what it is asked
            played = self.rotations(x, temperature, noise, labels, extra)
            chosen = nn.functional.one_hot(member, len(self.members)).T.float()[:, :, None, None]
            picked = (played.unflatten(1, (-1, x.shape[0]))[:, 0] * chosen).sum(dim=0)
            performance = torch.where(temperature > 0, picked, self.mean(x, played))
        elif temperature > 0:
            performance = self.take(x, temperature, noise, member, labels, extra)
        else:
            performance = self.mean(x, self.rotations(x, temperature, noise, labels, extra))
        return keep_given(performance, given, kept)

    def rotations(self, x, temperature, noise, labels, extra=None):
        """(members, rotations * windows, steps, 27): every member's performance of every bar rotation of ``x``
        (unrotated first; ``extra``: more inputs a window, such as the steps played before, given only where
        nothing rotates)."""
        shifts = bar_rotations(x.shape[1], self.rotate)
        views, noise = _rotated(x, shifts), _repeated(noise, len(shifts))
        extra = {name: _repeated(a, len(shifts)) for name, a in (extra or {}).items()}
        return torch.stack([p(views, temperature, noise, _repeated(k, len(shifts)), **extra)
                            for p, k in zip(self.members, labels)])

    def mean(self, x, played):
        """The mean performance of :meth:`rotations`' output, each rotated back (members that humanize all play the
        score's hits: their mean is them)."""
        return _rotated_back(played.mean(dim=0), bar_rotations(x.shape[1], self.rotate))

    def take(self, x, temperature, noise, member, labels, extra=None):
        """Each window played by its member at ``temperature`` (each member plays only its windows)."""
        out = torch.zeros(x.shape[:2] + (3 * M,))
        for k, (p, label) in enumerate(zip(self.members, labels)):
            rows = (member == k).nonzero()[:, 0]
            if len(rows):
                out[rows] = p(x[rows], temperature, noise[rows], None if label is None else label[rows],
                              **{name: a[rows] for name, a in (extra or {}).items()})
        return out


class Named(nn.Module):
    """A player whose inputs come in the order of ``names`` (a file's inputs, which the tracer passes in order),
    each passed by its name: a file reads only the inputs it needs."""

    def __init__(self, player, names):
        super().__init__()
        self.player = player
        self.names = list(names)

    def forward(self, *inputs):
        return self.player(**dict(zip(self.names, inputs)))


class TransferPlayer(nn.Module):
    """A GrooveTransfer's file: (groove, x, temperature, noise) -> every window of ``x`` with the grooves' mean z."""

    def __init__(self, member):
        super().__init__()
        self.member = member

    def forward(self, groove, x, temperature, noise):
        z = self.member.net.encode(groove)[0].mean(dim=0, keepdim=True).expand(x.shape[0], -1)
        return self.member(x, temperature, noise, z=z)


def transformer_step(transformer):
    """A pipeline's fitted Tapper or VoiceRemover as a function of torch windows, for a file that applies it itself.

    The same maths as its ``transform`` (tested against it): VoiceRemover
    silences its voices; Tapper makes one track, tapped where any voice
    plays, with the offset (and, with ``velocity="loudest"``, the velocity) of
    the step's loudest voice.
    """
    if hasattr(transformer, "voices"):  # VoiceRemover
        keep = torch.ones(M)
        keep[list(transformer._columns())] = 0.0

        def remove(x):
            h = x[..., :M] * keep
            return torch.cat([h, x[..., M : 2 * M] * h, x[..., 2 * M :] * h], dim=-1)

        return remove

    loud = transformer.velocity == "loudest"

    def tap(x):  # Tapper
        h, v, o = x[..., :M], x[..., M : 2 * M], x[..., 2 * M :]
        loudest = torch.argmax(torch.where(h > 0, v, torch.full_like(v, -1.0)), dim=-1, keepdim=True)
        tapped = h.max(dim=-1, keepdim=True).values
        velocity = torch.gather(v, -1, loudest) * tapped if loud else torch.zeros_like(tapped)
        return torch.cat([tapped, velocity, torch.gather(o, -1, loudest) * tapped], dim=-1)

    return tap


def play(player, x, temperature, seed, n_members=None, **inputs):
    """A player's performance of windows ``x`` (NumPy in, NumPy out), in batches, drawn from ``seed``.

    ``inputs``: further per-window arrays (``labels``, ``z``), None, or a
    list of them (one a member). ``n_members``: given for an
    :class:`EnsemblePlayer`, which also reads each window's member.
    At temperature 0 nothing is drawn.
    """
    temperature = float(temperature)
    draws = take_draws(seed, len(x), x.shape[1], n_members or 1, batch=BATCH) if temperature > 0 else None
    out = [np.zeros((0, x.shape[1], 3 * M), np.float32)]

    def part(a, rows):
        if isinstance(a, list):
            return [part(k, rows) for k in a]
        return None if a is None else tensor(a[rows])

    with torch.no_grad():
        for i in range(0, len(x), BATCH):
            rows = slice(i, i + BATCH)
            window = part(x, rows)
            member, noise = next(draws) if draws else (np.zeros(len(window), np.int64),
                                                        np.zeros(window.shape[:2] + (3 * M,), np.float32))
            args = (window, torch.tensor(temperature), torch.from_numpy(noise))
            if n_members is not None:
                args += (torch.from_numpy(member),)
            out.append(player(*args, **{k: part(v, rows) for k, v in inputs.items()}).numpy())
    return np.concatenate(out)
