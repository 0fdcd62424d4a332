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
"""

from __future__ import annotations

import atexit
import datetime
import enum
import logging
import os
import pickle
import sys
import time
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
        self.crashed = False


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


def _start_jax_distributed(addr: str, port: int, rank: int, world_size: int, backend: str | None,
                           timeout: datetime.timedelta) -> None:
    """jax.distributed.initialize, first undoing an already started XLA backend if needed."""
    from jax._src import xla_bridge

    if jax.distributed.is_initialized():  # the user started it: use it as it is
        if jax.process_count() != world_size or jax.process_index() != rank:
            raise RuntimeError(f"jax.distributed is already initialized as process {jax.process_index()} of "
                               f"{jax.process_count()}, not rank {rank} of {world_size}")
        return
    # jax.distributed must start before the XLA backend; importing jaxtorch already made arrays (the
    # default generator's key), and users may build models before init_process_group. Drop the
    # backend; existing arrays keep working (they are moved to the new devices when used), and the
    # generator state is re-created on the new backend below.
    if xla_bridge.backends_are_initialized():
        from jax.extend import backend as jax_backend

        jax_backend.clear_backends()
    if jax.config.jax_cpu_collectives_implementation != "mpi":  # CPU collectives across processes
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    local_device_ids = None
    if backend is not None and "nccl" in str(backend).lower() and int(os.environ.get("LOCAL_WORLD_SIZE", "1")) > 1:
        local_device_ids = [get_node_local_rank(0)]
    jax.distributed.initialize(f"{addr}:{port}", world_size, rank, local_device_ids=local_device_ids,
                               initialization_timeout=max(1, int(timeout.total_seconds())))
    _state.started_jax = True
    _rehome_after_backend_change()
    _exit_promptly_on_uncaught_exception()


def _install_excepthook() -> None:
    """Note an uncaught exception: write it to TORCHELASTIC_ERROR_FILE (the launcher uses its time to
    tell the rank that failed first from those that failed because of it) and mark the process crashed."""
    if _state.excepthook_installed:
        return
    _state.excepthook_installed = True
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        previous(exc_type, exc, tb)
        if issubclass(exc_type, SystemExit):
            return
        _state.crashed = True
        path = os.environ.get("TORCHELASTIC_ERROR_FILE")
        if path:
            import json
            import traceback

            text = "".join(traceback.format_exception_only(exc_type, exc)).strip()
            try:
                with open(path, "w") as f:
                    json.dump({"message": text, "timestamp": time.time(),
                               "traceback": "".join(traceback.format_exception(exc_type, exc, tb))}, f)
            except OSError:
                pass

    sys.excepthook = hook


def _exit_promptly_on_uncaught_exception() -> None:
    """A rank that dies of an exception must not wait in jax.distributed's exit barrier.

    At exit jax.distributed waits (up to 5 minutes) for every process to reach shutdown; the healthy
    ranks are blocked in a collective waiting for the dead one, so nobody would exit and the launcher
    would never see the failure. After the traceback is printed, such a process exits at once.
    """
    _install_excepthook()
    if _state.exit_handler_installed:
        return
    _state.exit_handler_installed = True

    def exit_now() -> None:  # registered after jax's shutdown handler, so it runs first
        if _state.crashed:
            logging.shutdown()
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:  # a closed stream must not hide the exit
                    pass
            os._exit(1)

    atexit.register(exit_now)


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
    if world_size > 1:
        _start_jax_distributed(addr, port, rank, world_size, backend, timeout)
    if backend is None:
        backend = "nccl" if jax.default_backend() == "gpu" else "gloo"
    _state.rank, _state.world_size = rank, world_size
    GroupMember.WORLD = ProcessGroup(range(world_size), Backend(backend), timeout, group_name or "0")


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default group (shutting jax.distributed down) or forget a subgroup."""
    if group is None or group is GroupMember.WORLD:
        if GroupMember.WORLD is None:
            raise AssertionError("Process group cannot be None")
        GroupMember.WORLD = None
        _state.rank, _state.world_size, _state.group_count = 0, 1, 0
        _state.p2p_seq.clear()
        if _state.started_jax:
            # a barrier with the other processes; the XLA backend stays (it cannot be restarted safely)
            jax.distributed.shutdown()
            _state.started_jax = False


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
    """Block until every process of the group reaches this barrier."""
    g = _member(group)
    if g is None or g.size() == 1:
        return _done(async_op)
    from jax._src import distributed as jd

    g._barrier_count += 1
    timeout = timeout or g.timeout
    ids = None if g.size() == _state.world_size else list(g.ranks)
    jd.global_state.client.wait_at_barrier(f"jaxtorch_barrier/{g.group_name}/{g._barrier_count}",
                                           int(timeout.total_seconds() * 1000), ids)
    return _done(async_op)


def monitored_barrier(group: ProcessGroup | None = None, timeout: datetime.timedelta | None = None,
                      wait_all_ranks: bool = False) -> None:
    barrier(group, timeout=timeout)


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
