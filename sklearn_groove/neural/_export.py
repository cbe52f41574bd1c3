"""ONNX export of the humanizers, for plugin hosts (JUCE, Max for Live, ONNX Runtime in any language).

:func:`export_onnx` is the public entry point; the contract of the file it
writes is in its docstring and in docs/export.md.
"""

import numpy as np

from .._hvo import N_VOICES, check_temperature
from .._labels import one_hot

__all__ = ["export_onnx", "onnx_feed", "onnx_noise"]

#: ONNX operator set the files are written with (ONNX Runtime 1.14 and later read it).
OPSET = 17


def _parts(model):
    """(input transformer or None, GrooveSeq2Seq members, rotate_bars, sampler) of a model, or a ValueError saying why not."""
    from ..ensemble import GrooveEnsemble
    from ..preprocessing import Tapper, VoiceRemover
    from ._seq2seq import GrooveSeq2Seq, GrooveTransfer

    if isinstance(model, GrooveTransfer) and hasattr(model, "net_"):
        if model.styles_ is not None or model.drummers_ is not None:
            raise ValueError("export_onnx does not yet take a model fitted with styles or drummers")
        return None, [model], False, None
    transformer = None
    if hasattr(model, "steps"):
        if len(model.steps) != 2 or not isinstance(model.steps[0][1], (Tapper, VoiceRemover)):
            raise ValueError("export_onnx takes a pipeline of a Tapper or a VoiceRemover and a GrooveSeq2Seq")
        transformer, model = model.steps[0][1], model.steps[-1][1]
    members = model.estimators_ if isinstance(model, GrooveEnsemble) else [model]
    for member in members:
        if _labels_of([member]) != _labels_of(members[:1]):
            raise ValueError("export_onnx takes an ensemble whose members learned the same styles and drummers")
        if not isinstance(member, GrooveSeq2Seq) or not hasattr(member, "net_"):
            raise ValueError(f"export_onnx takes fitted GrooveSeq2Seq models, alone, in a GrooveEnsemble or after a "
                             f"Tapper or VoiceRemover; got {type(member).__name__}")
    ensemble = isinstance(model, GrooveEnsemble)
    return transformer, members, ensemble and model.rotate_bars, model.sampler if ensemble else None


def _labels_of(members):
    """(styles, drummers) the first of ``members`` learned: two lists, empty where it learned none."""
    known = (getattr(members[0], key, None) for key in ("styles_", "drummers_"))
    return tuple([] if k is None else [str(x) for x in k] for k in known)


def _player(transformer, members, rotate, sampler=None):
    """A torch module: (x, temperature, noise, member) -> hvo, the estimators' decoding without Python state.

    With an ensemble's ``sampler``, that member plays every sampled window, whatever ``member`` says.
    """
    import torch
    from torch import nn

    from ._modules import calibrate, decode_guided, sound, split_head

    m = N_VOICES

    def _with(condition, labels):
        return labels if condition is None else torch.cat([condition, labels], dim=-1)

    def shifted(x, k):
        return torch.cat([x[:, k:], torch.zeros_like(x[:, :k])], dim=1)

    class Member(nn.Module):
        def __init__(self, estimator):
            super().__init__()
            self.net = estimator.module_
            transfer = not hasattr(estimator, "condition")  # a GrooveTransfer: z from a groove, the hits given
            self.keeps_hits = transfer or estimator._keeps_hits()
            self.condition = "hits" if transfer else estimator.condition
            self.ahead = 0 if transfer else estimator.hits_ahead
            self.threshold = 0.5 if transfer else float(estimator.hit_threshold)
            self.copied = [] if transfer else estimator._copied_voices(estimator.n_input_features_)
            self.sounds_taps = not transfer and estimator._reads_taps()  # as predict plays by default
            self.n_labels = sum(len(k) for k in _labels_of([estimator]))
            self.strength = float(estimator.label_strength)
            calibration = estimator._sampling_calibration()
            self.calibration = None if calibration is None else torch.as_tensor(calibration)

        def conditioned(self, x):
            if self.condition == "hits":
                return torch.cat([x] + [shifted(x, k) for k in range(1, self.ahead + 1)], dim=-1)
            return x if self.condition == "input" else None

        def forward(self, x, temperature, noise, z=None, labels=None):
            net = self.net
            if z is None:
                z, _ = net.encode(x)
            condition, unlabelled = self.conditioned(x), None
            if self.n_labels:  # each window's labels at every step, as the estimators add them
                per_step = labels[:, None, :].expand(-1, x.shape[1], -1)
                unlabelled = _with(condition, torch.zeros_like(per_step))
                condition = _with(condition, per_step)

            def decode(previous, steps, states):
                return decode_guided(net, z, previous, steps, states, condition, unlabelled, self.strength)

            if not net.autoregressive:
                raw, _ = decode(torch.zeros(x.shape[0], x.shape[1], 3 * m), slice(None), (None, None))
                return self.copy(x, self.calibrated(self.step(raw, x if self.keeps_hits else None, temperature,
                                                              noise, x[..., :1]), temperature))
            previous, states, steps = torch.zeros(x.shape[0], 1, 3 * m), (None, None), []
            for t in range(x.shape[1]):  # unrolled: the file plays windows of this many steps
                raw, states = decode(previous, slice(t, t + 1), states)
                previous = self.step(raw, x[:, t : t + 1] if self.keeps_hits else None, temperature, noise[:, t : t + 1],
                                     x[:, t : t + 1, :1])
                steps.append(previous)
            return self.copy(x, self.calibrated(torch.cat(steps, dim=1), temperature))

        def calibrated(self, played, temperature):
            """Sampled velocities and offsets through the estimator's learned maps (where it has them), as it plays them."""
            if self.calibration is None:
                return played
            return torch.where(temperature > 0, calibrate(played, self.calibration), played)

        def step(self, raw, hits, temperature, noise, taps):
            """hvo of decoded steps: the hits given, or chosen (drawn above temperature 0, every tap sounding where
            the estimator makes it sound); v and o drawn likewise."""
            logit, v, o, v_logstd, o_logstd = split_head(raw, m)
            sampled = temperature > 0
            if hits is None:
                uniform = 0.5 * (1 + torch.erf(noise[..., :m] / 2**0.5))
                drawn = (uniform < torch.sigmoid(logit / torch.clamp(temperature, min=1e-6))).float()
                hits = torch.where(sampled, drawn, (torch.sigmoid(logit) > self.threshold).float())
                if self.sounds_taps:
                    hits = sound(hits, logit, taps)
            if v_logstd is not None:  # as the estimators draw: clamped only where sampled
                v = torch.where(sampled, (v + temperature * torch.exp(v_logstd) * noise[..., m : 2 * m]).clamp(0, 1), v)
                o = torch.where(
                    sampled, (o + temperature * torch.exp(o_logstd) * noise[..., 2 * m :]).clamp(-0.5, 0.4999), o
                )
            return torch.cat([hits, v * hits, o * hits], dim=-1)

        def copy(self, x, out):
            if not self.copied:
                return out
            columns = [c + k * m for k in range(3) for c in self.copied]
            keep = torch.zeros(3 * m)
            keep[columns] = 1.0
            return out * (1 - keep) + x * keep

    class Player(nn.Module):
        def __init__(self):
            super().__init__()
            self.members = nn.ModuleList([Member(e) for e in members])

        def prepare(self, x):
            """The pipeline's transformer, in the graph: the file reads what the pipeline reads."""
            if transformer is None:
                return x
            h, v, o = x[..., :m], x[..., m : 2 * m], x[..., 2 * m :]
            if hasattr(transformer, "voices"):  # VoiceRemover
                keep = torch.ones(m)
                keep[list(transformer._columns())] = 0.0
                h = h * keep
                return torch.cat([h, v * h, o * h], dim=-1)
            loudest = torch.argmax(torch.where(h > 0, v, torch.full_like(v, -1.0)), dim=-1, keepdim=True)  # Tapper
            tap = h.max(dim=-1, keepdim=True).values
            return torch.cat([tap, torch.zeros_like(tap), torch.gather(o, -1, loudest) * tap], dim=-1)

        def forward(self, x, temperature, noise, member, labels=None):
            x = self.prepare(x)
            played = torch.stack([p(x, temperature, noise, labels=labels) for p in self.members])  # (members, n, steps, 27)
            mean = played.mean(dim=0)
            if rotate:  # temperature 0: each window also played with its bars swapped, then averaged
                half = x.shape[1] // 2
                swapped = torch.cat([x[:, half:], x[:, :half]], dim=1)
                again = torch.stack([p(swapped, temperature, noise, labels=labels) for p in self.members]).mean(dim=0)
                mean = (mean + torch.cat([again[:, -half:], again[:, :-half]], dim=1)) / 2
                mean = torch.cat([x[..., :m], mean[..., m:]], dim=-1)
            if sampler is not None:  # as GrooveEnsemble(sampler=K) plays
                member = torch.full_like(member, sampler)
            chosen = nn.functional.one_hot(member, len(self.members)).T.float()[:, :, None, None]
            picked = (played * chosen).sum(dim=0)  # above temperature 0: one member plays each window
            return torch.where(temperature > 0, picked, mean)

    class Transfer(nn.Module):
        """(groove, x, temperature, noise) -> hvo: every score window played with the groove windows' mean z."""

        def __init__(self):
            super().__init__()
            self.member = Member(members[0])

        def forward(self, groove, x, temperature, noise):
            z = self.member.net.encode(groove)[0].mean(dim=0, keepdim=True).expand(x.shape[0], -1)
            return self.member(x, temperature, noise, z)

    return (Transfer() if not hasattr(members[0], "condition") else Player()).eval()


def require_onnx():
    """An ImportError saying what to install where the onnx package, which torch's exporter needs, is missing."""
    import importlib.util

    if importlib.util.find_spec("onnx") is None:  # torch says so only at the end of a traceback
        raise ImportError("exporting to ONNX needs the onnx package: pip install onnx (or install this project "
                          "with its extra: pip install '.[onnx]')")


def export_onnx(model, path, *, n_steps=32, int8=False):
    """Write a fitted model of performances as an ONNX file: windows in, a performance out.

    The file plays what ``model.predict`` plays, at any temperature, with no
    Python: a plugin host loads it with ONNX Runtime (C++, C#, Java,
    JavaScript, Python). Takes every shipped model (``humanize``,
    ``humanize_live``, ``humanize_styles``, ``infill_closed_hihat``,
    ``tap2drum``, ``groove_transfer``) and any fitted
    GrooveSeq2Seq, alone, in a GrooveEnsemble, or after a VoiceRemover or
    Tapper (which the file then applies itself), and any fitted
    GrooveTransfer (its ``transfer``).

    Inputs of the ONNX model:

    - ``x``: float32 ``(batch, n_steps, n_features)``: what ``predict``
      reads: the score's hits ``(..., 9)`` for a humanizer, an hvo
      ``(..., 27)`` for Infilling and Tap2Drum.
    - ``temperature``: float32 scalar. 0: the most likely performance (an
      ensemble's mean, with its rotations); above 0: sampled.
    - ``noise``: float32 ``(batch, n_steps, 27)``, standard normal draws: for
      the hits (where the model writes them), velocities and offsets of each
      step, ignored at temperature 0. Make them from a seed with
      :func:`onnx_noise` or any normal generator: same seed, same take.
    - ``member``: int64 ``(batch,)``: above temperature 0, which member of an
      ensemble plays each window (``0`` for a single network; ignored for
      an ensemble with a ``sampler``, whose member plays every window).
    - ``groove`` (a GrooveTransfer's file only, in place of ``member``):
      float32 ``(n_grooves, n_steps, 27)``: performances whose mean groove
      embedding plays every window of ``x`` (the score's hits), as
      ``model.transfer(groove, x, average=True)``.
    - ``labels`` (a file of a model fitted with styles or drummers only):
      float32 ``(batch, n_styles + n_drummers)``, each window's style and
      drummer one-hot, in the order the file's metadata entries ``styles``
      and ``drummers`` list them (all zeros: none); :func:`onnx_feed` fills
      it from names.

    A model that never samples (no velocity or offset spread, hits given)
    reads neither ``temperature`` nor ``noise``, and its file leaves them out:
    ``session.get_inputs()`` lists what a file reads, and :func:`onnx_feed`
    fills them.

    Output ``hvo``: float32 ``(batch, n_steps, 27)``: hits, velocities in
    [0, 1] and offsets in [-0.5, 0.5) of a 16th note. The batch is free; the
    steps are ``n_steps`` for a network that decodes step by step or an
    ensemble that rotates bars, free otherwise.

    Parameters
    ----------
    model : fitted GrooveSeq2Seq, GrooveEnsemble of them, or pipeline
        Such as ``pretrained.load("humanize")``.
    path : path-like
        The ``.onnx`` file to write.
    n_steps : int, default=32
        Steps of a window (2 bars of 4/4).
    int8 : bool, default=False
        Store the weight matrices that are int8 values times a scale per row
        (the weights of a model saved by :func:`sklearn_groove.pretrained.save`,
        such as the shipped ones) as int8, which the file turns back into
        float32 when it is loaded (a ``DequantizeLinear``): about a quarter
        of the size, and the same performances. Other tensors stay float32.

    Returns
    -------
    path : str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveSeq2Seq
    >>> from sklearn_groove.neural import export_onnx, onnx_feed
    >>> rng = np.random.default_rng(0)
    >>> hits = (rng.random((16, 32, 9)) < 0.2).astype(np.float32)
    >>> y = np.concatenate([hits, hits * 0.7, hits * 0.05], axis=-1)
    >>> model = GrooveSeq2Seq(decoder="parallel", condition="hits", output="gaussian", max_epochs=1,
    ...                       module__encoder_size=8, module__latent_size=4, module__decoder_size=8,
    ...                       random_state=0).fit(hits, y)
    >>> path = export_onnx(model, "humanize.onnx")                  # doctest: +SKIP
    >>> import onnxruntime                                          # doctest: +SKIP
    >>> session = onnxruntime.InferenceSession(path)                # doctest: +SKIP
    >>> hvo, = session.run(None, onnx_feed(session, hits[:1]))     # doctest: +SKIP
    >>> bool(np.abs(hvo - model.predict(hits[:1])).max() < 1e-4)    # doctest: +SKIP
    True
    """
    import os
    import warnings

    import torch

    require_onnx()
    transformer, members, rotate, sampler = _parts(model)
    if rotate and n_steps % 2:
        raise ValueError(f"n_steps must be even for a model that rotates bars, got {n_steps}")
    player = _player(transformer, members, rotate, sampler)
    transfer = not hasattr(members[0], "condition")
    n_features = 3 * N_VOICES if transformer is not None else (N_VOICES if transfer else members[0].n_input_features_)
    window = lambda k: torch.zeros(1, n_steps, k)
    steps = {} if any(m.module_.autoregressive for m in members) or rotate else {1: "steps"}
    if transfer:
        names = ["groove", "x", "temperature", "noise"]
        example = (window(3 * N_VOICES), window(N_VOICES), torch.tensor(0.0), window(3 * N_VOICES))
        axes = {"groove": {0: "grooves", **steps}}
    else:
        names = ["x", "temperature", "noise", "member"]
        example = (window(n_features), torch.tensor(0.0), window(3 * N_VOICES), torch.zeros(1, dtype=torch.int64))
        axes = {"member": {0: "batch"}}
        labels = _labels_of(members)
        n_labels = sum(len(k) for k in labels)
        if n_labels:
            names.append("labels")
            example += (torch.zeros(1, n_labels),)
            axes["labels"] = {0: "batch"}
    axes.update({name: {0: "batch", **steps} for name in ("x", "noise", "hvo")})
    from .._atomic import atomic_path

    path = os.fspath(path)
    with atomic_path(path) as part:  # a failed or interrupted export leaves an existing file as it was
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on Python values: the steps loop is unrolled
            torch.onnx.export(player, example, part, input_names=names, output_names=["hvo"], dynamic_axes=axes,
                              opset_version=OPSET, dynamo=False)
        if int8:
            _store_int8(part)
        if not transfer and n_labels:
            _write_labels(part, *labels)
    return path


def _write_labels(path, styles, drummers):
    """Name, in the file's metadata, the styles and drummers whose one-hot columns its ``labels`` input holds."""
    import onnx

    model = onnx.load(path)
    for key, values in (("styles", styles), ("drummers", drummers)):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, ",".join(values)
    onnx.save(model, path)


def _store_int8(path, min_size=1024):
    """Rewrite the ONNX file at ``path`` with its float matrices that are int8 rows times a scale, as int8.

    Each (of ``min_size`` values or more), flattened to 2-D (its last axis
    against the others), whose values int8 rows or columns and a float32
    scale each give back exactly, becomes those int8 values, the scales, and
    a ``DequantizeLinear`` and a ``Reshape`` back to its shape in front of
    the nodes that read it.
    """
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(path)
    graph = model.graph
    kept, nodes = [], []
    for tensor in graph.initializer:
        w = numpy_helper.to_array(tensor)
        exact = _exact_int8(w) if w.dtype == np.float32 and w.ndim >= 2 and w.size >= min_size else None
        if exact is None:
            kept.append(tensor)
            continue
        q, scale, axis = exact
        name = tensor.name
        kept += [numpy_helper.from_array(q, name + "_int8"), numpy_helper.from_array(scale, name + "_scale"),
                 numpy_helper.from_array(np.array(w.shape, np.int64), name + "_shape")]
        nodes += [helper.make_node("DequantizeLinear", [name + "_int8", name + "_scale"], [name + "_2d"], axis=axis),
                  helper.make_node("Reshape", [name + "_2d", name + "_shape"], [name])]
    graph.ClearField("initializer")
    graph.initializer.extend(kept)
    old = list(graph.node)
    graph.ClearField("node")
    graph.node.extend(nodes + old)
    onnx.save(model, path)


def _exact_int8(w):
    """(int8 values, float32 scales, axis) that give ``w`` (flattened to 2-D) back exactly, or None.

    One scale per row (``axis=0``) or per column (``axis=1``): ONNX export
    may transpose a matrix that was stored with a scale per row.
    """
    flat = w.reshape(-1, w.shape[-1])
    for axis in (0, 1):
        scale = np.maximum(np.abs(flat).max(axis=1 - axis) / 127, 1e-30).astype(np.float32)
        q = np.clip(np.round(flat / np.expand_dims(scale, 1 - axis)), -127, 127).astype(np.int8)
        if np.array_equal(q * np.expand_dims(scale, 1 - axis), flat):
            return q, scale, axis
    return None


def onnx_noise(n_windows, n_steps=32, *, seed=None):
    """Standard normal draws for the ``noise`` input of an exported model: ``(n_windows, n_steps, 27)`` float32."""
    return np.random.default_rng(seed).standard_normal((n_windows, n_steps, 3 * N_VOICES)).astype(np.float32)


def onnx_feed(session, x, temperature=0.0, *, seed=None, n_members=1, groove=None, style=None, drummer=None):
    """The inputs of an exported model's ONNX Runtime session for windows ``x``, at a temperature, from a seed.

    Each window's ensemble member is drawn from the seed too (among
    ``n_members``); ``groove`` is a transfer file's groove windows;
    ``style`` and ``drummer`` (one for all windows, or one a window; None:
    none), for a file of a model that learned them, which names them in its
    metadata (``styles``, ``drummers``).
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    rng = np.random.default_rng(seed)
    values = {
        "groove": None if groove is None else np.ascontiguousarray(groove, dtype=np.float32),
        "x": x,
        "temperature": np.array(check_temperature(temperature), np.float32),
        "noise": rng.standard_normal(x.shape[:2] + (3 * N_VOICES,)).astype(np.float32),
        "member": rng.integers(n_members, size=len(x)).astype(np.int64),
    }
    names = [i.name for i in session.get_inputs()]
    if "labels" in names:
        values["labels"] = np.concatenate([one_hot(given, len(x), known, name) for name, given, known in
                                           zip(("style", "drummer"), (style, drummer), onnx_labels(session))], axis=1)
    elif style is not None or drummer is not None:
        raise ValueError("this ONNX file takes no style or drummer: its model was fitted without them")
    return {name: values[name] for name in names}


def onnx_labels(session):
    """(styles, drummers) an exported model's file names in its metadata, in its ``labels`` columns' order."""
    known = session.get_modelmeta().custom_metadata_map
    return tuple([x for x in known.get(key, "").split(",") if x] for key in ("styles", "drummers"))
