"""nn.parallel.DistributedDataParallel: every replica sees its own batch; gradients are averaged over
all replicas at the end of backward, so parameters stay identical everywhere.

Eagerly, one process is one replica (launch several with `python -m jaxtorch.distributed.run`) and
the average is an all-reduce over processes. Under torch.compile, the compiled step runs
data-parallel over the devices: each device gets its slice of the batch, and the average is a
`pmean` inside the one XLA program (docs/compile.md).
"""

from __future__ import annotations

import contextlib
import weakref

from ... import _trace_state
from ...autograd import graph as _graph
from ...autograd.grad_mode import no_grad
from ..modules.module import Module
from . import _collectives

__all__ = ["DistributedDataParallel"]

# live DDP/DataParallel modules: torch.compile traces their steps data-parallel from the first call
_live_replicated_modules: weakref.WeakSet = weakref.WeakSet()


class _GradAveraging(Module):
    """Averages parameter gradients over replicas once per backward (shared by DDP and DataParallel)."""

    def _install_grad_averaging(self, module: Module) -> None:
        _live_replicated_modules.add(self)
        self.require_backward_grad_sync = True
        self._queued = False
        self._params = [p for p in module.parameters() if p.requires_grad]
        for p in self._params:
            p.register_hook(self._grad_ready)

    # a leaf hook fires on each parameter's gradient: queue one all-reduce for the whole backward
    def _grad_ready(self, grad):
        if self.require_backward_grad_sync and not self._queued:
            self._queued = True
            _graph.queue_callback(self._finalize_backward)
        return grad

    def _finalize_backward(self) -> None:
        self._queued = False
        params = [p for p in self._params if p.grad is not None]
        if not params:
            return
        averaged = _collectives.average([p.grad for p in params])
        with no_grad():
            for p, g in zip(params, averaged):
                if g is not p.grad:
                    p.grad._inplace_assign(g)

    def _note_compile(self) -> None:
        obs = _trace_state.observer
        if obs is not None:  # torch.compile: run this step data-parallel over the devices
            obs.note_data_parallel(self)


class DistributedDataParallel(_GradAveraging):
    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False, **kwargs):
        super().__init__()
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.process_group = process_group
        self._install_grad_averaging(module)
        self._sync_module_states()

    def _sync_module_states(self) -> None:
        """Start every replica from rank 0's parameters and buffers, as torch does."""
        if _collectives._world() <= 1:
            return
        from ... import distributed as dist

        with no_grad():
            for t in list(self.module.parameters()) + list(self.module.buffers()):
                dist.broadcast(t, src=0)

    def forward(self, *inputs, **kwargs):
        self._note_compile()
        if self.broadcast_buffers and _collectives._world() > 1:
            with no_grad():
                if _trace_state.dp_axis is None:
                    from ... import distributed as dist

                    for b in self.module.buffers():
                        dist.broadcast(b, src=0)
                else:  # compiled across processes: each process's replicas hold their own buffers
                    bufs = list(self.module.buffers())
                    for b, v in zip(bufs, _collectives.from_first(bufs)):
                        b._inplace_assign(v)
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Accumulate gradients locally; the next synced backward averages the accumulated total."""
        prev = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = prev

    def join(self, *args, **kwargs):
        return contextlib.nullcontext()

    def _set_static_graph(self) -> None:
        pass
