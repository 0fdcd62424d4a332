"""torch.nn.modules.rnn: RNN, LSTM, GRU and their single-step cells.

Each layer and direction of a recurrent network is ONE dispatched op: the input projection for all
steps is a single matmul, then `lax.scan` runs the recurrence. That keeps eager mode to a handful of
jitted calls per forward and gives XLA one loop to compile under a trace. Gate layouts are torch's:
LSTM rows (i, f, g, o), GRU rows (r, z, n) with b_hn inside r * (W_hn h + b_hn).

Packed sequences run on the padded (time-major, sorted) layout with a per-sequence length mask: a
sequence's state stops changing after its last step (forward) or stays at h0 until its last step
(reverse), so h_n is taken at each sequence's true last step, as in torch.
"""

from __future__ import annotations

import math
import numbers
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops import _threefry
from ..._ops._dispatch import apply
from ..._tensor import Tensor
from ...random import draw
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_NUM_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---------------------------------------------------------------------------------------------
# pure math


def _recur(mode, gi, h, c, w_hh, b_hh, w_hr):
    """One step from the input part gi = x W_ih^T + b_ih and the state; returns (h', c')."""
    gh = h @ w_hh.T
    if b_hh is not None:
        gh = gh + b_hh
    if mode == "GRU":
        i_r, i_z, i_n = jnp.split(gi, 3, axis=-1)
        h_r, h_z, h_n = jnp.split(gh, 3, axis=-1)
        r = jax.nn.sigmoid(i_r + h_r)
        z = jax.nn.sigmoid(i_z + h_z)
        n = jnp.tanh(i_n + r * h_n)
        return (1 - z) * n + z * h, None
    if mode == "LSTM":
        i, f, g, o = jnp.split(gi + gh, 4, axis=-1)
        c_new = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h_new = jax.nn.sigmoid(o) * jnp.tanh(c_new)
        if w_hr is not None:
            h_new = h_new @ w_hr.T
        return h_new, c_new
    pre = gi + gh
    return (jnp.tanh(pre) if mode == "RNN_TANH" else jnp.maximum(pre, 0)), None


def _rnn_direction(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, lengths, *, mode, reverse):
    """One layer, one direction over x (T, B, I). Returns (out (T, B, H'), h_n[, c_n])."""
    gi = jnp.einsum("tbi,gi->tbg", x, w_ih)  # input projection for all steps at once
    if b_ih is not None:
        gi = gi + b_ih
    steps = jnp.arange(x.shape[0])

    def step(carry, inp):
        h, c = carry
        g, t = inp
        h_new, c_new = _recur(mode, g, h, c, w_hh, b_hh, w_hr)
        if lengths is None:
            return (h_new, c_new), h_new
        valid = (t < lengths)[:, None]  # padded steps leave the state untouched and output zeros
        h_new = jnp.where(valid, h_new, h)
        if c_new is not None:
            c_new = jnp.where(valid, c_new, c)
        return (h_new, c_new), jnp.where(valid, h_new, jnp.zeros_like(h_new))

    (h_n, c_n), out = lax.scan(step, (h0, c0), (gi, steps), reverse=reverse)
    return (out, h_n, c_n) if mode == "LSTM" else (out, h_n)


def _rnn_network(x, h0, c0, lengths, drop_masks, *weights, mode, num_layers, num_directions, has_bias, has_proj):
    """The whole stack as one op: layers in order, each direction a scan; dropout masks (one per layer
    but the last, stacked) multiply a layer's output before the next layer reads it."""
    per_dir = 2 + 2 * has_bias + has_proj
    h_n, c_n = [], []
    layer_in = x
    for layer in range(num_layers):
        outs = []
        for direction in range(num_directions):
            idx = layer * num_directions + direction
            ws = weights[idx * per_dir:(idx + 1) * per_dir]
            b_ih, b_hh = (ws[2], ws[3]) if has_bias else (None, None)
            res = _rnn_direction(layer_in, h0[idx], None if c0 is None else c0[idx], ws[0], ws[1], b_ih, b_hh,
                                 ws[-1] if has_proj else None, lengths, mode=mode, reverse=direction == 1)
            outs.append(res[0])
            h_n.append(res[1])
            if c0 is not None:
                c_n.append(res[2])
        layer_in = outs[0] if num_directions == 1 else jnp.concatenate(outs, -1)
        if drop_masks is not None and layer < num_layers - 1:
            layer_in = layer_in * drop_masks[layer]
    if c0 is None:
        return layer_in, jnp.stack(h_n)
    return layer_in, jnp.stack(h_n), jnp.stack(c_n)


def _cell(x, h, c, w_ih, w_hh, b_ih, b_hh, *, mode):
    gi = x @ w_ih.T
    if b_ih is not None:
        gi = gi + b_ih
    h_new, c_new = _recur(mode, gi, h, c, w_hh, b_hh, None)
    return (h_new, c_new) if mode == "LSTM" else h_new


def _keep_mask(key, *, shape, dtype, p):
    keep = _threefry.uniform(key, shape, jnp.float32) >= p
    return keep.astype(dtype) * (1.0 / (1.0 - p)) if p < 1 else jnp.zeros(shape, dtype)


def _zeros(shape, like: Tensor) -> Tensor:
    return Tensor._make(jnp.zeros(shape, like._value().dtype))


# ---------------------------------------------------------------------------------------------
# modules


class RNNBase(Module):
    """Base class of RNN, LSTM and GRU: parameter layout, checks and the layer loop."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout) if isinstance(dropout, numbers.Number) and not isinstance(dropout, bool) \
            else dropout
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _NUM_GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        if proj_size > 0 and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        from ..._ops.creation import empty

        gate_size = _NUM_GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_in = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih_l{}{}", (gate_size, layer_in)), ("weight_hh_l{}{}", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr_l{}{}", (proj_size, hidden_size)))
                names = []
                for fmt, shape in shapes:
                    name = fmt.format(layer, suffix)
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype, device=device)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """No-op: there is no cuDNN weight buffer to compact."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            weight.data.uniform_(-stdv, stdv)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # -- checks (torch's messages) --

    def check_input(self, input: Tensor, batch_sizes) -> None:
        w_dtype = self._flat_weights[0].dtype
        if input.dtype != w_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w_dtype}). Convert "
                             f"input: input.to({w_dtype}), or convert model: model.to({input.dtype})")
        expected_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_dim:
            raise RuntimeError(f"input must have {expected_dim} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes) -> tuple[int, int, int]:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * (2 if self.bidirectional else 1), mini_batch, size)

    def check_hidden_size(self, hx: Tensor, expected: tuple, msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.size())))

    def check_forward_args(self, input: Tensor, hidden: Tensor, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return hx.index_select(1, permutation)

    # -- forward --

    def _run_layers(self, x: Tensor, h0: Tensor, c0: Tensor | None, lengths: Tensor | None):
        """x time-major (T, B, I); returns (out, h_n, c_n) from one dispatched op."""
        num_directions = 2 if self.bidirectional else 1
        masks = None
        if self.dropout > 0 and self.training and self.num_layers > 1:
            out_size = (self.proj_size or self.hidden_size) * num_directions
            shape = (self.num_layers - 1, x.shape[0], x.shape[1], out_size)
            masks = draw(None, _keep_mask, (), (("shape", shape), ("dtype", x._value().dtype),
                                                ("p", float(self.dropout))), "rnn_dropout")
        static = (("mode", self.mode), ("num_layers", self.num_layers), ("num_directions", num_directions),
                  ("has_bias", bool(self.bias)), ("has_proj", self.proj_size > 0))
        res = apply(_rnn_network, (x, h0, c0, lengths, masks, *self._flat_weights), static, self.mode.lower())
        return res[0], res[1], (res[2] if c0 is not None else None)

    def forward(self, input, hx=None):
        from ..utils.rnn import PackedSequence, _host_ints, _pack_time_major, _unpack_time_major

        is_lstm = self.mode == "LSTM"
        num_directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed = isinstance(input, PackedSequence)
        is_batched = True
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            bs_np = _host_ints(batch_sizes)
            max_batch = int(bs_np[0])
            x = data
            if hx is not None:
                hx = tuple(self.permute_hidden(h, sorted_indices) for h in hx) if is_lstm else \
                    self.permute_hidden(hx, sorted_indices)
        else:
            batch_sizes = sorted_indices = unsorted_indices = None
            x = input
            if x.dim() not in (2, 3):
                extra = " tensor" if self.mode.startswith("RNN") else ""
                name = {"LSTM": "LSTM", "GRU": "GRU"}.get(self.mode, "RNN")
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {x.dim()}D{extra} instead")
            is_batched = x.dim() == 3
            if not is_batched:
                x = x.unsqueeze(0 if self.batch_first else 1)
            if hx is not None:
                if is_lstm:
                    want = 3 if is_batched else 2
                    if hx[0].dim() != want or hx[1].dim() != want:
                        kind = "batched 3-D" if is_batched else "unbatched 2-D"
                        raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                           f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                    if not is_batched:
                        hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
                else:
                    if is_batched and hx.dim() != 3:
                        raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D "
                                           "tensor")
                    if not is_batched:
                        if hx.dim() != 2:
                            raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D "
                                               "tensor")
                        hx = hx.unsqueeze(1)
            max_batch = x.size(0) if self.batch_first else x.size(1)
        n_states = self.num_layers * num_directions
        if hx is None:
            h0 = _zeros((n_states, max_batch, real_hidden), x)
            c0 = _zeros((n_states, max_batch, self.hidden_size), x) if is_lstm else None
        else:
            h0, c0 = (hx[0], hx[1]) if is_lstm else (hx, None)
        self.check_input(x, batch_sizes)
        expected = self.get_expected_hidden_size(x, batch_sizes)
        if is_lstm:
            self.check_hidden_size(h0, expected, "Expected hidden[0] size {}, got {}")
            self.check_hidden_size(c0, (expected[0], expected[1], self.hidden_size),
                                   "Expected hidden[1] size {}, got {}")
        else:
            self.check_hidden_size(h0, expected)

        if packed:
            lengths_np = (bs_np[None, :] > np.arange(max_batch)[:, None]).sum(1)
            steps = _unpack_time_major(x, bs_np, bs_np.size)
            out, h_n, c_n = self._run_layers(steps, h0, c0, Tensor._make(jnp.asarray(lengths_np, jnp.int64)))
            output = PackedSequence(_pack_time_major(out, bs_np), batch_sizes, sorted_indices, unsorted_indices)
            h_n = self.permute_hidden(h_n, unsorted_indices)
            if is_lstm:
                c_n = self.permute_hidden(c_n, unsorted_indices)
        else:
            if self.batch_first:
                x = x.transpose(0, 1)
            out, h_n, c_n = self._run_layers(x, h0, c0, None)
            output = out.transpose(0, 1) if self.batch_first else out
            if not is_batched:
                output = output.squeeze(0 if self.batch_first else 1)
                h_n = h_n.squeeze(1)
                if is_lstm:
                    c_n = c_n.squeeze(1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)


class RNN(RNNBase):
    """Elman RNN with tanh or ReLU non-linearity."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Multi-layer long short-term memory RNN (with optional projections, proj_size)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Multi-layer gated recurrent unit RNN."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """Base class of the single-step cells."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        from ..._ops.creation import empty

        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            weight.data.uniform_(-stdv, stdv)

    def _check(self, input: Tensor, hx: Tensor, name: str) -> None:
        # the checks torch's C++ cell kernels make
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}")
        if input.size(0) != hx.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match {name} batch size {hx.size(0)}")
        if hx.size(1) != self.hidden_size:
            raise RuntimeError(f"{name} has inconsistent hidden_size: got {hx.size(1)}, expected {self.hidden_size}")

    def _step(self, mode: str, x: Tensor, h: Tensor, c: Tensor | None):
        return apply(_cell, (x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh),
                     (("mode", mode),), mode.lower() + "_cell")


class RNNCell(RNNCellBase):
    """An Elman RNN cell with tanh or ReLU non-linearity."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if input.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        h = _zeros((x.size(0), self.hidden_size), x) if hx is None else (hx if batched else hx.unsqueeze(0))
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        self._check(x, h, "hidden0")
        out = self._step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", x, h, None)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """A long short-term memory cell."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            h = c = _zeros((x.size(0), self.hidden_size), x)
        else:
            h, c = (hx[0], hx[1]) if batched else (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check(x, h, "hidden0")
        self._check(x, c, "hidden1")
        h_new, c_new = self._step("LSTM", x, h, c)
        return (h_new, c_new) if batched else (h_new.squeeze(0), c_new.squeeze(0))


class GRUCell(RNNCellBase):
    """A gated recurrent unit cell."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if input.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        h = _zeros((x.size(0), self.hidden_size), x) if hx is None else (hx if batched else hx.unsqueeze(0))
        self._check(x, h, "hidden0")
        out = self._step("GRU", x, h, None)
        return out if batched else out.squeeze(0)
