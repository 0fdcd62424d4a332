"""`python -m jaxtorch.distributed.run` — torchrun for jaxtorch.

    python -m jaxtorch.distributed.run --nproc_per_node=2 train.py --lr 0.1

starts `nproc_per_node` processes of `train.py` on this node with torchrun's environment (RANK,
LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT, ...), so that
`jaxtorch.distributed.init_process_group()` in each finds its peers. For several nodes, run it on
each node with the same --nnodes/--master_addr/--master_port and its own --node_rank.

If any process fails, the launcher stops the others at once (SIGTERM, then SIGKILL) and exits with
status 1; the failing process's own stderr (its traceback) passes through unchanged. There is no
elastic restart: --max_restarts must be 0 and --nnodes a fixed number (or "N:N").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence

__all__ = ["get_args_parser", "parse_args", "main", "run"]


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m jaxtorch.distributed.run",
                                description="Start a multi-process jaxtorch.distributed job (torchrun's flags).")

    def add(name: str, **kw) -> None:  # torchrun accepts both --a_b and --a-b
        names = [f"--{name}"] + ([f"--{name.replace('_', '-')}"] if "_" in name else [])
        p.add_argument(*names, **kw)

    add("nnodes", default="1", help="number of nodes, or MIN:MAX with MIN == MAX")
    add("nproc_per_node", default="1", help="processes per node: a number, 'cpu', 'gpu' or 'auto'")
    add("node_rank", type=int, default=0, help="rank of this node (0 .. nnodes-1)")
    add("master_addr", default="127.0.0.1", help="address of the rank-0 node")
    add("master_port", type=int, default=29500, help="free port on the rank-0 node")
    add("standalone", action="store_true", help="single node; pick a free port on localhost")
    add("rdzv_endpoint", default="", help="HOST:PORT, used as master_addr:master_port")
    add("rdzv_backend", default="static", help="ignored (the coordinator is jax.distributed's)")
    add("rdzv_id", default="none", help="job id (exported as TORCHELASTIC_RUN_ID)")
    add("rdzv_conf", default="", help="ignored")
    add("max_restarts", type=int, default=0, help="must be 0: restarts are not supported")
    add("monitor_interval", type=float, default=0.1, help="seconds between checks of the processes")
    add("start_method", default="spawn", help="ignored: processes are always fresh interpreters")
    add("role", default="default", help="role name (ROLE_NAME)")
    add("log_dir", default=None, help="ignored")
    add("redirects", default="0", help="ignored")
    add("tee", default="0", help="ignored")
    add("local_addr", default=None, help="ignored")
    add("run_path", action="store_true", help="ignored")
    p.add_argument("-m", "--module", action="store_true", help="run training_script as a module (python -m)")
    add("no_python", action="store_true", help="run training_script directly, not through python")
    p.add_argument("training_script", help="the script (or module, with -m) each process runs")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    return get_args_parser().parse_args(argv)


def _nnodes(value: str) -> int:
    lo, _, hi = str(value).partition(":")
    if hi and int(lo) != int(hi):
        raise ValueError(f"--nnodes={value}: elastic node counts are not supported; give a fixed number")
    return int(hi or lo)


def _gpu_count() -> int:
    # nvidia-smi, not JAX: starting a GPU backend here would take memory the workers need
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(line.startswith("GPU ") for line in out.splitlines())


def _nproc(value: str) -> int:
    if value == "cpu":
        return os.cpu_count() or 1
    if value in ("gpu", "cuda"):
        n = _gpu_count()
        if n == 0:
            raise ValueError("--nproc_per_node=gpu but no GPU was found")
        return n
    if value == "auto":
        return _gpu_count() or os.cpu_count() or 1
    return int(value)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen], grace: float = 5.0) -> None:
    """SIGTERM every live process group, then SIGKILL what is still there after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        live = [p for p in procs if p.poll() is None]
        for p in live:
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(p.poll() is None for p in live):
            time.sleep(0.05)


def _describe(rc: int) -> str:
    if rc < 0:
        try:
            return f"killed by signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit code {rc}"


def run(args: argparse.Namespace) -> int:
    """Start the processes of this node, watch them, and return the job's exit status."""
    if args.max_restarts:
        raise ValueError("jaxtorch.distributed.run does not restart failed processes; use --max_restarts=0")
    nnodes, nproc = _nnodes(args.nnodes), _nproc(args.nproc_per_node)
    addr, port = args.master_addr, args.master_port
    if args.rdzv_endpoint:
        host, _, p = args.rdzv_endpoint.rpartition(":")
        addr, port = (host or addr), int(p) if p else port
    if args.standalone:
        nnodes, addr, port = 1, "127.0.0.1", _free_port()
        args.node_rank = 0
    if not 0 <= args.node_rank < nnodes:
        raise ValueError(f"--node_rank={args.node_rank} must be in [0, {nnodes - 1}]")
    world_size = nnodes * nproc
    run_id = args.rdzv_id if args.rdzv_id != "none" else uuid.uuid4().hex[:12]

    if args.no_python:
        cmd = [args.training_script]
    elif args.module:
        cmd = [sys.executable, "-u", "-m", args.training_script]
    else:
        cmd = [sys.executable, "-u", args.training_script]
    cmd += list(args.training_script_args)

    base_env = dict(os.environ)
    if nproc > 1 and "OMP_NUM_THREADS" not in base_env:
        base_env["OMP_NUM_THREADS"] = "1"  # as torchrun: N processes should not each take every core
    error_dir = tempfile.mkdtemp(prefix="jaxtorch_run_")
    error_files = [os.path.join(error_dir, f"error_{i}.json") for i in range(nproc)]
    procs: list[subprocess.Popen] = []
    for local_rank in range(nproc):
        rank = args.node_rank * nproc + local_rank
        env = dict(base_env, RANK=str(rank), LOCAL_RANK=str(local_rank), WORLD_SIZE=str(world_size),
                   LOCAL_WORLD_SIZE=str(nproc), GROUP_RANK=str(args.node_rank), GROUP_WORLD_SIZE=str(nnodes),
                   ROLE_RANK=str(rank), ROLE_WORLD_SIZE=str(world_size), ROLE_NAME=args.role,
                   MASTER_ADDR=addr, MASTER_PORT=str(port), TORCHELASTIC_RUN_ID=run_id,
                   TORCHELASTIC_RESTART_COUNT="0", TORCHELASTIC_MAX_RESTARTS="0",
                   TORCHELASTIC_ERROR_FILE=error_files[local_rank])
        # each worker gets its own process group so that stopping it also stops its children
        procs.append(subprocess.Popen(cmd, env=env, start_new_session=True))

    def on_signal(signum, frame):
        _stop(procs)
        sys.exit(128 + signum)

    # a thread per process records when it ended, so the first failure (the root cause) can be told
    # apart from the ranks that failed because of it (a peer's collective broke)
    ended: dict[int, float] = {}
    changed = threading.Event()

    def watch(i: int, p: subprocess.Popen) -> None:
        p.wait()
        ended[i] = time.time()
        changed.set()

    for i, p in enumerate(procs):
        threading.Thread(target=watch, args=(i, p), daemon=True).start()
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            changed.wait(args.monitor_interval)
            changed.clear()
            failed = [i for i in list(ended) if procs[i].returncode != 0]
            if failed:
                _stop(procs)
                # the root cause: the earliest error a rank reported (its error file is written before it
                # exits, so this holds even when a peer's exit was noticed first), else the earliest exit
                errors = [_read_error(f) for f in error_files]
                causes = [(e["timestamp"], i) for i, e in enumerate(errors) if "timestamp" in e]
                causes += [(ended.get(i, float("inf")), i) for i in failed if "timestamp" not in errors[i]]
                causes.sort()
                first = causes[0][1]
                rank = args.node_rank * nproc + first
                others = [args.node_rank * nproc + i for _, i in causes[1:]]
                also = f" (then also rank(s) {others})" if others else ""
                message = errors[first].get("message")
                print(f"jaxtorch.distributed.run: rank {rank} (local_rank {first}) of {world_size} failed first "
                      f"({_describe(procs[first].returncode)}){also} running {' '.join(cmd)}; the other processes "
                      f"were stopped. Its error is above" + (f": {message}" if message else "."),
                      file=sys.stderr, flush=True)
                return 1
            if len(ended) == len(procs):
                return 0
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        _stop(procs)
        shutil.rmtree(error_dir, ignore_errors=True)


def _read_error(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(run(parse_args(argv)))


if __name__ == "__main__":
    main()
