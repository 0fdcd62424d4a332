"""torch.utils.flop_counter: count the floating-point operations a block of code runs, per module.

torch counts with a TorchDispatchMode and a formula per aten op (mm, addmm, bmm, convolution, attention, ...),
ignoring every other op. jaxtorch has no dispatch modes; every eager op is an XLA program, so FlopCounterMode asks
XLA instead: while the mode is active, each program jaxtorch runs (forward ops, the forward-with-residuals of ops
that record gradients, and each backward step) is looked up in XLA's cost analysis (`Lowered.cost_analysis()`,
computed once per program and input shapes) and its 'flops' are added to the op's count and to every module the
program runs in (tracked with torch.utils.module_tracker, backward included).

What differs from torch, by design:
- XLA counts every floating-point operation, not only matmuls/convolutions: an nn.Linear's count includes the bias
  addition. For a plain matmul (mm / bmm) the two agree exactly (2*M*N*K); transcendental functions (tanh, exp)
  are not in XLA's 'flops'.
- The keys of get_flop_counts()'s inner dicts are jaxtorch's op function names (strings), "backward" for backward
  steps, not aten OpOverloads.
- Programs run by a torch.compile'd function are not counted (only eager ops are), and `custom_mapping` /
  register_flop_formula (formulas for aten ops) raise NotImplementedError: there are no aten ops to attach them to.
As in torch, get_table (and so the summary a `display=True` mode prints on exit) needs the `tabulate` package.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from typing import Any

from .. import _unsupported
from .module_tracker import ModuleTracker

__all__ = ["FlopCounterMode", "register_flop_formula"]

suffixes = ["", "K", "M", "B", "T"]

register_flop_formula = _unsupported.function(
    "torch.utils.flop_counter.register_flop_formula",
    "jaxtorch counts FLOPs with XLA's cost analysis of whole programs; there are no aten ops to give formulas to",
)


def get_suffix_str(number: int) -> str:
    """The suffix ('', 'K', 'M', 'B', 'T') for displaying `number` (one more digit of overflow is allowed)."""
    return suffixes[max(0, min(len(suffixes) - 1, (len(str(number)) - 2) // 3))]


def convert_num_with_suffix(number: int, suffix: str) -> str:
    index = suffixes.index(suffix)
    return f"{number / 1000**index:.3f}" + suffixes[index]


def convert_to_percent_str(num: int, denom: int) -> str:
    return "0%" if denom == 0 else f"{num / denom:.2%}"


_cost_cache: dict = {}
_op_names: dict = {}


def _program_flops(jitted_f, args: tuple) -> int:
    """XLA's estimate of the floating-point operations of `jitted_f(*args)` (cached per program and input avals)."""
    import jax

    leaves, treedef = jax.tree_util.tree_flatten(args)
    avals = tuple((tuple(x.shape), str(x.dtype)) if hasattr(x, "shape") else type(x) for x in leaves)
    key = (id(jitted_f), treedef, avals)
    flops = _cost_cache.get(key)
    if flops is None:
        try:
            cost = jitted_f.lower(*args).cost_analysis()
        except Exception:  # a program XLA cannot analyse counts as 0, never breaks the user's code
            cost = None
        if isinstance(cost, (list, tuple)):
            cost = cost[0] if cost else None
        flops = int((cost or {}).get("flops", 0))
        _cost_cache[key] = flops
    return flops


def _op_name(jitted_f) -> str:
    """The jaxtorch op function a cached jitted program was made from ('backward' for backward steps)."""
    name = _op_names.get(id(jitted_f))
    if name is None:
        from .._ops import _dispatch

        name = "backward" if jitted_f is _dispatch._apply_vjp_jit else None
        for cache in (_dispatch._fwd_cache, _dispatch._vjp_cache):
            for key, value in list(cache.items()):
                if value is jitted_f:
                    fn = key[0]
                    name = getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__", "op")
        name = name or getattr(jitted_f, "__name__", "op")
        _op_names[id(jitted_f)] = name
    return name


_active: list = []  # the FlopCounterModes entered, innermost last


class FlopCounterMode:
    """Counts the FLOPs of the eager jaxtorch ops run inside it (see the module docstring)."""

    def __init__(
        self, mods=None, depth: int = 2, display: bool = True, custom_mapping: dict[Any, Any] | None = None
    ) -> None:
        self.flop_counts: dict = defaultdict(lambda: defaultdict(int))
        self.depth = depth
        self.display = display
        if mods is not None:
            warnings.warn("mods argument is not needed anymore, you can stop passing it", stacklevel=2)
        if custom_mapping:
            raise NotImplementedError(
                _unsupported.message(
                    "FlopCounterMode(custom_mapping=...)",
                    "jaxtorch counts FLOPs with XLA's cost analysis of whole "
                    "programs; there are no aten ops to give formulas to",
                )
            )
        self.mod_tracker = ModuleTracker()
        self._saved_run = None

    def get_total_flops(self) -> int:
        return sum(self.flop_counts["Global"].values())

    def get_flop_counts(self) -> dict[str, dict[Any, int]]:
        """{module name: {op name: flops}}; "Global" holds everything counted."""
        return {k: dict(v) for k, v in self.flop_counts.items()}

    def get_table(self, depth: int | None = None) -> str:
        """A table of FLOPs per module (and per op) down to `depth` levels of modules (needs `tabulate`)."""
        import tabulate

        if depth is None:
            depth = self.depth if self.depth is not None else 999999
        tabulate.PRESERVE_WHITESPACE = True
        global_flops = self.get_total_flops()
        suffix = get_suffix_str(global_flops)
        subsumed = False

        def rows_of(mod_name: str, level: int) -> list:
            nonlocal subsumed
            total = sum(self.flop_counts[mod_name].values())
            subsumed |= total >= global_flops
            pad = " " * level
            out = [
                [pad + mod_name, convert_num_with_suffix(total, suffix), convert_to_percent_str(total, global_flops)]
            ]
            for op, flops in self.flop_counts[mod_name].items():
                out.append(
                    [
                        pad + " - " + str(op),
                        convert_num_with_suffix(flops, suffix),
                        convert_to_percent_str(flops, global_flops),
                    ]
                )
            return out

        values: list = []
        for mod in sorted(self.flop_counts):
            if mod != "Global" and mod.count(".") + 1 <= depth:
                values.extend(rows_of(mod, mod.count(".")))
        if "Global" in self.flop_counts and not subsumed:
            for row in values:
                row[0] = " " + row[0]
            values = rows_of("Global", 0) + values
        if not values:
            values = [["Global", "0", "0%"]]
        return tabulate.tabulate(values, headers=["Module", "FLOP", "% Total"], colalign=("left", "right", "right"))

    def _record(self, jitted_f, args: tuple) -> None:
        flops = _program_flops(jitted_f, args)
        if not flops:
            return
        op = _op_name(jitted_f)
        for parent in set(self.mod_tracker.parents):
            self.flop_counts[parent][op] += flops

    def __enter__(self) -> FlopCounterMode:
        from .._ops import _dispatch

        self.flop_counts.clear()
        self.mod_tracker.__enter__()
        self._saved_run = _dispatch._run
        counter = self

        def counting_run(jitted_f, inline_f, *args):
            counter._record(jitted_f, args)
            return counter._saved_run(jitted_f, inline_f, *args)

        _dispatch._run = counting_run
        _active.append(self)
        return self

    def __exit__(self, *args) -> bool:
        from .._ops import _dispatch

        if self._saved_run is None:
            raise AssertionError("Internal error: FlopCounter.__exit__ called but mode is None")
        _dispatch._run = self._saved_run
        self._saved_run = None
        _active.remove(self)
        self.mod_tracker.__exit__()
        if self.display:
            print(self.get_table(self.depth))
        return False
