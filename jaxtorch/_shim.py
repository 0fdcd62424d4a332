"""The import shim: `import torch` / `import torchvision` resolve to jaxtorch / jaxtorch.vision.

`install()` puts a finder first on `sys.meta_path` that maps every `torch[.X]` import to `jaxtorch[.X]` and every
`torchvision[.X]` import to `jaxtorch.vision[.X]`. The module objects are shared, not copied (`torch.nn is
jaxtorch.nn`), so classes, isinstance checks and module state are the same whichever name a script uses.

A torch API that jaxtorch lacks fails at the point of use with a message naming it:
- a missing module (`import torch.fx`) raises ModuleNotFoundError "torch.fx is not supported yet in jaxtorch";
- a missing attribute (`torch.sparse_coo_tensor`) raises AttributeError with the same wording, from a PEP 562
  module `__getattr__` that the shim adds to jaxtorch's modules (AttributeError keeps `hasattr` working).

Worker processes (DataLoader with num_workers > 0, or any multiprocessing spawn/forkserver child) re-import the
script as `__mp_main__` before anything else; the shim rides along in multiprocessing's preparation data so the
child installs it before that re-import (see `_patch_multiprocessing`).

Package metadata answers too: `importlib.metadata.version("torch")` / `distribution("torchvision")` (which libraries
such as transformers read to decide whether torch is usable) give jaxtorch's torch-level versions
(`jaxtorch.version`), from distributions the same finder serves; nothing is written to site-packages, and a real
torch installed in the same environment is shadowed while the shim is installed. `torch.__version__` is then the
torch-level `TorchVersion` (`jaxtorch.__version__` is jaxtorch's own release otherwise; see `install`).

Real torch must not be imported in the same process: `install()` raises if it already is.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import pathlib
import sys
import types

__all__ = ["install", "uninstall", "is_installed", "torch_name"]

# alias prefix -> jaxtorch prefix; the longer jaxtorch prefix is checked first in torch_name()
_ALIASES = {"torch": "jaxtorch", "torchvision": "jaxtorch.vision"}


def _target(fullname: str) -> str | None:
    """jaxtorch module name for a torch/torchvision module name, or None when the name is not ours to map."""
    for alias, real in _ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return real + fullname[len(alias):]
    return None


def torch_name(module_name: str) -> str:
    """The torch-side name of a jaxtorch module ('jaxtorch.vision.transforms' -> 'torchvision.transforms')."""
    for real, alias in (("jaxtorch.vision", "torchvision"), ("jaxtorch", "torch")):
        if module_name == real or module_name.startswith(real + "."):
            return alias + module_name[len(real):]
    return module_name


def _not_supported(what: str) -> str:
    return f"{what} is not supported yet in jaxtorch"


def _make_getattr(module_name: str):
    def __getattr__(name: str):
        # Dunder probes (pickle, copy, importlib's __path__, ...) get the ordinary message.
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise AttributeError(f"{_not_supported(torch_name(module_name) + '.' + name)} "
                             f"(module {module_name!r} has no attribute {name!r})")

    __getattr__._jaxtorch_shim = True
    return __getattr__


def add_missing_getattr(module: types.ModuleType) -> None:
    """Give a jaxtorch module the "not supported yet" `__getattr__` unless it defines its own."""
    if "__getattr__" not in module.__dict__:
        module.__getattr__ = _make_getattr(module.__name__)


class _AliasLoader(importlib.abc.Loader):
    """Hands importlib an already imported jaxtorch module under its torch name."""

    def __init__(self, module: types.ModuleType) -> None:
        self._module = module
        self._spec = module.__spec__

    def create_module(self, spec):
        return self._module

    def exec_module(self, module) -> None:
        # importlib overwrote __spec__ with the alias spec; put the real one back so jaxtorch's own relative
        # imports, pickling and reloads keep seeing 'jaxtorch...'.
        module.__spec__ = self._spec


class _Metadata(importlib.metadata.Distribution):
    """The installed-package metadata of torch/torchvision as jaxtorch stands in for them (in memory only)."""

    def __init__(self, name: str, version: str, summary: str) -> None:
        self._name, self._version_text, self._summary = name, version, summary

    def read_text(self, filename: str) -> str | None:
        if filename in ("METADATA", "PKG-INFO"):
            return (f"Metadata-Version: 2.1\nName: {self._name}\nVersion: {self._version_text}\n"
                    f"Summary: {self._summary}\n")
        if filename == "top_level.txt":
            return self._name + "\n"
        return None

    def locate_file(self, path) -> pathlib.Path:
        return pathlib.Path(__file__).parent / path


def _distributions() -> dict:
    from . import version

    return {
        "torch": _Metadata("torch", version.__version__, "jaxtorch standing in for torch (PyTorch's API on JAX)"),
        "torchvision": _Metadata("torchvision", version.torchvision_version,
                                 "jaxtorch.vision standing in for torchvision"),
    }


class _TorchFinder(importlib.abc.MetaPathFinder):
    def find_distributions(self, context=importlib.metadata.DistributionFinder.Context()):
        dists = _distributions()
        if context.name is None:
            return iter(dists.values())
        wanted = context.name.lower().replace("-", "_").replace(".", "_")
        return iter([dists[wanted]] if wanted in dists else [])

    def find_spec(self, fullname, path=None, target=None):
        real = _target(fullname)
        if real is None:
            return None
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name is not None and e.name != real and not real.startswith(e.name + "."):
                raise  # a genuine missing dependency inside jaxtorch: keep its own message
            parent_name, _, leaf = real.rpartition(".")
            parent = sys.modules.get(parent_name)
            if parent is not None and leaf in parent.__dict__:  # `import torch.float32`: no such module in torch either
                raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname) from None
            raise ModuleNotFoundError(f"{_not_supported(fullname)} (no module {real!r})", name=fullname) from None
        add_missing_getattr(module)
        is_pkg = hasattr(module, "__path__")
        spec = importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=is_pkg)
        if is_pkg:
            spec.submodule_search_locations = list(module.__path__)
        return spec


_finder = _TorchFinder()
_saved_versions: list = []  # jaxtorch's own __version__ strings while the shim replaces them
_orig_get_preparation_data = None


class _ChildInstall:
    """Pickled into multiprocessing's preparation data: unpickling it in the child installs the shim, which
    happens before the child re-imports the parent's `__main__` script."""

    def __reduce__(self):
        return (_install_in_child, ())


def _install_in_child() -> None:
    install()


def _patch_multiprocessing() -> None:
    global _orig_get_preparation_data
    from multiprocessing import spawn

    if _orig_get_preparation_data is not None:
        return
    _orig_get_preparation_data = spawn.get_preparation_data

    def get_preparation_data(name):
        data = _orig_get_preparation_data(name)
        # first key, so the child installs the shim before it unpickles (and imports) anything else
        return {"jaxtorch_shim": _ChildInstall(), **data}

    spawn.get_preparation_data = get_preparation_data


def _unpatch_multiprocessing() -> None:
    global _orig_get_preparation_data
    if _orig_get_preparation_data is not None:
        from multiprocessing import spawn

        spawn.get_preparation_data = _orig_get_preparation_data
        _orig_get_preparation_data = None


def is_installed() -> bool:
    return _finder in sys.meta_path


def install() -> None:
    """Make `import torch` / `import torchvision` (and every submodule) resolve to jaxtorch / jaxtorch.vision.

    For notebooks: call `jaxtorch.install()` before the first `import torch`. Idempotent.
    """
    if is_installed():
        return
    for alias in _ALIASES:
        existing = sys.modules.get(alias)
        if existing is not None and not getattr(existing, "__name__", "").startswith("jaxtorch"):
            raise RuntimeError(f"jaxtorch.install(): the real {alias} is already imported in this process; call "
                               f"install() (or run `python -m jaxtorch script.py`) before anything imports {alias}")
    import jaxtorch
    import jaxtorch.vision  # noqa: F401
    from . import torch_version, version

    sys.meta_path.insert(0, _finder)
    # Under the shim this package *is* torch: its __version__ is the torch-level one scripts compare against.
    _saved_versions[:] = [jaxtorch.__version__, jaxtorch.vision.__version__]
    jaxtorch.__version__ = torch_version.__version__
    jaxtorch.vision.__version__ = torch_version.TorchVersion(version.torchvision_version)
    # Alias what is already loaded, so `torch.optim` reached as an attribute and `import torch.optim` agree.
    for name, module in list(sys.modules.items()):
        if isinstance(module, types.ModuleType) and (name == "jaxtorch" or name.startswith("jaxtorch.")):
            add_missing_getattr(module)
            sys.modules.setdefault(torch_name(name), module)
    _patch_multiprocessing()


def uninstall() -> None:
    """Undo `install()`: remove the finder, the torch/torchvision aliases and the multiprocessing hook."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    if _saved_versions:
        import jaxtorch
        import jaxtorch.vision

        jaxtorch.__version__, jaxtorch.vision.__version__ = _saved_versions
        _saved_versions.clear()
    for name in list(sys.modules):
        if _target(name) is not None and getattr(sys.modules[name], "__name__", "").startswith("jaxtorch"):
            del sys.modules[name]
    _unpatch_multiprocessing()
