"""`torch.torch_version`: the version string torch reports, comparable with PEP 440 semantics.

`TorchVersion` is a `str` (so `torch.__version__.split("+")` and f-strings behave as with torch) whose comparison
operators parse both sides as PEP 440 versions: `torch.__version__ >= "2.6"` and `>= (2, 6)` answer as they do for
real torch (and, as with torch, comparing with a foreign version object such as `packaging.version.Version` is a
TypeError: parse the string instead). The parser is small and local (no
dependency on `packaging`); it handles release segments, pre/post/dev releases and local labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .version import __version__ as _internal_version

__all__ = ["TorchVersion", "Version", "InvalidVersion"]

_PATTERN = re.compile(
    r"""^\s*v?
    (?:(?P<epoch>\d+)!)?
    (?P<release>\d+(?:\.\d+)*)
    (?:[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d+)?)?
    (?:-(?P<post_n1>\d+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>\d+)?)?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>\d+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_PRE_CANON = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}
_INF = float("inf")


class InvalidVersion(ValueError):
    """Raised for a string that is not a PEP 440 version (packaging raises the same kind of error)."""


class Version:
    """A parsed PEP 440 version, ordered as PEP 440 orders them (packaging's `Version` ordering)."""

    __slots__ = ("_text", "epoch", "release", "pre", "post", "dev", "local", "_key")

    def __init__(self, text: str) -> None:
        m = _PATTERN.match(str(text))
        if m is None:
            raise InvalidVersion(f"Invalid version: {text!r}")
        self._text = str(text)
        self.epoch = int(m.group("epoch") or 0)
        self.release = tuple(int(p) for p in m.group("release").split("."))
        pre_l = m.group("pre_l")
        self.pre = (_PRE_CANON.get(pre_l.lower(), pre_l.lower()), int(m.group("pre_n") or 0)) if pre_l else None
        post_n = m.group("post_n1") or m.group("post_n2")
        self.post = int(post_n or 0) if (m.group("post_n1") or m.group("post_l")) else None
        self.dev = int(m.group("dev_n") or 0) if m.group("dev_l") else None
        local = m.group("local")
        self.local = tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"[-_.]", local)) if local else None
        self._key = self._sort_key()

    def _sort_key(self) -> tuple:
        release = list(self.release)
        while len(release) > 1 and release[-1] == 0:  # 2.6 == 2.6.0
            release.pop()
        # a dev release of a final version sorts before its pre-releases: 1.0.dev0 < 1.0a0 < 1.0
        if self.pre is None and self.post is None and self.dev is not None:
            pre: tuple = (-_INF,)
        elif self.pre is None:
            pre = (_INF,)
        else:
            pre = ({"a": 0, "b": 1, "rc": 2}[self.pre[0]], self.pre[1])
        post = (-_INF,) if self.post is None else (self.post,)
        dev = (_INF,) if self.dev is None else (self.dev,)
        # numeric local segments sort above alphanumeric ones
        local = () if self.local is None else tuple((1, p, "") if isinstance(p, int) else (0, 0, p) for p in self.local)
        return (self.epoch, tuple(release), pre, post, dev, local)

    @property
    def public(self) -> str:
        return self._text.split("+", 1)[0]

    @property
    def base_version(self) -> str:
        base = ".".join(str(p) for p in self.release)
        return f"{self.epoch}!{base}" if self.epoch else base

    @property
    def major(self) -> int:
        return self.release[0]

    @property
    def minor(self) -> int:
        return self.release[1] if len(self.release) > 1 else 0

    @property
    def micro(self) -> int:
        return self.release[2] if len(self.release) > 2 else 0

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"<Version({self._text!r})>"

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key == other._key

    def __lt__(self, other: Version) -> bool:
        return self._key < other._key

    def __le__(self, other: Version) -> bool:
        return self._key <= other._key

    def __gt__(self, other: Version) -> bool:
        return self._key > other._key

    def __ge__(self, other: Version) -> bool:
        return self._key >= other._key


def _as_version(other: Any) -> Version:
    if isinstance(other, Version):
        return other
    if isinstance(other, str):
        return Version(other)
    if isinstance(other, Iterable):  # (2, 6) compares as "2.6"
        return Version(".".join(str(p) for p in other))
    raise InvalidVersion(other)


class TorchVersion(str):
    """torch's version string: a str that compares as a PEP 440 version against strings, tuples and Version
    objects (`torch.__version__ >= "2.6"`)."""

    __slots__ = ()

    def _cmp_wrapper(self, other: Any, method: str) -> bool:
        try:
            return getattr(Version(self), method)(_as_version(other))
        except InvalidVersion:
            # as torch: anything that is not a version compares as a plain str would ("parrot", or TypeError for an
            # int or a foreign version object)
            return getattr(super(), method)(other)

    def __gt__(self, other: Any) -> bool:
        return self._cmp_wrapper(other, "__gt__")

    def __lt__(self, other: Any) -> bool:
        return self._cmp_wrapper(other, "__lt__")

    def __ge__(self, other: Any) -> bool:
        return self._cmp_wrapper(other, "__ge__")

    def __le__(self, other: Any) -> bool:
        return self._cmp_wrapper(other, "__le__")

    def __eq__(self, other: Any) -> bool:
        return self._cmp_wrapper(other, "__eq__")

    __hash__ = str.__hash__


__version__ = TorchVersion(_internal_version)
