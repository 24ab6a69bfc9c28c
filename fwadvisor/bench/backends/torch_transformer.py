"""PyTorch's part of the transformer benchmarks (train_transformer and the compiled block): a mixin of
TorchAdapter, kept apart so the transformer code has one home (see recipes/transformer_adapter.py).

Written as PyTorch users write a transformer block today: one fused QKV Linear, attention through
F.scaled_dot_product_attention (flash / memory-efficient kernels where the device has them), LayerNorm
and GELU modules, torch.compile for the compiled run.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F  # the conventional alias
from torch import nn

from fwadvisor.bench import reference_transformer as tref
from fwadvisor.bench.recipes.timed_call import Kernel
from fwadvisor.profiler.documents import Details

_DTYPES = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def _load(param: torch.Tensor, array: np.ndarray) -> None:
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(array)))


def _linear(weights: dict[str, np.ndarray], name: str) -> nn.Linear:
    kernel = weights[name]
    linear = nn.Linear(kernel.shape[0], kernel.shape[1])
    _load(linear.weight, kernel.T)  # torch keeps (out, in)
    _load(linear.bias, weights[f"{name}_b"])
    return linear


def _layer_norm(weights: dict[str, np.ndarray], prefix: str) -> nn.LayerNorm:
    norm = nn.LayerNorm(weights[f"{prefix}_gamma"].shape[0], eps=tref.LN_EPSILON)
    _load(norm.weight, weights[f"{prefix}_gamma"])
    _load(norm.bias, weights[f"{prefix}_beta"])
    return norm


class ResidualMLP(nn.Module):
    """x + down(GELU(up(LayerNorm(x)))): the block's MLP half."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.norm = _layer_norm(weights, "ln2")
        self.up = _linear(weights, "mlp_up")
        self.act = nn.GELU(approximate="tanh")
        self.down = _linear(weights, "mlp_down")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.down(self.act(self.up(self.norm(x))))


class EncoderClassifier(nn.Module):
    """Pre-norm encoder block (x + attention(LN(x)), then the residual MLP), mean over time, Linear head."""

    def __init__(self, weights: dict[str, np.ndarray], heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm = _layer_norm(weights, "ln1")
        # One fused projection for Q, K and V: the shared kernels side by side along the output axis.
        fused = {
            "qkv": np.concatenate([weights[n] for n in ("query", "key", "value")], axis=1),
            "qkv_b": np.concatenate([weights[f"{n}_b"] for n in ("query", "key", "value")]),
        }
        self.qkv = _linear(fused, "qkv")
        self.proj = _linear(weights, "attn_out")
        self.mlp = ResidualMLP(weights)
        self.head = _linear(weights, "head")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq_len, width = x.shape
        qkv = self.qkv(self.norm(x)).view(batch, seq_len, 3, self.heads, width // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (N, heads, T, head width)
        attended = F.scaled_dot_product_attention(q, k, v)  # scale 1/sqrt(head width), no mask, no dropout
        h = x + self.proj(attended.transpose(1, 2).reshape(batch, seq_len, width))
        return self.head(self.mlp(h).mean(dim=1))


class TorchTransformerParts:
    """TorchAdapter's transformer members (see recipes.transformer_adapter.TransformerAdapterPart)."""

    torch_device: torch.device  # set by TorchAdapter
    attention = "F.scaled_dot_product_attention (PyTorch picks flash, memory-efficient or math kernels)"

    def transformer(self, weights: dict[str, np.ndarray], seq_len: int, heads: int, classes: int) -> nn.Module:
        return EncoderClassifier(weights, heads).to(self.torch_device)

    def mlp_block(self, weights: dict[str, np.ndarray], dtype: str) -> nn.Module:
        return ResidualMLP(weights).to(self.torch_device, _DTYPES[dtype]).eval()

    def compiled_block(self, model: nn.Module, x: torch.Tensor) -> Kernel:
        compiled = torch.compile(model)  # default inductor backend and mode; compiles on the first call
        notes: Details = {
            "eager": "nn.Module: LayerNorm, Linear, GELU(tanh), Linear, residual add; no_grad",
            "compiled": "torch.compile(model)",
            "note": "compile_s may include hits in inductor's on-disk cache",
        }
        return Kernel(lambda: compiled(x), notes)

    def leading_tokens(self, tensor: torch.Tensor, count: int) -> np.ndarray:
        # float() first: NumPy has no bfloat16, and the upcast is exact.
        return tensor[0, :count].detach().float().cpu().numpy()
