"""torch.utils.serialization.config: settings that torch.load (`config.load.*`) and torch.save (`config.save.*`)
read when their own arguments leave them open.

jaxtorch's serialization does not consult these settings; it always behaves as torch does with the defaults. So a
setting can be changed only to a value that gives the same result:
- `load.calculate_storage_offsets` and `save.use_pinned_memory_for_d2h` only change how torch finds or copies bytes,
  never the result: any value is accepted (and changes nothing);
- `load.mmap` (False), `load.endianness` (None), `load.mmap_flags` (MAP_PRIVATE), `save.compute_crc32` (True) and
  `save.storage_alignment` (64) can be set to their defaults only; another value raises NotImplementedError (pass
  `mmap=True` to torch.load itself instead).
Names, defaults, `get_config_copy`, `patch`, `save_config` / `load_config` are torch's (keys like "load.mmap").
"""

from __future__ import annotations

import sys
from typing import Any

from ... import _unsupported
from .._config_module import ConfigModule

_DEFAULTS = {
    "load.mmap": False,
    "load.endianness": None,
    "load.mmap_flags": None if sys.platform == "win32" else 2,  # MAP_PRIVATE
    "load.calculate_storage_offsets": False,
    "save.compute_crc32": True,
    "save.use_pinned_memory_for_d2h": False,
    "save.storage_alignment": 64,
}
_FREE = {"load.calculate_storage_offsets", "save.use_pinned_memory_for_d2h"}


def _check(key: str, value: Any) -> None:
    if key not in _FREE and value != _DEFAULTS[key]:
        raise NotImplementedError(
            _unsupported.message(
                f"torch.utils.serialization.config.{key} = {value!r}",
                f"jaxtorch's torch.save/torch.load always behave as with {key} = {_DEFAULTS[key]!r}",
            )
        )


class _Section:
    """`config.load` / `config.save`: attribute access to the settings under one prefix."""

    def __init__(self, config: _SerializationConfig, prefix: str) -> None:
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._config, f"{self._prefix}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._config, f"{self._prefix}.{name}", value)

    def __delattr__(self, name: str) -> None:
        delattr(self._config, f"{self._prefix}.{name}")

    def __dir__(self) -> list:
        return sorted(k.partition(".")[2] for k in _DEFAULTS if k.startswith(self._prefix + "."))


class _SerializationConfig(ConfigModule):
    def __getattr__(self, name: str) -> Any:
        if name in ("load", "save"):
            return _Section(self, name)
        return super().__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("__"):
            _check(self._key(name), value)
        super().__setattr__(name, value)

    def load_config(self, data) -> None:
        import pickle

        values = pickle.loads(data) if isinstance(data, (bytes, bytearray)) else dict(data)
        for key, value in values.items():
            _check(self._key(key), value)
        super().load_config(values)

    def patch(self, arg1=None, arg2=None, **kwargs):
        changes = {arg1: arg2} if isinstance(arg1, str) else dict(arg1 or {})
        changes.update(kwargs)
        for key, value in changes.items():
            _check(self._key(key), value)
        return super().patch(arg1, arg2, **kwargs)


def _install() -> None:
    old = sys.modules[__name__]
    cfg = _SerializationConfig(__name__, _DEFAULTS, old.__doc__ or "")
    for attr in ("__file__", "__spec__", "__loader__", "__package__"):
        if hasattr(old, attr):
            object.__setattr__(cfg, attr, getattr(old, attr))
    sys.modules[__name__] = cfg


_install()
