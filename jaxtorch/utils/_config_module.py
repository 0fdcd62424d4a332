"""Config modules (`torch._dynamo.config`, `torch.compiler.config`): module objects whose attributes are settings.

As torch's: reading or setting a name the config does not define raises AttributeError; `patch(...)` changes
settings for a `with` block or a decorated function; `get_config_copy()` / `save_config()` / `load_config()`
snapshot and restore them. Which settings jaxtorch actually reads is said by each config's docstring; the others
are kept (so scripts that set them run) and have no effect, because the torch machinery they tune does not exist
on JAX.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import pickle
import types
from typing import Any


class ConfigModule(types.ModuleType):
    def __init__(self, name: str, defaults: dict, doc: str = "", aliases: dict | None = None) -> None:
        super().__init__(name, doc)
        object.__setattr__(self, "_defaults", dict(defaults))
        object.__setattr__(self, "_values", copy.deepcopy(defaults))
        object.__setattr__(self, "_aliases", dict(aliases or {}))

    def _key(self, name: str) -> str:
        key = self._aliases.get(name, name)
        if key not in self._values:
            raise AttributeError(f"{self.__name__}.{name} does not exist")
        return key

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._values[self._key(name)]

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__"):
            object.__setattr__(self, name, value)
            return
        self._values[self._key(name)] = value

    def __delattr__(self, name: str) -> None:
        key = self._key(name)
        self._values[key] = copy.deepcopy(self._defaults[key])

    def __dir__(self) -> list:
        return sorted(set(self._values) | set(self._aliases) | set(super().__dir__()))

    def get_config_copy(self) -> dict:
        return copy.deepcopy(self._values)

    def to_dict(self) -> dict:
        return self.get_config_copy()

    def save_config(self) -> bytes:
        return pickle.dumps(self._values, protocol=2)

    def load_config(self, data: bytes | dict) -> None:
        values = pickle.loads(data) if isinstance(data, (bytes, bytearray)) else dict(data)
        for k, v in values.items():
            self._values[self._key(k)] = v

    def patch(self, arg1: str | dict | None = None, arg2: Any = None, **kwargs: Any):
        """`with config.patch(name=value):`, `config.patch("name", value)`, `config.patch({...})`; also a decorator."""
        changes: dict = {}
        if isinstance(arg1, str):
            changes[arg1] = arg2
        elif isinstance(arg1, dict):
            changes.update(arg1)
        elif arg1 is not None:
            raise TypeError(f"config.patch: expected a name or a dict, got {type(arg1).__name__}")
        changes.update(kwargs)
        keys = {self._key(k): v for k, v in changes.items()}  # unknown names fail before anything changes
        return _Patch(self, keys)


class _Patch(contextlib.ContextDecorator):
    def __init__(self, config: ConfigModule, changes: dict) -> None:
        self._config, self._changes, self._saved = config, changes, []

    def __enter__(self):
        values = self._config._values
        self._saved.append({k: values[k] for k in self._changes})
        values.update(self._changes)
        return self

    def __exit__(self, *exc) -> bool:
        self._config._values.update(self._saved.pop())
        return False

    def __call__(self, fn):
        if isinstance(fn, type):  # patching a test class: wrap each test method
            for name, attr in list(vars(fn).items()):
                if name.startswith("test") and callable(attr):
                    setattr(fn, name, self.__class__(self._config, self._changes)(attr))
            return fn

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with self.__class__(self._config, self._changes):
                return fn(*args, **kwargs)

        return wrapped


def install(module_name: str, defaults: dict, doc: str = "", aliases: dict | None = None) -> ConfigModule:
    """Replace the (already imported) module `module_name` in sys.modules by a ConfigModule with these settings."""
    import sys

    old = sys.modules[module_name]
    cfg = ConfigModule(module_name, defaults, doc or old.__doc__ or "", aliases)
    for attr in ("__file__", "__spec__", "__loader__", "__package__"):
        if hasattr(old, attr):
            object.__setattr__(cfg, attr, getattr(old, attr))
    sys.modules[module_name] = cfg
    return cfg
