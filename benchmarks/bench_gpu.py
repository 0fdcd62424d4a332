"""GPU training benchmark: a GPT-2-small-sized transformer and ResNet-18, jaxtorch compiled vs real torch.

Models (written once against the torch API, instantiated with `lib` = jaxtorch or torch):
  gpt     12 pre-LN blocks, d=768, 12 heads, causal SDPA, GELU MLP 4x, T=512, batch 16, vocab 8192,
          learned positions, tied embedding / lm-head, AdamW(lr=3e-4), cross_entropy
  resnet  ResNet-18: 7x7 stem + maxpool, BasicBlocks [2,2,2,2] with 64..512 channels, BatchNorm, ReLU,
          global average pool, fc to 1000 classes; 224x224 images, batch 128, SGD(lr=0.01, momentum=0.9),
          cross_entropy

Variants (each in its own subprocess, so JAX's and torch's GPU allocators never share a process, and an
OOM, a compile error or a hang costs only that variant):
  jt-compile     `torch.compile(train_step)` with `import jaxtorch as torch` code
  torch-compile  real torch, `torch.compile(train_step)` (failures are reported, not fatal)
  torch-eager    real torch, eager
  jt-eager       jaxtorch eager (not in the default list: slow on a 12-layer model, one dispatch per op)
  jt-compile-cudnn  jt-compile with `torch.backends.cuda.enable_cudnn_sdp(True)`: attention as cuDNN's
                 fused kernel (bf16 only; not in the default list until it has been measured)
Precisions: fp32 (TF32 allowed in both libraries, set as a user would: `torch.backends.cuda.matmul.allow_tf32
= True` and `torch.backends.cudnn.allow_tf32 = True`; jaxtorch maps the first onto JAX's default matmul
precision 'high', which is TF32 on NVIDIA GPUs and also governs convolutions) and bf16
(`torch.autocast(device_type, dtype=torch.bfloat16)` around forward + loss, in both libraries).

Every variant starts from the same weights (drawn with numpy, loaded with `load_state_dict`) and trains on
one fixed batch. Figures per variant: steps/s, tokens/s (gpt) or images/s (resnet), time to the first step
(wall time of call 1 until its loss is ready: jt-compile traces the step and XLA compiles it there; torch-compile
runs dynamo + inductor, with fresh inductor/triton cache directories so it is a cold compile; the eager variants
compile nothing for the step itself, though jaxtorch eager compiles each op's own program on first use), the
wall time of the whole variant's process (imports, device start-up, model construction), peak device memory,
the loss of the first and the last step, and MFU = model FLOPs/s / peak:
  gpt     FLOPs per token = 6*N + 12*L*d*T (PaLM appendix B / nanoGPT's estimate_mfu: N = parameters
          without the position embedding, the tied lm-head counted once through wte; the attention term
          counts the full T x T score matrix, as that estimate does, although causal attention needs half)
  resnet  2 * multiply-adds of every conv and the fc layer, counted from the architecture at the chosen
          resolution (3.63 GFLOP per 224x224 image forward: the 1.8 G multiply-adds usually quoted), x3 for
          forward + backward; BatchNorm, ReLU, pooling and the optimizer are not counted
Peak: dense bf16 / TF32 tensor-core TFLOP/s from a table keyed by the GPU name (nvidia-smi), or
--peak-tflops BF16[,TF32]; fp32 rows are measured against the TF32 peak.

    python benchmarks/bench_gpu.py --out results.json                 # everything, stops at --budget
    python benchmarks/bench_gpu.py --precisions bf16 --models gpt
    python benchmarks/bench_gpu.py --tiny --device cpu --peak-tflops 0.001   # CPU smoke run (tests use it)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

MODELS = ("gpt", "resnet")
PRECISIONS = ("bf16", "fp32")
VARIANTS = ("jt-compile", "torch-compile", "torch-eager")
ALL_VARIANTS = VARIANTS + ("jt-eager", "jt-compile-cudnn")

FULL = {"gpt": {"L": 12, "d": 768, "H": 12, "T": 512, "B": 16, "V": 8192},
        "resnet": {"layers": (2, 2, 2, 2), "width": 64, "res": 224, "B": 128, "classes": 1000}}
TINY = {"gpt": {"L": 2, "d": 64, "H": 4, "T": 32, "B": 4, "V": 256},
        "resnet": {"layers": (1, 1, 1, 1), "width": 8, "res": 32, "B": 4, "classes": 10}}

# (substring of the device name, dense bf16 TFLOP/s, dense TF32 TFLOP/s); first match wins
PEAKS = (
    ("H100 PCIe", 756.0, 378.0),
    ("H200", 989.4, 494.7),
    ("H100", 989.4, 494.7),  # SXM
    ("H800", 989.4, 494.7),
    ("A100", 312.0, 156.0),
)

RESULT_TAG = "@@BENCH_GPU_RESULT@@"


# ---------------------------------------------------------------------------------------------------
# models in the torch API


def define_models(lib):
    import bench_train  # (worker side only) the GPT is bench_train's, built at this script's sizes

    nn = lib.nn
    F = lib.nn.functional

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            identity = x if self.downsample is None else self.downsample(x)
            return F.relu(out + identity)

    class ResNet(nn.Module):
        def __init__(self, layers, width, classes, **_):
            super().__init__()
            self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            stages, cin = [], width
            for i, n in enumerate(layers):
                cout = width * 2 ** i
                stages.append(nn.Sequential(*[BasicBlock(cin if j == 0 else cout, cout, 2 if (i > 0 and j == 0) else 1)
                                              for j in range(n)]))
                cin = cout
            self.layer1, self.layer2, self.layer3, self.layer4 = stages
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(cin, classes)

        def forward(self, x):
            x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(lib.flatten(self.avgpool(x), 1))

    return {"gpt": bench_train.define_models(lib)["gpt"], "resnet": ResNet}


# ---------------------------------------------------------------------------------------------------
# FLOPs (pure Python: the driver computes them without importing either library)


def gpt_params(c: dict) -> int:
    """Parameters counted by the 6N estimate: all but the position embedding; the tied lm-head once."""
    d, L = c["d"], c["L"]
    per_block = 12 * d * d + 13 * d  # qkv, proj, fc, out (weights + biases) and two LayerNorms
    return L * per_block + c["V"] * d + 2 * d


def gpt_flops_per_step(c: dict) -> float:
    per_token = 6 * gpt_params(c) + 12 * c["L"] * c["d"] * c["T"]
    return float(per_token * c["B"] * c["T"])


def resnet_forward_flops(c: dict) -> float:
    """2 x multiply-adds of the convs and the fc layer for one image."""
    def conv(h, cin, cout, k, s, p):
        ho = (h + 2 * p - k) // s + 1
        return ho, 2 * k * k * cin * cout * ho * ho

    h, total = c["res"], 0
    h, f = conv(h, 3, c["width"], 7, 2, 3)
    total += f
    h = (h + 2 - 3) // 2 + 1  # maxpool 3, stride 2, padding 1
    cin = c["width"]
    for i, n in enumerate(c["layers"]):
        cout = c["width"] * 2 ** i
        for j in range(n):
            s = 2 if (i > 0 and j == 0) else 1
            h1, f1 = conv(h, cin, cout, 3, s, 1)
            _, f2 = conv(h1, cout, cout, 3, 1, 1)
            total += f1 + f2
            if s != 1 or cin != cout:
                total += conv(h, cin, cout, 1, s, 0)[1]
            h, cin = h1, cout
    return float(total + 2 * cin * c["classes"])


def flops_per_step(model: str, c: dict) -> float:
    if model == "gpt":
        return gpt_flops_per_step(c)
    return 3.0 * resnet_forward_flops(c) * c["B"]


def items_per_step(model: str, c: dict) -> int:
    return c["B"] * c["T"] if model == "gpt" else c["B"]


# ---------------------------------------------------------------------------------------------------
# worker: one (model, precision, variant) in this process


def numpy_state(model, lib, kind: str, seed: int = 0) -> dict:
    """Initial weights drawn with numpy (GPT-2's N(0, 0.02); torchvision's kaiming-normal fan-out for convs),
    keyed as the module's state_dict; tied parameters get one array."""
    rng = np.random.default_rng(seed)
    out, seen = {}, {}
    for k, t in model.state_dict(keep_vars=True).items():
        if id(t) in seen:
            out[k] = seen[id(t)]
            continue
        shape = tuple(t.shape)
        leaf = k.rpartition(".")[2]
        if leaf == "num_batches_tracked":
            a = np.zeros(shape, np.int64)
        elif leaf in ("bias", "running_mean"):
            a = np.zeros(shape, np.float32)
        elif leaf == "running_var" or len(shape) == 1:  # norm weights
            a = np.ones(shape, np.float32)
        elif kind == "gpt":
            a = rng.standard_normal(shape, np.float32) * np.float32(0.02)
        elif len(shape) == 4:
            a = rng.standard_normal(shape, np.float32) * np.float32(math.sqrt(2.0 / (shape[0] * shape[2] * shape[3])))
        else:
            a = rng.standard_normal(shape, np.float32) * np.float32(0.01)
        out[k] = seen[id(t)] = a
    return out


def make_batch(model: str, c: dict) -> tuple:
    rng = np.random.default_rng(1)
    if model == "gpt":
        x = rng.integers(0, c["V"], (c["B"], c["T"])).astype(np.int64)
        y = rng.integers(0, c["V"], (c["B"], c["T"])).astype(np.int64)
    else:
        x = rng.standard_normal((c["B"], 3, c["res"], c["res"]), np.float32)
        y = rng.integers(0, c["classes"], (c["B"],)).astype(np.int64)
    return x, y


def run_worker(a) -> dict:
    t_import = time.perf_counter()
    jt = a.variant.startswith("jt-")
    if jt:
        import jax

        import jaxtorch as lib
    else:
        import torch as lib
    t_start = time.perf_counter()
    res = {"import_s": t_start - t_import, "lib_version": getattr(lib, "__version__", "?")}
    if jt:
        res["jax_version"] = jax.__version__
    cfg = (TINY if a.tiny else FULL)[a.model]
    device = lib.device(a.device)
    cuda = device.type == "cuda"
    res["device_name"] = lib.cuda.get_device_name(device) if cuda else "cpu"

    # TF32 as a user turns it on; jaxtorch maps matmul.allow_tf32 to JAX's matmul precision ('high')
    lib.backends.cuda.matmul.allow_tf32 = True
    lib.backends.cudnn.allow_tf32 = True
    if a.variant == "jt-compile-cudnn":
        lib.backends.cuda.enable_cudnn_sdp(True)
    res["float32_matmul_precision"] = lib.get_float32_matmul_precision()

    lib.manual_seed(0)
    model = define_models(lib)[a.model](**cfg)
    model.load_state_dict({k: lib.from_numpy(v) for k, v in numpy_state(model, lib, a.model).items()})
    model.to(device)
    model.train()
    x, y = (lib.from_numpy(v).to(device) for v in make_batch(a.model, cfg))
    F = lib.nn.functional
    if a.model == "gpt":
        from bench_train import lm_loss

        opt = lib.optim.AdamW(model.parameters(), lr=3e-4)
        loss_fn = lm_loss(F)
    else:
        opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = F.cross_entropy

    def amp():
        if a.precision == "bf16":
            return lib.autocast(device.type, dtype=lib.bfloat16)
        return contextlib.nullcontext()

    def train_step(x, y):
        opt.zero_grad(set_to_none=True)
        with amp():
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    params = list(model.parameters())

    def sync(loss) -> float:
        """Wait for the queued steps; the timed loop calls it once at its end."""
        if jt:
            jax.block_until_ready([loss._value()] + [p._value() for p in params])
        elif cuda:
            lib.cuda.synchronize()
        return float(loss)

    compiled = "compile" in a.variant
    step = lib.compile(train_step) if compiled else train_step
    res["setup_s"] = time.perf_counter() - t_start

    t0 = time.perf_counter()
    res["loss0"] = sync(step(x, y))  # compiled variants trace and compile here
    t1 = time.perf_counter()
    sync(step(x, y))  # a second call that recompiles (a guard failing on changed state) shows here
    res.update(first_step_s=t1 - t0, second_step_s=time.perf_counter() - t1)
    for _ in range(a.warmup):
        out = step(x, y)
    if a.warmup:
        sync(out)
    t0 = time.perf_counter()
    sync(step(x, y))  # one synced step sizes the timed loop
    per = max(time.perf_counter() - t0, 1e-6)
    seconds = a.seconds
    if a.deadline:  # compile took long: shrink the timed loop rather than be killed
        seconds = max(min(seconds, a.deadline - time.time() - 2 * per - 3.0), 0.0)
    n = a.steps or max(a.min_steps, int(math.ceil(seconds / per)))
    t0 = time.perf_counter()
    for _ in range(n):
        out = step(x, y)
    res["loss_last"] = sync(out)
    dt = time.perf_counter() - t0
    res.update(steps=n, timed_s=dt, steps_per_s=n / dt)
    if cuda:
        res["peak_mem_gb"] = lib.cuda.max_memory_allocated(device) / 2 ** 30
    if a.variant.startswith("jt-compile"):
        res["compile_stats"] = {k: v for k, v in lib.compiler.stats().items() if isinstance(v, (int, float, str))}
    return res


# ---------------------------------------------------------------------------------------------------
# driver


def detect_gpu_name() -> str | None:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    names = [s.strip() for s in out.stdout.splitlines() if s.strip()]
    return names[0] if out.returncode == 0 and names else None


def lookup_peak(name: str | None, override: str | None) -> tuple:
    """(bf16 TFLOP/s, TF32 TFLOP/s, source) or (None, None, reason)."""
    if override:
        vals = [float(v) for v in override.split(",")]
        return vals[0], (vals[1] if len(vals) > 1 else vals[0] / 2), "--peak-tflops"
    for key, bf16, tf32 in PEAKS:
        if name and key.lower() in name.lower():
            return bf16, tf32, f"table ({key})"
    return None, None, f"unknown device {name!r}: pass --peak-tflops BF16[,TF32]"


def worker_env(variant: str, device: str, tmp: str) -> dict:
    env = dict(os.environ)
    # the checkout's jaxtorch, installed or not (a GPU machine may only have a copy of the working tree)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    if variant.startswith("jt-"):
        if device == "cpu":
            env["JAX_PLATFORMS"] = "cpu"
    else:
        # a cold compile for every torch-compile variant: no inductor/triton cache shared between variants
        cache = tempfile.mkdtemp(prefix="inductor-", dir=tmp)
        env["TORCHINDUCTOR_CACHE_DIR"] = cache
        env["TRITON_CACHE_DIR"] = os.path.join(cache, "triton")
        if device == "cpu":
            env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def run_variant(args, model: str, precision: str, variant: str, timeout: float, tmp: str) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--models", model, "--precisions", precision,
           "--variants", variant, "--device", args.device, "--seconds", str(args.seconds), "--steps", str(args.steps),
           "--warmup", str(args.warmup), "--min-steps", str(args.min_steps), "--deadline", str(time.time() + timeout)]
    if args.tiny:
        cmd.append("--tiny")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=worker_env(variant, args.device, tmp), start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        error = None
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: the worker and anything it started
        out, _ = proc.communicate()
        error = f"timed out after {timeout:.0f} s"
    wall = time.perf_counter() - t0
    res = None
    for line in out.splitlines():
        if line.startswith(RESULT_TAG):
            res = json.loads(line[len(RESULT_TAG):])
    if res is None:
        tail = "\n".join(out.splitlines()[-25:])
        last = next((s for s in reversed(out.splitlines()) if s.strip()), "")
        res = {"status": "failed", "error": error or f"exit {proc.returncode}: {last[:300]}", "log_tail": tail}
    res["process_s"] = wall
    return res


def _fmt(v, spec: str) -> str:
    return "-" if v is None or (isinstance(v, float) and not math.isfinite(v)) else format(v, spec)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--precisions", default=",".join(PRECISIONS))
    ap.add_argument("--variants", default=",".join(VARIANTS), help=f"any of {', '.join(ALL_VARIANTS)}")
    ap.add_argument("--device", default="cuda", help="'cuda' (default) or 'cpu'")
    ap.add_argument("--tiny", action="store_true", help="tiny shapes (2-layer d=64 GPT, 32x32 narrow ResNet)")
    ap.add_argument("--seconds", type=float, default=None, help="timed seconds per variant (default 4; tiny 0.3)")
    ap.add_argument("--steps", type=int, default=0, help="fixed timed steps per variant (overrides --seconds)")
    ap.add_argument("--min-steps", type=int, default=5, help="fewest timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps after the first (compiled) step")
    ap.add_argument("--budget", type=float, default=None,
                    help="total seconds; variants that would start later are skipped (default 450; tiny 600)")
    ap.add_argument("--variant-timeout", type=float, default=240.0, help="seconds one variant may take")
    ap.add_argument("--min-left", type=float, default=None,
                    help="do not start a variant with less budget left than this (default 40; tiny 5)")
    ap.add_argument("--peak-tflops", default=None, help="BF16[,TF32] dense peak TFLOP/s (default: by GPU name)")
    ap.add_argument("--out", default=None, help="also write the JSON results to this file")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--deadline", type=float, default=0.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.seconds is None:
        args.seconds = 0.3 if args.tiny else 4.0
    models = [m for m in args.models.split(",") if m]
    precisions = [p for p in args.precisions.split(",") if p]
    variants = [v for v in args.variants.split(",") if v]
    for vals, allowed, what in ((models, MODELS, "model"), (precisions, PRECISIONS, "precision"),
                                (variants, ALL_VARIANTS, "variant")):
        for v in vals:
            if v not in allowed:
                ap.error(f"unknown {what} {v!r} (choose from {', '.join(allowed)})")

    if args.worker:
        args.model, args.precision, args.variant = models[0], precisions[0], variants[0]
        try:
            res = {"status": "ok", **run_worker(args)}
        except BaseException as e:  # noqa: BLE001 - report any failure (OOM, compile error) to the driver
            import traceback

            tb = traceback.format_exc()
            print(tb, file=sys.stderr)
            msg = str(e).strip().splitlines()
            res = {"status": "failed", "error": f"{type(e).__name__}: {msg[0][:300] if msg else ''}",
                   "log_tail": "\n".join(tb.splitlines()[-16:])}
        print(RESULT_TAG + json.dumps(res), flush=True)
        return 0

    budget = args.budget if args.budget is not None else (600.0 if args.tiny else 450.0)
    min_left = args.min_left if args.min_left is not None else (5.0 if args.tiny else 45.0)
    cfgs = TINY if args.tiny else FULL
    gpu_name = detect_gpu_name() if args.device.startswith("cuda") else None
    t_start = time.perf_counter()
    # bf16 first (the MFU target is a bf16 one), both models before fp32, so a short budget drops fp32 first
    # the cuDNN attention variant differs from jt-compile only where attention runs in half precision
    plan = [(m, p, v) for p in precisions for m in models for v in variants
            if v != "jt-compile-cudnn" or (m == "gpt" and p == "bf16")]
    print(f"bench_gpu: {len(plan)} variants, device {args.device} ({gpu_name or 'name unknown'}), "
          f"budget {budget:.0f} s, {'tiny' if args.tiny else 'full'} shapes", flush=True)
    rows: list = []
    skipped: list = []

    def report() -> dict:
        """Derived figures for every row, as one JSON-able dict; written after each variant."""
        name = gpu_name or next((r["device_name"] for r in rows if r.get("device_name") not in (None, "cpu")), None)
        bf16_peak, tf32_peak, peak_src = lookup_peak(name, args.peak_tflops)
        for r in rows:
            c = cfgs[r["model"]]
            r["flops_per_step"] = flops_per_step(r["model"], c)
            r["items_per_step"] = items_per_step(r["model"], c)
            if r["status"] == "ok":
                r["items_per_s"] = r["steps_per_s"] * r["items_per_step"]
                r["tflops_per_s"] = r["steps_per_s"] * r["flops_per_step"] / 1e12
                r["peak_tflops"] = bf16_peak if r["precision"] == "bf16" else tf32_peak
                r["mfu"] = r["tflops_per_s"] / r["peak_tflops"] if r["peak_tflops"] else None
        out = {"gpu": name, "peak_bf16_tflops": bf16_peak, "peak_tf32_tflops": tf32_peak, "peak_source": peak_src,
               "device": args.device, "tiny": args.tiny, "budget_s": budget,
               "elapsed_s": time.perf_counter() - t_start, "skipped": skipped,
               "configs": {m: {k: list(v) if isinstance(v, tuple) else v for k, v in cfgs[m].items()} for m in models},
               "flops": {"gpt": "per token 6*N + 12*L*d*T (N: parameters without the position embedding)",
                         "resnet": "per image 3 x 2 x multiply-adds of the convs and the fc layer"},
               "results": rows}
        if args.out:  # rewritten after every variant, so a run cut short still leaves its results
            with open(args.out, "w") as f:
                f.write(json.dumps(out, indent=1, default=str) + "\n")
        return out

    with tempfile.TemporaryDirectory(prefix="bench_gpu-") as tmp:
        for m, p, v in plan:
            left = budget - (time.perf_counter() - t_start)
            if left < min_left:
                skipped.append(f"{m}/{p}/{v}")
                print(f"[{m} {p} {v}] skipped: {left:.0f} s of the budget left", flush=True)
                continue
            r = run_variant(args, m, p, v, min(left, args.variant_timeout), tmp)
            r.update(model=m, precision=p, variant=v)
            rows.append(r)
            if r["status"] == "ok":
                print(f"[{m} {p} {v}] {r['steps_per_s']:.2f} steps/s, first step {r['first_step_s']:.1f} s, "
                      f"loss {r['loss0']:.4f} -> {r['loss_last']:.4f}  ({time.perf_counter() - t_start:.0f} s elapsed)",
                      flush=True)
            else:
                print(f"[{m} {p} {v}] FAILED: {r['error']}", flush=True)
                if r.get("log_tail"):
                    print("    " + r["log_tail"].replace("\n", "\n    "), flush=True)
            report()
    out = report()
    # the JSON first, on one line, so the table ends the output (a tool returning the tail shows it)
    print("\nJSON: " + json.dumps(out, default=str))
    print_summary(out, models, precisions, cfgs)
    return 0


def print_summary(out: dict, models: list, precisions: list, cfgs: dict) -> None:
    rows = out["results"]
    print()
    print(f"GPU: {out['gpu'] or '-'}; peak bf16 {_fmt(out['peak_bf16_tflops'], '.1f')} / TF32 "
          f"{_fmt(out['peak_tf32_tflops'], '.1f')} TFLOP/s ({out['peak_source']}); fp32 rows use the TF32 peak")
    for m in models:
        c = cfgs[m]
        if m == "gpt":
            print(f"gpt: L={c['L']} d={c['d']} H={c['H']} T={c['T']} B={c['B']} V={c['V']}, "
                  f"N={gpt_params(c) / 1e6:.2f}M, {flops_per_step(m, c) / 1e12:.4f} TFLOP/step")
        else:
            print(f"resnet: blocks {list(c['layers'])} width {c['width']} {c['res']}x{c['res']} B={c['B']}, "
                  f"{resnet_forward_flops(c) / 1e9:.4f} GFLOP/image fwd, {flops_per_step(m, c) / 1e12:.4f} TFLOP/step")
    print()
    print("| model | precision | variant | steps/s | tokens or images/s | TFLOP/s | MFU | first step (s) "
          "| process (s) | loss first -> last | peak mem (GiB) | status |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        unit = "tok/s" if r["model"] == "gpt" else "img/s"
        ok = r["status"] == "ok"
        loss = f"{r['loss0']:.4f} -> {r['loss_last']:.4f}" if ok else "-"
        status = "ok" if ok else r["error"].replace("|", "/")[:120]
        mfu = r.get("mfu")
        print(f"| {r['model']} | {r['precision']} | {r['variant']} | {_fmt(r.get('steps_per_s'), '.2f')} "
              f"| {_fmt(r.get('items_per_s'), ',.0f')} {unit} | {_fmt(r.get('tflops_per_s'), '.2f')} "
              f"| {'-' if mfu is None else format(mfu * 100, '.1f') + '%'} "
              f"| {_fmt(r.get('first_step_s'), '.1f')} | {_fmt(r.get('process_s'), '.1f')} | {loss} "
              f"| {_fmt(r.get('peak_mem_gb'), '.2f')} | {status} |")
    by = {(r["model"], r["precision"], r["variant"]): r for r in rows if r["status"] == "ok"}
    ratios = []
    for m in models:
        for p in precisions:
            for mine in ("jt-compile", "jt-compile-cudnn"):
                for other in ("torch-compile", "torch-eager"):
                    a, b = by.get((m, p, mine)), by.get((m, p, other))
                    if a and b:
                        ratios.append(f"{m} {p}: {mine} / {other} = {a['steps_per_s'] / b['steps_per_s']:.2f}")
    if ratios:
        print()
        print("throughput ratios (>1: jaxtorch compiled is faster)")
        for s in ratios:
            print("  " + s)
    if out["skipped"]:
        print()
        print(f"skipped for the budget ({out['budget_s']:.0f} s): {', '.join(out['skipped'])}")
    print(f"\ntotal {out['elapsed_s']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
