"""jaxtorch's coverage of torch's public surface, measured against the installed torch (scripts/torch_coverage.py),
and the modules real libraries import at module level.

The coverage figures are asserted to stay at or above floors just under what this tree reaches, so a change that
drops modules or names fails here; the README quotes the figures the script prints.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import torch_coverage  # noqa: E402

# module-level imports that Hugging Face transformers, timm, safetensors and common training scripts make
REQUIRED_MODULES = [
    "torch.version", "torch.torch_version", "torch._C", "torch.onnx", "torch.jit", "torch.jit.annotations",
    "torch.fx", "torch.fx.experimental.symbolic_shapes", "torch._dynamo", "torch._dynamo.config",
    "torch._dynamo._trace_wrapped_higher_order_op", "torch.compiler", "torch.library", "torch.export", "torch.hub",
    "torch.profiler", "torch.multiprocessing", "torch.testing", "torch.overrides", "torch.utils.checkpoint",
    "torch.utils._pytree", "torch.utils.hooks", "torch.utils.data", "torch.nn.attention",
    "torch.nn.attention.flex_attention", "torch.distributions", "torch.distributions.constraints",
    "torch.distributed", "torch.distributed.tensor", "torch.distributed.tensor.placement_types",
    "torch.distributed.device_mesh", "torch.distributed.fsdp", "torch.distributed._functional_collectives",
    "torch.autograd.graph", "torch.cuda", "torch.backends.cuda", "torch.storage", "torch.types",
    "torchvision", "torchvision.io", "torchvision.ops", "torchvision.ops.misc", "torchvision.transforms",
    "torchvision.transforms.functional", "torchvision.datasets",
]


@pytest.fixture(scope="module")
def report():
    return torch_coverage.report()


def test_coverage_floors(report):
    # floors a little under this tree's figures: they catch regressions, not progress
    assert report["modules"]["ok"] >= 375, torch_coverage.summary(report)
    assert report["top"]["ok"] >= 745, torch_coverage.summary(report)
    assert report["tensor"]["ok"] >= 565, torch_coverage.summary(report)


def test_stubs_are_not_counted_as_covered(report):
    # a name marked unsupported is reported as a stub, never as covered
    top = report["top"]["results"]
    assert top["sparse_coo_tensor"] == "missing" or top["sparse_coo_tensor"] == "stub"
    assert all(v in ("ok", "stub", "missing") for v in top.values())


_PROBE = r"""
import importlib, json, sys, warnings
warnings.simplefilter("ignore")
out = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
        out[name] = None
    except Exception as e:
        out[name] = f"{type(e).__name__}: {e}"
import torch
out["__version__"] = [str(torch.__version__), type(torch.__version__).__name__]
import importlib.metadata as md
out["metadata"] = [md.version("torch"), md.version("torchvision"), md.distribution("torch").metadata["Name"]]
print("JSON" + json.dumps(out))
"""


def _shim_run(code: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "jaxtorch", "-c", code, *args], capture_output=True, text=True,
                          timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.split("JSON", 1)[1])


def test_required_modules_import_and_identity():
    res = _shim_run(_PROBE, json.dumps(REQUIRED_MODULES))
    failed = {k: v for k, v in res.items() if k in REQUIRED_MODULES and v is not None}
    assert not failed, failed
    version, cls = res["__version__"]
    assert version.startswith("2.13.0+jaxtorch.") and cls == "TorchVersion"
    # importlib.metadata answers for torch and torchvision (real torch is installed here too: it is shadowed)
    assert res["metadata"][0] == version
    assert res["metadata"][1].startswith("0.28.0+jaxtorch.")
    assert res["metadata"][2] == "torch"


# modules that, as torch's, import only with an optional package installed
OPTIONAL = {"jaxtorch.utils.tensorboard": "tensorboard"}


def test_every_public_all_name_resolves():
    """A partial package must not claim more than it has: each name a jaxtorch module lists in __all__ exists."""
    code = r"""
import importlib, json, pkgutil, sys, warnings
warnings.simplefilter("ignore")
import jaxtorch
optional = json.loads(sys.argv[1])
bad = {}
for info in pkgutil.walk_packages(jaxtorch.__path__, "jaxtorch.", onerror=lambda n: None):
    try:
        mod = importlib.import_module(info.name)
    except ModuleNotFoundError as e:
        if optional.get(info.name) != e.name:
            bad[info.name] = f"import failed: {e}"
        continue
    except Exception as e:
        bad[info.name] = f"import failed: {type(e).__name__}: {e}"
        continue
    for n in getattr(mod, "__all__", ()):
        if not hasattr(mod, n):
            bad.setdefault(info.name, []).append(n)
print("JSON" + json.dumps(bad))
"""
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(OPTIONAL)], capture_output=True, text=True,
                          timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bad = json.loads(proc.stdout.split("JSON", 1)[1])
    assert not bad, bad


def test_unsupported_names_raise_not_implemented_when_used():
    import jaxtorch
    from jaxtorch import _unsupported
    from jaxtorch.distributed import tensor as dtensor

    f = _unsupported.function("torch.example.feature", "because")
    with pytest.raises(NotImplementedError, match=r"torch\.example\.feature is not supported by jaxtorch: because"):
        f(1, x=2)
    assert not isinstance(jaxtorch.zeros(2), dtensor.DTensor)  # importable for isinstance checks, never true
    with pytest.raises(NotImplementedError, match="torch.distributed.tensor.DTensor"):
        dtensor.DTensor()
    with pytest.raises(NotImplementedError, match="distribute_tensor"):
        dtensor.distribute_tensor(jaxtorch.zeros(2), None, None)
