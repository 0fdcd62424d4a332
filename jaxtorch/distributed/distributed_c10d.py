"""torch.distributed's process groups and collectives on jax.distributed.

One process per rank, as with torch: `init_process_group` reads torchrun's variables (RANK,
WORLD_SIZE, MASTER_ADDR, MASTER_PORT; `jaxtorch.distributed.run` sets them) and starts
`jax.distributed` with the coordinator at MASTER_ADDR:MASTER_PORT. On CPU the cross-process
collectives go through gloo (`jax_cpu_collectives_implementation`); on GPU XLA uses NCCL. Every
collective is an eager jitted XLA program over a mesh with one device per member process (see
`_collectives.py`); barrier, send/recv use jax.distributed's coordination service.

Differences from torch, on purpose:
- any backend name is accepted ('gloo', 'nccl', 'xla', ...); the transport is whatever XLA uses on the
  platform.
- collectives run synchronously; `async_op=True` returns an already completed Work.
- `store=` and `file://` rendezvous are not supported (there is no c10d Store); `tcp://` and `env://` are.
- with `backend='nccl'` and several processes per node, each process sees only GPU LOCAL_RANK (torch's
  one-GPU-per-process convention).

When a rank fails, the others must not wait for it forever (docs/distributed.md, "When a rank fails"):
- a collective whose peer died fails at once with a RuntimeError (gloo: "Connection closed by peer"),
  and one whose peer never comes fails after `timeout` (XLA's CPU collective timeout is set from it).
- a rank that fails (uncaught exception; a non-zero SystemExit where jaxtorch.distributed.run reports
  it) exits at once, without jax.distributed's exit barrier; a rank that ends normally waits at exit
  for the others (the coordination service lives in rank 0 and must outlive every client) but gives
  up when one of them fails.
- a watchdog thread ends a collective or recv that waits for a rank that has left (it is at exit, or
  has destroyed its group): that wait could never complete.
"""

from __future__ import annotations

import atexit
import datetime
import enum
import logging
import os
import pickle
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import jax
import jax.numpy as jnp
import numpy as np

from .._tensor import Tensor
from . import _collectives as C

__all__ = [
    "Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "default_pg_timeout", "group",
    "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all", "all_to_all_single",
    "barrier", "broadcast", "broadcast_object_list", "destroy_process_group", "gather", "gather_object",
    "get_backend", "get_global_rank", "get_group_rank", "get_node_local_rank", "get_process_group_ranks",
    "get_rank", "get_world_size", "init_process_group", "irecv", "is_available", "is_backend_available",
    "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available", "is_torchelastic_launched",
    "is_ucc_available", "isend", "monitored_barrier", "new_group", "recv", "reduce", "reduce_scatter",
    "reduce_scatter_tensor", "scatter", "scatter_object_list", "send",
]

default_pg_timeout = datetime.timedelta(minutes=30)

_NOT_INIT = "Default process group has not been initialized, please make sure to call init_process_group."


# ------------------------------------------------------------------------------------------- enums
class Backend(str):
    """A backend name, lower-cased ('gloo', 'nccl', ...). All map onto XLA's collectives."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    XCCL = "xccl"
    UCC = "ucc"
    MPI = "mpi"
    XLA = "xla"
    backend_list = ["undefined", "gloo", "nccl", "xccl", "ucc", "mpi", "xla"]

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        value = name.lower()
        # "cpu:gloo,cuda:nccl" style strings are accepted as they are
        if value not in cls.backend_list and ":" not in value:
            raise ValueError(f"Invalid backend: '{name}'")
        return str.__new__(cls, value)


class ReduceOp:
    """Reduction operations: ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR."""

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8

    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


reduce_op = ReduceOp


def _op_name(op: Any, dtype) -> str:
    """ReduceOp -> the _collectives op name, with torch's dtype checks."""
    op = getattr(op, "op", op)
    if not isinstance(op, ReduceOp.RedOpType):
        raise TypeError(f"Invalid reduce op {op!r}; expected a torch.distributed.ReduceOp")
    if op is ReduceOp.PREMUL_SUM:
        raise NotImplementedError("jaxtorch.distributed: ReduceOp.PREMUL_SUM is not supported")
    dt = np.dtype(dtype)
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dt.kind not in "iub":
        raise RuntimeError(f"Cannot use ReduceOp.{op.name} with non-integral dtype")
    if op in (ReduceOp.MIN, ReduceOp.MAX, ReduceOp.PRODUCT) and dt.kind == "c":
        raise ValueError(f"all_reduce does not support RedOpType.{op.name} on complex tensors")
    if op is ReduceOp.AVG and dt.kind == "b":
        raise RuntimeError("Cannot use ReduceOp.AVG with bool dtype")
    return op.name.lower()


class Work:
    """The handle `async_op=True` returns. jaxtorch's collectives are synchronous: it is already done."""

    def __init__(self, result: Any = None) -> None:
        self._result = result

    def wait(self, timeout: datetime.timedelta | None = None) -> bool:
        for r in self._result or ():
            if isinstance(r, Tensor):
                jax.block_until_ready(r._value())
        return True

    def is_completed(self) -> bool:
        return True

    def is_success(self) -> bool:
        return True

    def exception(self) -> None:
        return None

    def result(self) -> list:
        return list(self._result or [])


# ------------------------------------------------------------------------------------------- groups
class ProcessGroup:
    """A set of processes (global ranks, sorted) that run collectives together.

    `ranks` are global ranks (= jax process indices); `rank()` is this process's index in the group.
    `mesh` is the 1-d jax Mesh (axis "proc") with one device per member process (the first local device
    of each), which the collectives run on. Build groups with `init_process_group` / `new_group`.
    """

    def __init__(self, ranks: Sequence[int], backend: str, timeout: datetime.timedelta, name: str) -> None:
        self.ranks = tuple(int(r) for r in ranks)
        self._backend = backend
        self.timeout = timeout
        self.group_name = name
        self._my_index = self.ranks.index(_state.rank)
        self._barrier_count = 0

    def rank(self) -> int:
        return self._my_index

    def size(self) -> int:
        return len(self.ranks)

    def name(self) -> str:
        return self._backend

    @property
    def mesh(self) -> jax.sharding.Mesh:
        return C.process_mesh(self.ranks)

    def __repr__(self) -> str:
        return f"<jaxtorch.distributed.ProcessGroup ranks={list(self.ranks)} backend={self._backend!r}>"


class GroupMember:
    """GroupMember.WORLD (the default group, None before init) and NON_GROUP_MEMBER."""

    NON_GROUP_MEMBER = -100
    WORLD: ProcessGroup | None = None


class _WorldProperty(type):
    @property
    def WORLD(cls) -> ProcessGroup | None:  # noqa: N802 (torch's name)
        return GroupMember.WORLD


class group(metaclass=_WorldProperty):  # noqa: N801 (torch's name)
    """`dist.group.WORLD`: the default process group."""


class _State:
    def __init__(self) -> None:
        self.rank = 0
        self.world_size = 1
        self.started_jax = False  # we called jax.distributed.initialize
        self.group_count = 0
        self.p2p_seq: dict = {}
        self.excepthook_installed = False
        self.exit_handler_installed = False
        self.exit_code: int | None = None  # known exit status: 1 after an uncaught exception, or a SystemExit's
        self.generation = 0  # bumped by every jax.distributed start and stop; a watchdog of an old one ends
        self.aborting = False  # the watchdog has reported a wait that cannot complete and ends the process


_state = _State()


def _default_group() -> ProcessGroup:
    if GroupMember.WORLD is None:
        raise ValueError(_NOT_INIT)
    return GroupMember.WORLD


def _group(g: ProcessGroup | None) -> ProcessGroup:
    return _default_group() if g is None else g


def _member(g: ProcessGroup | None) -> ProcessGroup | None:
    """The group to run a collective on, or None when this process is not in it (the call is a no-op)."""
    g = _group(g)
    if g is GroupMember.NON_GROUP_MEMBER:
        return None
    return g


# --------------------------------------------------------------------------------------- init / info
def is_available() -> bool:
    return True


def is_initialized() -> bool:
    return GroupMember.WORLD is not None


def is_gloo_available() -> bool:
    return True


def is_nccl_available() -> bool:
    import importlib.util

    return any(importlib.util.find_spec(m) is not None for m in ("jax_cuda12_plugin", "jax_cuda13_plugin"))


def is_mpi_available() -> bool:
    return False


def is_ucc_available() -> bool:
    return False


def is_backend_available(backend: str) -> bool:
    return {"gloo": True, "nccl": is_nccl_available(), "xla": True}.get(str(backend).lower(), False)


def is_torchelastic_launched() -> bool:
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
                       "`get_node_local_rank` to work, assuming you are not running in a multi-device context "
                       "and want the code to run locally instead.")


def _env(name: str, method: str) -> str:
    if name not in os.environ:
        raise ValueError(f"Error initializing torch.distributed using {method} rendezvous: environment variable "
                         f"{name} expected, but not set")
    return os.environ[name]


def _rendezvous(init_method: str | None, rank: int, world_size: int) -> tuple[str, int, int, int]:
    """(master address, port, rank, world size) from the init method and torchrun's variables."""
    if init_method is None or init_method.startswith("env://"):
        rank = int(_env("RANK", "env://")) if rank == -1 else rank
        world_size = int(_env("WORLD_SIZE", "env://")) if world_size == -1 else world_size
        addr = _env("MASTER_ADDR", "env://")
        port = int(_env("MASTER_PORT", "env://"))
        return addr, port, rank, world_size
    if init_method.startswith("tcp://"):
        url = urlparse(init_method)
        if rank == -1:
            raise ValueError("Error initializing torch.distributed using tcp:// rendezvous: rank parameter missing")
        if world_size == -1:
            raise ValueError("Error initializing torch.distributed using tcp:// rendezvous: world size parameter "
                             "missing")
        if url.port is None:
            raise ValueError("Error initializing torch.distributed using tcp:// rendezvous: port number missing")
        return url.hostname, url.port, rank, world_size
    raise NotImplementedError(f"jaxtorch.distributed supports env:// and tcp:// init methods, not {init_method!r}")


# jax.distributed's exit barrier (every process waits there for the others) must not time out while a
# rank that ended early waits for the others to finish: when it does, jax aborts every process. torch has
# no such limit (a rank that exits 0 early never stops the job), so it is as good as infinite here.
_SHUTDOWN_TIMEOUT_S = 365 * 24 * 3600
_EXIT_KEY = "jaxtorch_exit/"  # + rank, in jax.distributed's key-value store: how that rank left
_COLLECTIVE_TIMEOUT_FLAG = "--xla_cpu_collective_timeout_seconds"


def _start_jax_distributed(addr: str, port: int, rank: int, world_size: int, backend: str | None,
                           timeout: datetime.timedelta) -> None:
    """jax.distributed.initialize, first undoing an already started XLA backend if needed."""
    from jax._src import xla_bridge

    if jax.distributed.is_initialized():  # the user started it: use it as it is
        if jax.process_count() != world_size or jax.process_index() != rank:
            raise RuntimeError(f"jax.distributed is already initialized as process {jax.process_index()} of "
                               f"{jax.process_count()}, not rank {rank} of {world_size}")
        return
    # jax.distributed must start before the XLA backend; users may build models before init_process_group.
    # Drop the backend; existing arrays keep working (they are moved to the new devices when used), and
    # the generator state is re-created on the new backend below.
    backend_was_up = xla_bridge.backends_are_initialized()
    if backend_was_up:
        from jax.extend import backend as jax_backend

        jax_backend.clear_backends()
    if jax.config.jax_cpu_collectives_implementation != "mpi":  # CPU collectives across processes
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    local_device_ids = None
    if backend is not None and "nccl" in str(backend).lower() and int(os.environ.get("LOCAL_WORLD_SIZE", "1")) > 1:
        local_device_ids = [get_node_local_rank(0)]
    on_main_thread = threading.current_thread() is threading.main_thread()
    sigterm = signal.getsignal(signal.SIGTERM) if on_main_thread else None
    flags = os.environ.get("XLA_FLAGS")
    if not backend_was_up and _COLLECTIVE_TIMEOUT_FLAG not in (flags or ""):
        # XLA reads its flags once, when the first backend starts: torch's `timeout` for a collective that
        # a peer never joins becomes XLA's CPU collective timeout (XLA's default is torch's: 30 minutes)
        seconds = max(1, int(-(-timeout.total_seconds() // 1)))
        os.environ["XLA_FLAGS"] = f"{flags or ''} {_COLLECTIVE_TIMEOUT_FLAG}={seconds}".strip()
    elif backend_was_up and timeout != default_pg_timeout and _COLLECTIVE_TIMEOUT_FLAG not in (flags or ""):
        warnings.warn(f"init_process_group(timeout={timeout}): the JAX backend started before init_process_group, "
                      "so collectives keep XLA's timeout (30 minutes); call init_process_group before creating "
                      f"tensors, or set {_COLLECTIVE_TIMEOUT_FLAG} in XLA_FLAGS", stacklevel=3)
    try:
        jax.distributed.initialize(f"{addr}:{port}", world_size, rank, local_device_ids=local_device_ids,
                                   initialization_timeout=max(1, int(timeout.total_seconds())),
                                   shutdown_timeout_seconds=_SHUTDOWN_TIMEOUT_S)
        jax.devices()  # the backend (and its gloo collectives) starts now, reading XLA_FLAGS
    finally:
        if flags is None:
            os.environ.pop("XLA_FLAGS", None)
        else:
            os.environ["XLA_FLAGS"] = flags
    if sigterm is not None:
        # jax's preemption notifier has taken SIGTERM over: it notes the signal and the process runs on.
        # torchrun (and our launcher) stop the processes of a failed job with SIGTERM, so it must end them.
        signal.signal(signal.SIGTERM, sigterm)
    _state.started_jax = True
    _state.generation += 1
    C.completed.clear()
    _rehome_after_backend_change()
    _handle_exits()
    threading.Thread(target=_watch_peers, args=(_state.generation,), name="jaxtorch.distributed watchdog",
                     daemon=True).start()


def _exit_status(code: Any) -> int:
    """The exit status (0-255) of a process that ends with SystemExit(code), as Python and the OS make it."""
    if code is None:
        return 0
    if isinstance(code, int):  # a C long, truncated by the OS to its low byte; -1 when it does not fit
        return code & 0xFF if -(2**63) <= code < 2**63 else 255
    return 1  # Python prints the code (a message) and exits 1


def _write_error_file(message: str | None, tb: str = "", caused_by_peer: bool = False) -> None:
    """Tell the launcher (TORCHELASTIC_ERROR_FILE) when and why this process failed, and whether the failure
    came from another process's (a closed connection: the launcher looks for the root cause elsewhere)."""
    path = os.environ.get("TORCHELASTIC_ERROR_FILE")
    if not path:
        return
    import json

    record = {"timestamp": time.time(), "traceback": tb, "caused_by_peer": caused_by_peer}
    if message:
        record["message"] = message
    try:
        with open(path, "w") as f:
            json.dump(record, f)
    except OSError:
        pass


def _install_excepthook() -> None:
    """Note an uncaught exception: write it to TORCHELASTIC_ERROR_FILE (the launcher uses its time to
    tell the rank that failed first from those that failed because of it) and mark the process failed."""
    if _state.excepthook_installed:
        return
    _state.excepthook_installed = True
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if _state.aborting:  # the watchdog is ending the process with its own (more telling) error
            return
        previous(exc_type, exc, tb)
        if issubclass(exc_type, SystemExit):
            return
        _state.exit_code = 1
        text = "".join(traceback.format_exception_only(exc_type, exc)).strip()
        _write_error_file(text, "".join(traceback.format_exception(exc_type, exc, tb)),
                          bool(getattr(exc, "_jaxtorch_caused_by_peer", False)))

    sys.excepthook = hook


def _note_system_exit(code: Any) -> None:
    """The script is ending with SystemExit(code). jaxtorch.distributed.run's workers call this (Python
    gives an atexit handler no way to learn a SystemExit's status): a non-zero status is a failure, and
    the process then leaves at once instead of waiting at exit for the other ranks."""
    status = _exit_status(code)
    _state.exit_code = status
    if status:
        _write_error_file(None if isinstance(code, int) else str(code))


def _jax_client():
    from jax._src import distributed as jd

    return jd.global_state.client


def _publish_exit(how: str, code: int | None = None) -> None:
    """Record in jax.distributed's key-value store how this rank leaves ("exiting", "destroyed" or "failed")
    and how many operations of each sequence it completed (bounded in time: the service may be gone)."""
    client = _jax_client()
    if client is None:
        return
    import json

    record = json.dumps({"how": how, "code": code, "completed": dict(C.completed)})

    def put() -> None:
        try:
            client.key_value_set(f"{_EXIT_KEY}{_state.rank}", record, allow_overwrite=True)
        except Exception:  # the service is gone: nobody is left to tell
            pass

    t = threading.Thread(target=put, daemon=True)
    t.start()
    t.join(2.0)


def _exits(client) -> dict[int, dict]:
    """{rank: what it published (_publish_exit)} for the ranks that have left."""
    import json

    return {int(key.rsplit("/", 1)[-1]): json.loads(value) for key, value in client.key_value_dir_get(_EXIT_KEY)}


def _describe_exit(info: dict) -> str:
    if info["how"] == "failed":
        return f"failed (exit code {info['code']})"
    if info["how"] == "destroyed":
        return "left the process group (destroy_process_group)"
    return "has ended and waits at exit for the other ranks"


def _exit_now(code: int) -> None:
    """Leave at once with status `code`: tell the other ranks, flush what was printed, and skip
    jax.distributed's exit barrier (the other ranks may be waiting for this one in a collective)."""
    _state.generation += 1  # the watchdog stops
    _publish_exit("failed", code)
    _let_waiting_ranks_go()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed stream must not hide the exit
            pass
    os._exit(code)


def _let_waiting_ranks_go(limit: float = 3.0) -> None:
    """In the process that hosts the coordination service (rank 0): before it goes, let the ranks that wait
    at exit see this failure and leave with their own status (up to `limit` s); without the service jax
    would abort them."""
    from jax._src import distributed as jd

    client = jd.global_state.client
    if jd.global_state.service is None or client is None:
        return
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if "exiting" not in [info["how"] for r, info in _exits(client).items() if r != _state.rank]:
                return
        except Exception:
            return
        time.sleep(0.05)


def _leave(at_exit: bool) -> None:
    """jax.distributed.shutdown(), a barrier with every other process, that gives up when one of them fails.

    At exit a rank that gives up exits (with its known status, else 1); destroy_process_group raises.
    """
    _state.generation += 1
    client = _jax_client()
    _publish_exit("exiting" if at_exit else "destroyed")
    done = threading.Event()
    errors: list[Exception] = []

    def shutdown() -> None:
        try:
            jax.distributed.shutdown()
        except Exception as e:
            errors.append(e)
        finally:
            done.set()

    threading.Thread(target=shutdown, name="jaxtorch.distributed shutdown", daemon=True).start()
    unreachable_since = None
    while not done.wait(0.25):
        reason = None
        try:
            failed = {r: info for r, info in _exits(client).items() if info["how"] == "failed"}
            unreachable_since = None
            if failed:
                reason = "; ".join(f"rank {r} {_describe_exit(info)}" for r, info in sorted(failed.items()))
        except Exception:  # the service (in rank 0) is gone, unless the barrier has just completed
            unreachable_since = unreachable_since or time.monotonic()
            if time.monotonic() - unreachable_since > 2.0 and not done.is_set():
                reason = "the coordination service (rank 0) is gone"
        if reason:
            where = "at exit" if at_exit else "in destroy_process_group"
            message = f"jaxtorch.distributed: rank {_state.rank} stopped waiting for the other ranks {where}: {reason}"
            if at_exit:
                print(message, file=sys.stderr)
                _exit_now(1 if _state.exit_code is None else _state.exit_code)
            _state.started_jax = False
            raise RuntimeError(message)
    _state.started_jax = False
    if errors and not at_exit:
        raise errors[0]


def _handle_exits() -> None:
    """How this process leaves jax.distributed at exit (registered after jax's own handler, so it runs first).

    jax's handler is an exit barrier: it waits (here: without limit) for every process to reach it. A
    rank that failed must not wait there: the healthy ranks may be blocked in a collective waiting for it,
    nobody would exit, and the launcher would never see the failure. A rank that failed leaves at once
    (after its traceback or message was printed); the others meet at the barrier.
    """
    _install_excepthook()
    if _state.exit_handler_installed:
        return
    _state.exit_handler_installed = True

    def at_exit() -> None:
        if not _state.started_jax:  # never started, or destroy_process_group shut it down
            return
        if _state.exit_code:
            _exit_now(_state.exit_code)
        _leave(at_exit=True)

    atexit.register(at_exit)


def _gone_for_good(entry: tuple, exits: dict[int, dict], me: int) -> list[int]:
    """The members of the operation `entry` (a _collectives.pending) that have left without taking part in
    it; one that left after completing it (its data is on the way) is no reason to stop waiting."""
    _, ranks, sequence, index, _ = entry
    return sorted(r for r in ranks if r != me and r in exits and exits[r]["completed"].get(sequence, 0) < index)


def _watch_peers(generation: int) -> None:
    """End a wait that can never complete: a collective (or recv) with a rank that has left.

    A rank that died closes its sockets and gloo fails the collective by itself; but a rank that left
    normally (it waits at exit for the others) or destroyed its group keeps them open, and the wait would
    last until the group's timeout. torch reports such a peer at once ("Connection closed by peer").
    Every rank counts the operations it completed (_collectives.completed) and publishes the counts when
    it leaves, so a wait is ended only when the peer left before taking part in it. The main thread is
    blocked inside XLA, so this thread reports the error and ends the process.
    """
    while _state.generation == generation:
        time.sleep(0.25)
        entry = C.pending
        client = _jax_client()
        if entry is None or client is None or time.monotonic() - entry[4] < 1.0:
            continue
        try:
            exits = _exits(client)
        except Exception:
            continue
        gone = _gone_for_good(entry, exits, _state.rank)
        if not gone or C.pending is not entry or _state.generation != generation:
            continue
        _state.aborting = True
        name = entry[0]
        who = "; ".join(f"rank {r} {_describe_exit(exits[r])}" for r in gone)
        message = (f"jaxtorch.distributed.{name}: {who}, while this process (rank {_state.rank}) waited for it in "
                   f"{name}, which can never complete. This is typically caused by a remote worker exiting early "
                   "or crashing. Check the logs of the remote worker.")
        frame = sys._current_frames().get(threading.main_thread().ident)
        stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
        sys.stderr.write(f"Traceback (most recent call last):\n{stack}RuntimeError: {message}\n")
        _write_error_file(f"RuntimeError: {message}", stack, caused_by_peer=True)
        _exit_now(1)


def _rehome_after_backend_change() -> None:
    """Device lookups cached before the backend restarted are stale; re-create the generator state."""
    from .. import _device, random

    _device._jax_devices.cache_clear()
    _device.default_device.cache_clear()
    for cell in (random.default_generator._key, random.default_generator._counter):
        cell._data = jnp.asarray(np.asarray(cell._data))


if os.environ.get("TORCHELASTIC_ERROR_FILE"):  # started by a launcher: report uncaught errors to it
    _install_excepthook()


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store: Any = None, group_name: str = "", pg_options: Any = None,
                       device_id: Any = None) -> None:
    """Join the default process group (rank `rank` of `world_size`), starting jax.distributed."""
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if store is not None:
        raise NotImplementedError("jaxtorch.distributed does not support store= (there is no c10d Store); use "
                                  "init_method='env://' or 'tcp://host:port'")
    timeout = default_pg_timeout if timeout is None else timeout
    addr, port, rank, world_size = _rendezvous(init_method, rank, world_size)
    if not 0 <= rank < world_size:
        raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {world_size - 1}]")
    _state.rank, _state.world_size = rank, world_size  # the exit handling and the watchdog use them
    try:
        if world_size > 1:
            _start_jax_distributed(addr, port, rank, world_size, backend, timeout)
    except BaseException:
        _state.rank, _state.world_size = 0, 1
        raise
    if backend is None:
        backend = "nccl" if jax.default_backend() == "gpu" else "gloo"
    GroupMember.WORLD = ProcessGroup(range(world_size), Backend(backend), timeout, group_name or "0")


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default group (shutting jax.distributed down) or forget a subgroup."""
    if group is None or group is GroupMember.WORLD:
        if GroupMember.WORLD is None:
            raise AssertionError("Process group cannot be None")
        GroupMember.WORLD = None
        try:
            if _state.started_jax:
                # a barrier with the other processes; the XLA backend stays (it cannot be restarted safely)
                _leave(at_exit=False)
        finally:
            _state.rank, _state.world_size, _state.group_count = 0, 1, 0
            _state.p2p_seq.clear()


def new_group(ranks: Sequence[int] | None = None, timeout: datetime.timedelta | None = None,
              backend: str | None = None, pg_options: Any = None, use_local_synchronization: bool = False,
              group_desc: str | None = None, device_id: Any = None) -> ProcessGroup | int:
    """A group of the given global ranks (all processes must call it). Non-members get NON_GROUP_MEMBER."""
    world = _default_group()
    _state.group_count += 1
    ranks = sorted(range(world.size()) if ranks is None else {int(r) for r in ranks})
    if len(ranks) > world.size():
        raise ValueError("the new group's world size should be less or equal to the world size set by "
                         "init_process_group")
    for r in ranks:
        if not 0 <= r < world.size():
            raise ValueError(f"Invalid rank {r} for a group of the default world of size {world.size()}")
    if _state.rank not in ranks:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(ranks, Backend(backend or world.name()), timeout or world.timeout,
                        group_desc or str(_state.group_count))


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in `group` (the global rank by default); -1 if it is not a member."""
    g = _group(group)
    return -1 if g is GroupMember.NON_GROUP_MEMBER else g.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    g = _group(group)
    return -1 if g is GroupMember.NON_GROUP_MEMBER else g.size()


def get_backend(group: ProcessGroup | None = None) -> str:
    g = _group(group)
    if g is GroupMember.NON_GROUP_MEMBER:
        raise ValueError("Invalid process group specified")
    return g.name()


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    return list(_group(group).ranks)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    if not 0 <= group_rank < group.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return group.ranks[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    if global_rank not in group.ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return group.ranks.index(global_rank)


# --------------------------------------------------------------------------------------- helpers
def _check_tensor(t: Any, param: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{param}` of type torch.Tensor\n"
                        f"             but got {type(t)} instead.")


def _check_list(ts: Any, param: str) -> None:
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"Invalid function argument. Expected parameter `{param}` of type List[torch.Tensor]\n"
                        f"             but got {type(ts)} instead.")


def _write(t: Tensor, value) -> None:
    """Write `value` into t in place (through views), outside autograd, as c10d does."""
    from ..autograd.grad_mode import no_grad

    value = value.astype(t._value().dtype).reshape(t.shape)
    with no_grad():
        t._inplace_assign(Tensor._make(value), "distributed")


def _pg_label(g: ProcessGroup) -> str:
    """torch's error prefix names the backend's class: ProcessGroupGloo, ProcessGroupNCCL."""
    return {"gloo": "ProcessGroupGloo", "nccl": "ProcessGroupNCCL"}.get(g.name(), "ProcessGroup")


def _src_index(g: ProcessGroup, src: int | None, group_src: int | None, what: str, opname: str) -> int:
    """Index in the group of a source/destination given as a global rank or a group rank."""
    if group_src is not None:
        if src is not None:
            raise ValueError(f"Can only specify one of group_{what} and {what}")
        idx = int(group_src)
        if not 0 <= idx < g.size():
            raise RuntimeError(f"{_pg_label(g)}::{opname}: invalid root rank: {idx}")
        return idx
    gr = 0 if src is None else int(src)
    if not 0 <= gr < _state.world_size:
        raise RuntimeError(f"{_pg_label(g)}::{opname}: invalid root rank: {gr}")
    if gr not in g.ranks:
        raise ValueError(f"Global rank {gr} is not part of group {g}")
    return g.ranks.index(gr)


def _done(async_op: bool, *tensors: Tensor) -> Work | None:
    return Work(list(tensors)) if async_op else None


def _shape_msg(kind: str, index: int, expected: Sequence[int], got: Sequence[int]) -> str:
    return (f"{kind}: invalid tensor size at index {index} (expected ({', '.join(map(str, expected))}), "
            f"got ({', '.join(map(str, got))}))")


# --------------------------------------------------------------------------------------- collectives
def all_reduce(tensor: Tensor, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce `tensor` over the group with `op`; every rank gets the result in `tensor` (in place)."""
    _check_tensor(tensor, "tensor")
    g = _member(group)
    if g is None:
        return None
    name = _op_name(op, tensor._value().dtype)
    (out,) = C.all_reduce_arrays([tensor._value()], name, g.ranks, g.rank())
    _write(tensor, out)
    return _done(async_op, tensor)


def reduce(tensor: Tensor, dst: int | None = None, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Like all_reduce, but only rank `dst` receives the result."""
    _check_tensor(tensor, "tensor")
    g = _member(group)
    if g is None:
        return None
    dst_index = _src_index(g, dst, group_dst, "dst", "reduce")
    name = _op_name(op, tensor._value().dtype)
    (out,) = C.all_reduce_arrays([tensor._value()], name, g.ranks, g.rank())
    if g.rank() == dst_index:
        _write(tensor, out)
    return _done(async_op, tensor)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Copy rank `src`'s `tensor` into `tensor` on every rank of the group."""
    _check_tensor(tensor, "tensor")
    g = _member(group)
    if g is None:
        return None
    idx = _src_index(g, src, group_src, "src", "broadcast")
    (out,) = C.broadcast_arrays([tensor._value()], idx, g.ranks, g.rank())
    if g.rank() != idx:
        _write(tensor, out)
    return _done(async_op, tensor)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """tensor_list[i] <- rank i's `tensor`, on every rank."""
    _check_list(tensor_list, "tensor_list")
    _check_tensor(tensor, "tensor")
    g = _member(group)
    if g is None:
        return None
    if len(tensor_list) != g.size():
        raise RuntimeError(f"ProcessGroup::allgather: invalid output tensor list at index 0 (expected length "
                           f"{g.size()}, got {len(tensor_list)})")
    for i, t in enumerate(tensor_list):
        if tuple(t.shape) != tuple(tensor.shape):
            raise RuntimeError(_shape_msg("ProcessGroup::allgather", i, tensor.shape, t.shape))
    (out,) = C.all_gather_arrays([tensor._value()], g.ranks, g.rank())
    for i, t in enumerate(tensor_list):
        _write(t, out[i])
    return _done(async_op, *tensor_list)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Rank inputs concatenated along dim 0 (output (n*d0, ...)) or stacked (output (n, *input.shape))."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    g = _member(group)
    if g is None:
        return None
    n, shape = g.size(), tuple(input_tensor.shape)
    concat = (n * shape[0],) + shape[1:] if shape else (n,)
    if tuple(output_tensor.shape) not in (concat, (n,) + shape):
        raise RuntimeError(_shape_msg("ProcessGroup::allgather", 0, concat, output_tensor.shape))
    if output_tensor.dtype != input_tensor.dtype:
        raise TypeError("output tensor must have the same type as input tensor")
    (out,) = C.all_gather_arrays([input_tensor._value()], g.ranks, g.rank())
    _write(output_tensor, out)  # (n, *shape) row-major is the concatenation too
    return _done(async_op, output_tensor)


all_gather_single = all_gather_into_tensor


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: Any = ReduceOp.SUM,
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce `input` (n*k rows, or (n, *output.shape)) over ranks; rank i gets block i in `output`."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    g = _member(group)
    if g is None:
        return None
    n, shape = g.size(), tuple(output.shape)
    concat = (n * shape[0],) + shape[1:] if shape else (n,)
    if tuple(input.shape) not in (concat, (n,) + shape):
        raise RuntimeError(_shape_msg("ProcessGroup::reduce_scatter", 0, concat, input.shape))
    if output.dtype != input.dtype:
        raise TypeError("input tensor must be the same type as the output tensor.")
    name = _op_name(op, input._value().dtype)
    (out,) = C.reduce_scatter_arrays([input._value().reshape((n,) + shape)], name, g.ranks, g.rank())
    _write(output, out)
    return _done(async_op, output)


reduce_scatter_single = reduce_scatter_tensor


def reduce_scatter(output: Tensor, input_list: list[Tensor], op: Any = ReduceOp.SUM,
                   group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """output <- reduction over ranks of their input_list[my rank]."""
    _check_tensor(output, "output")
    _check_list(input_list, "input_list")
    g = _member(group)
    if g is None:
        return None
    if len(input_list) != g.size():
        raise RuntimeError(f"ProcessGroup::reduce_scatter: invalid input tensor list (expected length {g.size()}, "
                           f"got {len(input_list)})")
    for i, t in enumerate(input_list):
        if tuple(t.shape) != tuple(output.shape):
            raise RuntimeError(_shape_msg("ProcessGroup::reduce_scatter", i, output.shape, t.shape))
    name = _op_name(op, output._value().dtype)
    stacked = jnp.stack([t._value().astype(output._value().dtype) for t in input_list])
    (out,) = C.reduce_scatter_arrays([stacked], name, g.ranks, g.rank())
    _write(output, out)
    return _done(async_op, output)


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """gather_list[i] <- rank i's `tensor`, on rank `dst` only (other ranks pass gather_list=None)."""
    _check_tensor(tensor, "tensor")
    g = _member(group)
    if g is None:
        return None
    idx = _src_index(g, dst, group_dst, "dst", "gather")
    if g.rank() == idx:
        if gather_list is None:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        _check_list(gather_list, "gather_list")
        if len(gather_list) != g.size():
            raise ValueError("Argument ``gather_list`` must have the same length as the group size")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    # an all-gather that only the destination keeps: XLA has no rooted gather across processes
    (out,) = C.all_gather_arrays([tensor._value()], g.ranks, g.rank())
    if g.rank() == idx:
        for i, t in enumerate(gather_list):
            _write(t, out[i])
    return _done(async_op, *(gather_list or []))


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False, group_src: int | None = None) -> Work | None:
    """tensor <- rank src's scatter_list[my rank]."""
    _check_tensor(tensor, "tensor")
    g = _member(group)
    if g is None:
        return None
    idx = _src_index(g, src, group_src, "src", "scatter")
    value = tensor._value()
    if g.rank() == idx:
        if scatter_list is None:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        _check_list(scatter_list, "scatter_list")
        if len(scatter_list) != g.size():
            raise ValueError("Argument ``scatter_list`` must have the same length as the group size")
        stacked = jnp.stack([t._value().astype(value.dtype).reshape(value.shape) for t in scatter_list])
    else:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        stacked = jnp.zeros((g.size(),) + value.shape, value.dtype)
    (out,) = C.scatter_arrays([stacked], idx, g.ranks, g.rank())
    _write(tensor, out)
    return _done(async_op, tensor)


def all_to_all(output_tensor_list: list[Tensor], input_tensor_list: list[Tensor],
               group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """output_tensor_list[i] <- rank i's input_tensor_list[my rank]. Same shapes everywhere."""
    _check_list(output_tensor_list, "output_tensor_list")
    _check_list(input_tensor_list, "input_tensor_list")
    g = _member(group)
    if g is None:
        return None
    n = g.size()
    for kind, lst in (("input", input_tensor_list), ("output", output_tensor_list)):
        if len(lst) != n:
            raise RuntimeError(f"{_pg_label(g)}::alltoall: {kind} tensor list size {len(lst)} does not match world "
                               f"size {n}")
    shape = tuple(input_tensor_list[0].shape)
    for i, t in enumerate(list(input_tensor_list) + list(output_tensor_list)):
        if tuple(t.shape) != shape:
            # unequal chunks would need padding to a size agreed across ranks
            raise NotImplementedError("jaxtorch.distributed.all_to_all needs tensors of one shape on every rank")
    (out,) = C.all_to_all_arrays([jnp.stack([t._value() for t in input_tensor_list])], g.ranks, g.rank())
    for i, t in enumerate(output_tensor_list):
        _write(t, out[i])
    return _done(async_op, *output_tensor_list)


def all_to_all_single(output: Tensor, input: Tensor, output_split_sizes: list[int] | None = None,
                      input_split_sizes: list[int] | None = None, group: ProcessGroup | None = None,
                      async_op: bool = False) -> Work | None:
    """Split `input` along dim 0 into n equal blocks, send block j to rank j; `output` gets them in rank order."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    g = _member(group)
    if g is None:
        return None
    n = g.size()
    if input.shape[0] % n:
        raise RuntimeError(f"Tensor's dim 0 does not divide equally across group size ({input.shape[0]} vs {n})")
    k = input.shape[0] // n
    for sizes in (output_split_sizes, input_split_sizes):
        if sizes and any(int(s) != k for s in sizes):
            raise NotImplementedError("jaxtorch.distributed.all_to_all_single supports equal splits only")
    if tuple(output.shape) != tuple(input.shape):
        raise RuntimeError("all_to_all_single: output and input must have the same shape for equal splits")
    blocks = input._value().reshape((n, k) + tuple(input.shape[1:]))
    (out,) = C.all_to_all_arrays([blocks], g.ranks, g.rank())
    _write(output, out)
    return _done(async_op, output)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None,
            timeout: datetime.timedelta | None = None) -> Work | None:
    """Block until every process of the group reaches this barrier.

    As torch's gloo barrier, it is a collective: a member that dies ends it with a RuntimeError at once, and
    one that never comes makes it fail after the process group's timeout. With an explicit `timeout` it
    is jax.distributed's barrier instead, which fails after `timeout`.
    """
    g = _member(group)
    if g is None or g.size() == 1:
        return _done(async_op)
    if timeout is None:
        C.barrier(g.ranks, g.rank())
        return _done(async_op)
    from jax._src import distributed as jd

    g._barrier_count += 1
    ids = None if g.size() == _state.world_size else list(g.ranks)
    with C.waiting("barrier", g.ranks, "b/" + ",".join(str(r) for r in g.ranks)):
        jd.global_state.client.wait_at_barrier(f"jaxtorch_barrier/{g.group_name}/{g._barrier_count}",
                                               int(timeout.total_seconds() * 1000), ids)
    return _done(async_op)


def monitored_barrier(group: ProcessGroup | None = None, timeout: datetime.timedelta | None = None,
                      wait_all_ranks: bool = False) -> None:
    barrier(group, timeout=timeout or _group(group).timeout)


# --------------------------------------------------------------------------------------- objects
def _object_bytes(g: ProcessGroup, payload: bytes) -> list[bytes]:
    """All ranks' byte strings (an all-gather of lengths, then of zero-padded bytes)."""
    data = np.frombuffer(payload, np.uint8)
    (lengths,) = C.all_gather_arrays([jnp.asarray([data.size], jnp.int64)], g.ranks, g.rank())
    lengths = [int(x) for x in np.asarray(lengths)[:, 0]]
    padded = np.zeros(max(lengths), np.uint8)
    padded[: data.size] = data
    (gathered,) = C.all_gather_arrays([jnp.asarray(padded)], g.ranks, g.rank())
    gathered = np.asarray(gathered)
    return [gathered[i, : lengths[i]].tobytes() for i in range(g.size())]


def all_gather_object(object_list: list, obj: Any, group: ProcessGroup | None = None) -> None:
    """object_list[i] <- rank i's `obj` (pickled, as in torch: only exchange objects you trust)."""
    g = _member(group)
    if g is None:
        return
    for i, b in enumerate(_object_bytes(g, pickle.dumps(obj))):
        object_list[i] = pickle.loads(b)


def gather_object(obj: Any, object_gather_list: list | None = None, dst: int | None = None,
                  group: ProcessGroup | None = None, group_dst: int | None = None) -> None:
    g = _member(group)
    if g is None:
        return
    idx = _src_index(g, dst, group_dst, "dst", "gather")
    gathered = _object_bytes(g, pickle.dumps(obj))
    if g.rank() == idx:
        for i, b in enumerate(gathered):
            object_gather_list[i] = pickle.loads(b)


def broadcast_object_list(object_list: list, src: int | None = None, group: ProcessGroup | None = None,
                          device: Any = None, group_src: int | None = None) -> None:
    """object_list <- rank src's object_list (same length everywhere), in place."""
    g = _member(group)
    if g is None:
        return
    idx = _src_index(g, src, group_src, "src", "broadcast")
    payload = pickle.dumps(list(object_list)) if g.rank() == idx else b""
    received = pickle.loads(_object_bytes(g, payload)[idx])
    object_list[:] = received[: len(object_list)]


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list: list | None = None,
                        src: int | None = None, group: ProcessGroup | None = None,
                        group_src: int | None = None) -> None:
    g = _member(group)
    if g is None:
        return
    idx = _src_index(g, src, group_src, "src", "scatter")
    payload = pickle.dumps(list(scatter_object_input_list)) if g.rank() == idx else b""
    scatter_object_output_list[0] = pickle.loads(_object_bytes(g, payload)[idx])[g.rank()]


# --------------------------------------------------------------------------------------- point to point
def _client():
    from jax._src import distributed as jd

    if jd.global_state.client is None:
        raise RuntimeError("jaxtorch.distributed: send/recv need a process group of more than one process")
    return jd.global_state.client


def _p2p_key(src: int, dst: int, tag: int, bump: bool) -> str:
    k = (src, dst, tag)
    seq = _state.p2p_seq.get(k, 0)
    if bump:
        _state.p2p_seq[k] = seq + 1
    return f"jaxtorch_p2p/{src}/{dst}/{tag}/{seq}"


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send `tensor` to global rank `dst` (through jax.distributed's key-value store; for small tensors)."""
    _check_tensor(tensor, "tensor")
    g = _member(group)
    if g is None:
        return
    dst_rank = g.ranks[_src_index(g, dst, group_dst, "dst", "send")]
    if dst_rank == _state.rank:
        raise ValueError("Invalid destination rank: should not be the same as the rank of the current process.")
    data = np.ascontiguousarray(np.asarray(tensor._value())).tobytes()
    _client().key_value_set_bytes(_p2p_key(_state.rank, dst_rank, tag, True), data)
    sent = f"p/{_state.rank},{dst_rank},{tag}"
    C.completed[sent] = C.completed.get(sent, 0) + 1  # a receiver waits for this many only after we left


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into `tensor` from global rank `src` (any rank if None); returns the sender's rank."""
    _check_tensor(tensor, "tensor")
    g = _member(group)
    if g is None:
        return -1
    client = _client()
    timeout_ms = int(g.timeout.total_seconds() * 1000)
    if src is None and group_src is None:
        deadline = time.monotonic() + g.timeout.total_seconds()
        while True:  # poll every other rank's next message
            for r in g.ranks:
                if r != _state.rank:
                    key = _p2p_key(r, _state.rank, tag, False)
                    try:
                        data = client.key_value_try_get_bytes(key)
                    except Exception:  # not there yet
                        continue
                    src_rank = r
                    break
            else:
                if time.monotonic() > deadline:
                    raise RuntimeError("jaxtorch.distributed.recv: timed out waiting for a message")
                time.sleep(0.002)
                continue
            break
    else:
        src_rank = g.ranks[_src_index(g, src, group_src, "src", "recv")]
        key = _p2p_key(src_rank, _state.rank, tag, False)
        with C.waiting("recv", (src_rank,), f"p/{src_rank},{_state.rank},{tag}",
                       _state.p2p_seq.get((src_rank, _state.rank, tag), 0) + 1):
            data = client.blocking_key_value_get_bytes(key, timeout_ms)
    _p2p_key(src_rank, _state.rank, tag, True)
    client.key_value_delete(key)
    value = np.frombuffer(data, dtype=np.asarray(tensor._value()).dtype).reshape(tuple(tensor.shape))
    _write(tensor, jnp.asarray(value))
    return src_rank


def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work:
    send(tensor, dst, group, tag, group_dst)
    return Work([tensor])


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work:
    recv(tensor, src, group, tag, group_src)
    return Work([tensor])
