"""torch.utils.weak: weak references and weak-keyed dictionaries that compare keys by identity.

`weakref.WeakKeyDictionary` hashes and compares its keys with `__hash__`/`__eq__`, which tensors overload
(`t == u` is elementwise), so tensors cannot be its keys. These containers use `id()` instead: a key is found only
by the very object it was stored under, and its entry disappears when that object is garbage collected.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from .._tensor import Tensor

__all__ = ["TensorWeakRef", "WeakIdRef", "WeakIdKeyDictionary", "WeakTensorKeyDictionary"]


class WeakIdRef(weakref.ref):
    """A weak reference hashed by the referent's id(); two are equal when they refer to the same live object (a dead
    reference equals only itself, so a recycled id is never mistaken for the old object)."""

    __slots__ = ["_id"]

    def __init__(self, key: Any, callback=None) -> None:
        self._id = id(key)
        super().__init__(key, callback)

    def __hash__(self) -> int:
        return self._id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, weakref.ref):
            return NotImplemented
        a, b = self(), other()
        if a is not None and b is not None:
            return a is b
        return self is other


class _WeakHashRef(weakref.ref):
    """As WeakIdRef, but hashed and compared by the referent's own hash() (for objects whose hash is an identity)."""

    __slots__ = ["_id"]

    def __init__(self, key: Any, callback=None) -> None:
        self._id = hash(key)
        super().__init__(key, callback)

    def __hash__(self) -> int:
        return self._id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, weakref.ref):
            return NotImplemented
        a, b = self(), other()
        if a is not None and b is not None:
            return hash(a) == hash(b)
        return self is other


class WeakIdKeyDictionary(MutableMapping):
    """A mapping from objects (compared by identity) to values that drops an entry when its key is collected.

    `ref_type` is the weak reference class used for keys (WeakIdRef by default)."""

    def __init__(self, dict: Mapping | None = None, ref_type: type = WeakIdRef) -> None:
        self.data: dict = {}
        self.ref_type = ref_type
        self._pending_removals: list = []
        self._iterating: set = set()
        self_ref = weakref.ref(self)

        def remove(key_ref, self_ref=self_ref) -> None:
            owner = self_ref()
            if owner is None:
                return
            if owner._iterating:  # deleting now would break a running iteration: do it when it ends
                owner._pending_removals.append(key_ref)
            else:
                owner.data.pop(key_ref, None)

        self._remove = remove
        if dict is not None:
            self.update(dict)

    def _commit_removals(self) -> None:
        while self._pending_removals:
            self.data.pop(self._pending_removals.pop(), None)

    def _iterate(self) -> Iterator:
        """(key, value) pairs of live keys; removals that happen meanwhile wait until the iteration ends."""
        token = object()
        self._iterating.add(token)
        try:
            for key_ref, value in list(self.data.items()):
                key = key_ref()
                if key is not None:
                    yield key, value
        finally:
            self._iterating.discard(token)
            if not self._iterating:
                self._commit_removals()

    def __getitem__(self, key: Any) -> Any:
        return self.data[self.ref_type(key)]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.data[self.ref_type(key, self._remove)] = value

    def __delitem__(self, key: Any) -> None:
        self._commit_removals()
        del self.data[self.ref_type(key)]

    def __contains__(self, key: object) -> bool:
        try:
            ref = self.ref_type(key)
        except TypeError:
            return False
        return ref in self.data

    def __len__(self) -> int:
        self._commit_removals()
        return sum(1 for key_ref in self.data if key_ref() is not None)

    def __iter__(self) -> Iterator:
        for key, _ in self._iterate():
            yield key

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {id(self):#x}>"

    def get(self, key: Any, default: Any = None) -> Any:
        return self.data.get(self.ref_type(key), default)

    def keys(self):
        return (k for k, _ in self._iterate())

    def values(self):
        return (v for _, v in self._iterate())

    def items(self):
        return self._iterate()

    def keyrefs(self) -> list:
        """The weak references to the keys (some may be dead by the time they are used)."""
        return list(self.data)

    def copy(self) -> WeakIdKeyDictionary:
        new = WeakIdKeyDictionary(ref_type=self.ref_type)
        for key, value in self._iterate():
            new[key] = value
        return new

    __copy__ = copy

    def __deepcopy__(self, memo: dict) -> WeakIdKeyDictionary:
        new = WeakIdKeyDictionary(ref_type=self.ref_type)
        for key, value in self._iterate():
            new[key] = copy.deepcopy(value, memo)
        return new

    def popitem(self) -> tuple:
        self._commit_removals()
        while True:
            key_ref, value = self.data.popitem()
            key = key_ref()
            if key is not None:
                return key, value

    def pop(self, key: Any, *default: Any) -> Any:
        self._commit_removals()
        return self.data.pop(self.ref_type(key), *default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        return self.data.setdefault(self.ref_type(key, self._remove), default)

    def update(self, dict: Mapping | None = None, **kwargs: Any) -> None:
        if dict is not None:
            for key, value in dict.items() if hasattr(dict, "items") else dict:
                self[key] = value
        for key, value in kwargs.items():
            self[key] = value

    def __ior__(self, other: Mapping) -> WeakIdKeyDictionary:
        self.update(other)
        return self

    def __or__(self, other: Mapping) -> WeakIdKeyDictionary:
        if not isinstance(other, Mapping):
            return NotImplemented
        new = self.copy()
        new.update(other)
        return new

    def __ror__(self, other: Mapping) -> WeakIdKeyDictionary:
        if not isinstance(other, Mapping):
            return NotImplemented
        new = WeakIdKeyDictionary(ref_type=self.ref_type)
        new.update(other)
        new.update(self)
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return {id(k): v for k, v in self.items()} == {id(k): v for k, v in other.items()}


WeakTensorKeyDictionary = WeakIdKeyDictionary


class TensorWeakRef:
    """A weak reference to a Tensor: calling it gives the tensor, or None once it has been collected."""

    def __init__(self, tensor: Tensor) -> None:
        if not isinstance(tensor, Tensor):
            raise AssertionError(f"expected torch.Tensor, got {type(tensor)}.")
        self.ref = weakref.ref(tensor)

    def __call__(self) -> Tensor | None:
        return self.ref()
