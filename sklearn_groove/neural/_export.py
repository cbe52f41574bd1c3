"""ONNX export of the humanizers, for plugin hosts (JUCE, Max for Live, ONNX Runtime in any language).

:func:`export_onnx` is the public entry point; the contract of the file it
writes is in its docstring and in docs/export.md.
"""

import numpy as np

from .._hvo import N_VOICES, check_temperature, prefix_steps, take_draws, take_seeds
from .._labels import KINDS, one_hot

__all__ = ["export_onnx", "onnx_feed"]

#: ONNX operator set the files are written with (ONNX Runtime 1.14 and later read it).
OPSET = 17


def _parts(model):
    """(input transformer or None, GrooveSeq2Seq members, rotate_bars, sampler) of a model, or a ValueError saying why not."""
    from ..preprocessing import Tapper, VoiceRemover
    from ._seq2seq import GrooveSeq2Seq
    from ._transfer import GrooveTransfer

    if isinstance(model, GrooveTransfer) and hasattr(model, "net_"):
        if any(getattr(model, kind + "s_") is not None for kind in KINDS):
            raise ValueError("export_onnx does not yet take a model fitted with styles or drummers")
        return None, [model], False, None
    transformer = None
    if hasattr(model, "steps"):
        if len(model.steps) != 2 or not isinstance(model.steps[0][1], (Tapper, VoiceRemover)):
            raise ValueError("export_onnx takes a pipeline of a Tapper or a VoiceRemover and a GrooveSeq2Seq")
        transformer, model = model.steps[0][1], model.steps[-1][1]
    ensemble = hasattr(model, "estimators_")  # a fitted GrooveEnsemble (the layer above: not imported here)
    members = model.estimators_ if ensemble else [model]
    for member in members:
        if _labels_of([member]) != _labels_of(members[:1]):
            raise ValueError("export_onnx takes an ensemble whose members learned the same styles and drummers")
        if not isinstance(member, GrooveSeq2Seq) or not hasattr(member, "net_"):
            raise ValueError(f"export_onnx takes fitted GrooveSeq2Seq models, alone, in a GrooveEnsemble or after a "
                             f"Tapper or VoiceRemover; got {type(member).__name__}")
    return transformer, members, ensemble and model.rotate_bars, model.sampler if ensemble else None


def _labels_of(members):
    """The labels of each kind (styles, drummers) the first of ``members`` learned: lists, empty where it learned none."""
    known = (getattr(members[0], kind + "s_", None) for kind in KINDS)
    return tuple([] if k is None else [str(x) for x in k] for k in known)


def _player(transformer, members, rotate, sampler, transfer):
    """The one player (:mod:`._player`) of these parts, which the estimators play through too."""
    from ._player import EnsemblePlayer, NetworkPlayer, TransferPlayer, transformer_step

    if transfer:
        return TransferPlayer(NetworkPlayer(members[0])).eval()
    step = None if transformer is None else transformer_step(transformer)
    return EnsemblePlayer([NetworkPlayer(m) for m in members], rotate, sampler, step).eval()


def _continues(members, rotate):
    """Whether a file of these members takes steps already played (``given``, ``kept``): networks that sample step
    by step, none rotating bars."""
    return not rotate and any(m.module_.reads_previous for m in members)


def require_onnx():
    """An ImportError saying what to install where the onnx package, which torch's exporter needs, is missing."""
    import importlib.util

    if importlib.util.find_spec("onnx") is None:  # torch says so only at the end of a traceback
        raise ImportError("exporting to ONNX needs the onnx package: pip install onnx (or install this project "
                          "with its extra: pip install '.[onnx]')")


def export_onnx(model, path, *, n_steps=32, int8=False, weights_from=None):
    """Write a fitted model of performances as an ONNX file: windows in, a performance out.

    The file plays what ``model.predict`` plays, at any temperature, with no
    Python: a plugin host loads it with ONNX Runtime (C++, C#, Java,
    JavaScript, Python). Takes every shipped model (``humanize``,
    ``humanize_paper``, ``infill_closed_hihat``, ``tap2drum``,
    ``groove_transfer``) and any fitted
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
      step, ignored at temperature 0. :func:`onnx_feed` makes them from a
      seed as the estimators do (same seed, same take), or use any normal
      generator.
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
    - ``given`` and ``kept`` (a file of a network that samples step by step,
      not rotating bars): float32 ``(batch, n_steps, 27)`` and ``(batch,
      n_steps, 1)``: steps already played (where ``kept`` is 1, all 0:
      none), which the output keeps and the take goes on from, as
      ``sample_y(..., prefix=)`` does; :func:`onnx_feed` fills them from a
      ``prefix``.
    - ``sound_taps`` (a file of a model that reads taps, Tap2Drum): float32
      ``(batch,)``: 1 where every tap of the window sounds (at least one
      drum note on each tapped step, as ``predict`` plays by default), 0
      where a tap may rest (``predict(..., sound_taps=False)``);
      :func:`onnx_feed` fills it.

    A model that never samples (no velocity or offset spread, hits given)
    reads neither ``temperature`` nor ``noise``, and its file leaves them out:
    ``session.get_inputs()`` lists what a file reads, and :func:`onnx_feed`
    fills them.

    A network with two decoders (``decoder="both"``) is traced once for each:
    an ``If`` on the temperature runs only the one asked for.

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
    weights_from : path-like, optional
        An ONNX file of the same model, written with the same ``int8``, in
        the folder of ``path``: the file reads its weights from that one's
        bytes (ONNX external data) and holds only its graph, a tenth of the
        size; the two files then go together. The shipped files for windows
        of other meters (``NAME-STEPS.onnx``) read ``NAME.onnx``'s.

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
    if weights_from is not None:  # before the export, which takes seconds
        _check_beside(path, weights_from)
    transformer, members, rotate, sampler = _parts(model)
    if rotate and n_steps % 2:
        raise ValueError(f"n_steps must be even for a model that rotates bars, got {n_steps}")
    transfer = not hasattr(members[0], "condition")
    player = _player(transformer, members, rotate, sampler, transfer)
    n_features = 3 * N_VOICES if transformer is not None else (N_VOICES if transfer else members[0].n_input_features_)
    window = lambda k: torch.zeros(1, n_steps, k)
    steps = {} if any(m.module_.reads_previous for m in members) or rotate else {1: "steps"}
    n_labels = 0
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
        if _continues(members, rotate):
            names += ["given", "kept"]
            example += (window(3 * N_VOICES), window(1))
        if any(m._reads_taps() for m in members):
            names.append("sound_taps")
            example += (torch.ones(1),)
            axes["sound_taps"] = {0: "batch"}
    from ._player import Named, NetworkPlayer, guidance_strength

    player = Named(player, names).eval()  # the file's inputs, each passed to the player by its name
    axes.update({name: {0: "batch", **steps} for name in ("x", "noise", "hvo", "given", "kept") if name in names})
    from .._atomic import atomic_path

    path = os.fspath(path)

    def trace(temperature, to):
        at = tuple(torch.tensor(temperature) if name == "temperature" else a for name, a in zip(names, example))
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on Python values: the steps loop is unrolled
            torch.onnx.export(player, at, to, input_names=names, output_names=["hvo"], dynamic_axes=axes,
                              opset_version=OPSET, dynamo=False)

    def differs_in_takes(member):  # a second decoder, or guidance at another strength than at temperature 0
        strength = member.label_strength
        return member.module_.sampler is not None or (
            n_labels and guidance_strength(strength, True) != guidance_strength(strength, False))

    with atomic_path(path) as part:  # a failed or interrupted export leaves an existing file as it was
        if any(differs_in_takes(m) for m in members):  # the file plays the trace asked for
            import onnx

            traced = {}
            for key, temperature in (("sampled", 1.0), ("likeliest", 0.0)):
                trace(temperature, part)
                traced[key] = onnx.load(part)
            if n_labels and any(guidance_strength(m.label_strength, True) != 1.0 for m in members):
                # takes with no label need no guidance (it would decode them as they are): a branch without it
                for network in player.modules():
                    if isinstance(network, NetworkPlayer):
                        network.strength = 1.0
                trace(1.0, part)
                traced["unlabelled"] = onnx.load(part)
            onnx.save(_if_sampled(**traced), part)
        else:
            trace(0.0, part)
        _store_bits(part)
        if int8:
            _store_int8(part)
        if n_labels:
            _write_labels(part, *labels)
        if weights_from is not None:
            _read_weights_from(part, weights_from)
    return path


def _check_beside(path, weights_from):
    """A ValueError where ``weights_from`` is not another file in the folder of ``path`` (where a file's external
    data must lie; ``path`` itself is about to be replaced)."""
    import os

    here, there = os.path.abspath(path), os.path.abspath(weights_from)
    if not os.path.isfile(there) or os.path.dirname(here) != os.path.dirname(there) or here == there:
        raise ValueError(f"weights_from={os.fspath(weights_from)!r}: give another ONNX file in the folder of "
                         f"{os.fspath(path)!r} (a file reads external weights from beside it)")


def _read_weights_from(part, weights_from, min_size=1024):
    """Rewrite the ONNX file at ``part`` so that each tensor of ``min_size`` bytes or more whose bytes the ONNX file
    ``weights_from`` holds is read from there (ONNX external data: that file's name, the offset and length of the
    bytes in it), and the name and SHA-256 of that file in its metadata."""
    import hashlib
    import os

    import onnx

    with open(weights_from, "rb") as f:
        stored = f.read()  # a tensor's bytes lie in a .onnx file as they are, in one piece
    model = onnx.load(part)
    for key, value in (("weights_from", os.path.basename(weights_from)),
                       ("weights_sha256", hashlib.sha256(stored).hexdigest())):  # onnx_session checks them
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    for tensor in _tensors(model.graph):
        at = stored.find(tensor.raw_data) if len(tensor.raw_data) >= min_size else -1
        if at < 0:
            continue
        size = len(tensor.raw_data)
        tensor.ClearField("raw_data")
        tensor.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", os.path.basename(weights_from)), ("offset", str(at)), ("length", str(size))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
    with open(part, "wb") as f:  # onnx.save would look for the external data beside the temporary name
        f.write(model.SerializeToString())


def _tensors(graph):
    """Every tensor stored in ``graph`` and the graphs of its nodes: initializers and constants."""
    for g in _graphs(graph):
        yield from g.initializer
        yield from (a.t for node in g.node for a in node.attribute if a.HasField("t"))


def _if_sampled(sampled, likeliest, unlabelled=None):
    """One ONNX model of traces of a player (the same inputs and output): an ``If`` plays ``sampled`` where the
    temperature is above 0, else ``likeliest``; given ``unlabelled`` (a trace with no guidance), a second ``If``
    plays it in place of ``sampled`` where every window's labels are zeros.

    What every trace computes alike from the inputs alone (the encoder, the conditions) runs once, before the
    ``If``, its weights in the outer graph; each branch that decodes step by step holds its own copy of the other
    weights it reads: ONNX Runtime prepacks the weights a node reads from its own graph, not those it reads from an
    outer one (the shipped humanize's sampled window: 1.95 ms with each branch's own weights, 2.25 ms with every
    weight in the outer graph). The temperature-0 branch, which reads its weights once, reads them from the outer
    graph: prepacked, they made batches of 256 windows slower (1,930 against 2,140 clips a second).
    """
    from onnx import helper, numpy_helper

    traces = {prefix: model for prefix, model in (("s", sampled), ("l", likeliest), ("u", unlabelled))
              if model is not None}
    inputs = [i.name for i in sampled.graph.input]
    for model in traces.values():
        if [i.name for i in model.graph.input] != inputs:
            raise RuntimeError(f"the traces read different inputs: {inputs} and "
                               f"{[i.name for i in model.graph.input]}")
    values, ids = {}, {}  # a weight's key -> (its value, the name it had); a computation -> its number
    traced = {prefix: _keyed_nodes(model, values, ids) for prefix, model in traces.items()}
    outer = _common_nodes([nodes for nodes, _ in traced.values()])
    names = {("in", name): name for name in inputs}  # a key read in the outer graph -> its name
    taken, held = set(inputs), {}  # the weights' names; the outer graph's weights, key -> name
    hoisted = [(n, k) for n, k in traced["s"][0] if k[4] in outer]
    shared = {k for _, key in hoisted for k in key[3] if k and k[0] == "w"}  # the weights the outer nodes read

    def graph_of(nodes, prefix, output=None):
        """The nodes (with their keys) of one graph: its values named by ``prefix`` (the outer graph's, "o", seen by
        every branch); the weights of a branch that decodes step by step ("s", "u") its own copies, but for those
        the outer nodes read, the others' in the outer graph."""
        local, own, made = {}, [], []

        def ref(key):
            if key == "":
                return ""
            if key[0] == "w":  # a weight keeps its name (a branch's own copy marked with its letter)
                mine = prefix in ("s", "u") and key not in shared
                named = local if mine else held
                if key not in named:
                    wanted = values[key][1] + (f"@{prefix}" if mine else "")
                    named[key] = wanted if wanted not in taken else f"{wanted}{len(taken)}"
                    taken.add(named[key])
                    if mine:
                        own.append(numpy_helper.from_array(values[key][0], local[key]))
                return named[key]
            if key in names:
                return names[key]
            if prefix == "o":
                return names.setdefault(key, f"o{len(names)}")
            return local.setdefault(key, f"{prefix}{len(local)}")

        made_keys = set()
        for node, key in nodes:
            if key[4] in made_keys:  # the same computation again (a trace may repeat one): its first outputs serve
                continue
            made_keys.add(key[4])
            copy = helper.make_node(node.op_type, [ref(k) for k in key[3]],
                                    [ref(("out", key[4], i)) for i in range(len(node.output))], domain=node.domain)
            copy.attribute.extend(node.attribute)
            made.append(copy)
        if prefix == "o":
            return made
        elem_type = sampled.graph.output[0].type.tensor_type.elem_type
        return helper.make_graph(made, {"s": "sampled", "l": "likeliest", "u": "unlabelled"}[prefix], [],
                                 [helper.make_tensor_value_info(ref(output), elem_type, None)], own)

    before = graph_of(hoisted, "o")
    branches = {prefix: graph_of([(n, k) for n, k in nodes if k[4] not in outer], prefix, out)
                for prefix, (nodes, out) in traced.items()}
    weights = [numpy_helper.from_array(values[k][0], name) for k, name in held.items()]
    output = sampled.graph.output[0].name
    then = branches["s"]
    if unlabelled is not None:  # labels all zeros (or no window): the unlabelled trace
        labelled = "take"
        then = helper.make_graph(
            [helper.make_node("Abs", ["labels"], ["labels_abs"]),
             helper.make_node("ReduceSum", ["labels_abs"], ["labels_sum"], keepdims=0),
             helper.make_node("Greater", ["labels_sum", "no_temperature"], ["is_labelled"]),
             helper.make_node("If", ["is_labelled"], [labelled], then_branch=branches["s"],
                              else_branch=branches["u"])],
            "sampled_or_unlabelled", [],
            [helper.make_tensor_value_info(labelled, then.output[0].type.tensor_type.elem_type, None)])
    zero = numpy_helper.from_array(np.zeros((), np.float32), "no_temperature")
    graph = helper.make_graph(
        before + [helper.make_node("Greater", ["temperature", "no_temperature"], ["is_sampled"]),
                  helper.make_node("If", ["is_sampled"], [output], then_branch=then, else_branch=branches["l"])],
        "player", list(sampled.graph.input), list(sampled.graph.output), weights + [zero])
    return helper.make_model(graph, opset_imports=sampled.opset_import, ir_version=sampled.ir_version,
                             producer_name=sampled.producer_name)


def _keyed_nodes(model, values, ids):
    """A trace's nodes, each with a key of what it computes: (op, domain, attributes, the keys of its inputs, its
    number), where an input's key is ("in", name), a weight's ("w", content) (its Constant nodes become weights,
    each once, in ``values``: key -> (value, name)), a node output's ("out", the node's number, index), the node's
    number the same in every trace for the same computation (``ids``); and the key of its output. A node that copies
    its input (an Identity, a Slice that keeps all of it) is left out, its input read instead."""
    import hashlib

    from onnx import numpy_helper

    def weight(value, name):
        key = ("w", value.dtype.str, value.shape, hashlib.sha1(value.tobytes()).hexdigest())
        values.setdefault(key, (value, name))
        return key

    key_of = {i.name: ("in", i.name) for i in model.graph.input}
    key_of[""] = ""
    for tensor in model.graph.initializer:
        key_of[tensor.name] = weight(numpy_helper.to_array(tensor), tensor.name)
    shapes, output = _shapes(model), model.graph.output[0].name
    nodes = []
    for node in model.graph.node:
        if node.op_type == "Constant" and [a.name for a in node.attribute] == ["value"]:
            key_of[node.output[0]] = weight(numpy_helper.to_array(node.attribute[0].t), "c")
            continue
        if output not in node.output and _copies(node, key_of, values, shapes):
            key_of[node.output[0]] = key_of[node.input[0]]  # a copy of its input: the input is read instead
            continue
        computation = (node.op_type, node.domain, tuple(a.SerializeToString() for a in node.attribute),
                       tuple(key_of[n] for n in node.input))
        number = ids.setdefault(computation, len(ids))
        for k, out in enumerate(node.output):
            key_of[out] = ("out", number, k)
        nodes.append((node, computation + (number,)))
    return nodes, key_of[output]


def _shapes(model):
    """name -> the dimensions ONNX's shape inference gives a value of ``model`` (None where unknown)."""
    import onnx

    graph = onnx.shape_inference.infer_shapes(model).graph
    return {v.name: [d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim]
            for v in list(graph.input) + list(graph.value_info)}


def _copies(node, key_of, values, shapes):
    """Whether ``node`` gives its first input as it is: an Identity, or a Slice that keeps all of it (its ranges
    weights, its data's shape in ``shapes``)."""
    if node.op_type == "Identity":
        return True
    if node.op_type != "Slice":
        return False
    ranges = [values[key_of[n]][0] if key_of[n] and key_of[n][0] == "w" else None for n in node.input[1:]]
    return _keeps_all(shapes.get(node.input[0]), *ranges)


def _keeps_all(shape, starts=None, ends=None, axes=None, steps=None):
    """Whether a Slice of data of ``shape`` (a list, None where unknown) from ``starts`` to ``ends`` (weights, else
    None) keeps all of it: ONNX Runtime drops such a Slice, and warns where a branch of an If reads its output."""
    if shape is None or starts is None or ends is None:
        return False
    axes = range(len(starts)) if axes is None else axes
    steps = np.ones(len(starts)) if steps is None else steps
    dims = [shape[a] if -len(shape) <= a < len(shape) else None for a in axes]
    return all(start == 0 and step == 1 and dim is not None and end >= dim
               for start, end, dim, step in zip(starts, ends, dims, steps))


def _common_nodes(traces):
    """The numbers of the computations that every trace (a list of (node, key)) makes from its inputs and weights
    alone, or from such computations."""
    common = set()
    while True:
        ready = [{key[4] for _, key in nodes if all(k == "" or k[0] in ("in", "w") or k[1] in common for k in key[3])}
                 for nodes in traces]
        if set.intersection(*ready) == common:
            return common
        common = set.intersection(*ready)


def _write_labels(path, *known):
    """Name, in the file's metadata, the labels of each kind (styles, drummers) whose one-hot columns its ``labels``
    input holds."""
    import onnx

    model = onnx.load(path)
    for kind, values in zip(KINDS, known):
        entry = model.metadata_props.add()
        entry.key, entry.value = kind + "s", ",".join(values)
    onnx.save(model, path)


def _rewrite_initializers(path, rewrite):
    """Rewrite the ONNX file at ``path``: each initializer, of every graph, for which ``rewrite(name, array)`` gives
    (initializers, nodes) is replaced by those, its nodes put first in its graph (they make a tensor of its name)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    for graph in _graphs(model.graph):  # the outer graph and its branches, each with its own weights
        kept, nodes = [], []
        for tensor in graph.initializer:
            stored = rewrite(tensor.name, numpy_helper.to_array(tensor))
            kept += [tensor] if stored is None else stored[0]
            nodes += [] if stored is None else stored[1]
        graph.ClearField("initializer")
        graph.initializer.extend(kept)
        old = list(graph.node)
        graph.ClearField("node")
        graph.node.extend(nodes + old)
    onnx.save(model, path)


def _store_bits(path, min_size=1024):
    """Rewrite the ONNX file at ``path`` with its float tensors of zeros and ones (``min_size`` values or more, such
    as a calibration's examples' hits) stored as bits (``numpy.packbits``), and in front of the nodes that read them
    a ``Gather`` of each byte's 8 bits from a table of the 256 bytes', and a ``Reshape`` back: ONNX Runtime unpacks
    them once, at load."""
    from onnx import TensorProto, helper, numpy_helper

    table = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(np.float32)

    def rewrite(name, w):
        if not (w.dtype == np.float32 and w.size >= min_size and np.isin(w, (0.0, 1.0)).all()):
            return None
        kept = [numpy_helper.from_array(np.packbits(w.ravel() > 0), name + "_bits"),
                numpy_helper.from_array(table, name + "_table"),
                numpy_helper.from_array(np.array(w.shape, np.int64), name + "_shape")]
        nodes = [helper.make_node("Cast", [name + "_bits"], [name + "_bytes"], to=TensorProto.INT32),
                 helper.make_node("Gather", [name + "_table", name + "_bytes"], [name + "_8"])]
        unpacked = name + "_8"
        if w.size % 8:  # the last byte's bits past the tensor's end cut off
            kept += [numpy_helper.from_array(np.array(value, np.int64), name + suffix)
                     for value, suffix in (([-1], "_flat"), ([0], "_zero"), ([w.size], "_size"))]
            nodes += [helper.make_node("Reshape", [unpacked, name + "_flat"], [name + "_padded"]),
                      helper.make_node("Slice", [name + "_padded", name + "_zero", name + "_size"], [name + "_cut"])]
            unpacked = name + "_cut"
        return kept, nodes + [helper.make_node("Reshape", [unpacked, name + "_shape"], [name])]

    _rewrite_initializers(path, rewrite)


def _store_int8(path, min_size=1024):
    """Rewrite the ONNX file at ``path`` with its float matrices that are int8 rows times a scale, as int8.

    Each (of ``min_size`` values or more), flattened to 2-D (its last axis
    against the others), whose values int8 rows or columns and a float32
    scale each give back exactly, becomes those int8 values, the scales, and
    a ``DequantizeLinear`` and a ``Reshape`` back to its shape in front of
    the nodes that read it.
    """
    from onnx import helper, numpy_helper

    def rewrite(name, w):
        exact = _exact_int8(w) if w.dtype == np.float32 and w.ndim >= 2 and w.size >= min_size else None
        if exact is None:
            return None
        q, scale, axis = exact
        kept = [numpy_helper.from_array(q, name + "_int8"), numpy_helper.from_array(scale, name + "_scale"),
                numpy_helper.from_array(np.array(w.shape, np.int64), name + "_shape")]
        return kept, [helper.make_node("DequantizeLinear", [name + "_int8", name + "_scale"], [name + "_2d"], axis=axis),
                      helper.make_node("Reshape", [name + "_2d", name + "_shape"], [name])]

    _rewrite_initializers(path, rewrite)


def _graphs(graph):
    """``graph`` and every graph of its nodes (an ``If``'s branches), nested ones too."""
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            for sub in ([attribute.g] if attribute.HasField("g") else []) + list(attribute.graphs):
                yield from _graphs(sub)


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


def onnx_feed(session, x, temperature=0.0, *, seed=None, n_members=1, groove=None, style=None, drummer=None,
              prefix=None, sound_taps=True):
    """The inputs of an exported model's ONNX Runtime session for windows ``x``, at a temperature, from a seed.

    The noise, and each window's ensemble member (among ``n_members``), are
    drawn from ``seed`` as the estimators draw them: the file plays the take
    that ``model.sample_y(x, random_state=seed, temperature=temperature)``
    plays first (at temperature 0, which reads neither, they are zeros).
    ``groove`` is a transfer file's groove windows; ``style`` and
    ``drummer`` (one for all windows, or one a window; None: none), for a
    file of a model that learned them, which names them in its metadata
    (``styles``, ``drummers``); ``prefix`` ``(batch, k, 27)``: the
    first steps of each window as already played, for a file that takes
    them (``given`` and ``kept``), as ``sample_y(..., prefix=)``;
    ``sound_taps=False``: a tap may rest, for a file that reads taps.
    """
    x, temperature = np.ascontiguousarray(x, dtype=np.float32), check_temperature(temperature)
    if temperature > 0:
        member, noise = next(take_draws(take_seeds(seed)[0], len(x), x.shape[1], n_members))
    else:  # the file reads neither at temperature 0: nothing is drawn
        member, noise = np.zeros(len(x), np.int64), np.zeros(x.shape[:2] + (3 * N_VOICES,), np.float32)
    values = {
        "groove": None if groove is None else np.ascontiguousarray(groove, dtype=np.float32),
        "x": x,
        "temperature": np.array(temperature, np.float32),
        "noise": noise,
        "member": member,
    }
    names = [i.name for i in session.get_inputs()]
    if "labels" in names:
        given = {"style": style, "drummer": drummer}
        values["labels"] = np.concatenate([one_hot(given[kind], len(x), known, kind) for kind, known in
                                           zip(KINDS, onnx_labels(session))], axis=1)
    elif style is not None or drummer is not None:
        raise ValueError("this ONNX file takes no style or drummer: its model was fitted without them")
    if "given" in names:
        values["given"], values["kept"] = prefix_steps(prefix, x.shape[:2])
    elif prefix is not None:
        raise ValueError("this ONNX file does not go on from steps already played (no given input): play its windows "
                         "without a prefix")
    if "sound_taps" in names:
        values["sound_taps"] = np.full(len(x), float(bool(sound_taps)), np.float32)
    elif not sound_taps:
        raise ValueError("this ONNX file has no sound_taps input: its model reads no taps, or it was exported before "
                         "sound_taps (export it again to let taps rest)")
    return {name: values[name] for name in names}


def onnx_labels(session):
    """(styles, drummers) an exported model's file names in its metadata, in its ``labels`` columns' order."""
    known = session.get_modelmeta().custom_metadata_map
    return tuple([x for x in known.get(kind + "s", "").split(",") if x] for kind in KINDS)
