"""End-to-end time of real library workloads on jaxtorch vs real torch (eager), first calls included.

    python benchmarks/bench_libraries.py [--workloads gpt2,bert,llama,resnet18,vit] [--steps 10] [--repeat 1]

Each workload (benchmarks/_library_workloads.py: Hugging Face transformers GPT-2/BERT/Llama tiny models trained for
--steps AdamW steps plus a 32-token greedy generate for the causal LMs; timm ResNet-18 and a 64px ViT trained for
--steps steps) runs in a fresh process: with real torch, then through `python -m jaxtorch` twice, sharing a
compilation cache that starts empty (jaxtorch/_compile_cache.py): `cold` is the first run of the script on a machine
(every XLA program compiled), `warm` a later run (programs loaded from the cache). Reported: wall time of the whole
process (interpreter start to exit), the ratios to torch, and the phases the workload measures. jaxtorch's bytecode
is compiled first, as installing a package does.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STUB = HERE.parent / "tests" / "integration" / "torchvision_stub"  # timm needs torchvision under real torch


def run(lib: str, name: str, steps: int, env_extra: dict) -> dict:
    env = dict(os.environ, BENCH_STEPS=str(steps), TRANSFORMERS_VERBOSITY="error", HF_HUB_OFFLINE="1", **env_extra)
    cmd = [sys.executable]
    if lib == "jaxtorch":
        cmd += ["-m", "jaxtorch"]
    elif name in ("resnet18", "vit"):
        env["PYTHONPATH"] = str(STUB) + os.pathsep + env.get("PYTHONPATH", "")
    cmd += [str(HERE / "_library_workloads.py"), name]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"{lib} {name} failed:\n{proc.stderr[-3000:]}")
    res = json.loads(proc.stdout.split("JSON", 1)[1])
    res["wall"] = wall
    return res


def bytecode() -> None:
    """Compile jaxtorch's bytecode, as `pip install` does for torch and the libraries: an editable checkout run with
    PYTHONDONTWRITEBYTECODE=1 would otherwise compile all of jaxtorch's source in every process (~0.4 s)."""
    import jaxtorch

    compileall.compile_dir(os.path.dirname(jaxtorch.__file__), quiet=1)


def main() -> None:
    bytecode()
    ap = argparse.ArgumentParser()
    ap.add_argument("--workloads", default="gpt2,bert,llama,resnet18,vit")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1, help="runs per setting; the best wall time is reported")
    args = ap.parse_args()
    print(f"{'workload':10s} {'torch s':>8s} {'cold s':>7s} {'warm s':>7s} {'cold x':>7s} {'warm x':>7s}   phases "
          f"cold | warm | torch: import, build, train [first step, steady step], generate")

    def ph(r):
        return (f"{r['import']:.1f}, {r['build']:.1f}, {r['train']:.1f} [{r['first_step']:.2f}, "
                f"{r['steady_step'] * 1e3:.0f} ms], {r['generate']:.1f}")

    for name in args.workloads.split(","):
        t = min((run("torch", name, args.steps, {}) for _ in range(args.repeat)), key=lambda r: r["wall"])
        colds, warms = [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as d:
                env = {"JAXTORCH_COMPILATION_CACHE_DIR": os.path.join(d, "xla")}
                colds.append(run("jaxtorch", name, args.steps, env))
                warms.append(run("jaxtorch", name, args.steps, env))
        c, w = min(colds, key=lambda r: r["wall"]), min(warms, key=lambda r: r["wall"])
        print(f"{name:10s} {t['wall']:8.1f} {c['wall']:7.1f} {w['wall']:7.1f} {c['wall'] / t['wall']:7.2f} "
              f"{w['wall'] / t['wall']:7.2f}   {ph(c)} | {ph(w)} | {ph(t)}", flush=True)


if __name__ == "__main__":
    main()
