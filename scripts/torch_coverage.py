"""How much of torch's public surface jaxtorch covers, measured against the torch installed for tests.

    python scripts/torch_coverage.py [--json]

Three figures, each counted from real torch's own namespaces (so they move with the torch version installed):
- modules: torch's public submodules (every `torch.X.Y` found by walking the installed package, skipping private
  `_`-prefixed parts) that import under the shim (`python -m jaxtorch`, where `import torch.X.Y` gives jaxtorch);
- top-level names: public names of the `torch` module (functions, classes, dtypes, submodules; not the stdlib
  modules torch happens to import) that jaxtorch has;
- Tensor names: public attributes of `torch.Tensor` that `jaxtorch.Tensor` has.
Names jaxtorch keeps only so imports work and that raise NotImplementedError when used (jaxtorch/_unsupported.py)
are counted separately as "stubs", never as covered.

Real torch is imported here to read its namespaces; the jaxtorch side runs in a subprocess without it.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import types
import warnings


def torch_public_modules() -> list[str]:
    import torch

    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for info in pkgutil.walk_packages(torch.__path__, "torch.", onerror=lambda name: None):
            if not any(part.startswith("_") for part in info.name.split(".")[1:]):
                found.append(info.name)
    return sorted(found)


def _public(names) -> list[str]:
    return sorted(n for n in names if not n.startswith("_"))


def torch_top_level_names() -> list[str]:
    import torch

    out = []
    for name in _public(dir(torch)):
        value = getattr(torch, name)
        if isinstance(value, types.ModuleType) and not value.__name__.startswith("torch"):
            continue  # os, sys, math, ... that torch imports
        out.append(name)
    return out


def torch_tensor_names() -> list[str]:
    import torch

    return _public(dir(torch.Tensor))


_PROBE = r"""
import importlib, json, sys, warnings
warnings.simplefilter("ignore")
import torch
spec = json.load(sys.stdin)
def kind(obj):
    return "stub" if getattr(obj, "_jaxtorch_unsupported", False) else "ok"
modules = {}
for name in spec["modules"]:
    try:
        importlib.import_module(name)
        modules[name] = "ok"
    except Exception as e:
        modules[name] = type(e).__name__
top = {n: (kind(getattr(torch, n)) if hasattr(torch, n) else "missing") for n in spec["top"]}
tensor = {n: (kind(getattr(torch.Tensor, n)) if hasattr(torch.Tensor, n) else "missing") for n in spec["tensor"]}
json.dump({"modules": modules, "top": top, "tensor": tensor}, sys.stdout)
"""


def jaxtorch_side(spec: dict) -> dict:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-m", "jaxtorch", "-c", _PROBE], input=json.dumps(spec), env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode:
        raise RuntimeError(f"coverage probe failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def report() -> dict:
    spec = {"modules": torch_public_modules(), "top": torch_top_level_names(), "tensor": torch_tensor_names()}
    got = jaxtorch_side(spec)
    out = {}
    for key in ("modules", "top", "tensor"):
        results = got[key]
        out[key] = {"total": len(results), "ok": sum(v == "ok" for v in results.values()),
                    "stub": sum(v == "stub" for v in results.values()), "results": results}
    return out


def summary(rep: dict) -> str:
    lines = []
    labels = {"modules": "public submodules that import", "top": "top-level torch names",
              "tensor": "torch.Tensor attributes"}
    for key, label in labels.items():
        r = rep[key]
        pct = 100.0 * r["ok"] / max(r["total"], 1)
        lines.append(f"{label}: {r['ok']} of {r['total']} ({pct:.0f}%), plus {r['stub']} importable stubs")
    by_package: dict = {}
    for name, status in rep["modules"]["results"].items():
        top = ".".join(name.split(".")[:2])
        ok, total = by_package.get(top, (0, 0))
        by_package[top] = (ok + (status == "ok"), total + 1)
    lines.append("by package (modules importing / torch's): " + ", ".join(
        f"{p[len('torch.'):]} {ok}/{total}" for p, (ok, total) in sorted(by_package.items())))
    return "\n".join(lines)


if __name__ == "__main__":
    rep = report()
    if "--json" in sys.argv:
        json.dump(rep, sys.stdout, indent=1)
    else:
        print(summary(rep))
