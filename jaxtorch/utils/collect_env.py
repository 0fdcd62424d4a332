"""torch.utils.collect_env: a report of the environment for bug reports (`python -m torch.utils.collect_env`).

The layout is torch's, with what matters for jaxtorch: the torch API level and jaxtorch's own version, JAX and
jaxlib versions, JAX's backend and devices, whether JAX has a GPU (`Is CUDA available`, the GPUs' names, the CUDA
version of JAX's GPU backend, cuDNN), the OS, compilers, libc, Python, the CPU (lscpu) and the versions of the
relevant installed packages (jax, jaxlib, numpy, optax, jaxtorch, torch, ...). Whatever cannot be found reads
"Could not collect", as in torch.
"""

from __future__ import annotations

import locale
import os
import platform
import re
import subprocess
import sys
from collections import namedtuple

__all__: list = []

SystemEnv = namedtuple(
    "SystemEnv",
    [
        "torch_version",
        "jaxtorch_version",
        "jax_version",
        "jaxlib_version",
        "jax_backend",
        "jax_devices",
        "is_debug_build",
        "cuda_compiled_version",
        "gcc_version",
        "clang_version",
        "cmake_version",
        "os",
        "libc_version",
        "python_version",
        "python_platform",
        "is_cuda_available",
        "nvidia_gpu_models",
        "nvidia_driver_version",
        "cudnn_version",
        "pip_version",
        "pip_packages",
        "cpu_info",
    ],
)

PIP_PATTERNS = ["torch", "jax", "numpy", "optax", "flax", "triton", "mypy", "onnx", "optree", "opt-einsum", "ml_dtypes"]


def run(command) -> tuple[int, str, str]:
    """(return code, stdout, stderr) of a command (a list, or a string run through the shell)."""
    shell = isinstance(command, str)
    try:
        p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, shell=shell)
    except OSError as e:
        return 127, "", str(e)
    out, err = p.communicate()
    encoding = "oem" if sys.platform == "win32" else locale.getpreferredencoding()
    return p.returncode, out.decode(encoding, errors="replace").strip(), err.decode(encoding, errors="replace").strip()


def run_and_read_all(run_lambda, command) -> str | None:
    rc, out, _ = run_lambda(command)
    return out if rc == 0 else None


def run_and_parse_first_match(run_lambda, command, regex: str) -> str | None:
    rc, out, _ = run_lambda(command)
    if rc != 0:
        return None
    match = re.search(regex, out)
    return match.group(1) if match else None


def run_and_return_first_line(run_lambda, command) -> str | None:
    rc, out, _ = run_lambda(command)
    return out.split("\n")[0] if rc == 0 else None


def get_gcc_version(run_lambda) -> str | None:
    return run_and_parse_first_match(run_lambda, "gcc --version", r"gcc (.*)")


def get_clang_version(run_lambda) -> str | None:
    return run_and_parse_first_match(run_lambda, "clang --version", r"clang version (.*)")


def get_cmake_version(run_lambda) -> str | None:
    return run_and_parse_first_match(run_lambda, "cmake --version", r"cmake (.*)")


def get_nvidia_driver_version(run_lambda) -> str | None:
    return run_and_parse_first_match(run_lambda, "nvidia-smi", r"Driver Version: (.*?) ")


def get_platform() -> str:
    for prefix, name in (("linux", "linux"), ("win32", "win32"), ("cygwin", "cygwin"), ("darwin", "darwin")):
        if sys.platform.startswith(prefix):
            return name
    return sys.platform


def get_libc_version() -> str:
    if get_platform() != "linux":
        return "N/A"
    return "-".join(platform.libc_ver())


def get_os(run_lambda) -> str | None:
    machine = platform.machine()
    system = get_platform()
    if system == "darwin":
        version = run_and_read_all(run_lambda, "sw_vers -productVersion")
        return f"macOS {version} ({machine})" if version else None
    if system == "win32":
        return platform.platform()
    if system == "linux":
        desc = run_and_parse_first_match(run_lambda, "cat /etc/*-release", r'PRETTY_NAME="(.*)"')
        return f"{desc} ({machine})" if desc else f"{platform.platform()} ({machine})"
    return system


def get_python_platform() -> str:
    return platform.platform()


def get_cpu_info(run_lambda) -> str | None:
    if get_platform() == "linux":
        return run_and_read_all(run_lambda, "lscpu")
    if get_platform() == "darwin":
        return run_and_read_all(run_lambda, "sysctl -n machdep.cpu.brand_string")
    return None


def get_pip_packages(run_lambda, patterns: list[str] | None = None) -> tuple[str, str]:
    """('pip3', the `pip list --format=freeze` lines that match `patterns`)."""
    patterns = PIP_PATTERNS if patterns is None else patterns
    out = run_and_read_all(run_lambda, [sys.executable, "-mpip", "list", "--format=freeze"]) or ""
    wanted = [line for line in out.splitlines() if any(p in line.lower() for p in patterns)]
    return "pip3", "\n".join(wanted)


def _jax_facts() -> dict:
    import jax
    import jaxlib

    from .. import cuda

    gpus = [d.device_kind for d in cuda._gpus()]
    return {
        "jax_version": jax.__version__,
        "jaxlib_version": jaxlib.__version__,
        "jax_backend": jax.default_backend(),
        "jax_devices": ", ".join(str(d) for d in jax.devices()),
        "is_cuda_available": bool(gpus),
        "nvidia_gpu_models": "\n".join(f"GPU {i}: {name}" for i, name in enumerate(gpus)) or None,
    }


def get_env_info() -> SystemEnv:
    """Collect the report's facts."""
    from .. import version
    from ..backends import cudnn

    facts = _jax_facts()
    pip_version, pip_packages = get_pip_packages(run)
    return SystemEnv(
        torch_version=version.__version__,
        jaxtorch_version=version.jaxtorch_version,
        is_debug_build=str(version.debug),
        cuda_compiled_version=version.cuda,
        gcc_version=get_gcc_version(run),
        clang_version=get_clang_version(run),
        cmake_version=get_cmake_version(run),
        os=get_os(run),
        libc_version=get_libc_version(),
        python_version=f"{sys.version.replace(chr(10), ' ')} ({sys.maxsize.bit_length() + 1}-bit runtime)",
        python_platform=get_python_platform(),
        nvidia_driver_version=get_nvidia_driver_version(run),
        cudnn_version=cudnn.version() if facts["is_cuda_available"] else None,
        pip_version=pip_version,
        pip_packages=pip_packages,
        cpu_info=get_cpu_info(run),
        **facts,
    )


env_info_fmt = """
PyTorch version: {torch_version}
jaxtorch version: {jaxtorch_version}
JAX version: {jax_version}
jaxlib version: {jaxlib_version}
JAX backend: {jax_backend}
JAX devices: {jax_devices}
Is debug build: {is_debug_build}
CUDA used to build PyTorch: {cuda_compiled_version}

OS: {os}
GCC version: {gcc_version}
Clang version: {clang_version}
CMake version: {cmake_version}
Libc version: {libc_version}

Python version: {python_version}
Python platform: {python_platform}
Is CUDA available: {is_cuda_available}
GPU models and configuration: {nvidia_gpu_models}
Nvidia driver version: {nvidia_driver_version}
cuDNN version: {cudnn_version}

CPU:
{cpu_info}

Versions of relevant libraries:
{pip_packages}
""".strip()


def pretty_str(envinfo: SystemEnv) -> str:
    """The report text: torch's layout, None shown as 'Could not collect', pip lines prefixed with [pip3]."""
    fields = envinfo._asdict()
    for key, value in fields.items():
        if value is None or value == "":
            fields[key] = "Could not collect"
    if envinfo.pip_packages:
        fields["pip_packages"] = "\n".join(
            f"[{envinfo.pip_version}] {line}" for line in envinfo.pip_packages.splitlines()
        )
    return env_info_fmt.format(**fields)


def get_pretty_env_info() -> str:
    """The environment report as text."""
    return pretty_str(get_env_info())


def main() -> None:
    print("Collecting environment information...")
    print(get_pretty_env_info())


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
