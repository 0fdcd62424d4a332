"""What jaxtorch looks like from the outside: version objects, torch.version, package metadata under the shim,
torch._C hooks, environment switches of torch.load."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
import torch

import jaxtorch
from jaxtorch import torch_version as jt_version


def test_torch_version_compares_like_torchs():
    ours = jt_version.TorchVersion("2.13.0+cpu")  # same text as the installed torch: every answer must agree
    theirs = torch.__version__
    assert str(theirs) == "2.13.0+cpu"
    for other in ["2.6", "2.13", "2.13.0", "2.13.0+cpu", "2.13.1", "2.14.0a0", "1.13.1", "parrot", (2, 6), (2, 13),
                  [2, 13, 0], (3,), "2.13.0.post1", "2.13.0rc1", "2.13.0.dev20250101"]:
        for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__"):
            assert getattr(ours, op)(other) == getattr(theirs, op)(other), (op, other)
    for other in [3, 2.5]:  # torch: a TypeError for a non-version object
        with pytest.raises(TypeError):
            _ = theirs > other
        with pytest.raises(TypeError):
            _ = ours > other
    assert hash(ours) == hash("2.13.0+cpu") and ours.split("+")[0] == "2.13.0"


def test_version_module_matches_torchs_names():
    import torch.version as tv

    assert set(tv.__all__) == set(jaxtorch.version.__all__)
    assert jaxtorch.version.__version__ == f"2.13.0+jaxtorch.{jaxtorch.version.jaxtorch_version}"
    assert jaxtorch.version.cuda is None  # no GPU in this process, as torch's CPU build reports
    assert jaxtorch.version.hip is None and jaxtorch.version.debug is False
    assert isinstance(jaxtorch.torch_version.__version__, jt_version.TorchVersion)
    assert jaxtorch.__version__ == jaxtorch.version.jaxtorch_version  # ours, outside the shim


def test_version_ordering_is_pep440():
    V = jt_version.Version
    ordered = ["1.0.dev0", "1.0a0", "1.0a1", "1.0b0", "1.0rc1", "1.0", "1.0+abc", "1.0+abc.1", "1.0+5", "1.0.post1",
               "1.1.dev1", "1.1", "1!0.1"]
    for i, a in enumerate(ordered):
        for j, b in enumerate(ordered):
            assert (V(a) < V(b)) == (i < j), (a, b)
    assert V("2.6") == V("2.6.0")
    with pytest.raises(jt_version.InvalidVersion):
        V("not a version")


def test_shim_identity_and_metadata(tmp_path):
    code = r"""
import importlib.metadata as md, json, torch, torchvision, torch.version
print("JSON" + json.dumps({
    "version": str(torch.__version__), "cls": type(torch.__version__).__name__, "ge": torch.__version__ >= "2.6",
    "tv": str(torchvision.__version__), "md_torch": md.version("torch"), "md_tv": md.version("torchvision"),
    "name": md.distribution("torch").metadata["Name"], "pkgs": md.packages_distributions().get("torch"),
    "mod": torch.version.__version__, "spec": __import__("importlib").util.find_spec("torch").origin}))
"""
    proc = subprocess.run([sys.executable, "-m", "jaxtorch", "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(proc.stdout.split("JSON", 1)[1])
    assert res["version"] == res["md_torch"] == res["mod"] == jaxtorch.version.__version__
    assert res["cls"] == "TorchVersion" and res["ge"] is True
    assert res["tv"] == res["md_tv"] == jaxtorch.version.torchvision_version
    assert res["name"] == "torch" and "torch" in res["pkgs"] and res["spec"].endswith("jaxtorch/__init__.py")


def test_uninstall_restores_jaxtorch_version():
    code = ("import jaxtorch; jaxtorch.install(); import torch; a = str(torch.__version__); jaxtorch._shim.uninstall();"
            " print(a, jaxtorch.__version__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    shimmed, own = proc.stdout.split()
    assert shimmed == jaxtorch.version.__version__ and own == jaxtorch.version.jaxtorch_version


def test_c_hooks_libraries_call():
    C = jaxtorch._C
    assert C._get_tracing_state() is None and torch._C._get_tracing_state() is None
    assert C._jit_set_profiling_executor(False) is True  # torch returns the previous setting
    assert C._jit_set_profiling_executor(True) is False
    assert C._are_functorch_transforms_active() is torch._C._are_functorch_transforms_active()
    assert isinstance(jaxtorch.zeros(1), C.TensorBase)
    assert C._get_privateuse1_backend_name() == torch._C._get_privateuse1_backend_name()
    C._log_api_usage_once("anything")
    with pytest.raises(NotImplementedError):
        C.Graph()


class _Payload:
    def __reduce__(self):
        return (os.getcwd, ())


@pytest.mark.parametrize("env, weights_only, ok", [
    ({"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "1"}, False, False),
    ({"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "true"}, None, False),
    ({"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}, None, True),
    ({"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "YES"}, True, False),  # an explicit weights_only=True still wins
    ({}, None, False),
])
def test_force_weights_only_env(monkeypatch, env, weights_only, ok):
    """torch.load and jaxtorch.load make the same choice for each setting of the two environment switches."""
    buf = io.BytesIO()
    torch.save({"x": torch.zeros(2), "p": _Payload()}, buf)
    data = buf.getvalue()
    for name in ("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"):
        monkeypatch.delenv(name, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    kwargs = {} if weights_only is None else {"weights_only": weights_only}
    for lib in (torch, jaxtorch):
        if ok:
            with pytest.warns(UserWarning, match="TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"):
                assert lib.load(io.BytesIO(data), **kwargs)["p"] == os.getcwd()
        else:
            with pytest.raises(Exception) as info:
                lib.load(io.BytesIO(data), **kwargs)
            assert "Weights only load failed" in str(info.value)


def test_both_force_switches_is_an_error(monkeypatch):
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    for lib in (torch, jaxtorch):
        buf = io.BytesIO()
        lib.save({"x": lib.zeros(1)}, buf)
        buf.seek(0)
        with pytest.raises(RuntimeError, match="Only one of"):
            lib.load(buf)
