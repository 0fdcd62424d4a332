"""torch.utils.cpp_extension: building C++/CUDA extensions against torch's C++ library.

jaxtorch has no C++ library or headers to build against (its ops are XLA programs; custom ops are written in Python
with torch.library or as JAX functions), so building and loading extensions -- `load`, `load_inline`,
`CppExtension`, `CUDAExtension`, `SyclExtension`, `BuildExtension` -- raises NotImplementedError when used.

The constants and queries answer for jaxtorch: `include_paths()` and `library_paths()` are empty (no torch headers
or libraries exist), and the toolkit homes (`CUDA_HOME`, `ROCM_HOME`, `HIP_HOME`, `SYCL_HOME`, `CUDNN_HOME`) are
None, so a setup.py that builds its CUDA extension only when CUDA_HOME is set falls back to its Python path. The
platform constants and the compiler/ninja probes (`get_cxx_compiler`, `check_compiler_is_gcc`,
`is_ninja_available`, `verify_ninja_availability`) describe this machine, as in torch.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from .. import _unsupported

__all__ = [
    "get_default_build_root",
    "check_compiler_ok_for_platform",
    "get_compiler_abi_compatibility_and_version",
    "BuildExtension",
    "CppExtension",
    "CUDAExtension",
    "SyclExtension",
    "include_paths",
    "library_paths",
    "load",
    "load_inline",
    "is_ninja_available",
    "verify_ninja_availability",
    "remove_extension_h_precompiler_headers",
    "get_cxx_compiler",
    "check_compiler_is_gcc",
]

_WHY = "jaxtorch has no C++ library to build extensions against; write custom ops with torch.library or JAX"

IS_WINDOWS = sys.platform == "win32"
IS_MACOS = sys.platform.startswith("darwin")
IS_LINUX = sys.platform.startswith("linux")
LIB_EXT = ".pyd" if IS_WINDOWS else ".so"
EXEC_EXT = ".exe" if IS_WINDOWS else ""
CLIB_PREFIX = "" if IS_WINDOWS else "lib"
CLIB_EXT = ".dll" if IS_WINDOWS else (".dylib" if IS_MACOS else ".so")
SHARED_FLAG = "/DLL" if IS_WINDOWS else "-shared"

# No toolkit is used to build jaxtorch extensions (see the module docstring).
CUDA_HOME: str | None = None
ROCM_HOME: str | None = None
HIP_HOME: str | None = None
SYCL_HOME: str | None = None
CUDNN_HOME: str | None = None
IS_HIP_EXTENSION = False


def include_paths(device_type: str = "cpu", torch_include_dirs: bool = True) -> list[str]:
    """Include directories for building an extension: none, jaxtorch ships no C++ headers."""
    return []


def library_paths(
    device_type: str = "cpu", torch_include_dirs: bool = True, cross_target_platform: str | None = None
) -> list[str]:
    """Library directories for linking an extension: none, jaxtorch ships no C++ libraries."""
    return []


def get_cxx_compiler() -> str:
    """The C++ compiler a build would use: $CXX, else cl on Windows and c++ elsewhere."""
    return os.environ.get("CXX", "cl" if IS_WINDOWS else "c++")


def check_compiler_is_gcc(compiler: str) -> bool:
    """Whether `compiler` is GCC (it reports a gcc version when run with -v)."""
    if not IS_LINUX:
        return False
    env = dict(os.environ, LC_ALL="C")
    try:
        info = subprocess.check_output([compiler, "-v"], stderr=subprocess.STDOUT, env=env).decode(errors="replace")
    except (OSError, subprocess.CalledProcessError):
        return False
    return re.search(r"gcc version (\d+)\.(\d+)\.(\d+)", info) is not None and "clang version" not in info


def is_ninja_available() -> bool:
    """Whether the ninja build system runs on this machine."""
    if shutil.which("ninja") is None:
        return False
    try:
        subprocess.check_output(["ninja", "--version"], stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def verify_ninja_availability() -> None:
    """Raise RuntimeError if ninja is not available."""
    if not is_ninja_available():
        raise RuntimeError("Ninja is required to load C++ extensions (pip install ninja to get it)")


load = _unsupported.function("torch.utils.cpp_extension.load", _WHY)
load_inline = _unsupported.function("torch.utils.cpp_extension.load_inline", _WHY)
CppExtension = _unsupported.function("torch.utils.cpp_extension.CppExtension", _WHY)
CUDAExtension = _unsupported.function("torch.utils.cpp_extension.CUDAExtension", _WHY)
SyclExtension = _unsupported.function("torch.utils.cpp_extension.SyclExtension", _WHY)
get_default_build_root = _unsupported.function("torch.utils.cpp_extension.get_default_build_root", _WHY)
check_compiler_ok_for_platform = _unsupported.function("torch.utils.cpp_extension.check_compiler_ok_for_platform", _WHY)
get_compiler_abi_compatibility_and_version = _unsupported.function(
    "torch.utils.cpp_extension.get_compiler_abi_compatibility_and_version", _WHY
)
remove_extension_h_precompiler_headers = _unsupported.function(
    "torch.utils.cpp_extension.remove_extension_h_precompiler_headers", _WHY
)


class BuildExtension(_unsupported.cls("torch.utils.cpp_extension.BuildExtension", _WHY)):
    """setuptools' build_ext for torch extensions (not available; see the module docstring)."""

    @classmethod
    def with_options(cls, **options):
        raise NotImplementedError(_unsupported.message("torch.utils.cpp_extension.BuildExtension.with_options", _WHY))
