"""Views and in-place writes vs real torch: each case returns the base and the view after writes,
and their metadata (shape, stride, contiguity, storage offset, version counter) must equal torch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from _same import both, same_error

A = np.arange(24, dtype=np.float32).reshape(4, 6)  # one shape for most cases keeps compiles few


def meta(t):
    return (tuple(t.shape), tuple(t.stride()), t.is_contiguous(), t.storage_offset(), t._version)


def base(T):
    return T.tensor(A)


def write_case(view_fn, write=lambda v: v.fill_(-1.0)):
    """A view of a fresh base, then a write through the view: base, view and metadata as torch."""

    def f(T):
        b = base(T)
        v = view_fn(b)
        before = meta(v)
        write(v)
        return b, v, before, meta(v), meta(b)

    return both(f)


VIEWS = {
    "slice": lambda b: b[1:3],
    "slice_step": lambda b: b[::2, 1::2],
    "slice_neg_start": lambda b: b[-2:, :-1],
    "int_select": lambda b: b[2],
    "int_col": lambda b: b[:, 3],
    "view": lambda b: b.view(3, 8),
    "view_minus1": lambda b: b.view(-1),
    "reshape_contig": lambda b: b.reshape(2, 12),
    "t": lambda b: b.t(),
    "transpose": lambda b: b.transpose(0, 1),
    "permute": lambda b: b.view(2, 2, 6).permute(2, 0, 1),
    "narrow": lambda b: b.narrow(1, 2, 3),
    "select": lambda b: b.select(1, -1),
    "unsqueeze": lambda b: b.unsqueeze(1),
    "squeeze": lambda b: b[1:2].squeeze(0),
    "squeeze_dim": lambda b: b[:, 2:3].squeeze(1),
    "diagonal": lambda b: b.diagonal(),
    "diagonal_offset": lambda b: b.diagonal(offset=2),
    "unfold": lambda b: b[0].unfold(0, 2, 2),
    "split": lambda b: b.split(2, dim=1)[1],
    "chunk": lambda b: b.chunk(2)[1],
    "unbind": lambda b: b.unbind(1)[4],
    "chain": lambda b: b[1:].t()[2:5].narrow(1, 1, 2),
    "none_ellipsis": lambda b: b[None, ..., 1],
    "detach": lambda b: b.detach(),
    "data": lambda b: b.data,
    "view_as": lambda b: b.view_as(b),
    "flatten_view": lambda b: b.flatten(),
    "expand_dims": lambda b: b[:, :1].expand(4, 1),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_write_through_view(name):
    write_case(VIEWS[name])


@pytest.mark.parametrize("name", ["slice_step", "t", "diagonal", "chain", "unfold"])
def test_arith_through_view(name):
    write_case(VIEWS[name], lambda v: v.mul_(2).add_(0.5))


def test_reshape_of_non_contiguous_copies():
    def f(T):
        b = base(T)
        r = b.t().reshape(-1)  # non-contiguous: a copy, writes must not reach b
        r.fill_(7.0)
        return b, r, meta(b), meta(r), r._base is None if T is torch else True

    both(f)


def test_reshape_of_contiguous_views():
    def f(T):
        b = base(T)
        r = b.reshape(6, 4)
        r[0, 0] = 100.0
        return b, r, meta(b), meta(r)

    both(f)


def test_view_of_non_contiguous_raises():
    same_error(lambda T: base(T).t().view(-1), exact=False)


def test_view_of_view_after_base_modified():
    def f(T):
        b = base(T)
        v = b[1:]
        w = v.t()[1]
        b.mul_(-1)
        b[2, 1] = 55.0
        return v, w, meta(v), meta(w), meta(b)

    both(f)


def test_two_views_see_each_other():
    def f(T):
        b = base(T)
        v1 = b[:, 1:4]
        v2 = b.t()
        v1[1:3].zero_()
        v2[2].add_(10)
        return b, v1, v2, meta(v1), meta(v2)

    both(f)


def test_detach_shares_storage_both_ways():
    def f(T):
        b = base(T)
        d = b.detach()
        d[0] = 9.0
        b[1] = -9.0
        return b, d, meta(b), meta(d)

    both(f)


def test_data_setter_replaces_value():
    def f(T):
        b = base(T)
        b.data = T.ones(2, 2)
        return b, b.shape

    both(f)


def test_data_write_through():
    def f(T):
        b = T.tensor(A, requires_grad=True)
        b.data[0, 0] = 42.0
        b.data.mul_(2)
        return b.detach(), b.requires_grad, b.is_leaf

    both(f)


def test_metadata_of_views():
    def f(T):
        b = base(T)
        return [meta(fn(b)) for fn in VIEWS.values()]

    both(f)


def test_expand_write_raises():
    def f(T):
        e = T.tensor(A[0]).expand(3, 6)
        e.add_(1)

    same_error(f, exact=False)

    same_error(lambda T: T.tensor(A[:, :1]).expand(4, 3).copy_(T.ones(4, 3)), exact=False)
    same_error(lambda T: T.tensor(A[:, :1]).expand(4, 3).clamp_(0, 1), exact=False)


def test_expand_fill_allowed():
    def f(T):
        b = T.tensor(A[:, :1])
        e = b.expand(4, 3)
        e.fill_(2.0)
        e[:, 1] = 3.0
        return b, e, meta(e), meta(b)

    both(f)


def test_expand_metadata():
    both(lambda T: meta(T.tensor(A[0]).expand(3, 6)) + meta(T.tensor(A[:, :1]).expand(4, 5)))


# ------------------------------------------------------------------ setitem
SETITEMS = {
    "int": (2, -1.0),
    "neg_int": (-1, 5.0),
    "slice": (slice(1, 3), 0.0),
    "step_slice": ((slice(None), slice(None, None, 2)), 3.0),
    "none": ((None, 1), 2.0),
    "ellipsis": ((Ellipsis, 2), 4.0),
    "int_pair": ((1, 2), 9.0),
    "list": ([0, 2], -2.0),
    "list_cols": ((slice(None), [1, 4]), 8.0),
    "int_tensor": ("itensor", 6.0),
    "bool_mask": ("mask", -5.0),
    "row_mask": ("rowmask", 1.5),
    "row_vector": (1, "vec"),
    "broadcast_col": ((slice(None), 0), "col"),
}


def _index(T, idx):
    if idx == "itensor":
        return T.tensor([3, 0, 3])
    if idx == "mask":
        return T.tensor(A) > 10
    if idx == "rowmask":
        return T.tensor([True, False, True, False])
    return idx


def _value(T, v):
    if v == "vec":
        return T.tensor(np.linspace(-1, 1, 6, dtype=np.float32))
    if v == "col":
        return T.tensor(np.float32([1, 2, 3, 4]))
    return v


@pytest.mark.parametrize("name", list(SETITEMS))
def test_setitem(name):
    idx, val = SETITEMS[name]

    def f(T):
        b = base(T)
        v = b[1:]  # also check a view of the written tensor sees the write
        b[_index(T, idx)] = _value(T, val)
        return b, v, meta(b), meta(v)

    both(f)


def test_setitem_on_view_with_tensor_index():
    def f(T):
        b = base(T)
        v = b[:, 2:]
        v[T.tensor([0, 3])] = 0.0
        v[v > 20] = -1.0
        return b, v, meta(b), meta(v)

    both(f)


def test_setitem_shape_mismatch_raises():
    def f(T):
        b = base(T)
        b[0] = T.ones(5)

    same_error(f)

    def g(T):
        base(T)[1:3, None] = T.ones(3, 2, 6)

    same_error(g)


def test_setitem_out_of_range_raises():
    def f(T):
        base(T)[4] = 1.0

    same_error(f)


def test_getitem_out_of_range_raises():
    same_error(lambda T: base(T)[7])
    same_error(lambda T: base(T)[:, -7])


def test_setitem_int_tensor_with_float_value_truncates():
    def f(T):
        b = T.arange(6)
        b[1] = 2.7
        b[2:4] = T.tensor([1.9, -1.9])
        return b

    both(f)


# ------------------------------------------------------------------ in-place arithmetic
INPLACE = {
    "add_": lambda b, T: b.add_(T.tensor(A[0]), alpha=2),
    "mul_": lambda b, T: b.mul_(0.5),
    "sub_scalar": lambda b, T: b.sub_(3),
    "div_": lambda b, T: b.div_(T.tensor(A[:, :1] + 1)),
    "clamp_": lambda b, T: b.clamp_(3, 17),
    "clamp_min_": lambda b, T: b.clamp_(min=5),
    "copy_broadcast": lambda b, T: b.copy_(T.tensor(A[0] * -1)),
    "copy_cast": lambda b, T: b.copy_(T.ones(4, 6, dtype=T.int64) * 3),
    "copy_from_double": lambda b, T: b.copy_(T.full((6,), 1.0 / 3, dtype=T.float64)),
    "fill_": lambda b, T: b.fill_(2.5),
    "fill_tensor": lambda b, T: b.fill_(T.tensor(4.0)),
    "zero_": lambda b, T: b.zero_(),
    "masked_fill_": lambda b, T: b.masked_fill_(T.tensor(A) % 4 == 0, -3.0),
    "index_add_": lambda b, T: b.index_add_(0, T.tensor([0, 2, 0]), T.ones(3, 6)),
    "scatter_": lambda b, T: b.scatter_(1, T.tensor([[0, 5], [1, 1]]), T.full((2, 2), -8.0)),
    "scatter_value": lambda b, T: b.scatter_(0, T.tensor([[3, 0, 1]]), 0.25),
    "index_fill_": lambda b, T: b.index_fill_(1, T.tensor([1, 3]), 7.0),
    "pow_": lambda b, T: b.pow_(2),
    "neg_": lambda b, T: b.neg_(),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_op_on_base_and_view(name):
    op = INPLACE[name]

    def f(T):
        b = base(T)
        v = b[::2]  # a view taken before the write sees it
        r = op(b, T)
        return r is b, b, v, meta(b), meta(v)

    both(f)


@pytest.mark.parametrize("name", ["add_", "mul_", "clamp_", "fill_", "zero_", "masked_fill_", "index_add_"])
def test_inplace_op_through_transposed_view(name):
    op = INPLACE[name]

    def f(T):
        b = T.tensor(A.T.copy())
        v = b.t()  # (4, 6) view of a (6, 4) base
        r = op(v, T)
        return r is v, b, v, meta(b), meta(v)

    both(f)


def test_int_tensor_add_float_raises():
    same_error(lambda T: T.tensor([1, 2, 3]).add_(1.5))
    same_error(lambda T: T.tensor([1, 2, 3]).mul_(T.tensor([0.5, 1.0, 2.0])))


def test_bool_tensor_add_int_raises():
    same_error(lambda T: T.tensor([True, False]).add_(1))


def test_inplace_broadcast_shape_errors():
    same_error(lambda T: T.ones(3).add_(T.ones(2, 3)))
    same_error(lambda T: T.ones(3).copy_(T.ones(4)), exact=False)
    same_error(lambda T: T.ones(2, 3).mul_(T.ones(2)))


def test_int_inplace_with_int_ok():
    def f(T):
        b = T.arange(6)
        b.add_(2).mul_(3)
        b //= 2
        return b, b._version

    both(f)


def test_inplace_dunders_keep_identity_and_bump_version():
    def f(T):
        b = base(T)
        v = b[1]
        b0 = b
        b += 1
        b *= T.tensor(A[0])
        b -= 2
        b /= 4
        return b is b0, b, v, meta(b), meta(v)

    both(f)


def test_version_counter_of_views_is_shared():
    def f(T):
        b = base(T)
        v = b[1:3]
        w = b.t()
        v.add_(1)
        w.mul_(2)
        b.zero_()
        return b._version, v._version, w._version

    both(f)


def test_out_of_place_ops_do_not_bump_version():
    def f(T):
        b = base(T)
        _ = b + 1, b.sum(), b[0] * 2, b.clone()
        return b._version

    both(f)


def test_clone_does_not_share():
    def f(T):
        b = base(T)
        c = b[1:].clone()
        c.fill_(0)
        return b, c, meta(c)

    both(f)


def test_contiguous_of_non_contiguous_is_a_copy():
    def f(T):
        b = base(T)
        c = b.t().contiguous()
        c[0] = -1.0
        return b, c, meta(c)

    both(f)
