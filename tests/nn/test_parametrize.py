"""nn.utils.parametrize / parametrizations / fusion / skip_init / stateless / memory_format against real torch."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close, to_np

jnn = jaxtorch.nn
P_T, P_J = torch.nn.utils.parametrize, jaxtorch.nn.utils.parametrize
PS_T, PS_J = torch.nn.utils.parametrizations, jaxtorch.nn.utils.parametrizations


def to_jt(x):
    return jaxtorch.tensor(x.detach().numpy().copy())


def copy_state(tm, jm):
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})


def check_keys(tm, jm):
    ts, js = tm.state_dict(), jm.state_dict()
    assert list(ts) == list(js)
    for k in ts:
        assert tuple(ts[k].shape) == tuple(js[k].shape), k
        assert str(ts[k].dtype) == repr(js[k].dtype), k


def pair(cls_name, *args, **kw):
    torch.manual_seed(0)
    return getattr(torch.nn, cls_name)(*args, **kw), getattr(jnn, cls_name)(*args, **kw)


def inp(shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return torch.tensor(x), jaxtorch.tensor(x)


def compare_step(tm, jm, x_shape, *, rtol=1e-5, atol=1e-6, grad_rtol=1e-5, grad_atol=1e-6):
    """Forward + backward of sum(out * w); compares outputs and every parameter's gradient."""
    xt, xj = inp(x_shape)
    ot, oj = tm(xt), jm(xj)
    assert_close(ot, oj, rtol, atol)
    w = np.random.default_rng(1).uniform(0.5, 1.5, tuple(ot.shape)).astype(np.float32)
    (ot * torch.tensor(w)).sum().backward()
    (oj * jaxtorch.tensor(w)).sum().backward()
    tp, jp = dict(tm.named_parameters()), dict(jm.named_parameters())
    assert list(tp) == list(jp)
    for k in tp:
        assert_close(tp[k].grad, jp[k].grad, grad_rtol, grad_atol, what=f"grad {k}")


# ----------------------------------------------------------------------------------------------- weight_norm
@pytest.mark.parametrize("cls,args,dim,x_shape", [
    ("Linear", (5, 4), 0, (3, 5)),
    ("Linear", (5, 4), None, (3, 5)),
    ("Conv1d", (3, 4, 3), 0, (2, 3, 8)),
    ("Conv1d", (3, 4, 3), 1, (2, 3, 8)),
    ("ConvTranspose1d", (3, 4, 3), 0, (2, 3, 8)),
])
def test_weight_norm_matches_torch(cls, args, dim, x_shape):
    tm, jm = pair(cls, *args)
    PS_T.weight_norm(tm, dim=dim)
    PS_J.weight_norm(jm, dim=dim)
    assert type(jm).__name__ == f"Parametrized{cls}"
    check_keys(tm, jm)
    copy_state(tm, jm)
    assert_close(tm.weight, jm.weight)
    compare_step(tm, jm, x_shape)
    assert repr(tm) == repr(jm)


def test_weight_norm_right_inverse_values():
    # registration itself (g = ||w|| per output row) must agree with torch from the same starting weight
    tm, jm = pair("Linear", 5, 4)
    copy_state(tm, jm)
    PS_T.weight_norm(tm)
    PS_J.weight_norm(jm)
    for k, v in tm.state_dict().items():
        assert_close(v, jm.state_dict()[k], what=k)


def test_weight_norm_optimizer_step_matches_torch():
    tm, jm = pair("Linear", 5, 4)
    PS_T.weight_norm(tm)
    PS_J.weight_norm(jm)
    copy_state(tm, jm)
    ot = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    oj = jaxtorch.optim.SGD(jm.parameters(), lr=0.1, momentum=0.9)
    xt, xj = inp((3, 5))
    for _ in range(2):
        ot.zero_grad()
        oj.zero_grad()
        (tm(xt) ** 2).mean().backward()
        (jm(xj) ** 2).mean().backward()
        ot.step()
        oj.step()
    for k, v in tm.state_dict().items():
        assert_close(v, jm.state_dict()[k], what=k)
    assert_close(tm.weight, jm.weight)


def _tiny_hifigan(lib):
    """HiFi-GAN generator shape in miniature: conv_pre, an upsampling ConvTranspose1d, a residual conv, conv_post."""
    nn, F, wn = lib.nn, lib.nn.functional, lib.nn.utils.parametrizations.weight_norm

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv_pre = wn(nn.Conv1d(4, 6, 3, padding=1))
            self.ups = nn.ModuleList([wn(nn.ConvTranspose1d(6, 3, 4, stride=2, padding=1))])
            self.resblock = nn.ModuleList([wn(nn.Conv1d(3, 3, 3, padding=2, dilation=2))])
            self.conv_post = wn(nn.Conv1d(3, 1, 3, padding=1))

        def forward(self, x):
            x = self.ups[0](F.leaky_relu(self.conv_pre(x), 0.1))
            x = x + self.resblock[0](F.leaky_relu(x, 0.1))
            return lib.tanh(self.conv_post(x))

    return Generator()


def test_hifigan_checkpoint_from_torch_loads():
    torch.manual_seed(0)
    tm, jm = _tiny_hifigan(torch), _tiny_hifigan(jaxtorch)
    sd = tm.state_dict()
    assert "ups.0.parametrizations.weight.original0" in sd
    check_keys(tm, jm)
    r = jm.load_state_dict({k: to_jt(v) for k, v in sd.items()})
    assert not r.missing_keys and not r.unexpected_keys
    tm.eval()
    jm.eval()
    compare_step(tm, jm, (2, 4, 7), rtol=1e-5, atol=1e-5)  # a 4-layer chain: float32 rounding accumulates
    # inference export: remove the parametrizations, as HiFi-GAN's remove_weight_norm() does
    for mods in ((tm.conv_pre, jm.conv_pre), (tm.ups[0], jm.ups[0]), (tm.conv_post, jm.conv_post)):
        P_T.remove_parametrizations(mods[0], "weight")
        P_J.remove_parametrizations(mods[1], "weight")
        assert type(mods[1]).__name__ == type(mods[0]).__name__ and not P_J.is_parametrized(mods[1])
    check_keys(tm, jm)
    xt, xj = inp((2, 4, 7))
    with torch.no_grad():
        assert_close(tm(xt), jm(xj), 1e-5, 1e-5)


def test_weight_norm_loads_old_style_checkpoint():
    # the compat hook renames weight_g / weight_v of the hook-based weight_norm
    tm, jm = pair("Conv1d", 3, 4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(tm)
    old_sd = tm.state_dict()
    assert "weight_g" in old_sd
    PS_J.weight_norm(jm)
    jm.load_state_dict({k: to_jt(v) for k, v in old_sd.items()})
    assert_close(old_sd["weight_g"], jm.parametrizations.weight.original0)
    assert_close(old_sd["weight_v"], jm.parametrizations.weight.original1)


# --------------------------------------------------------------------------------------------- spectral_norm
@pytest.mark.parametrize("cls,args,kw,x_shape", [
    ("Linear", (5, 4), {}, (3, 5)),
    ("Conv2d", (3, 4, 3), {"n_power_iterations": 2}, (2, 3, 5, 5)),
    ("ConvTranspose2d", (3, 4, 3), {}, (2, 3, 4, 4)),
])
def test_spectral_norm_matches_torch(cls, args, kw, x_shape):
    tm, jm = pair(cls, *args)
    PS_T.spectral_norm(tm, **kw)
    PS_J.spectral_norm(jm, **kw)
    check_keys(tm, jm)
    copy_state(tm, jm)  # starts our power iteration from torch's _u, _v
    for train in (True, True, False):
        tm.train(train)
        jm.train(train)
        tm.zero_grad()
        jm.zero_grad()
        compare_step(tm, jm, x_shape, rtol=1e-5, atol=1e-5, grad_rtol=1e-4, grad_atol=1e-5)  # power iteration
        for k in ("_u", "_v"):
            assert_close(getattr(tm.parametrizations.weight[0], k), getattr(jm.parametrizations.weight[0], k),
                         1e-5, 1e-6, what=k)
    with torch.no_grad():
        assert_close(tm.weight, jm.weight, 1e-5, 1e-6)


def test_spectral_norm_init_and_errors():
    jm = jnn.Linear(6, 4)
    PS_J.spectral_norm(jm)
    # after the 15 start-up iterations sigma is the largest singular value
    sv = np.linalg.svd(to_np(jm.parametrizations.weight.original), compute_uv=False)
    assert abs(np.linalg.svd(to_np(jm.weight), compute_uv=False)[0] - 1.0) < 1e-3 * sv[0] / sv[1]
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\] but got 2\)"):
        PS_J.spectral_norm(jnn.Linear(3, 2), dim=2)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got n_power_iterations=0"):
        PS_J.spectral_norm(jnn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'w'"):
        PS_J.spectral_norm(jnn.Linear(3, 2), name="w")


def test_spectral_norm_vector():
    tm, jm = pair("BatchNorm1d", 4)
    with torch.no_grad():
        tm.weight.uniform_(0.5, 1.5)
    copy_state(tm, jm)
    PS_T.spectral_norm(tm)
    PS_J.spectral_norm(jm)
    check_keys(tm, jm)
    compare_step(tm, jm, (3, 4), atol=1e-5)


# ------------------------------------------------------------------------------------------------ orthogonal
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("orth_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("triv", [True, False])
def test_orthogonal_matches_torch(shape, orth_map, triv):
    tm, jm = pair("Linear", shape[1], shape[0], bias=False)
    PS_T.orthogonal(tm, orthogonal_map=orth_map, use_trivialization=triv)
    PS_J.orthogonal(jm, orthogonal_map=orth_map, use_trivialization=triv)
    check_keys(tm, jm)
    with torch.no_grad():  # move off the registration point so the maps do real work
        tm.parametrizations.weight.original.add_(0.3 * torch.randn(shape))
    copy_state(tm, jm)
    wt, wj = tm.weight, jm.weight
    assert_close(wt, wj, 1e-5, 1e-5)
    r = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    (wt * torch.tensor(r)).sum().backward()
    (wj * jaxtorch.tensor(r)).sum().backward()
    assert_close(tm.parametrizations.weight.original.grad, jm.parametrizations.weight.original.grad, 1e-4, 1e-5)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_registration_is_orthogonal_and_keeps_weight(shape):
    jm = jnn.Linear(shape[1], shape[0], bias=False)
    with jaxtorch.no_grad():
        q = jaxtorch.linalg.qr(jaxtorch.randn(max(shape), min(shape)))[0]
        jm.weight.copy_(q if shape[0] >= shape[1] else q.T)
    w0 = to_np(jm.weight)
    PS_J.orthogonal(jm)
    w = to_np(jm.weight)
    small = w if shape[0] >= shape[1] else w.T
    np.testing.assert_allclose(small.T @ small, np.eye(min(shape)), atol=1e-5)
    np.testing.assert_allclose(w, w0, atol=1e-5)  # an orthogonal weight is kept by right_inverse
    # assigning a new orthogonal matrix goes through right_inverse
    jm.weight = jaxtorch.tensor(w0 * -1)
    np.testing.assert_allclose(to_np(jm.weight), -w0, atol=1e-5)


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions."):
        PS_J.orthogonal(jnn.BatchNorm1d(3))
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                                         "Got: foo"):
        PS_J.orthogonal(jnn.Linear(3, 3), orthogonal_map="foo")
    m = PS_J.orthogonal(jnn.Linear(3, 3), use_trivialization=False)
    with pytest.raises(NotImplementedError, match="It is not possible to assign to the matrix exponential"):
        m.weight = jaxtorch.eye(3)


# ------------------------------------------------------------------------------------ register_parametrization
class _Symmetric:
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class _Scale:
    def __init__(self, s=2.0):
        super().__init__()
        self.s = s

    def forward(self, X):
        return X * self.s

    def right_inverse(self, A):
        return A / self.s


class _Sum2:
    """Parametrized by two tensors: W = A + B; right_inverse splits W in halves."""

    def forward(self, A, B):
        return A + B

    def right_inverse(self, W):
        return W * 0.25, W * 0.75


def _mod(lib, base):
    nn = lib.nn
    return type(base.__name__.lstrip("_"), (base, nn.Module), {})


def _make(lib, base, *args):
    return _mod(lib, base)(*args)


def _register_both(tm, jm, name, base, *args, **kw):
    P_T.register_parametrization(tm, name, _make(torch, base, *args), **kw)
    P_J.register_parametrization(jm, name, _make(jaxtorch, base, *args), **kw)


def test_chain_and_assignment_match_torch():
    tm, jm = pair("Linear", 4, 4)
    copy_state(tm, jm)
    _register_both(tm, jm, "weight", _Symmetric)
    _register_both(tm, jm, "weight", _Scale, 3.0)
    check_keys(tm, jm)
    assert list(tm.state_dict()) == ["bias", "parametrizations.weight.original"]
    for k, v in tm.state_dict().items():
        assert_close(v, jm.state_dict()[k], what=k)
    compare_step(tm, jm, (2, 4))
    a = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
    a = a + a.T
    original_j = jm.parametrizations.weight.original
    tm.weight = torch.tensor(a)
    jm.weight = jaxtorch.tensor(a)
    assert jm.parametrizations.weight.original is original_j  # written in place, as torch's set_
    assert_close(tm.parametrizations.weight.original, jm.parametrizations.weight.original)
    assert_close(tm.weight, jm.weight)
    assert P_J.is_parametrized(jm) and P_J.is_parametrized(jm, "weight") and not P_J.is_parametrized(jm, "bias")
    assert P_J.type_before_parametrizations(jm) is jnn.Linear
    assert P_J.type_before_parametrizations(jnn.Linear(2, 2)) is jnn.Linear


def test_multi_tensor_parametrization():
    tm, jm = pair("Linear", 3, 2)
    copy_state(tm, jm)
    _register_both(tm, jm, "weight", _Sum2)
    assert list(jm.state_dict()) == list(tm.state_dict()) == [
        "bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    for k, v in tm.state_dict().items():
        assert_close(v, jm.state_dict()[k], what=k)
    compare_step(tm, jm, (2, 3))
    with pytest.raises(ValueError, match=r"Cannot leave unparametrized \(`leave_parametrized=False`\)"):
        P_J.remove_parametrizations(jm, "weight", leave_parametrized=False)
    P_T.remove_parametrizations(tm, "weight")
    P_J.remove_parametrizations(jm, "weight")
    assert type(jm) is jnn.Linear and not hasattr(jm, "parametrizations")
    assert isinstance(jm.weight, jnn.Parameter) and jm.weight.is_leaf
    check_keys(tm, jm)
    assert_close(tm.weight, jm.weight)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    tm, jm = pair("Linear", 4, 4)
    copy_state(tm, jm)
    _register_both(tm, jm, "weight", _Symmetric)
    p = jm.parametrizations.weight.original
    P_T.remove_parametrizations(tm, "weight", leave_parametrized=leave)
    P_J.remove_parametrizations(jm, "weight", leave_parametrized=leave)
    assert jm.weight is p and type(jm) is jnn.Linear  # the original Parameter object survives
    assert list(tm.state_dict()) == list(jm.state_dict())
    assert_close(tm.weight, jm.weight)
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        P_J.remove_parametrizations(jm, "weight")


def test_buffer_parametrization():
    tm, jm = pair("BatchNorm1d", 4)
    _register_both(tm, jm, "running_var", _Scale, 2.0)
    check_keys(tm, jm)
    assert "parametrizations.running_var.original" in dict(jm.named_buffers())
    assert_close(tm.running_var, jm.running_var)


def test_registration_errors():
    jm = jnn.Linear(3, 2)

    class Bad(jnn.Module):
        def forward(self, x):
            return x[0]

    with pytest.raises(ValueError, match=r"may not change the shape of the tensor, unless `unsafe` flag is enabled.\n"
                                         r"unparametrized shape: torch.Size\(\[2, 3\]\)\n"
                                         r"parametrized shape: torch.Size\(\[3\]\)"):
        P_J.register_parametrization(jm, "weight", Bad())
    assert not P_J.is_parametrized(jm)
    P_J.register_parametrization(jnn.Linear(3, 2), "weight", Bad(), unsafe=True)

    class Dbl(jnn.Module):
        def forward(self, x):
            return x.double()

    with pytest.raises(ValueError, match="may not change the dtype of the tensor"):
        P_J.register_parametrization(jnn.Linear(3, 2), "weight", Dbl())
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with name "
                                         "'nope'"):
        P_J.register_parametrization(jm, "nope", Dbl())

    class NoInverse(jnn.Module):
        def forward(self, x):
            return x

    m = P_J.register_parametrization(jnn.Linear(3, 2), "weight", NoInverse())
    with pytest.raises(RuntimeError, match="parametrization NoInverse does not implement right_inverse."):
        m.weight = jaxtorch.zeros(2, 3)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.weight = jnn.Parameter(jaxtorch.zeros(2, 3))


def test_cached():
    calls = []

    class Count(jnn.Module):
        def forward(self, x):
            calls.append(1)
            return x * 2

    m = P_J.register_parametrization(jnn.Linear(3, 2), "weight", Count())
    calls.clear()
    with P_J.cached():
        w1, w2 = m.weight, m.weight
        assert w1 is w2
    assert len(calls) == 1
    assert m.weight is not w1 and len(calls) == 2


def test_transfer_deepcopy_pickle():
    tm, jm = pair("Linear", 4, 4)
    copy_state(tm, jm)
    _register_both(tm, jm, "weight", _Symmetric)
    t2, j2 = torch.nn.Linear(4, 4), jnn.Linear(4, 4)
    P_T.transfer_parametrizations_and_params(tm, t2)
    P_J.transfer_parametrizations_and_params(jm, j2)
    assert j2.parametrizations.weight.original is jm.parametrizations.weight.original
    assert list(t2.state_dict()) == list(j2.state_dict())
    assert_close(t2.weight, j2.weight)
    j3 = copy.deepcopy(jm)
    assert type(j3).__name__ == "ParametrizedLinear"
    assert j3.parametrizations.weight.original is not jm.parametrizations.weight.original
    assert_close(tm.weight, j3.weight)
    with pytest.raises(RuntimeError, match="Serialization of parametrized modules is only supported through "
                                           r"state_dict\(\)"):
        pickle.dumps(jm)


def test_train_mode_propagates():
    jm = jnn.Linear(3, 2).eval()
    PS_J.spectral_norm(jm)
    assert not jm.parametrizations.weight[0].training
    jm.train()
    assert jm.parametrizations.weight[0].training


# ------------------------------------------------------------------------------------------- compile
@pytest.mark.parametrize("parametrization", ["weight_norm", "spectral_norm"])
def test_compiled_parametrized_step_matches_eager(parametrization):
    # spectral_norm also writes its _u/_v buffers in place inside the step: compile must carry them out
    def build():
        jaxtorch.manual_seed(0)
        m = getattr(PS_J, parametrization)(jnn.Linear(4, 3))
        return m, jaxtorch.optim.Adam(m.parameters(), lr=0.05)

    x = jaxtorch.tensor(np.random.default_rng(4).standard_normal((5, 4)).astype(np.float32))

    def make_step(m, opt):
        def step(x):
            opt.zero_grad()
            loss = (m(x) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return step

    me, oe = build()
    mc, oc = build()
    eager, compiled = make_step(me, oe), jaxtorch.compile(make_step(mc, oc))
    for _ in range(3):
        # XLA fuses the compiled step differently: agreement to float32 rounding, not bit for bit
        np.testing.assert_allclose(to_np(compiled(x)), to_np(eager(x)), rtol=1e-6, atol=1e-6)
    for (k, a), (_, b) in zip(me.state_dict().items(), mc.state_dict().items()):
        np.testing.assert_allclose(to_np(a), to_np(b), rtol=1e-6, atol=1e-6, err_msg=k)


# ------------------------------------------------------------------------------------------- fusion
@pytest.mark.parametrize("conv,bn,args,transpose,x_shape", [
    ("Conv2d", "BatchNorm2d", (3, 4, 3), False, (2, 3, 5, 5)),
    ("Conv1d", "BatchNorm1d", (3, 4, 3), False, (2, 3, 6)),
    ("ConvTranspose2d", "BatchNorm2d", (3, 4, 3), True, (2, 3, 4, 4)),
])
def test_fuse_conv_bn_eval(conv, bn, args, transpose, x_shape):
    tc, jc = pair(conv, *args)
    tb, jb = pair(bn, 4)
    with torch.no_grad():
        tb.running_mean.uniform_(-1, 1)
        tb.running_var.uniform_(0.5, 2)
        tb.weight.uniform_(0.5, 2)
        tb.bias.uniform_(-1, 1)
    copy_state(tc, jc)
    copy_state(tb, jb)
    tc.eval(), tb.eval(), jc.eval(), jb.eval()
    ft = torch.nn.utils.fuse_conv_bn_eval(tc, tb, transpose=transpose)
    fj = jnn.utils.fuse_conv_bn_eval(jc, jb, transpose=transpose)
    assert fj is not jc and type(fj) is type(jc)
    assert_close(ft.weight, fj.weight)
    assert_close(ft.bias, fj.bias)
    assert isinstance(fj.weight, jnn.Parameter) and fj.weight.requires_grad
    xt, xj = inp(x_shape)
    with torch.no_grad():
        assert_close(ft(xt), fj(xj), 1e-5, 1e-5)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        jnn.utils.fuse_conv_bn_eval(jc.train(), jb)


def test_fuse_linear_bn_eval_and_weights():
    tl, jl = pair("Linear", 5, 4, bias=False)
    tb, jb = pair("BatchNorm1d", 4)
    with torch.no_grad():
        tb.running_mean.uniform_(-1, 1)
        tb.running_var.uniform_(0.5, 2)
    copy_state(tl, jl)
    copy_state(tb, jb)
    tl.eval(), tb.eval(), jl.eval(), jb.eval()
    ft, fj = torch.nn.utils.fuse_linear_bn_eval(tl, tb), jnn.utils.fuse_linear_bn_eval(jl, jb)
    assert_close(ft.weight, fj.weight)
    assert_close(ft.bias, fj.bias)
    assert jl.bias is None  # the original is untouched
    with pytest.raises(AssertionError, match="To fuse, linear.out_features == bn.num_features"):
        jnn.utils.fuse_linear_bn_eval(jl, jnn.BatchNorm1d(3).eval())
    # the weights form, without BatchNorm affine parameters
    wt = torch.nn.utils.fuse_conv_bn_weights(tl.weight, None, tb.running_mean, tb.running_var, 1e-3, None, None)
    wj = jnn.utils.fuse_conv_bn_weights(jl.weight, None, jb.running_mean, jb.running_var, 1e-3, None, None)
    assert_close(list(wt), list(wj))


# ------------------------------------------------------------------------------------- the small helpers
def test_skip_init_functional_call_memory_format():
    m = jnn.utils.skip_init(jnn.Linear, 5, 2)
    assert type(m) is jnn.Linear and tuple(m.weight.shape) == (2, 5)
    m = jnn.utils.skip_init(jnn.Linear, in_features=6, out_features=1, device="cpu")
    assert tuple(m.weight.shape) == (1, 6)
    with pytest.raises(RuntimeError, match="Expected a Module; got"):
        jnn.utils.skip_init(int)
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        jnn.utils.skip_init(jnn.ReLU)

    tm, jm = pair("Linear", 3, 2)
    copy_state(tm, jm)
    w = np.ones((2, 3), np.float32)
    xt, xj = inp((4, 3))
    with pytest.warns(FutureWarning, match="stateless.functional_call` is deprecated"):
        oj = jnn.utils.stateless.functional_call(jm, {"weight": jaxtorch.tensor(w)}, (xj,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ot = torch.nn.utils.stateless.functional_call(tm, {"weight": torch.tensor(w)}, (xt,))
    assert_close(ot, oj)
    # with a parametrized weight, passing the original goes through the parametrization
    PS_T.weight_norm(tm)
    PS_J.weight_norm(jm)
    g = np.full((2, 1), 2.0, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ot = torch.nn.utils.stateless.functional_call(tm, {"parametrizations.weight.original0": torch.tensor(g)}, xt)
        oj = jnn.utils.stateless.functional_call(jm, {"parametrizations.weight.original0": jaxtorch.tensor(g)}, xj)
    assert_close(ot, oj)

    seq = jnn.Sequential(jnn.Conv2d(2, 2, 1), jnn.Conv3d(2, 2, 1))
    w0 = to_np(seq[0].weight)
    assert jnn.utils.convert_conv2d_weight_memory_format(seq, "channels_last") is seq
    assert jnn.utils.convert_conv3d_weight_memory_format(seq, "channels_last_3d") is seq
    np.testing.assert_array_equal(to_np(seq[0].weight), w0)


def test_utils_namespace_matches_torch():
    for name in torch.nn.utils.__all__:
        assert hasattr(jnn.utils, name), name
    for mod in ("parametrize", "parametrizations", "fusion", "stateless", "memory_format"):
        tmod = getattr(torch.nn.utils, mod)
        jmod = __import__(f"jaxtorch.nn.utils.{mod}", fromlist=["_"])
        assert sorted(tmod.__all__) == sorted(jmod.__all__), mod


@pytest.mark.parametrize("orth_map,triv", [("matrix_exp", True), ("cayley", False), ("householder", False)])
def test_orthogonal_batched(orth_map, triv):
    x = np.random.default_rng(5).standard_normal((2, 4, 3)).astype(np.float32)

    def build(lib, ps):
        m = lib.nn.Module()
        m.w = lib.nn.Parameter(lib.tensor(x))
        return ps.orthogonal(m, "w", orth_map, use_trivialization=triv)

    tm, jm = build(torch, PS_T), build(jaxtorch, PS_J)
    check_keys(tm, jm)
    copy_state(tm, jm)
    assert_close(tm.w, jm.w, 1e-5, 1e-5)
    tm.w.sum().backward()
    jm.w.sum().backward()
    assert_close(tm.parametrizations.w.original.grad, jm.parametrizations.w.original.grad, 1e-4, 1e-5)
