"""How the recurrent models' tensors are stored: int8 matrices with a float16 scale per row, the rest float16."""

import numpy as np

__all__ = ["quantize", "dequantize", "principal_components"]


def quantize(module, int8=True):
    """A module's tensors to store, and the scales of its int8 matrices (empty without ``int8``)."""
    import torch

    weights, scales = {}, {}
    for key, value in module.state_dict().items():
        value = value.detach().cpu().float()
        if int8 and value.ndim == 2:
            scale = (value.abs().amax(dim=1, keepdim=True) / 127).clamp(min=1e-12).half()
            weights[key] = (value / scale.float()).round().clamp(-127, 127).to(torch.int8)
            scales[key] = scale
        else:
            weights[key] = value.half()
    return weights, scales


def dequantize(weights, scales):
    """The float32 state dict that :func:`quantize` stored."""
    return {k: v.float() * scales[k].float() if k in scales else v.float() for k, v in weights.items()}


def principal_components(z, explained):
    """Mean, basis (k, d) and coordinates (n, k) of the fewest components keeping ``explained`` of z's variance."""
    mean = z.mean(axis=0)
    _, s, basis = np.linalg.svd(z - mean, full_matrices=False)
    share = np.cumsum(s**2) / max(np.sum(s**2), 1e-30)
    k = int(np.searchsorted(share, explained)) + 1
    basis = basis[:k]
    return mean.astype(np.float32), basis.astype(np.float32), ((z - mean) @ basis.T).astype(np.float32)
