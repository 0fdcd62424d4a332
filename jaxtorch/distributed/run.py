"""`python -m jaxtorch.distributed.run` — torchrun for jaxtorch.

    python -m jaxtorch.distributed.run --nproc_per_node=2 train.py --lr 0.1

starts `nproc_per_node` processes of `train.py` on this node with torchrun's environment (RANK,
LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT, ...), so that
`jaxtorch.distributed.init_process_group()` in each finds its peers. For several nodes, run it on
each node with the same --nnodes/--master_addr/--master_port and its own --node_rank.

If any process fails (a non-zero exit status, or a signal), the launcher stops the others at once
(SIGTERM, then SIGKILL) and exits with status 1, as torchrun does; the failing process's own stderr
(its traceback or sys.exit message) passes through unchanged, and a last line names the rank that
failed first, its exit code (for a signal, torchrun's "Signal 9 (SIGKILL) received by PID ...") and
its error. A process that exits 0 early does not stop the others. There is no elastic restart:
--max_restarts must be 0 and --nnodes a fixed number (or "N:N").

Python workers run their script through a small bootstrap (runpy, as `python script.py` would): it
tells jaxtorch.distributed the status of a SystemExit that ends the script, so that a rank ending
with sys.exit("message") or SystemExit(3) leaves at once, as a crashed one does, instead of waiting
at exit for ranks that wait for it (see distributed_c10d._note_system_exit).
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


def _describe(rc: int, pid: int) -> str:
    """The exit code and, for a signal, torchrun's words for it."""
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = "unknown signal"
        return f"exit code {rc}: Signal {-rc} ({name}) received by PID {pid}"
    return f"exit code {rc}"


# How a Python worker runs its script: `python -u -c _BOOTSTRAP MODE TARGET ARGS...`. MODE is "path" or
# "module", with "+local-rank" to append --local-rank=N (the old launcher). It runs TARGET as
# `python TARGET ARGS` / `python -m TARGET ARGS` would (sys.argv, sys.path[0], a script's absolute
# __file__ in the real __main__ module), and reports the code of a SystemExit that ends it to
# jaxtorch.distributed when the script has loaded it. It imports nothing of jaxtorch itself.
_BOOTSTRAP = """\
def _jaxtorch_bootstrap():
    import os, sys
    del globals()["_jaxtorch_bootstrap"]
    mode, target = sys.argv[1], sys.argv[2]
    sys.argv = sys.argv[2:] + (["--local-rank=" + os.environ["LOCAL_RANK"]] if mode.endswith("+local-rank") else [])
    try:
        if mode.startswith("module"):
            import runpy
            sys.path[0] = os.getcwd()
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        elif os.path.isfile(target) and not target.endswith((".pyc", ".pyz", ".zip")):
            import importlib.machinery
            sys.path[0] = os.path.dirname(os.path.realpath(target))
            path = os.path.abspath(target)
            with open(path, "rb") as f:
                code = compile(f.read(), path, "exec")
            main = globals()
            main.update(__file__=path, __cached__=None,
                        __loader__=importlib.machinery.SourceFileLoader("__main__", path))
            exec(code, main)
        else:  # a directory or zip file with a __main__.py
            import runpy
            sys.path[0] = ""
            runpy.run_path(target, run_name="__main__")
    except SystemExit as e:
        c10d = sys.modules.get("jaxtorch.distributed.distributed_c10d")
        if c10d is not None:
            c10d._note_system_exit(e.code)
        raise
_jaxtorch_bootstrap()
"""


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

    script_args = list(args.training_script_args)
    if args.no_python:
        cmd = shown = [args.training_script] + script_args
    else:
        mode = ("module" if args.module else "path") + ("+local-rank" if getattr(args, "append_local_rank", False)
                                                        else "")
        cmd = [sys.executable, "-u", "-c", _BOOTSTRAP, mode, args.training_script] + script_args
        shown = [sys.executable, "-u"] + (["-m"] if args.module else []) + [args.training_script] + script_args

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

    watchers = [threading.Thread(target=watch, args=(i, p), daemon=True) for i, p in enumerate(procs)]
    for w in watchers:
        w.start()
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            changed.wait(args.monitor_interval)
            changed.clear()
            if not any(procs[i].returncode != 0 for i in list(ended)):
                if len(ended) == len(procs):
                    return 0
                continue
            # the processes that had ended by now (a watcher may not have noted one yet) failed on their own;
            # the others are stopped now
            ended_before = [i for i, p in enumerate(procs) if _has_exited(p) or i in ended]
            _stop(procs)
            for w in watchers:
                w.join(5.0)
            failed = [i for i in ended_before if procs[i].returncode != 0]
            # the root cause: the earliest error a rank reported (its error file is written before it exits,
            # so this holds even when a peer's exit was noticed first), else the earliest exit; an error that
            # says a peer's connection closed is a consequence, and comes after the others
            errors = [_read_error(f) for f in error_files]
            causes = [((bool(e.get("caused_by_peer")), e["timestamp"]), i) for i, e in enumerate(errors)
                      if "timestamp" in e]
            causes += [((False, ended.get(i, float("inf"))), i) for i in failed if "timestamp" not in errors[i]]
            causes.sort()
            first = causes[0][1]
            rank = args.node_rank * nproc + first
            others = [args.node_rank * nproc + i for _, i in causes[1:]]
            also = f" (then also rank(s) {others})" if others else ""
            message = errors[first].get("message")
            print(f"jaxtorch.distributed.run: rank {rank} (local_rank {first}) of {world_size} failed first "
                  f"({_describe(procs[first].returncode, procs[first].pid)}){also} running {' '.join(shown)}; "
                  "the other processes were stopped." + (f" Its error is above: {message}" if message else ""),
                  file=sys.stderr, flush=True)
            return 1
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        _stop(procs)
        shutil.rmtree(error_dir, ignore_errors=True)


def _has_exited(p: subprocess.Popen) -> bool:
    """Whether `p` has ended, without reaping it (its watcher thread does; Popen.poll cannot while it waits)."""
    if p.returncode is not None:
        return True
    if not hasattr(os, "waitid"):
        return False
    try:
        return os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # reaped meanwhile
        return True


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
