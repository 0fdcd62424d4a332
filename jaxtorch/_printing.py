"""repr(tensor) in torch's layout: precision 4, integer-valued floats as '1.', scientific
notation for wide ranges, summarisation past 1000 elements, and torch's suffixes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _dtype as _dt


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    if profile == "default":
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, 1000, 3, 80
    elif profile == "short":
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 1000, 2, 80
    elif profile == "full":
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, math.inf, 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    """Column width and mode (integer-valued / scientific / fixed) chosen from the nonzero finite
    values only, as torch does; zeros, nan and inf never widen the column."""

    def __init__(self, values: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = PRINT_OPTS.precision
        flat = values.reshape(-1)
        if not floating:
            for v in flat:
                self.max_width = max(self.max_width, len(str(v)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        absv = np.abs(finite.astype(np.float64))
        mx, mn = absv.max(), absv.min()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = bool(mx / mn > 1000.0 or mx > 1.0e8 or mn < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        for v in finite:
            v = float(v)
            if self.sci_mode:
                w = len(f"{v:.{p}e}")
            elif self.int_mode:
                w = len(f"{v:.0f}") + 1  # room for the trailing '.'
            else:
                w = len(f"{v:.{p}f}")
            self.max_width = max(self.max_width, w)

    def format_raw(self, v) -> str:
        p = PRINT_OPTS.precision
        if not self.floating:
            return str(v)
        v = float(v)
        if self.sci_mode:
            return f"{v:.{p}e}"
        if self.int_mode:
            s = f"{v:.0f}"
            return s if math.isinf(v) or math.isnan(v) else s + "."
        return f"{v:.{p}f}"

    def width(self):
        return self.max_width

    def format(self, v) -> str:
        return self.format_raw(v).rjust(self.max_width)


def _scalar_str(v, fmt: _Formatter) -> str:
    return fmt.format(v)


def _summarize(a: np.ndarray) -> np.ndarray:
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * e:
        parts = [_summarize(a[i]) for i in range(e)] + [_summarize(a[i]) for i in range(a.shape[0] - e, a.shape[0])]
    else:
        parts = [_summarize(a[i]) for i in range(a.shape[0])]
    return np.stack(parts) if parts and parts[0].ndim else np.asarray(parts)


def _tensor_str_rec(a: np.ndarray, indent: int, summarize: bool, fmt, fmt_imag=None) -> str:
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return _elem(a.item() if fmt_imag is None else a, fmt, fmt_imag)
    if a.ndim == 1:
        n = a.shape[0]
        elem_w = fmt.width() + 2 if fmt_imag is None else fmt.width() + fmt_imag.width() + 4
        per_line = max(math.floor((PRINT_OPTS.linewidth - indent) / elem_w), 1)
        if summarize and n > 2 * e:
            items = [_elem(a[i], fmt, fmt_imag) for i in range(e)] + [" ..."] + [
                _elem(a[i], fmt, fmt_imag) for i in range(n - e, n)]
        else:
            items = [_elem(a[i], fmt, fmt_imag) for i in range(n)]
        lines = [items[i:i + per_line] for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(", ".join(line) for line in lines) + "]"
    n = a.shape[0]
    if summarize and n > 2 * e:
        rows = [_tensor_str_rec(a[i], indent + 1, summarize, fmt, fmt_imag) for i in range(e)] + ["..."] + [
            _tensor_str_rec(a[i], indent + 1, summarize, fmt, fmt_imag) for i in range(n - e, n)]
    else:
        rows = [_tensor_str_rec(a[i], indent + 1, summarize, fmt, fmt_imag) for i in range(n)]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def _elem(v, fmt, fmt_imag):
    if fmt_imag is None:
        if isinstance(v, np.ndarray):
            v = v.item()
        return fmt.format(v)
    v = complex(v)
    re = fmt.format(v.real)
    im = fmt_imag.format_raw(v.imag)
    sign = "+" if not im.startswith("-") else "-"
    im = im.lstrip("-")
    return f"{re}{sign}{im.rjust(fmt_imag.width() - (1 if fmt_imag.width() > len(im) else 0))}j"


def tensor_str(t) -> str:
    import jax

    data = t._value()
    if isinstance(data, jax.core.Tracer):
        return f"Traced<{t.dtype}, shape={list(t.shape)}>"
    a = np.asarray(data)
    dt = t.dtype
    if dt in (_dt.bfloat16, _dt.float16) or dt.name.startswith("float8"):
        a = a.astype(np.float32)
    summarize = a.size > PRINT_OPTS.threshold
    if a.size == 0:
        return "[]"
    # widths come from the elements that will be shown; the layout walks the full array
    view = _summarize(a) if summarize else a
    if dt.is_complex:
        fr = _Formatter(view.real, True)
        fi = _Formatter(view.imag, True)
        return _tensor_str_rec(a, 7, summarize, fr, fi)
    fmt = _Formatter(view, dt.is_floating_point)
    return _tensor_str_rec(a, 7, summarize, fmt)


def _meta_repr(t, prefix: str) -> str:
    # a meta tensor has no values: torch prints "..." with its device, size and (non-default) dtype
    suffixes = ["device='meta'", f"size={tuple(t.shape)}"]
    if t.dtype is not _dt.get_default_dtype():
        suffixes.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad and type(t).__name__ != "Parameter":
        suffixes.append("requires_grad=True")
    s = prefix + "..., " + ", ".join(suffixes)
    if type(t).__name__ == "Parameter":
        return "Parameter containing:\n" + s + (", requires_grad=True)" if t.requires_grad else ")")
    return s + ")"


def tensor_repr(t, prefix: str = "tensor(") -> str:
    if t.is_meta:
        return _meta_repr(t, prefix)
    body = tensor_str(t)
    suffixes = []
    dt = t.dtype
    default = dt in (_dt.get_default_dtype(), _dt.int64, _dt.bool_) or dt is _dt._default_complex()
    if t.numel() == 0 and t.ndim != 1:
        suffixes.append(f"size={tuple(t.shape)}")
    if not default or (t.numel() == 0 and dt is not _dt.get_default_dtype() and dt not in (_dt.int64, _dt.bool_)):
        if not default:
            suffixes.append(f"dtype={dt}")
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    s = prefix + body
    if suffixes:
        s += ", " + ", ".join(suffixes)
    if type(t).__name__ == "Parameter":
        return "Parameter containing:\n" + s.replace(", requires_grad=True", "") + (
            ", requires_grad=True)" if t.requires_grad else ")")
    return s + ")"
