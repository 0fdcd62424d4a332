"""torch.fft, torch.stft / istft and the window functions, against real torch.

Complex inputs are built from two real leaves (torch.complex(re, im)) so that gradients are compared on
real tensors, where torch's and JAX's complex-gradient conventions cannot differ.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import jaxtorch
from helpers import assert_close, make_inputs

# float32 FFTs of length <= 12 sum a dozen terms ~2 in size: rounding differs from pocketfft's by a few ulp
# of the largest term, hence atol 1e-5 rather than 1e-6
RTOL, ATOL = 1e-5, 1e-5

X34 = make_inputs([(3, 4)])[0]
X245 = make_inputs([(2, 4, 5)], seed=1)[0]
IM245 = make_inputs([(2, 4, 5)], seed=2)[0]


def _both(fn, *arrays, complex_pair=False, grad=True, loss=None, rtol=RTOL, atol=ATOL):
    """Run fn on torch and jaxtorch tensors made from the same arrays; compare outputs and the gradient of
    `loss(out)` (default: weighted sum of real and imaginary parts) w.r.t. every float leaf."""
    res = []
    for lib in (torch, jaxtorch):
        leaves = [lib.tensor(a, requires_grad=grad and np.issubdtype(a.dtype, np.floating)) for a in arrays]
        inp = [lib.complex(leaves[0], leaves[1])] + leaves[2:] if complex_pair else leaves
        out = fn(lib, *inp)
        res.append((leaves, out))
    (t_leaves, t_out), (j_leaves, j_out) = res
    assert_close(t_out, j_out, rtol, atol)
    if not grad or not any(t.requires_grad for t in t_leaves):
        return t_out, j_out
    losses = []
    for lib, out in ((torch, t_out), (jaxtorch, j_out)):
        w = lib.tensor(np.linspace(0.5, 1.5, int(np.prod(out.shape)) or 1).astype(np.float32)[:out.numel()]
                       .reshape(tuple(out.shape))).to(out.real.dtype)
        if loss is not None:
            losses.append(loss(lib, out))
        elif out.is_complex():
            losses.append((out.real * w).sum() + (out.imag * w.flip(-1)).sum())
        else:
            losses.append((out * w).sum())
    losses[0].backward()
    losses[1].backward()
    for a, b in zip(t_leaves, j_leaves):
        if a.requires_grad:
            assert_close(a.grad, b.grad, rtol * 10, atol * 10, what="grad")
    return t_out, j_out


# ---------------------------------------------------------------------------------------------
# torch.fft: values, dtypes, shapes and gradients


ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]


@pytest.mark.parametrize("name", ONE_D)
@pytest.mark.parametrize("kw", [{}, {"n": 3}, {"n": 7, "dim": 0}, {"norm": "ortho"}, {"norm": "forward", "dim": -2},
                                {"norm": "backward", "n": 6}])
def test_fft_1d_real_input(name, kw):
    _both(lambda lib, x: getattr(lib.fft, name)(x, **kw), X34)


@pytest.mark.parametrize("name", ["fft", "ifft", "irfft", "hfft"])
@pytest.mark.parametrize("kw", [{}, {"n": 4, "norm": "ortho"}, {"dim": 1, "norm": "forward"}])
def test_fft_1d_complex_input(name, kw):
    _both(lambda lib, x: getattr(lib.fft, name)(x, **kw), X245, IM245, complex_pair=True)


ND = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]


@pytest.mark.parametrize("name", ND)
@pytest.mark.parametrize("kw", [{}, {"s": (3, 6)}, {"s": (-1, 4), "dim": (0, 2), "norm": "forward"},
                                {"dim": (2, 0), "norm": "ortho"}])
def test_fft_nd_real_input(name, kw):
    if name.endswith("n") and not kw:
        kw = {"dim": (1, 2)} if name[1:3] in ("rf", "hf") or name.startswith(("irf", "ihf")) else {}
    _both(lambda lib, x: getattr(lib.fft, name)(x, **kw), X245)


@pytest.mark.parametrize("name", ["fftn", "ifftn", "irfftn", "hfftn"])
def test_fft_nd_complex_input(name):
    _both(lambda lib, x: getattr(lib.fft, name)(x, s=(3, 4), norm="ortho"), X245, IM245, complex_pair=True)


def test_fftn_all_dims_and_s_only():
    _both(lambda lib, x: lib.fft.fftn(x), X245)
    _both(lambda lib, x: lib.fft.fftn(x, s=(3, 2)), X245)  # s alone: the last len(s) dims
    _both(lambda lib, x: lib.fft.rfftn(x, s=5), X245)  # an int s / dim is one dim
    _both(lambda lib, x: lib.fft.fftn(x, dim=1), X245)
    _both(lambda lib, x: lib.fft.fftn(x, dim=()), X245)  # no dims: a cast to complex


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.bool_])
@pytest.mark.parametrize("name", ["fft", "rfft", "ihfft", "irfft", "hfft", "fft2", "irfftn"])
def test_fft_dtypes(dtype, name):
    x = make_inputs([(3, 4)], dtype=dtype)[0]
    _both(lambda lib, x: getattr(lib.fft, name)(x), x, rtol=1e-10 if dtype == np.float64 else RTOL)


def test_fft_float64_default_dtype_promotes_ints():
    x = make_inputs([(4,)], dtype=np.int64)[0]
    for lib in (torch, jaxtorch):
        lib.set_default_dtype(lib.float64)
    try:
        _both(lambda lib, x: lib.fft.fft(x), x)
        _both(lambda lib, x: lib.fft.irfft(x), x)
    finally:
        for lib in (torch, jaxtorch):
            lib.set_default_dtype(lib.float32)


def test_complex128_input_keeps_precision():
    a = make_inputs([(2, 4, 5)], dtype=np.float64, seed=3)[0]
    _both(lambda lib, x: lib.fft.fft(x), a, IM245.astype(np.float64), complex_pair=True, rtol=1e-12, atol=1e-12)


def test_fft_of_empty_input_with_n():
    _both(lambda lib, x: lib.fft.fft(x, n=3), np.zeros((0,), np.float32), grad=False)


def test_fft_0d_fftn():
    _both(lambda lib, x: lib.fft.fftn(x), np.array(2.0, np.float32))


def test_fft_out():
    for lib in (torch, jaxtorch):
        x = lib.tensor(X34)
        out = lib.empty(3, 4, dtype=lib.complex64)
        r = lib.fft.fft(x, out=out)
        assert r is out
    assert_close(torch.fft.fft(torch.tensor(X34)), out)


@pytest.mark.parametrize("loss", ["abs2", "abs", "angle_free"])
def test_complex_output_losses(loss):
    """Real losses of complex outputs (power spectra, magnitudes) backpropagate like torch's."""
    fns = {"abs2": lambda lib, y: (y.abs() ** 2).sum(),
           "abs": lambda lib, y: (y.abs() * lib.arange(y.shape[-1], dtype=lib.float32)).sum(),
           "angle_free": lambda lib, y: (y.real ** 3 - 2 * y.imag).sum()}
    _both(lambda lib, x: lib.fft.rfft2(x, norm="ortho"), X34, loss=fns[loss])
    _both(lambda lib, x: lib.fft.fft(x, n=6), X245, IM245, complex_pair=True, loss=fns[loss])


def test_roundtrips():
    for lib in (jaxtorch,):
        x = lib.tensor(X245)
        assert_close(torch.tensor(X245), lib.fft.irfftn(lib.fft.rfftn(x), s=x.shape), 1e-5, 1e-6)
        assert_close(torch.tensor(X245).to(torch.complex64), lib.fft.ifft(lib.fft.fft(x)), 1e-5, 1e-6)
        assert_close(torch.tensor(X245), lib.fft.hfft(lib.fft.ihfft(x), n=5), 1e-5, 1e-6)


# ---------------------------------------------------------------------------------------------
# fftfreq, rfftfreq, fftshift, ifftshift


@pytest.mark.parametrize("args", [(5,), (4,), (1,), (0,), (7, 0.1), (6, 2.5)])
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_fftfreq(args, dtype):
    for name in ("fftfreq", "rfftfreq"):
        kw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
        jkw = {} if dtype is None else {"dtype": getattr(jaxtorch, dtype)}
        assert_close(getattr(torch.fft, name)(*args, **kw), getattr(jaxtorch.fft, name)(*args, **jkw), 1e-7, 1e-8)


def test_fftfreq_kwargs():
    t = torch.fft.fftfreq(4, d=torch.tensor(2.0), requires_grad=True)
    j = jaxtorch.fft.fftfreq(4, d=jaxtorch.tensor(2.0), requires_grad=True)
    assert_close(t, j)
    assert j.requires_grad and j.is_leaf


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), [1], (0, 0)])
def test_fftshift(dim):
    for arr in (X245, np.arange(2 * 4 * 5).reshape(2, 4, 5)):
        for name in ("fftshift", "ifftshift"):
            _both(lambda lib, x: getattr(lib.fft, name)(x, dim=dim), arr)
    assert_close(torch.fft.ifftshift(torch.fft.fftshift(torch.arange(7))),
                 jaxtorch.fft.ifftshift(jaxtorch.fft.fftshift(jaxtorch.arange(7))))


# ---------------------------------------------------------------------------------------------
# errors


def _same_error(fn, *arrays):
    with pytest.raises(Exception) as t_err:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(t_err.value)) as j_err:
        fn(jaxtorch, *[jaxtorch.tensor(a) for a in arrays])
    assert str(j_err.value).splitlines()[0] == str(t_err.value).splitlines()[0]


C34 = (X34 + 1j * X34).astype(np.complex64)


@pytest.mark.parametrize("fn,arr", [
    (lambda lib, x: lib.fft.fft(x, n=0), X34),
    (lambda lib, x: lib.fft.ifft(x, n=-1), X34),
    (lambda lib, x: lib.fft.fft(x, norm="bad"), X34),
    (lambda lib, x: lib.fft.fftn(x, norm="ORTHO"), X34),
    (lambda lib, x: lib.fft.fft(x, dim=2), X34),
    (lambda lib, x: lib.fft.fft(x), np.array(1.0, np.float32)),
    (lambda lib, x: lib.fft.fft(x.half()), X34),
    (lambda lib, x: lib.fft.rfft(x), C34),
    (lambda lib, x: lib.fft.ihfft2(x), C34),
    (lambda lib, x: lib.fft.irfft(x), np.zeros((4, 1), np.float32)),
    (lambda lib, x: lib.fft.hfft(x), np.zeros((4, 1), np.float32)),
    (lambda lib, x: lib.fft.fft(x), np.zeros((0,), np.float32)),
    (lambda lib, x: lib.fft.fftn(x, s=(2,), dim=(0, 1)), X34),
    (lambda lib, x: lib.fft.fftn(x, dim=(0, 0)), X34),
    (lambda lib, x: lib.fft.fftn(x, dim=(1, -1)), X34),
    (lambda lib, x: lib.fft.fftn(x, s=(0, 3)), X34),
    (lambda lib, x: lib.fft.fftn(x, s=(-2, 3)), X34),
    (lambda lib, x: lib.fft.fftn(x, s=(3, 3, 3)), X34),
    (lambda lib, x: lib.fft.fft2(x), np.zeros(3, np.float32)),
    (lambda lib, x: lib.fft.rfftn(x, dim=()), X34),
    (lambda lib, x: lib.fft.irfftn(x, dim=()), X34),
    (lambda lib, x: lib.fft.rfft2(x, s=(3,)), X34),
    (lambda lib, x: lib.fft.fft(x, 4.0), X34),
    (lambda lib, x: lib.fft.fftshift(x, dim=5), X34),
    (lambda lib, x: lib.fft.fftfreq(5, dtype=lib.int64), X34),
    (lambda lib, x: lib.fft.fftfreq(-1), X34),
    (lambda lib, x: lib.fft.rfftfreq(4, dtype=lib.complex64), X34),
    (lambda lib, x: lib.fft.rfft2(x), C34),
    (lambda lib, x: lib.fft.ihfft(x), C34),
])
def test_fft_errors(fn, arr):
    _same_error(fn, arr)


# ---------------------------------------------------------------------------------------------
# stft / istft

SIG = make_inputs([(2, 40)], seed=4)[0]


def _quiet(fn):
    def run(*a):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*a)

    return run


STFT_CASES = [
    dict(n_fft=8),
    dict(n_fft=8, hop_length=3, win_length=6),
    dict(n_fft=8, center=False),
    dict(n_fft=9, pad_mode="constant", normalized=True),
    dict(n_fft=8, onesided=False),
    dict(n_fft=8, pad_mode="replicate", hop_length=5),
    dict(n_fft=7, pad_mode="circular", win_length=5),
    dict(n_fft=8, win_length=4, center=False, align_to_window=True),
]


@pytest.mark.parametrize("kw,batched", [(kw, True) for kw in STFT_CASES] + [(STFT_CASES[i], False) for i in (0, 2, 4)])
def test_stft(kw, batched):
    x = SIG if batched else SIG[0]

    def fn(lib, x):
        win = lib.hann_window(kw.get("win_length", kw["n_fft"]))
        return lib.stft(x, window=win, return_complex=True, **kw)

    _both(fn, x)
    if batched:  # a power spectrogram loss: its gradient flows through abs() of the complex output
        _both(fn, x, loss=lambda lib, y: (y.abs() ** 2).sum())


def test_stft_window_and_dtypes():
    w = make_inputs([(6,)], seed=5, low=0.1, high=1.0)[0]
    # a learnable window gets its gradient too
    _both(lambda lib, x, w: lib.stft(x, 8, 2, 6, window=w, return_complex=True), SIG, w)
    _both(_quiet(lambda lib, x: lib.stft(x, 8, return_complex=True)), SIG)  # no window: rectangular
    _both(lambda lib, x, w: lib.stft(x, 8, 2, 6, window=w.double(), return_complex=True), SIG, w)
    _both(lambda lib, x: lib.stft(x.double(), 8, window=lib.hann_window(8, dtype=lib.float64), return_complex=True),
          SIG, rtol=1e-10, atol=1e-10)
    _both(_quiet(lambda lib, x: lib.stft(x, 8, window=lib.hann_window(8), return_complex=False)), SIG)
    _both(lambda lib, x: x.stft(8, window=lib.hann_window(8), return_complex=True), SIG)  # Tensor method
    # complex input: two-sided by default, return_complex may be left out
    _both(lambda lib, x: lib.stft(x, 8, window=lib.hann_window(8)), SIG, SIG[::-1].copy(), complex_pair=True)


@pytest.mark.parametrize("kw", [dict(), dict(hop_length=3, win_length=6), dict(normalized=True),
                                dict(length=35), dict(onesided=False)])
def test_istft(kw):
    n_fft = 8
    win_len = kw.get("win_length", n_fft)
    skw = {k: v for k, v in kw.items() if k in ("hop_length", "win_length", "normalized", "onesided")}
    spec = {}
    for lib in (torch, jaxtorch):
        s = lib.stft(lib.tensor(SIG), n_fft, window=lib.hann_window(win_len), return_complex=True, **skw)
        spec[lib] = np.asarray(s.detach().numpy() if lib is torch else s._value())

    def fn(lib, re, im):
        return lib.istft(lib.complex(re, im), n_fft, window=lib.hann_window(win_len), **kw)

    _both(fn, spec[torch].real.copy(), spec[torch].imag.copy())
    # stft -> istft gives the signal back
    out = fn(jaxtorch, jaxtorch.tensor(spec[jaxtorch].real.copy()), jaxtorch.tensor(spec[jaxtorch].imag.copy()))
    assert_close(torch.tensor(SIG[:, :out.shape[-1]]), out, 1e-5, 1e-5)


def test_istft_more():
    spec = torch.stft(torch.tensor(SIG), 8, window=torch.hann_window(8), return_complex=True)
    re, im = spec.real.numpy().copy(), spec.imag.numpy().copy()
    _both(lambda lib, r, i: lib.complex(r, i).istft(8, window=lib.hann_window(8)), re, im)
    _both(lambda lib, r, i: lib.istft(lib.complex(r, i)[0], 8, window=lib.hann_window(8)), re, im)
    _both(_quiet(lambda lib, r, i: lib.istft(lib.complex(r, i), 8)), re, im)
    _both(_quiet(lambda lib, r, i: lib.istft(lib.complex(r, i), 8, window=lib.hann_window(8), length=50)), re, im)
    _both(lambda lib, r, i: lib.istft(lib.complex(r, i).to(lib.complex128), 8, window=lib.hann_window(8)), re, im)
    _both(lambda lib, r, i: lib.istft(lib.complex(r, i), 8, hop_length=8, window=lib.ones(8), center=False), re, im)
    # two-sided complex spectrum back to a complex signal
    c = torch.stft(torch.complex(torch.tensor(SIG), torch.tensor(SIG[::-1].copy())), 8, window=torch.hann_window(8))
    _both(lambda lib, r, i: lib.istft(lib.complex(r, i), 8, window=lib.hann_window(8), return_complex=True),
          c.real.numpy().copy(), c.imag.numpy().copy())


def test_stft_istft_warnings():
    x = jaxtorch.tensor(SIG)
    with pytest.warns(UserWarning, match="A window was not provided"):
        s = jaxtorch.stft(x, 8, return_complex=True)
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        jaxtorch.stft(x, 8, window=jaxtorch.hann_window(8), return_complex=False)
    with pytest.warns(UserWarning, match="Please provide the same window used by stft"):
        jaxtorch.istft(s, 8)
    with pytest.warns(UserWarning, match="The length of signal is shorter than the length parameter"):
        jaxtorch.istft(s, 8, window=jaxtorch.ones(8), length=60)


@pytest.mark.parametrize("fn,arr", [
    (lambda lib, x: lib.stft(x, 8), SIG[0]),
    (lambda lib, x: lib.stft(x, 8, window=lib.ones(5), return_complex=True), SIG[0]),
    (lambda lib, x: lib.stft(x.double(), 8, window=lib.ones(8, 2), return_complex=True), SIG[0]),
    (lambda lib, x: lib.stft(x, 8, win_length=9, return_complex=True), SIG),
    (lambda lib, x: lib.stft(x, 8, win_length=0, return_complex=True), SIG[0]),
    (lambda lib, x: lib.stft(x, 8, hop_length=0, return_complex=True), SIG[0]),
    (lambda lib, x: lib.stft(x, 0, return_complex=True), SIG[0]),
    (lambda lib, x: lib.stft(x, 41, center=False, return_complex=True), SIG[0]),
    (lambda lib, x: lib.stft(x, 80, return_complex=True), SIG[0]),
    (lambda lib, x: lib.stft(x, 8, pad_mode="bad", return_complex=True), SIG[0]),
    (lambda lib, x: lib.stft(x.reshape(2, 2, 20), 8, return_complex=True), SIG),
    (lambda lib, x: lib.stft(x.long(), 8, return_complex=True), SIG[0]),
    (lambda lib, x: lib.stft(x.to(lib.complex64), 8, onesided=True), SIG[0]),
    (lambda lib, x: lib.stft(x.to(lib.complex128), 8, window=lib.ones(5)), SIG[0]),
    (lambda lib, x: lib.stft(x, 8, return_complex=True, align_to_window=True), SIG[0]),
])
def test_stft_errors(fn, arr):
    _same_error(_quiet(fn), arr)


SPEC = torch.stft(torch.tensor(SIG[0]), 8, window=torch.hann_window(8), return_complex=True).numpy()


@pytest.mark.parametrize("fn", [
    lambda lib, s: lib.istft(s.real, 8, window=lib.hann_window(8)),
    lambda lib, s: lib.istft(s, 8, window=lib.hann_window(8), onesided=False),
    lambda lib, s: lib.istft(s, 8, window=lib.hann_window(8), return_complex=True),
    lambda lib, s: lib.istft(s, 8, window=lib.hann_window(8), center=False),
    lambda lib, s: lib.istft(s, 9, window=lib.hann_window(8)),
    lambda lib, s: lib.istft(s.to(lib.complex128), 8, window=lib.ones(9)),
    lambda lib, s: lib.istft(s, 8, window=lib.ones(8), hop_length=9, center=False),
    lambda lib, s: lib.istft(s, 8, window=lib.hann_window(8), hop_length=0),
    lambda lib, s: lib.istft(s, 8, window=lib.hann_window(8), win_length=9),
    lambda lib, s: lib.istft(s[None, None], 8, window=lib.hann_window(8)),
    lambda lib, s: lib.istft(s[0], 8, window=lib.hann_window(8)),
    lambda lib, s: lib.istft(s, 8, window=lib.ones(8, dtype=lib.complex64)),
])
def test_istft_errors(fn):
    _same_error(_quiet(fn), SPEC)


# ---------------------------------------------------------------------------------------------
# window functions


TORCH_WINDOWS = [("hann_window", ()), ("hamming_window", ()), ("hamming_window", (0.5, 0.4)),
                 ("blackman_window", ()), ("bartlett_window", ()), ("kaiser_window", ()), ("kaiser_window", (3.5,))]


@pytest.mark.parametrize("name,extra", TORCH_WINDOWS)
@pytest.mark.parametrize("n", [0, 1, 2, 7, 16])
@pytest.mark.parametrize("periodic", [True, False])
def test_torch_windows(name, extra, n, periodic):
    assert_close(getattr(torch, name)(n, periodic, *extra), getattr(jaxtorch, name)(n, periodic, *extra))


@pytest.mark.parametrize("name,extra", TORCH_WINDOWS[:5] + TORCH_WINDOWS[6:])
def test_torch_window_dtypes(name, extra):
    for dt, tol in (("float64", 1e-12), ("float16", 1e-3), ("bfloat16", 1e-2)):
        t = getattr(torch, name)(9, True, *extra, dtype=getattr(torch, dt))
        j = getattr(jaxtorch, name)(9, True, *extra, dtype=getattr(jaxtorch, dt))
        assert str(t.dtype) == repr(j.dtype)
        # torch computes half-precision windows in half precision; ours are rounded from float64
        assert_close(t.double(), j.double(), tol, tol)
    j = getattr(jaxtorch, name)(5, requires_grad=True)
    assert j.requires_grad and j.is_leaf


@pytest.mark.parametrize("fn", [
    lambda lib: lib.hann_window(-1), lambda lib: lib.hann_window(5, dtype=lib.int64),
    lambda lib: lib.bartlett_window(5, dtype=lib.int32), lambda lib: lib.kaiser_window(5, dtype=lib.int64),
    lambda lib: lib.hann_window(5.0), lambda lib: lib.hann_window(True), lambda lib: lib.blackman_window(-3),
])
def test_torch_window_errors(fn):
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(type(t_err.value)) as j_err:
        fn(jaxtorch)
    assert str(j_err.value).splitlines()[0] == str(t_err.value).splitlines()[0]


SIGNAL_WINDOWS = [
    ("bartlett", {}), ("blackman", {}), ("cosine", {}), ("exponential", {}), ("exponential", {"tau": 2.5}),
    ("gaussian", {}), ("gaussian", {"std": 3.0}), ("general_cosine", {"a": [0.46, 0.23, 0.31]}),
    ("general_hamming", {}), ("general_hamming", {"alpha": 0.3}), ("hamming", {}), ("hann", {}),
    ("kaiser", {}), ("kaiser", {"beta": 0.0}), ("kaiser", {"beta": 4.0}), ("nuttall", {}),
]


@pytest.mark.parametrize("name,kw", SIGNAL_WINDOWS)
@pytest.mark.parametrize("m", [0, 1, 2, 7, 10])
@pytest.mark.parametrize("sym", [True, False])
def test_signal_windows(name, kw, m, sym):
    tfn, jfn = getattr(torch.signal.windows, name), getattr(jaxtorch.signal.windows, name)
    assert_close(tfn(m, sym=sym, **kw), jfn(m, sym=sym, **kw))
    assert_close(tfn(m, sym=sym, dtype=torch.float64, **kw), jfn(m, sym=sym, dtype=jaxtorch.float64, **kw), 1e-7, 1e-7)


def test_signal_exponential_center():
    assert_close(torch.signal.windows.exponential(7, center=1.5, sym=False),
                 jaxtorch.signal.windows.exponential(7, center=1.5, sym=False))
    j = jaxtorch.signal.windows.hann(5, requires_grad=True)
    assert j.requires_grad


@pytest.mark.parametrize("fn", [
    lambda w, lib: w.hann(-1), lambda w, lib: w.hann(5, dtype=lib.int64), lambda w, lib: w.hann(5, dtype=lib.float16),
    lambda w, lib: w.blackman(-2), lambda w, lib: w.kaiser(5, dtype=lib.int32),
    lambda w, lib: w.gaussian(5, std=0), lambda w, lib: w.gaussian(5, std=-1.0), lambda w, lib: w.exponential(5, tau=0),
    lambda w, lib: w.exponential(5, center=1.0), lambda w, lib: w.kaiser(5, beta=-1.0),
    lambda w, lib: w.general_cosine(5), lambda w, lib: w.general_cosine(5, a=[]),
    lambda w, lib: w.general_cosine(5, a=0.5),
])
def test_signal_window_errors(fn):
    with pytest.raises(Exception) as t_err:
        fn(torch.signal.windows, torch)
    with pytest.raises(type(t_err.value)) as j_err:
        fn(jaxtorch.signal.windows, jaxtorch)
    assert str(j_err.value).splitlines()[0] == str(t_err.value).splitlines()[0]
