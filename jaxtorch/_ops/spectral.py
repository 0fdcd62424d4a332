"""torch.fft, torch.stft / istft and the window functions (torch.hann_window, torch.signal.windows)."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as _dt
from .._tensor import Tensor
from ._checks import wrap_dim
from ._dispatch import apply
from ._registry import register
from .creation import _finish

# ---------------------------------------------------------------------------------------------
# torch.fft
#
# One pure function runs every transform; `kind` picks it:
#   c2c (fftn / ifftn), r2c (rfftn), c2r (irfftn), hfft (c2r of the conjugate), ihfft (conj of r2c).
# hfft/ihfft are the "forward" direction of a Hermitian signal: they equal irfft/rfft of the conjugate
# with the normalisation mode mirrored (backward <-> forward), which is how they are computed here.

_GRAD_FN = {"c2c": "FftC2CBackward0", "ic2c": "FftC2CBackward0", "r2c": "FftR2CBackward0",
            "c2r": "FftC2RBackward0", "hfft": "FftC2RBackward0", "ihfft": "FftR2CBackward0"}
_NORM_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _fft_impl(x, *, kind, s, axes, norm, dtype):
    x = lax.convert_element_type(x, dtype)
    if not axes:  # torch: fftn over no dims is a cast to complex
        return x
    if kind == "c2c":
        return jnp.fft.fftn(x, s=s, axes=axes, norm=norm)
    if kind == "ic2c":
        return jnp.fft.ifftn(x, s=s, axes=axes, norm=norm)
    if kind == "r2c":
        return jnp.fft.rfftn(x, s=s, axes=axes, norm=norm)
    if kind == "c2r":
        return jnp.fft.irfftn(x, s=s, axes=axes, norm=norm)
    if kind == "hfft":
        return jnp.fft.irfftn(jnp.conj(x), s=s, axes=axes, norm=_NORM_SWAP[norm])
    # ihfft
    return jnp.conj(jnp.fft.rfftn(x, s=s, axes=axes, norm=_NORM_SWAP[norm]))


def _norm_mode(norm) -> str:
    if norm is None:
        return "backward"
    if norm not in ("backward", "ortho", "forward"):
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _check_int(fname: str, argname: str, pos: int | None, v) -> None:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        where = f" (position {pos})" if pos else ""
        raise TypeError(f"{fname}(): argument '{argname}'{where} must be int, not {type(v).__name__}")


def _fft_dtypes(name: str, x: Tensor, kind: str):
    """(dtype the input is cast to, for the transform) following torch: ints go to the default float."""
    d = x.dtype
    if d in (_dt.float16, _dt.bfloat16):
        raise RuntimeError(f"Unsupported dtype {_dt.SCALAR_NAMES[d.name]}")
    if d.is_complex:
        if kind in ("r2c", "ihfft"):
            cname = _dt.SCALAR_NAMES[d.name]
            if name in ("rfft", "ihfft"):
                raise RuntimeError(f"{name} expects a real input tensor, but got {cname}")
            if kind == "r2c":
                raise RuntimeError(f"rfftn expects a real-valued input tensor, but got {cname}")
            raise RuntimeError(f"Only supports floating-point dtypes, but found: {cname}")
        return d.np
    real = d if d.is_floating_point else _dt.get_default_dtype()
    if kind in ("r2c", "ihfft"):
        return real.np
    return real.to_complex().np


def _plan(x: Tensor, s, dim, *, default_all: bool):
    """Resolve torch's (s, dim) defaults into (sizes or None per transformed dim, wrapped dims)."""
    nd = x.ndim
    if s is not None and not isinstance(s, (list, tuple)):
        s = (s,)
    if dim is not None and not isinstance(dim, (list, tuple)):
        dim = (dim,)
    if dim is not None:
        dims = tuple(wrap_dim(d, nd) if nd else _no_dims(d) for d in dim)
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > nd:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {nd} dimensions.")
        dims = tuple(range(nd - len(s), nd))
    else:
        dims = tuple(range(nd)) if default_all else ()
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    sizes = None
    if s is not None:
        sizes = []
        for v in s:
            v = int(v)
            if v == -1:
                sizes.append(None)
            elif v < 1:
                raise RuntimeError(f"Invalid number of data points ({v}) specified")
            else:
                sizes.append(v)
    return sizes, dims


def _no_dims(d):
    raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")


def _run_fft(name: str, kind: str, x: Tensor, sizes, dims, norm, half_last: bool) -> Tensor:
    """Fill in default sizes, check them, and dispatch. `half_last`: the last dim is a one-sided
    Hermitian half whose default full length is 2 * (m - 1) (irfft, hfft)."""
    norm = _norm_mode(norm)
    dtype = _fft_dtypes(name, x, kind)
    shape = tuple(x.shape)
    sizes = list(sizes) if sizes is not None else [None] * len(dims)
    for i, d in enumerate(dims):
        if sizes[i] is None:
            sizes[i] = 2 * (shape[d] - 1) if half_last and i == len(dims) - 1 else shape[d]
        if sizes[i] < 1:
            raise RuntimeError(f"Invalid number of data points ({sizes[i]}) specified")
    static = (("kind", kind), ("s", tuple(sizes)), ("axes", tuple(dims)), ("norm", norm), ("dtype", np.dtype(dtype)))
    return apply(_fft_impl, (x,), static, name=_GRAD_FN[kind])


def _fft1(name: str, kind: str, half: bool):
    def op(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
        if n is not None:
            _check_int(f"fft_{name}", "n", 2, n)
        _check_int(f"fft_{name}", "dim", None, dim)
        if input.ndim == 0:
            _no_dims(dim)
        d = wrap_dim(dim, input.ndim)
        if n is not None and n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
        return _run_fft(name, kind, input, None if n is None else [n], (d,), norm, half)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"torch.fft.{name}: the one-dimensional {name.upper()} along `dim`."
    return op


def _fftn(name: str, kind: str, half: bool, default_dim):
    def op(input: Tensor, s=None, dim=default_dim, norm: str | None = None) -> Tensor:
        if input.ndim == 0 and dim is not None and not isinstance(dim, (list, tuple)):
            _no_dims(dim)
        sizes, dims = _plan(input, s, dim, default_all=True)
        if not dims and kind != "c2c" and kind != "ic2c":
            raise RuntimeError(f"{name} must transform at least one axis")
        return _run_fft(name, kind, input, sizes, dims, norm, half)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"torch.fft.{name}: the {name.upper()} over the dims `dim` (sizes `s`)."
    return op


_KINDS = {"fft": ("c2c", False), "ifft": ("ic2c", False), "rfft": ("r2c", False), "irfft": ("c2r", True),
          "hfft": ("hfft", True), "ihfft": ("ihfft", False)}
for _base, (_kind, _half) in _KINDS.items():
    register(_base, method=False, namespace="fft")(_fft1(_base, _kind, _half))
    register(_base + "2", method=False, namespace="fft")(_fftn(_base + "2", _kind, _half, (-2, -1)))
    register(_base + "n", method=False, namespace="fft")(_fftn(_base + "n", _kind, _half, None))


def _shift_impl(x, *, shifts, axes):
    return jnp.roll(x, shifts, axes) if axes else x


def _shift(input: Tensor, dim, sign: int) -> Tensor:
    nd = input.ndim
    if dim is None:
        dims = tuple(range(nd))
    else:
        dims = tuple(wrap_dim(d, nd) for d in (dim if isinstance(dim, (list, tuple)) else (dim,)))
    # fftshift rolls by floor(n/2) forwards, ifftshift by the same backwards (repeated dims add up)
    shifts = tuple((input.shape[d] // 2) * sign for d in dims)
    return apply(_shift_impl, (input,), (("shifts", shifts), ("axes", dims)), name="RollBackward0")


@register(method=False, namespace="fft", out=False)
def fftshift(input: Tensor, dim=None) -> Tensor:
    """Move the zero-frequency term to the centre of each dim in `dim` (all dims by default)."""
    return _shift(input, dim, 1)


@register(method=False, namespace="fft", out=False)
def ifftshift(input: Tensor, dim=None) -> Tensor:
    """The inverse of fftshift."""
    return _shift(input, dim, -1)


def _freq(name: str, values, n: int, d, dtype, device, requires_grad) -> Tensor:
    dt = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if not dt.is_inexact:
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    if dt.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{_dt.SCALAR_NAMES[dt.name]}'")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    d = float(d.item() if isinstance(d, Tensor) else d)
    # torch: arange in the dtype, times the scalar 1 / (n * d) rounded to the dtype
    real = np.float64 if dt in (_dt.float64, _dt.complex128) else np.float32
    with np.errstate(divide="ignore", invalid="ignore"):  # n == 0: rfftfreq's one entry is 0 * inf = nan
        scale = real(np.float64(1.0) / np.float64(n * d))
        arr = values.astype(real) * scale
    return _finish(Tensor._make(jnp.asarray(arr, dtype=dt.np)), device, requires_grad)


@register(method=False, namespace="fft")
def fftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """Sample frequencies of fft(x) for a signal of size n and spacing d."""
    k = np.arange(max(n, 0))
    k = np.where(k < (n + 1) // 2, k, k - n)
    return _freq("fftfreq", k, n, d, dtype, device, requires_grad)


@register(method=False, namespace="fft")
def rfftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """Sample frequencies of rfft(x) for a signal of size n and spacing d."""
    return _freq("rfftfreq", np.arange(max(n, 0) // 2 + 1 if n >= 0 else 0), n, d, dtype, device, requires_grad)


# ---------------------------------------------------------------------------------------------
# stft / istft


def _type_str(t: Tensor, braces: bool = False) -> str:
    """How torch's stft/istft error prefix prints a tensor: torch.FloatTensor[48], CPUComplexFloatType[5, 21]."""
    name = _dt.SCALAR_NAMES[t.dtype.name]
    dims = ", ".join(str(v) for v in t.shape)
    shape = f"{{[{dims}]}}" if braces else f"[{dims}]"
    return (f"CPU{name}Type" if t.dtype.is_complex else f"torch.{name}Tensor") + shape


def _opt(v) -> str:
    return "None" if v is None else str(int(v))


def _frame_idx(n_frames: int, n_fft: int, hop: int) -> np.ndarray:
    return np.arange(n_frames)[:, None] * hop + np.arange(n_fft)[None, :]


def _stft_impl(x, window, *, n_fft, hop, n_frames, left, onesided, normalized, work, dtype):
    frames = x.astype(work)[..., _frame_idx(n_frames, n_fft, hop)]  # (B, frames, n_fft)
    w = jnp.zeros((n_fft,), work).at[left:left + window.shape[0]].set(window.astype(work))
    out = jnp.fft.rfft(frames * w, axis=-1) if onesided else jnp.fft.fft(frames * w, axis=-1)
    if normalized:
        out = out * (1.0 / math.sqrt(n_fft))
    return jnp.swapaxes(out, -1, -2).astype(dtype)


def _as_real_impl(x):
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)


@register()
def stft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Tensor | None = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: bool | None = None, return_complex: bool | None = None,
         align_to_window: bool | None = None) -> Tensor:
    """Short-time Fourier transform of a 1D signal or a batch (B, L): (B?, freq, frames), complex."""
    complex_in = input.dtype.is_complex or (window is not None and window.dtype.is_complex)
    if return_complex is None and not complex_in:
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    x = input
    if center:
        from ..nn._functional.padding import pad as _pad

        shape = tuple(x.shape)
        ext = (1,) * (3 - len(shape)) + shape if len(shape) < 3 else shape
        x = _pad(x.reshape(ext), [n_fft // 2, n_fft // 2], pad_mode)
        x = x.reshape(x.shape[-len(shape):]) if len(shape) else x.reshape(-1)
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is known to cause "
                      "spectral leakage. Other windows such as torch.hann_window or torch.hamming_window are "
                      "recommended to reduce spectral leakage.To suppress this warning and use a rectangular "
                      "window, explicitly set `window=torch.ones(n_fft, device=<device>)`.", UserWarning, stacklevel=3)
    prefix = (f"stft({_type_str(x)}, n_fft={n_fft}, hop_length={hop}, win_length={win}, window="
              f"{'None' if window is None else _type_str(window, True)}, normalized={int(bool(normalized))}, "
              f"onesided={_opt(onesided)}, return_complex={_opt(return_complex)}, "
              f"align_to_window={_opt(align_to_window)}) : ")
    if x.ndim not in (1, 2):
        raise RuntimeError(prefix + "expected a 1D or 2D tensor")
    if not x.dtype.is_inexact:
        raise RuntimeError(prefix + "expected a tensor of floating point or complex values")
    if x.dtype in (_dt.float16, _dt.bfloat16):
        raise RuntimeError(f"MKL FFT doesn't support tensors of type: {_dt.SCALAR_NAMES[x.dtype.name]}")
    length = x.shape[-1]
    if n_fft <= 0 or n_fft > length:
        raise RuntimeError(prefix + f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(prefix + f"expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise RuntimeError(prefix + f"expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise RuntimeError(prefix + f"expected a 1D window tensor of size equal to win_length={win}, but got "
                                    f"window with size {list(window.shape)}")
    if onesided is None:
        onesided = not complex_in
    elif onesided and complex_in:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    left = (n_fft - win) // 2
    if align_to_window:
        # each frame's window starts at frame * hop in the signal (not the n_fft region)
        from ..nn._functional.padding import pad as _pad

        x = _pad(x, [left, n_fft - win - left])
        n_frames = 1 + (length - win) // hop
    else:
        n_frames = 1 + (length - n_fft) // hop
    work = x.dtype if window is None else _dt.promote_types(x.dtype, window.dtype)
    if not work.is_inexact:
        work = _dt.get_default_dtype()
    out_dtype = work if work.is_complex else work.to_complex()
    if window is None:  # rectangular: ones over win_length, zero-padded to n_fft
        window = Tensor._make(jnp.ones((win,), work.to_real().np))
    static = (("n_fft", n_fft), ("hop", hop), ("n_frames", n_frames), ("left", left), ("onesided", bool(onesided)),
              ("normalized", bool(normalized)), ("work", np.dtype(work.np)), ("dtype", np.dtype(out_dtype.np)))
    out = apply(_stft_impl, (x, window), static, name="StftBackward0")
    if input.ndim == 1 or (center and input.ndim == 0):
        out = out.reshape(tuple(out.shape[-2:]))
    if return_complex is False:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                      "complex tensors for all inputs, and return_complex=False will raise an error.\nNote: you can "
                      "still call torch.view_as_real on the complex output to recover the old return format.",
                      UserWarning, stacklevel=3)
        out = apply(_as_real_impl, (out,), (), name="ViewAsRealBackward0")
    return out


def _istft_impl(spec, window, *, n_fft, hop, left, onesided, normalized, return_complex, start, end, length,
                dtype):
    spec = jnp.swapaxes(spec, -1, -2)  # (B, frames, freq)
    if normalized:
        spec = spec * math.sqrt(n_fft)
    if return_complex:
        frames = jnp.fft.ifft(spec, axis=-1)
    else:
        if not onesided:
            spec = spec[..., :n_fft // 2 + 1]
        frames = jnp.fft.irfft(spec, n=n_fft, axis=-1)
    frames = frames.astype(dtype)
    w = jnp.zeros((n_fft,), window.dtype).at[left:left + window.shape[0]].set(window)
    frames = frames * w.astype(dtype)
    n_frames = frames.shape[-2]
    total = n_fft + hop * (n_frames - 1)
    idx = _frame_idx(n_frames, n_fft, hop)
    y = jnp.zeros(frames.shape[:-2] + (total,), dtype).at[..., idx].add(frames)
    env = jnp.zeros((total,), w.dtype).at[idx].add(jnp.broadcast_to(w * w, idx.shape))
    y = y[..., start:end] / env[start:end].astype(dtype)
    if length is not None and y.shape[-1] < length:
        y = jnp.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, length - y.shape[-1])])
    return y


@register()
def istft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Tensor | None = None, center: bool = True, normalized: bool = False, onesided: bool | None = None,
          length: int | None = None, return_complex: bool = False) -> Tensor:
    """Inverse of stft by windowed overlap-add: (B?, freq, frames) complex -> (B?, length) signal."""
    if not input.dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    if window is not None and window.dtype.is_complex and not return_complex:
        raise RuntimeError("Complex windows are incompatible with return_complex=False")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    prefix = (f"istft({_type_str(input)}, n_fft={n_fft}, hop_length={hop}, win_length={win}, window="
              f"{'None' if window is None else _type_str(window, True)}, center={int(bool(center))}, "
              f"normalized={int(bool(normalized))}, onesided={_opt(onesided)}, length={_opt(length)}, "
              f"return_complex={int(bool(return_complex))}) : ")
    nd = input.ndim
    if nd not in (2, 3):
        if nd < 2:  # torch indexes the frequency dim of the view_as_real form at -3
            raise IndexError(f"Dimension out of range (expected to be in range of [{-(nd + 1)}, {nd}], but got -3)")
        raise RuntimeError(prefix + f"expected a tensor with 3 or 4 dimensions, but got {nd + 1}")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied.Please provide the same "
                      "window used by stft to make the inversion lossless.To suppress this warning and use a "
                      "rectangular window, explicitly set `window=torch.ones(n_fft, device=<device>)`.",
                      UserWarning, stacklevel=3)
    n_frames, fft_size = input.shape[-1], input.shape[-2]
    if not 0 < win <= n_fft:
        raise RuntimeError(prefix + "expected 0 < win_length <= n_fft")
    if not 0 < hop <= win:
        raise RuntimeError(prefix + "expected 0 < hop_length <= win_length")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise RuntimeError(prefix + "Invalid window shape. window has to be 1D and length of `win_length`")
    if onesided is None:
        onesided = fft_size != n_fft
    if onesided:
        if fft_size != n_fft // 2 + 1:
            raise RuntimeError(prefix + "expected the frequency dimension (3rd to the last) of the input tensor to "
                                        f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    elif fft_size != n_fft:
        raise RuntimeError(prefix + "expected the frequency dimension (3rd to the last) of the input tensor to match "
                                    f"n_fft when onesided=False, but got {fft_size}")
    if return_complex and onesided:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    real = input.dtype.to_real()
    if window is None:
        window = Tensor._make(jnp.ones((win,), real.np))
    dtype = input.dtype if return_complex else real
    if window.dtype.is_inexact:
        dtype = _dt.promote_types(dtype, window.dtype)
    left = (n_fft - win) // 2
    total = n_fft + hop * (n_frames - 1)
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = total - n_fft // 2 if center else total
    end = min(max(end, start), total)
    _check_envelope(prefix, window, n_fft, hop, left, n_frames, start, end)
    if length is not None and end - start < length:
        warnings.warn("The length of signal is shorter than the length parameter. Result is being padded with zeros "
                      "in the tail. Please check your center and hop_length settings.", UserWarning, stacklevel=3)
    static = (("n_fft", n_fft), ("hop", hop), ("left", left), ("onesided", bool(onesided)),
              ("normalized", bool(normalized)), ("return_complex", bool(return_complex)), ("start", start),
              ("end", end), ("length", length), ("dtype", np.dtype(dtype.np)))
    return apply(_istft_impl, (input, window), static, name="IstftBackward0")


def _check_envelope(prefix, window, n_fft, hop, left, n_frames, start, end) -> None:
    """torch refuses signals whose overlap-added squared window nearly vanishes somewhere (division by ~0).
    The check needs the window's values, so it runs only when they are concrete (not under a trace)."""
    w = window._value()
    if isinstance(w, jax.core.Tracer):
        return
    full = np.zeros(n_fft, np.float64)
    full[left:left + w.shape[0]] = np.abs(np.asarray(w).astype(np.complex128)) ** 2
    env = np.zeros(n_fft + hop * (n_frames - 1))
    np.add.at(env, _frame_idx(n_frames, n_fft, hop), np.broadcast_to(full, (n_frames, n_fft)))
    if end > start and np.abs(env[start:end]).min() < 1e-11:
        raise RuntimeError(prefix.replace(" : ", " ") + "window overlap add min: 1")


# ---------------------------------------------------------------------------------------------
# window functions. Windows are constants: computed in float64 numpy, then rounded to the dtype.


def _cosine_sum(m: int, coeffs, denom: float) -> np.ndarray:
    """sum_k (-1)^k a_k cos(2 pi k n / denom) for n = 0..m-1."""
    n = np.arange(m, dtype=np.float64)
    return sum((-1) ** k * a * np.cos(2 * math.pi * k * n / denom) for k, a in enumerate(coeffs))


def _torch_window(name: str, window_length, periodic: bool, dtype, device, requires_grad, values) -> Tensor:
    """torch.<name>_window: `values(N)` gives the symmetric window of length N; periodic windows are the
    first window_length points of the symmetric one of length window_length + 1."""
    if isinstance(window_length, bool) or not isinstance(window_length, numbers.Integral):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if not d.is_floating_point:
        if d.is_complex:
            raise NotImplementedError(f'"arange_cpu" not implemented for \'{_dt.SCALAR_NAMES[d.name]}\'')
        cname = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                 "uint8": "unsigned char", "bool": "bool"}.get(d.name, d.name)
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype={cname}, device=cpu, "
                           "layout=Strided (default), requires_grad=false (default), pinned_memory=false, "
                           "memory_format=(nullopt))")
    if window_length <= 1:
        arr = np.ones(window_length)
    else:
        arr = values(window_length + 1)[:-1] if periodic else values(window_length)
    return _finish(Tensor._make(jnp.asarray(arr, dtype=d.np)), device, requires_grad)


@register(method=False, out=False)
def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Hann window: 0.5 - 0.5 cos(2 pi n / (N - 1))."""
    return _torch_window("hann_window", window_length, periodic, dtype, device, requires_grad,
                         lambda m: _cosine_sum(m, (0.5, 0.5), m - 1))


@register(method=False, out=False)
def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, requires_grad: bool = False,
                   pin_memory: bool = False) -> Tensor:
    """Hamming window: alpha - beta cos(2 pi n / (N - 1))."""
    return _torch_window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                         lambda m: _cosine_sum(m, (alpha, beta), m - 1))


@register(method=False, out=False)
def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Blackman window: 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))."""
    return _torch_window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                         lambda m: _cosine_sum(m, (0.42, 0.5, 0.08), m - 1))


def _triangle(m: int) -> np.ndarray:
    n = np.arange(m, dtype=np.float64)
    return 1 - np.abs(2 * n / (m - 1) - 1)


@register(method=False, out=False)
def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Bartlett (triangular) window: 1 - |2n / (N - 1) - 1|."""
    return _torch_window("bartlett_window", window_length, periodic, dtype, device, requires_grad, _triangle)


def _kaiser_values(m: int, beta: float) -> np.ndarray:
    n = np.arange(m, dtype=np.float64)
    r = (n - (m - 1) / 2) / ((m - 1) / 2)
    return np.i0(beta * np.sqrt(np.clip(1 - r * r, 0, None))) / np.i0(beta)


@register(method=False, out=False)
def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Kaiser window: I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)."""
    return _torch_window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                         lambda m: _kaiser_values(m, beta))


# torch.signal.windows: sym=True gives the symmetric window; sym=False the periodic one (the first M
# points of the symmetric window of length M + 1), like scipy.signal.windows.


def _signal_checks(name: str, m: int, dtype, layout):
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if m < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={m}")
    if layout is not None and str(layout) != "torch.strided":
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if d not in (_dt.float32, _dt.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {d}")
    return d


def _signal_window(arr: np.ndarray, d, device, requires_grad) -> Tensor:
    return _finish(Tensor._make(jnp.asarray(arr, dtype=d.np)), device, requires_grad)


def _span(m: int, sym: bool) -> int:
    """The denominator length: M - 1 for symmetric windows, M for periodic ones."""
    return m - 1 if sym else m


@register(method=False, namespace="signal.windows", out=False)
def general_cosine(M: int, *, a: Iterable, sym: bool = True, dtype=None, layout=None, device=None,
                   requires_grad: bool = False) -> Tensor:
    """Generalised cosine window: sum_k (-1)^k a_k cos(2 pi k n / N), N = M - 1 if sym else M."""
    d = _signal_checks("general_cosine", M, dtype, layout)
    if M <= 1:
        return _signal_window(np.ones(M), d, device, requires_grad)
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if isinstance(a, Tensor) and a.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    a = [float(v) for v in a]
    if not a:
        raise ValueError("Coefficients cannot be empty")
    return _signal_window(_cosine_sum(M, a, _span(M, sym)), d, device, requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def general_hamming(M: int, *, alpha: float = 0.54, sym: bool = True, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """Generalised Hamming window: alpha - (1 - alpha) cos(2 pi n / N)."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def hamming(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """Hamming window (general_hamming with alpha = 0.54)."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def hann(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """Hann window (general_hamming with alpha = 0.5)."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def blackman(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """Blackman window (general_cosine with a = [0.42, 0.5, 0.08])."""
    _signal_checks("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def nuttall(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """Nuttall window: the 4-term minimum Blackman-Harris cosine window."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def bartlett(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """Bartlett (triangular) window: 1 - |2n / N - 1|."""
    d = _signal_checks("bartlett", M, dtype, layout)
    if M <= 1:
        return _signal_window(np.ones(M), d, device, requires_grad)
    n = np.arange(M, dtype=np.float64)
    return _signal_window(1 - np.abs(2 * n / _span(M, sym) - 1), d, device, requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def cosine(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """Cosine (sine) window: sin(pi (n + 0.5) / N'), N' = M if sym else M + 1."""
    d = _signal_checks("cosine", M, dtype, layout)
    n = np.arange(M, dtype=np.float64)
    width = M + 1 if not sym and M > 1 else M
    return _signal_window(np.sin(math.pi * (n + 0.5) / max(width, 1)), d, device, requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def exponential(M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True, dtype=None, layout=None,
                device=None, requires_grad: bool = False) -> Tensor:
    """Exponential (Poisson) window: exp(-|n - center| / tau)."""
    d = _signal_checks("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    n = np.arange(M, dtype=np.float64)
    return _signal_window(np.exp(-np.abs(n - center) / tau), d, device, requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """Gaussian window: exp(-(n - c)^2 / (2 std^2)), c the window's centre."""
    d = _signal_checks("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    c = (M if not sym and M > 1 else M - 1) / 2.0
    n = np.arange(M, dtype=np.float64)
    return _signal_window(np.exp(-((n - c) ** 2) / (2 * std * std)), d, device, requires_grad)


@register(method=False, namespace="signal.windows", out=False)
def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Kaiser window: I0(beta sqrt(1 - (2n / N - 1)^2)) / I0(beta), N = M - 1 if sym else M."""
    d = _signal_checks("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    if M <= 1:
        return _signal_window(np.ones(M), d, device, requires_grad)
    n = np.arange(M, dtype=np.float64)
    r = 2 * n / _span(M, sym) - 1
    return _signal_window(np.i0(beta * np.sqrt(np.clip(1 - r * r, 0, None))) / np.i0(beta), d, device,
                          requires_grad)
