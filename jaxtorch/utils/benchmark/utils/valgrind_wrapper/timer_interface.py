"""torch.utils.benchmark.utils.valgrind_wrapper.timer_interface: instruction counts from Callgrind.

Collecting them needs torch's Valgrind bindings, which jaxtorch does not have (Timer.collect_callgrind raises
NotImplementedError), so `CallgrindStats` cannot be built. The pieces that carry no measurement are real:
`FunctionCount` / `FunctionCounts` (counts per function, with torch's arithmetic and filters) and `CopyIfCallgrind`
(the marker for globals a Callgrind subprocess would copy; Timer unwraps it).
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable
from typing import Any, NamedTuple

from ..... import _printing, _unsupported

__all__ = ["FunctionCount", "FunctionCounts", "CallgrindStats", "CopyIfCallgrind"]


class FunctionCount(NamedTuple):
    count: int
    function: str


@dataclasses.dataclass(repr=False, eq=False, frozen=True)
class FunctionCounts:
    """Instruction counts per function, sorted by count (largest first)."""

    _data: tuple[FunctionCount, ...]
    inclusive: bool
    truncate_rows: bool = True
    _linewidth: int | None = None

    def __iter__(self):
        yield from self._data

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, item: Any) -> FunctionCount | FunctionCounts:
        data = self._data[item]
        if isinstance(data, FunctionCount):
            return data
        return FunctionCounts(tuple(data), self.inclusive, truncate_rows=False)

    def __repr__(self) -> str:
        count_len = 0
        for count, _ in self:
            count_len = max(count_len, len(str(count)) + int(count < 0))
        lines = []
        linewidth = self._linewidth or _printing.PRINT_OPTS.linewidth
        fn_str_len = max(linewidth - count_len - 4, 40)
        for count, fn in self:
            if len(fn) > fn_str_len:
                left = (fn_str_len - 5) // 2
                fn = fn[:left] + " ... " + fn[-(fn_str_len - left - 5) :]
            lines.append(f"  {count:>{count_len}}  {fn}")
        if self.truncate_rows and len(lines) > 18:
            lines = lines[:9] + ["...".rjust(count_len + 2)] + lines[-9:]
        if not self.inclusive:
            lines.extend(["", f"Total: {self.sum()}"])
        return "\n".join([super().__repr__()] + lines)

    def __add__(self, other: FunctionCounts) -> FunctionCounts:
        return self._merge(other, lambda c: c)

    def __sub__(self, other: FunctionCounts) -> FunctionCounts:
        return self._merge(other, lambda c: -c)

    def __mul__(self, other: int | float) -> FunctionCounts:
        return self._from_dict({fn: int(c * other) for c, fn in self._data}, self.inclusive)

    def transform(self, map_fn: Callable[[str], str]) -> FunctionCounts:
        """Rename functions with `map_fn`, adding the counts of functions that map to the same name."""
        counts: dict[str, int] = {}
        for c, fn in self._data:
            counts[map_fn(fn)] = counts.get(map_fn(fn), 0) + c
        return self._from_dict(counts, self.inclusive)

    def filter(self, filter_fn: Callable[[str], bool]) -> FunctionCounts:
        """Keep the functions for which `filter_fn(name)` is true."""
        return FunctionCounts(tuple(i for i in self if filter_fn(i.function)), self.inclusive)

    def sum(self) -> int:
        return sum(c for c, _ in self)

    def denoise(self) -> FunctionCounts:
        """Drop CPython's dictionary-lookup function, whose count varies from run to run."""
        return self.filter(lambda fn: "dictobject.c:lookdict_unicode" not in fn)

    def _merge(self, second: FunctionCounts, merge_fn: Callable[[int], int]) -> FunctionCounts:
        if self.inclusive != second.inclusive:
            raise AssertionError("Cannot merge inclusive and exclusive counts.")
        counts: dict[str, int] = {}
        for c, fn in self:
            counts[fn] = counts.get(fn, 0) + c
        for c, fn in second:
            counts[fn] = counts.get(fn, 0) + merge_fn(c)
        return self._from_dict(counts, self.inclusive)

    @staticmethod
    def _from_dict(counts: dict[str, int], inclusive: bool) -> FunctionCounts:
        flat = tuple(FunctionCount(c, fn) for fn, c in counts.items() if c)
        return FunctionCounts(tuple(sorted(flat, reverse=True)), inclusive)


CallgrindStats = _unsupported.cls("torch.utils.benchmark.CallgrindStats", "jaxtorch has no Valgrind bindings")


class CopyIfCallgrind:
    """Marks a global that a Callgrind subprocess would copy (with `setup` code to import what it needs). Timer
    uses the wrapped value itself."""

    def __init__(self, value: Any, *, setup: str | None = None) -> None:
        self._value = value
        self._setup = textwrap.dedent(setup) if setup else None

    @property
    def value(self) -> Any:
        return self._value

    @property
    def setup(self) -> str | None:
        return self._setup

    @staticmethod
    def unwrap_all(globals: dict[str, Any]) -> dict[str, Any]:
        return {k: (v.value if isinstance(v, CopyIfCallgrind) else v) for k, v in globals.items()}
