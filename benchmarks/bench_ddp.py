"""DDP scaling: training steps/s of DistributedDataParallel vs one device at the same per-device batch.

Models (from bench_train.py): `simplenet` (784 -> 128 ReLU -> 10, SGD lr 0.01, cross_entropy) at a
per-device batch --batch (64), and `gpt` (2 pre-LN blocks, d=128, T=64, AdamW) at --gpt-batch
sequences per device (8).

Settings on CPU (every one in its own fresh process, JAX_PLATFORMS=cpu):
  1-device, plain process    torch.compile(train_step) at B, 2B, 4B; eager at B, 2B (no XLA_FLAGS)
  4 simulated devices        XLA_FLAGS=--xla_force_host_platform_device_count=4 in one process: the
                             1-device compiled step at B and 4B in that same process, then
                             torch.compile of a DDP step over the 4 devices (shard_map) at global batch 4B
  2 processes                `python -m jaxtorch.distributed.run --nproc_per_node=2` (gloo), one CPU device
                             each, batch B per process: eager DDP and compiled DDP
On a machine whose JAX sees more than one GPU (and without --platform cpu) the simulated-device setting is
replaced by all local GPUs in one process, and the processes setting uses one process per GPU (nccl).

Simulated CPU devices share the machine's cores, so their speedup over one device is bounded by the cores:
on CPU the meaningful figure is the overhead of data parallelism, i.e. DDP's throughput against one device
doing the same total work (the "vs 1dev same global" column), not the speedup over one device at batch B.
Every setting runs in a fresh process, one after the other; rank 0 reports for the processes setting.
On CPU every timed step blocks on its loss (like a loop that logs loss.item()): with several steps over
4 simulated devices in flight, XLA's CPU runtime can deadlock (a collective's rendezvous times out and the
process aborts after 40 s) when the devices outnumber the cores; a hand-written jax.shard_map step does too.

    python benchmarks/bench_ddp.py                      # simplenet and gpt, ~2 s timed per measurement
    python benchmarks/bench_ddp.py --quick              # smoke run: simplenet, short timings
    python benchmarks/bench_ddp.py --models simplenet --batch 256 --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TAG = "BENCH_DDP "  # prefix of the result lines a worker prints
MODELS = ("simplenet", "gpt")
SIM_DEVICES = 4
N_PROCS = 2


# ---------------------------------------------------------------------------------------------------
# worker side: runs in a child process, imports JAX


def _setup(name: str, batch: int, ddp: bool):
    """(train_step, parameters, (x, y)) for `name` at `batch` samples, the model wrapped in DDP if asked."""
    import numpy as np

    import jaxtorch as torch
    from bench_train import GPT_T, GPT_V, define_models, lm_loss, make_train_step

    F = torch.nn.functional
    torch.manual_seed(0)
    net = define_models(torch)[name]()
    net.train()
    model = torch.nn.parallel.DistributedDataParallel(net) if ddp else net
    rng = np.random.default_rng(0)
    if name == "simplenet":
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, (batch,)).astype(np.int64)
        loss_fn = F.cross_entropy
    else:
        opt = torch.optim.AdamW(net.parameters(), lr=3e-4)
        x = rng.integers(0, GPT_V, (batch, GPT_T)).astype(np.int64)
        y = rng.integers(0, GPT_V, (batch, GPT_T)).astype(np.int64)
        loss_fn = lm_loss(F)
    train_step = make_train_step(model, opt, loss_fn)
    return train_step, list(net.parameters()), (torch.from_numpy(x), torch.from_numpy(y))


def _measure(name: str, batch: int, ddp: bool, compiled: bool, seconds: float, min_steps: int,
             sync_each: bool, agree=None) -> dict:
    """Steps/s of one setting: three untimed calls (the first traces and compiles), then enough steps for
    `seconds`, blocking at the end on the loss and the parameters, and after every step on the loss if
    `sync_each`. `agree(n)` makes all processes run the same number of steps (each step of a multi-process
    DDP is a collective)."""
    import jax

    import jaxtorch

    step, params, args = _setup(name, batch, ddp)
    if compiled:
        step = jaxtorch.compile(step)

    def finish(loss):
        jax.block_until_ready([loss._value()] + [p._value() for p in params])
        return float(loss)

    t0 = time.perf_counter()
    finish(step(*args))
    first = time.perf_counter() - t0
    finish(step(*args))
    t0 = time.perf_counter()
    loss = finish(step(*args))
    per = time.perf_counter() - t0
    n = max(min_steps, int(math.ceil(seconds / max(per, 1e-6))))
    if agree is not None:
        n = agree(n)
    t0 = time.perf_counter()
    for _ in range(n):
        out = step(*args)
        if sync_each:
            out._value().block_until_ready()
    loss = finish(out)
    dt = time.perf_counter() - t0
    if not math.isfinite(loss):
        raise RuntimeError(f"non-finite loss {loss}")
    return {"steps_per_s": n / dt, "steps": n, "seconds": dt, "first_call_s": first, "loss": loss}


def _emit(rec: dict) -> None:
    print(TAG + json.dumps(rec), flush=True)


def worker_probe() -> None:
    import jax

    devs = jax.devices()
    _emit({"platform": devs[0].platform, "devices": len(devs), "device_kind": devs[0].device_kind})


def worker_inproc(args) -> None:
    """One process, all its local devices: the specs `kind:model:per_device_batch` in order, kind one of
    compile / eager (one device, no DDP module alive) and ddp (compiled DDP over every local device)."""
    import jax

    ndev = len(jax.local_devices())
    if args.expect_devices and ndev != args.expect_devices:
        raise SystemExit(f"expected {args.expect_devices} local devices, JAX sees {ndev}: {jax.local_devices()}")
    for spec in args.specs.split(","):
        kind, name, b = spec.split(":")
        b = int(b)
        ddp = kind == "ddp"
        replicas = ndev if ddp else 1
        rec = {"kind": kind, "model": name, "replicas": replicas, "per_device_batch": b,
               "global_batch": b * replicas, "platform": jax.devices()[0].platform, "local_devices": ndev}
        try:
            rec.update(_measure(name, b * replicas, ddp, kind != "eager", args.seconds, args.min_steps,
                                args.sync_each))
            rec["status"] = "ok"
        except NotImplementedError as e:
            rec.update(status="not supported", error=str(e)[:300])
        except Exception as e:  # one failed setting must not lose the others' figures
            rec.update(status="failed", error=f"{type(e).__name__}: {str(e)[:300]}")
        _emit(rec)
        import gc

        gc.collect()  # drop the DDP wrapper before the next setting (live ones make compile data-parallel)


def worker_procs(args) -> None:
    """Under jaxtorch.distributed.run: eager and compiled DDP, `--batch` samples per process; rank 0 reports."""
    import jax

    import jaxtorch as torch
    import jaxtorch.distributed as dist

    dist.init_process_group(args.backend)
    rank, world = dist.get_rank(), dist.get_world_size()

    def agree(n: int) -> int:
        t = torch.tensor([n])
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return int(t.item())

    for spec in args.specs.split(","):
        kind, name, b = spec.split(":")
        b = int(b)
        rec = {"kind": kind, "model": name, "replicas": world, "per_device_batch": b, "global_batch": b * world,
               "platform": jax.devices()[0].platform, "local_devices": len(jax.local_devices())}
        try:
            rec.update(_measure(name, b, True, kind == "ddp", args.seconds, args.min_steps, args.sync_each,
                                agree))
            rec["status"] = "ok"
        except NotImplementedError as e:  # raised identically on every rank, so none is left waiting
            rec.update(status="not supported", error=str(e)[:300])
        if rank == 0:
            _emit(rec)
    dist.destroy_process_group()


# ---------------------------------------------------------------------------------------------------
# parent side: no JAX here (on a GPU machine it would hold memory the workers need)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(platform: str | None, sim_devices: int = 0) -> dict:
    env = dict(os.environ)
    flags = [f for f in env.get("XLA_FLAGS", "").split() if "xla_force_host_platform_device_count" not in f]
    if sim_devices:
        flags.append(f"--xla_force_host_platform_device_count={sim_devices}")
    if flags:
        env["XLA_FLAGS"] = " ".join(flags)
    else:
        env.pop("XLA_FLAGS", None)
    if platform:
        env["JAX_PLATFORMS"] = platform
    env["PYTHONPATH"] = os.pathsep.join([REPO, HERE] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _run_worker(cmd: list[str], env: dict, timeout: float, label: str) -> tuple[list[dict], str | None]:
    """Run a worker; return its result records and an error text (None if it exited cleanly)."""
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)
        out, err, rc = r.stdout, r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err, rc = f"timed out after {timeout:.0f} s", None
    recs = [json.loads(line[len(TAG):]) for line in out.splitlines() if line.startswith(TAG)]
    print(f"  [{label}] {len(recs)} result(s) in {time.perf_counter() - t0:.0f} s", flush=True)
    if rc == 0:
        return recs, None
    tail = "\n".join((err or "").strip().splitlines()[-15:])
    return recs, f"{label}: exit {rc}\n{tail}"


def _worker_cmd(mode: str, args, specs: str = "", expect: int = 0) -> list[str]:
    cmd = [os.path.abspath(__file__), "--worker", mode, "--seconds", str(args.seconds),
           "--min-steps", str(args.min_steps)] + (["--sync-each"] if args.sync_each else [])
    if specs:
        cmd += ["--specs", specs]
    if expect:
        cmd += ["--expect-devices", str(expect)]
    return cmd


def _batch(args, model: str) -> int:
    return args.batch if model == "simplenet" else args.gpt_batch


def plan(args, platform: str, ngpu: int) -> list[dict]:
    """The worker processes to run: label, section, command, environment."""
    py = [sys.executable]
    jobs = []
    models = args.models
    if platform == "gpu":
        n = ngpu
        specs = []
        for m in models:
            b = _batch(args, m)
            specs += [f"compile:{m}:{b}", f"compile:{m}:{n * b}", f"eager:{m}:{b}", f"eager:{m}:{n * b}"]
        specs += [f"ddp:{m}:{_batch(args, m)}" for m in models]  # DDP last: a live DDP makes compile parallel
        jobs.append({"label": f"{n} GPUs, one process", "section": "inproc",
                     "cmd": py + _worker_cmd("inproc", args, ",".join(specs), n), "env": _env(None)})
        nproc, backend, penv = n, "nccl", _env(None)
    else:
        specs = []
        for m in models:
            b = _batch(args, m)
            specs += [f"compile:{m}:{b}", f"compile:{m}:{N_PROCS * b}", f"compile:{m}:{SIM_DEVICES * b}",
                      f"eager:{m}:{b}", f"eager:{m}:{N_PROCS * b}"]
        jobs.append({"label": "1 CPU device, plain process", "section": "plain",
                     "cmd": py + _worker_cmd("inproc", args, ",".join(specs), 1), "env": _env("cpu")})
        specs = [s for m in models for s in (f"compile:{m}:{_batch(args, m)}",
                                             f"compile:{m}:{SIM_DEVICES * _batch(args, m)}")]
        specs += [f"ddp:{m}:{_batch(args, m)}" for m in models]
        jobs.append({"label": f"{SIM_DEVICES} simulated CPU devices, one process", "section": "sim",
                     "cmd": py + _worker_cmd("inproc", args, ",".join(specs), SIM_DEVICES),
                     "env": _env("cpu", SIM_DEVICES)})
        nproc, backend, penv = N_PROCS, "gloo", _env("cpu")
    specs = [s for m in models for s in (f"eager-ddp:{m}:{_batch(args, m)}", f"ddp:{m}:{_batch(args, m)}")]
    launcher = py + ["-m", "jaxtorch.distributed.run", f"--nproc_per_node={nproc}", "--master_addr=127.0.0.1",
                     f"--master_port={_free_port()}"]
    cmd = launcher + _worker_cmd("procs", args, ",".join(specs)) + ["--backend", backend]
    jobs.append({"label": f"{nproc} processes ({backend})", "section": "procs", "cmd": cmd, "env": penv,
                 "nproc": nproc})
    return jobs


def _setting(rec: dict, section: str) -> str:
    where = {"plain": "1 proc", "sim": f"1 proc, {rec['local_devices']} sim devs",
             "inproc": f"1 proc, {rec['local_devices']} GPUs", "procs": f"{rec['replicas']} procs"}[section]
    kind = {"compile": "1 dev compiled", "eager": "1 dev eager", "ddp": "DDP compiled",
            "eager-ddp": "DDP eager"}[rec["kind"]]
    return f"{kind} ({where})"


def analyse(rows: list[dict]) -> None:
    """Add samples/s and the two scaling figures to each DDP row (in place)."""
    def base(section: str, kind: str, model: str, batch: int):
        for r in rows:
            if (r["section"] == section and r["kind"] == kind and r["model"] == model
                    and r["global_batch"] == batch and r["status"] == "ok"):
                return r
        return None

    for r in rows:
        if r["status"] == "ok":
            r["samples_per_s"] = r["steps_per_s"] * r["global_batch"]
        if r["kind"] not in ("ddp", "eager-ddp") or r["status"] != "ok":
            continue
        mode = "eager" if r["kind"] == "eager-ddp" else "compile"
        # the 1-device baseline from the same process conditions: the simulated-device process measures its
        # own; processes are compared with the plain 1-device process (on GPU, the all-GPU process)
        bsec = {"sim": "sim", "inproc": "inproc", "procs": "plain"}[r["section"]]
        if r["section"] == "procs" and any(x["section"] == "inproc" for x in rows):
            bsec = "inproc"
        same_b = base(bsec, mode, r["model"], r["per_device_batch"])
        same_g = base(bsec, mode, r["model"], r["global_batch"])
        if same_b:
            r["baseline_samples_per_s"] = same_b["samples_per_s"]
            r["speedup"] = r["samples_per_s"] / same_b["samples_per_s"]
            r["efficiency"] = r["speedup"] / r["replicas"]
        if same_g:
            r["vs_same_global_batch"] = r["samples_per_s"] / same_g["samples_per_s"]


def _f(v, spec):
    return "-" if v is None else format(v, spec)


def print_table(rows: list[dict]) -> None:
    hdr = (f"{'setting':<38}{'model':<10}{'repl':>5}{'batch':>7}{'steps/s':>10}{'samples/s':>11}"
           f"{'speedup':>9}{'effic.':>8}{'vs 1dev same global':>21}{'1st call s':>11}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        ok = r["status"] == "ok"
        steps = _f(r.get("steps_per_s"), ".1f") if ok else r["status"]
        print(f"{_setting(r, r['section']):<38}{r['model']:<10}{r['replicas']:>5}{r['global_batch']:>7}"
              f"{steps:>10}{_f(r.get('samples_per_s'), '.0f'):>11}{_f(r.get('speedup'), '.2f'):>9}"
              f"{_f(r.get('efficiency'), '.2f'):>8}{_f(r.get('vs_same_global_batch'), '.2f'):>21}"
              f"{_f(r.get('first_call_s'), '.2f'):>11}")
    print("""
batch: global batch (per-device batch x replicas). speedup: DDP samples/s / 1-device samples/s at the same
per-device batch and mode (ideal = replicas); effic.: speedup / replicas. vs 1dev same global: DDP samples/s /
one device running the whole global batch (1.0 = data parallelism costs nothing over doing the same work on
one device). Processes are compared with the 1-device rows of the plain process.""")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="simplenet,gpt", help="comma-separated: simplenet, gpt")
    ap.add_argument("--batch", type=int, default=64, help="SimpleNet samples per device")
    ap.add_argument("--gpt-batch", type=int, default=8, help="GPT sequences (of 64 tokens) per device")
    ap.add_argument("--seconds", type=float, default=2.0, help="target timed seconds per measurement")
    ap.add_argument("--min-steps", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="smoke run: simplenet only, 0.4 s per measurement")
    ap.add_argument("--platform", choices=("auto", "cpu"), default="auto",
                    help="cpu: the CPU settings even where JAX sees several GPUs")
    ap.add_argument("--worker-timeout", type=float, default=0.0, help="seconds per worker process (default: "
                    "scaled from --seconds)")
    ap.add_argument("--sync", choices=("auto", "step", "end"), default="auto",
                    help="block on the loss after every timed step, or only at the end; auto: every step on "
                    "CPU (XLA's CPU runtime can deadlock with several multi-device steps in flight when the "
                    "simulated devices outnumber the cores), at the end on GPU")
    ap.add_argument("--json", default="", help="write the results to this file")
    # worker-side options
    ap.add_argument("--worker", choices=("probe", "inproc", "procs"), help=argparse.SUPPRESS)
    ap.add_argument("--specs", default="", help=argparse.SUPPRESS)
    ap.add_argument("--expect-devices", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--backend", default="gloo", help=argparse.SUPPRESS)
    ap.add_argument("--sync-each", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker == "probe":
        return worker_probe()
    if args.worker == "inproc":
        return worker_inproc(args)
    if args.worker == "procs":
        return worker_procs(args)

    if args.quick:
        args.models, args.seconds, args.min_steps = "simplenet", 0.4, 3
    args.models = [m for m in args.models.split(",") if m]
    for m in args.models:
        if m not in MODELS:
            ap.error(f"unknown model {m!r} (choose from {', '.join(MODELS)})")
    timeout = args.worker_timeout or (120 + 40 * args.seconds) * len(args.models)

    t_start = time.perf_counter()
    platform, ngpu, kind = "cpu", 0, "cpu"
    if args.platform == "auto":
        recs, err = _run_worker([sys.executable, os.path.abspath(__file__), "--worker", "probe"], _env(None),
                                120, "probe")
        if recs and recs[0]["platform"] == "gpu" and recs[0]["devices"] > 1:
            platform, ngpu, kind = "gpu", recs[0]["devices"], recs[0]["device_kind"]
    cores = os.cpu_count()
    args.sync_each = args.sync == "step" or (args.sync == "auto" and platform == "cpu")
    print(f"platform: {f'{ngpu} x {kind}' if platform == 'gpu' else f'CPU, {cores} cores'}; models "
          f"{', '.join(args.models)}; per-device batch: simplenet {args.batch}, gpt {args.gpt_batch} x 64 tokens; "
          f"~{args.seconds:g} s timed per measurement, blocking on the loss "
          f"{'after every step' if args.sync_each else 'at the end'}", flush=True)

    rows: list[dict] = []
    errors: list[str] = []
    for job in plan(args, platform, ngpu):
        recs, err = _run_worker(job["cmd"], job["env"], timeout * (1.5 if job["section"] == "procs" else 1),
                                job["label"])
        for r in recs:
            r["section"] = job["section"]
            r["setting"] = _setting(r, job["section"])
        rows += recs
        if err:
            errors.append(err)
    analyse(rows)

    print()
    print_table(rows)
    if platform == "cpu":
        print(f"""
The {SIM_DEVICES} simulated devices (and the {N_PROCS} processes) share this machine's {cores} CPU cores:
their speedup over one device is bounded by the cores, not by jaxtorch, and the meaningful figure is
'vs 1dev same global' (the cost of data parallelism over one device doing the same work).
It can exceed 1 where one device's XLA CPU program leaves a core idle that the replicas' programs,
running side by side, fill.""")
    for e in errors:
        print(f"\nworker error: {e}")
    total = time.perf_counter() - t_start
    print(f"\ntotal {total:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"platform": platform, "gpus": ngpu, "cpu_cores": cores, "args": {
                "models": args.models, "batch": args.batch, "gpt_batch": args.gpt_batch, "seconds": args.seconds,
                "sync_each_step": args.sync_each},
                "rows": rows, "errors": errors, "total_s": total}, f, indent=1)
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
