"""The torch modules behind GrooveSeq2Seq and GrooveTransfer (sections 5.2.2 and 5.2.3)."""

import torch
from torch import nn

from .._hvo import N_VOICES

__all__ = ["Decoding", "GrooveLoss", "GrooveNet", "calibrate", "check_steps", "head_means", "sound", "split_head"]


#: head_means' scale and shift of the velocities' and the offsets' raw outputs
_MEAN_SCALE = [1.0] * N_VOICES + [2.0] * N_VOICES
_MEAN_SHIFT = [0.0] * N_VOICES + [0.5] * N_VOICES


def head_means(raw):
    """The velocity means (a sigmoid) and the offset means (0.5 * tanh, so in (-0.5, 0.5); written sigmoid(2 x) - 0.5,
    the same function, so that both are one sigmoid) of a head's raw velocity and offset outputs ``raw`` (..., 2 *
    n_voices), side by side."""
    return torch.sigmoid(raw * raw.new_tensor(_MEAN_SCALE)) - raw.new_tensor(_MEAN_SHIFT)


def split_head(raw, n_voices):
    """Hit logits, velocity and offset means, and their log-stds (None for a head of 3 outputs a voice)."""
    m = n_voices
    means = head_means(raw[..., m : 3 * m])
    velocity, offset = means[..., :m], means[..., m:]
    if raw.shape[-1] == 3 * m:
        return raw[..., :m], velocity, offset, None, None
    return raw[..., :m], velocity, offset, raw[..., 3 * m : 4 * m].clamp(-7, 1), raw[..., 4 * m :].clamp(-7, 1)


class GrooveNet(nn.Module):
    """Bidirectional LSTM encoder into z, 2-layer LSTM decoder out of z.

    The decoder starts from a state computed from z and is fed, at each step,
    z and (if ``autoregressive``) the previous step's output [h, v, o]
    (teacher forcing in training), plus ``n_condition`` features of the
    current step when it is above 0: the hits to play (Groove Transfer), or
    the input's step (a tapped track).
    Per step and voice it emits a hit logit, a velocity (sigmoid) and an
    offset (0.5 * tanh, so in (-0.5, 0.5)); with ``output="gaussian"`` also
    the log standard deviations of velocity and offset.

    With ``sampler``, a second, autoregressive decoder (one layer of
    ``sampler_size`` units, reading what the first reads and its previous
    step) shares the encoder: the first decoder plays the most likely
    performance, the second samples takes. Trained together, their raw
    outputs side by side. The second plays ``sampler_steps`` steps from
    each of its states: it reads that many steps before them and their
    conditions, and writes their outputs (a take then runs that many times
    fewer steps of its LSTM).
    """

    def __init__(
        self,
        n_input,
        n_voices=9,
        encoder_size=512,
        latent_size=256,
        decoder_size=256,
        decoder_layers=2,
        dropout=0.0,
        variational=False,
        n_condition=0,
        output="mse",
        autoregressive=True,
        sampler=False,
        sampler_size=128,
        sampler_steps=1,
    ):
        super().__init__()
        self.n_voices = n_voices
        self.decoder_layers = decoder_layers
        self.decoder_size = decoder_size
        self.variational = variational
        self.n_condition = n_condition
        self.output = output
        self.autoregressive = autoregressive
        self.latent_size = latent_size
        #: the sizes it was built with: what a saved model's description says
        self.settings = dict(encoder_size=encoder_size, latent_size=latent_size, decoder_size=decoder_size,
                             decoder_layers=decoder_layers, dropout=dropout, sampler_size=sampler_size,
                             sampler_steps=sampler_steps)
        self.encoder = nn.LSTM(n_input, encoder_size, batch_first=True, bidirectional=True)
        self.to_latent = nn.Linear(2 * encoder_size, latent_size * (2 if variational else 1))
        self.to_state = nn.Linear(latent_size, 2 * decoder_layers * decoder_size)
        n_decoder_input = latent_size + (3 * n_voices if autoregressive else 0) + n_condition
        self.decoder = nn.LSTM(
            n_decoder_input,
            decoder_size,
            num_layers=decoder_layers,
            batch_first=True,
            dropout=dropout if decoder_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(decoder_size, n_voices * (3 if output == "mse" else 5))
        self.sampler = None
        if sampler:
            self.new_sampler(sampler_size, sampler_steps)

    def new_sampler(self, size, steps=1):
        """The second decoder made anew (its weights drawn from torch's generator): its own state from z, an LSTM of
        ``size`` units and a head, writing ``steps`` steps from each state; each step but the first also reads the
        step drawn before it, through a linear map (``link``)."""
        m, n_out = self.n_voices, self.head.out_features
        self.sampler = nn.ModuleDict({
            "to_state": nn.Linear(self.latent_size, 2 * size),
            "decoder": nn.LSTM(self.latent_size + steps * (3 * m + self.n_condition), size, batch_first=True),
            "head": nn.Linear(size, steps * n_out),
        })
        if steps > 1:
            self.sampler["link"] = nn.Linear(3 * m, n_out, bias=False)
        self.settings.update(sampler_size=size, sampler_steps=steps)

    @property
    def sampler_steps(self):
        """The steps the second decoder draws from each of its states."""
        return self.settings["sampler_steps"]

    @property
    def reads_previous(self):
        """Whether a decoder reads its previous steps (an autoregressive one, or the sampler): it plays a window
        step by step, and a take can go on from steps already played."""
        return self.autoregressive or self.sampler is not None

    def encode(self, x):
        """z's mean and log-variance (None unless variational)."""
        _, (h, _) = self.encoder(x)
        latent = self.to_latent(self.dropout(torch.cat([h[0], h[1]], dim=-1)))
        if self.variational:
            mean, logvar = latent.chunk(2, dim=-1)
            return mean, logvar.clamp(-10.0, 10.0)
        return latent, None

    def initial_state(self, z, sampler=False):
        to_state, layers, size = (self.sampler["to_state"], 1, self.sampler["decoder"].hidden_size) if sampler else (
            self.to_state, self.decoder_layers, self.decoder_size)
        state = torch.tanh(to_state(z)).view(-1, 2, layers, size)
        state = state.permute(1, 2, 0, 3).contiguous()
        return state[0], state[1]

    def decode(self, z, previous, condition=None, state=None, sampler=False):
        """Raw head outputs for the steps of ``previous`` (batch, steps, 3 * n_voices), of the first decoder or
        (``sampler``) of the second; ``z`` (batch, latent), or (batch, 1, latent) to decode one state's steps:
        one, or the sampler's ``sampler_steps`` (their inputs side by side, as :func:`grouped` makes them, and
        their outputs)."""
        decoder, head = (self.sampler["decoder"], self.sampler["head"]) if sampler else (self.decoder, self.head)
        k = self.sampler_steps if sampler else 1
        previous_steps = previous
        if z.dim() == 2 and k > 1:  # all steps at once: each state reads the k steps before its own
            previous = grouped(torch.cat([previous.new_zeros(previous.shape[0], k - 1, previous.shape[2]),
                                          previous[:, : previous.shape[1] - k + 1]], dim=1), k)
            condition = None if condition is None else grouped(condition, k)
        parts = [z if z.dim() == 3 else z.unsqueeze(1).expand(-1, previous.shape[1], -1)]  # 3-D: one step's
        if sampler or self.autoregressive:
            parts.append(previous)
        if self.n_condition:
            parts.append(condition)
        out, state = decoder(torch.cat(parts, dim=-1), self.initial_state(z, sampler) if state is None else state)
        raw = head(self.dropout(out))
        if z.dim() == 2 and k > 1:  # each step but a state's first also reads the step before it (teacher forcing)
            within = (torch.arange(previous_steps.shape[1]) % k > 0).float()[None, :, None]
            raw = raw.reshape(raw.shape[0], -1, raw.shape[2] // k) + within * self.sampler["link"](previous_steps)
        return raw, state

    def forward(self, x, previous, condition=None):
        mean, logvar = self.encode(x)
        z = mean
        if logvar is not None and self.training:
            z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)
        raw, _ = self.decode(z, previous, condition)
        if self.sampler is not None:  # both decoders learn: their outputs side by side
            raw = torch.cat([raw, self.decode(z, previous, condition, sampler=True)[0]], dim=-1)
        return raw, mean, logvar


class GrooveLoss(nn.Module):
    """Per window: BCE of hits + squared error (or Gaussian NLL) of V and O on the true hits.

    A network with two decoders (``sampler``) gives two heads side by side:
    the loss is the sum of both. ``hit_weight`` scales the hit term (0 where
    the hits are given, as for a decoder conditioned on them whose output
    keeps them). With a variational
    network, ``beta`` times the KL divergence of z to a standard normal is added.
    Velocity and offset errors count only where the target has a hit: the
    estimators read them only there. The sum over steps and voices is
    averaged over the batch.
    """

    def __init__(self, n_voices=9, output="mse", beta=0.0, hit_weight=1.0):
        super().__init__()
        self.n_voices = n_voices
        self.hit_weight = hit_weight
        self.output = output
        self.beta = beta

    def forward(self, y_pred, y_true):
        raw, mean, logvar = y_pred
        heads = raw.split(self.n_voices * (3 if self.output == "mse" else 5), dim=-1)
        loss = sum(self.head_loss(head, y_true) for head in heads)
        if logvar is not None:
            kl = 0.5 * (mean**2 + torch.exp(logvar) - 1.0 - logvar).sum(dim=-1)
            loss = loss + self.beta * kl
        return loss.mean()

    def head_loss(self, raw, y_true):
        """Each window's loss of one head's raw outputs."""
        m = self.n_voices
        h, v, o = y_true[..., :m], y_true[..., m : 2 * m], y_true[..., 2 * m :]
        hit_logit, v_hat, o_hat, v_logstd, o_logstd = split_head(raw, m)
        loss = self.hit_weight * nn.functional.binary_cross_entropy_with_logits(hit_logit, h, reduction="none").sum(
            dim=(1, 2)
        )
        if v_logstd is None:
            loss = loss + (h * ((v_hat - v) ** 2 + (o_hat - o) ** 2)).sum(dim=(1, 2))
        else:
            nll_v = v_logstd + 0.5 * ((v - v_hat) / torch.exp(v_logstd)) ** 2
            nll_o = o_logstd + 0.5 * ((o - o_hat) / torch.exp(o_logstd)) ** 2
            loss = loss + (h * (nll_v + nll_o)).sum(dim=(1, 2))
        return loss


def _piecewise(values, source, target):
    """``values`` (..., n_voices) through each voice's piecewise-linear map ``source`` -> ``target`` (n_voices, q).

    Flat below the first and above the last point. Written with clamps and
    sums only, so that it exports to ONNX. The sum runs down from the top,
    so that values mapped to the last target (the loudest velocity, 1.0 or
    MIDI 127, the drummers' most common) are exactly it, and those below
    the first source point are exactly the first target: a classifier tells
    0.99999994 from 1.0.
    """
    low, high = source[:, :-1], source[:, 1:]
    slope = (target[:, 1:] - target[:, :-1]) / (high - low).clamp(min=1e-6)
    clamped = torch.minimum(torch.maximum(values[..., None], low), high)
    mapped = target[:, -1] - ((high - clamped) * slope).sum(-1)
    return torch.where(values <= source[:, 0], target[:, 0], mapped)


def calibrate(hvo, calibration):
    """``hvo`` (..., 27) with each voice's velocities and offsets mapped by their learned quantiles.

    ``calibration`` is a tensor (2, 2, n_voices, n_quantiles): for the
    velocities and the offsets, per voice, quantiles of the model's sampled
    values and the same quantiles of the drummers'.
    """
    m = calibration.shape[2]
    hits = hvo[..., :m]
    velocities = _piecewise(hvo[..., m : 2 * m], *calibration[0]) * hits
    offsets = _piecewise(hvo[..., 2 * m :], *calibration[1]) * hits
    return torch.cat([hits, velocities, offsets], dim=-1)


class Decoding:
    """One decoder of ``module`` decoding windows from ``z``: its inputs prepared once, then decoded all at once
    (:meth:`all`) or step by step (:meth:`step`, which keeps the decoder's state).

    Given ``unlabelled`` (the condition without its labels, of the windows
    ``rows``; None: of every window) and a ``strength`` other than 1, those
    windows are also decoded without their labels, in the same batch (the
    state holds both), and their hit logits and velocity and offset means
    are moved ``strength`` times as far from the unlabelled decoding as the
    labelled one lies (classifier-free guidance: the hits a model writes, as
    Tap2Drum does, move too; those a humanizer plays are given); the spreads
    are the labelled decoding's. A window with no label is decoded once (it
    would be the same twice). ``sampler``: the second decoder.
    """

    def __init__(self, module, z, condition=None, unlabelled=None, strength=1.0, sampler=False, rows=None):
        #: the steps each state plays (the sampler's ``sampler_steps``; the first decoder's 1)
        self.steps = module.sampler_steps if sampler else 1
        self.guided = unlabelled is not None and strength != 1.0
        if self.guided:
            n = z.shape[0]
            self.every = torch.arange(n)
            rows = self.every if rows is None else rows
            self.both = torch.cat([self.every, rows])  # the windows decoded: each, then those decoded again unlabelled
            # where each window's unlabelled decoding lies (its own decoding, where it has no label)
            self.partner = self.every.index_put((rows,), n + torch.arange(rows.shape[0]))
            z, condition = z[self.both], torch.cat([condition, unlabelled])
            self.weight = torch.ones(module.head.out_features)
            self.weight[: 3 * module.n_voices] = strength  # hit logits, velocity and offset means; not their spreads
            self.weight = self.weight.repeat(self.steps)  # each of the steps a state plays
        self.module, self.z, self.condition, self.sampler = module, z, condition, sampler
        self.state = None

    def _twice(self, previous):
        return previous[self.both] if self.guided else previous

    def _guide(self, raw):
        if not self.guided:
            return raw
        unlabelled = raw[self.partner]
        return unlabelled + self.weight * (raw[self.every] - unlabelled)

    def linked(self, raw, before):
        """A step's raw outputs ``raw`` that is not its state's first, with what it reads of the step ``before`` it."""
        return raw + self.module.sampler["link"](before)

    def all(self, previous):
        """Raw head outputs of every step of ``previous`` (batch, steps, 3 * n_voices) at once."""
        raw, _ = self.module.decode(self.z, self._twice(previous), self.condition, None, self.sampler)
        return self._guide(raw)

    def step(self, previous, t):
        """Raw head outputs of the ``t``-th state's steps (:attr:`steps` of them, side by side), after the steps
        decoded so far, reading ``previous`` (batch, 1, steps * 3 * n_voices), the steps before them."""
        if self.state is None:  # the first step: the first state, z as one step's input and the steps' conditions, once
            self.state, self.z_step = self.module.initial_state(self.z, self.sampler), self.z[:, None]
            self.conditions = None if self.condition is None else grouped(self.condition, self.steps).split(1, dim=1)
        condition = None if self.condition is None else self.conditions[t]
        raw, self.state = self.module.decode(self.z_step, self._twice(previous), condition, self.state, self.sampler)
        return self._guide(raw)


def check_steps(n_steps, k):
    """A ValueError where windows of ``n_steps`` steps are not played ``k`` steps a state."""
    if n_steps % k:
        raise ValueError(f"this model samples {k} steps at a time: it plays windows of a multiple of {k} steps, "
                         f"got {n_steps}")


def grouped(steps, k):
    """``steps`` (batch, n_steps, features) as (batch, n_steps / k, k * features): each ``k`` steps side by side."""
    check_steps(steps.shape[1], k)
    return steps.reshape(steps.shape[0], steps.shape[1] // k, k * steps.shape[2])


def sound(hits, logit, must):
    """``hits`` with, on each step of ``must`` where no voice plays, the most likely voice played."""
    likeliest = (logit >= logit.max(dim=-1, keepdim=True).values).float()
    silent = (must > 0) & (hits.sum(dim=-1, keepdim=True) == 0)
    return torch.where(silent, likeliest, hits)
