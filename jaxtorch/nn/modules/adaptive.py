"""torch.nn.modules.adaptive: AdaptiveLogSoftmaxWithLoss (Grave et al., efficient softmax approximation)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

from ... import _ops  # noqa: F401  (registers Tensor methods)
from ..._ops.shape import cat
from ..._tensor import Tensor
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Head over the shortlist classes plus one token per cluster; each cluster has a low-rank tail
    (in_features -> in_features // div_value**(i+1) -> cluster size)."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **kw),
                                        Linear(hidden, size, bias=False, **kw)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        tdim = target_.dim()
        if tdim == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        elif tdim == 0:
            if input_.dim() != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = tdim > 0
        x = input_ if batched else input_.unsqueeze(0)
        t = target_ if batched else target_.unsqueeze(0)
        if t.numel() and not bool(((t >= 0) & (t < self.n_classes)).all()):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{t.min().item()}, {t.max().item()}] were found. ")
        # cluster id per row: 0 for the shortlist, i+1 for tail i
        cluster = t.new_zeros(t.shape)
        for cut in self.cutoffs[:-1]:
            cluster = cluster + (t >= cut).long()
        # the head scores a shortlist target directly and a tail target through its cluster's token
        head_col = (cluster == 0).long() * t + (cluster != 0).long() * (cluster + (self.shortlist_size - 1))
        head_lp = F.log_softmax(self.head(x), dim=1)
        out = head_lp.gather(1, head_col.unsqueeze(1)).squeeze(1)
        for i, proj in enumerate(self.tail):
            rows = (cluster == i + 1).nonzero().flatten()
            if rows.numel() == 0:  # as in torch, an unused tail is not run (its parameters get no grad)
                continue
            lp = F.log_softmax(proj(x.index_select(0, rows)), dim=1)
            rel = t.index_select(0, rows) - self.cutoffs[i]
            out = out.index_add(0, rows, lp.gather(1, rel.unsqueeze(1)).squeeze(1))
        loss = (-out).mean()
        return _ASMoutput(out if batched else out.squeeze(0), loss)

    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_lp = F.log_softmax(head_output, dim=1)
        parts = [head_lp[:, :self.shortlist_size]]
        for i, proj in enumerate(self.tail):
            parts.append(F.log_softmax(proj(input), dim=1) + head_lp[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, dim=1)

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of all n_classes for each row of input (N, in_features)."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """Most likely class per row; the tails only run for rows whose head argmax is a cluster token."""
        head_output = self.head(input)
        pred = head_output.argmax(dim=1)
        outside = pred >= self.shortlist_size
        if not bool(outside.any()):
            return pred
        if bool(outside.all()):
            return self._get_full_log_prob(input, head_output).argmax(dim=1)
        pred[outside] = self._get_full_log_prob(input[outside], head_output[outside]).argmax(dim=1)
        return pred
