"""torch.autograd.profiler on JAX's profiler.

jaxtorch's work runs as XLA programs, so its profile is JAX's: a recording profiler runs a JAX profiler trace
(`jax.profiler.start_trace`), which records the XLA programs jaxtorch dispatches (each eager op is one), their
compilation, host work and, on a GPU, the device kernels, plus every `record_function` range (mapped to
`jax.profiler.TraceAnnotation`; under `torch.compile` it also names the XLA ops traced inside it, via
`jax.named_scope`).

- `export_chrome_trace(path)` writes that trace as Chrome trace-event JSON (open it in Perfetto or
  chrome://tracing). Its events are JAX's (program dispatches and executions, compiles, record_function ranges),
  not torch's per-aten-op events.
- `key_averages()`, `table()`, `function_events` and other op-level statistics raise NotImplementedError: torch
  builds them from per-op events that jaxtorch does not collect. Use the trace in TensorBoard/XProf instead
  (`torch.profiler.tensorboard_trace_handler`).
- `emit_nvtx` / `emit_itt` (torch: emit NVTX/ITT ranges for every op) raise NotImplementedError when enabled.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import json
import os
import shutil
import tempfile
import weakref
from typing import Any

from .. import _unsupported

__all__ = [
    "profile",
    "record_function",
    "emit_itt",
    "emit_nvtx",
    "load_nvprof",
    "EnforceUnique",
    "parse_nvprof_trace",
    "KinetoStepTracker",
    "EventList",
    "FunctionEvent",
    "MemRecordsAcc",
]

_is_profiler_enabled: bool = False

_NO_EVENTS = (
    "jaxtorch records a JAX profiler trace, not torch's per-op events; export it with export_chrome_trace "
    "or torch.profiler.tensorboard_trace_handler and read it in Perfetto or TensorBoard/XProf"
)

load_nvprof = _unsupported.function("torch.autograd.profiler.load_nvprof", _NO_EVENTS)
parse_nvprof_trace = _unsupported.function("torch.autograd.profiler.parse_nvprof_trace", _NO_EVENTS)
EnforceUnique = _unsupported.cls("torch.autograd.profiler.EnforceUnique", _NO_EVENTS)
KinetoStepTracker = _unsupported.cls("torch.autograd.profiler.KinetoStepTracker", _NO_EVENTS)
EventList = _unsupported.cls("torch.autograd.profiler.EventList", _NO_EVENTS)
FunctionEvent = _unsupported.cls("torch.autograd.profiler.FunctionEvent", _NO_EVENTS)
MemRecordsAcc = _unsupported.cls("torch.autograd.profiler.MemRecordsAcc", _NO_EVENTS)


def _set_profiler_enabled(enabled: bool) -> None:
    global _is_profiler_enabled
    _is_profiler_enabled = enabled


class _JaxTrace:
    """One JAX profiler session, written to a private temporary directory (removed with this object).

    JAX names a session's output after the wall-clock second and the host, so sessions written to one directory
    in the same second would overwrite each other; each session therefore gets its own directory, and exporters copy
    the files out under the names they need.
    """

    def __init__(self, *, host: bool = True, python: bool = False) -> None:
        import jax

        options = jax.profiler.ProfileOptions()
        options.host_tracer_level = 2 if host else 0  # JAX's default host-tracing level, or off
        options.python_tracer_level = 1 if python else 0
        self.directory = tempfile.mkdtemp(prefix="jaxtorch_profile_")
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.directory, True)
        try:
            jax.profiler.start_trace(self.directory, profiler_options=options)
        except RuntimeError as e:
            self._cleanup()
            raise RuntimeError(
                f"jaxtorch could not start a JAX profiler trace ({e}); only one JAX profiler trace can run at a time"
            ) from None
        self.running = True

    def stop(self) -> None:
        import jax

        if self.running:
            self.running = False
            jax.profiler.stop_trace()

    def _file(self, pattern: str) -> str:
        found = sorted(glob.glob(os.path.join(self.directory, "plugins", "profile", "*", pattern)))
        if not found:
            raise RuntimeError(f"the JAX profiler wrote no {pattern} file for this trace")
        return found[0]

    def xplane_path(self) -> str:
        return self._file("*.xplane.pb")

    def chrome_trace(self, metadata: dict | None = None) -> bytes:
        """The trace as Chrome trace-event JSON, with `metadata` added as top-level keys (as torch does)."""
        with gzip.open(self._file("*.trace.json.gz"), "rb") as f:
            data = f.read()
        if metadata:
            trace = json.loads(data)
            trace.update(metadata)
            data = json.dumps(trace).encode()
        return data

    def write_chrome_trace(self, path: str, metadata: dict | None = None) -> None:
        """Write the JSON to `path`, gzip-compressed when the name ends with .gz (torch's convention)."""
        data = self.chrome_trace(metadata)
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "wb") as f:
            f.write(data)


def _check_str(value: Any, what: str) -> None:
    if not isinstance(value, str):
        raise RuntimeError(f"record_function expected a str for {what!r}, but found {type(value).__name__}: {value!r}")


class record_function(contextlib.ContextDecorator):
    """A named range in the profile: a context manager, or a decorator for a function.

    It becomes a `jax.profiler.TraceAnnotation` (shown in JAX traces, with `args` as its metadata) and a
    `jax.named_scope` (so XLA ops traced inside it under torch.compile carry the name). JAX reads a '#' in a range
    name as the start of its metadata syntax, so such a name is cut there in JAX traces.
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self._open: list = []

    def __enter__(self) -> record_function:
        import jax

        _check_str(self.name, "name")
        if self.args is not None:
            _check_str(self.args, "args")
        stack = contextlib.ExitStack()
        stack.enter_context(
            jax.profiler.TraceAnnotation(self.name, **({} if self.args is None else {"args": self.args}))
        )
        stack.enter_context(jax.named_scope(self.name))
        self._open.append(stack)
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self._open.pop().close()


class profile:
    """The legacy profiler context manager (`with torch.autograd.profiler.profile() as prof:`).

    While enabled it runs a JAX profiler trace (host activity when `use_cpu`, Python frames when `with_stack`);
    see the module docstring for what can be read back. `record_shapes`, `with_flops`, `profile_memory`,
    `with_modules`, `acc_events` and `use_kineto` select details of torch's per-op events, which are not collected.
    """

    def __init__(
        self,
        enabled: bool = True,
        *,
        use_cuda: bool = False,
        use_device: str | None = None,
        record_shapes: bool = False,
        with_flops: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_modules: bool = False,
        use_kineto: bool = False,
        use_cpu: bool = True,
        experimental_config: Any = None,
        acc_events: bool = False,
        custom_trace_id_callback: Any = None,
        post_processing_timeout_s: float | None = None,
        activity_filters: dict | None = None,
    ) -> None:
        if experimental_config is not None:
            raise NotImplementedError(
                _unsupported.message(
                    "torch.autograd.profiler.profile(experimental_config=...)",
                    "Kineto's experimental options have no JAX counterpart",
                )
            )
        if activity_filters is not None:
            raise NotImplementedError(
                _unsupported.message(
                    "torch.autograd.profiler.profile(activity_filters=...)",
                    "JAX's profiler does not filter activity types",
                )
            )
        self.enabled = enabled
        self.use_cpu = use_cpu
        self.with_stack = with_stack
        self.custom_trace_id_callback = custom_trace_id_callback
        self.trace_id: str | None = None
        self._trace: _JaxTrace | None = None
        self._entered = False

    def __enter__(self) -> profile:
        if not self.enabled:
            return self
        if self._entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self._entered = True
        self.trace_id = self.create_trace_id()
        self._trace = _JaxTrace(host=self.use_cpu, python=self.with_stack and self.use_cpu)
        _set_profiler_enabled(True)
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        if not self.enabled or self._trace is None:
            return
        _set_profiler_enabled(False)
        self._trace.stop()

    def default_trace_id(self) -> str:
        import uuid

        return f"{uuid.uuid4().int:032X}"

    def create_trace_id(self) -> str:
        return self.custom_trace_id_callback() if self.custom_trace_id_callback else self.default_trace_id()

    def export_chrome_trace(self, path: str, metadata: dict | None = None, use_python_export: bool = False) -> None:
        """Write the JAX trace as Chrome trace-event JSON (see the module docstring); `use_python_export` picks
        torch's JSON writer, which has no counterpart (the JSON comes from JAX)."""
        if self._trace is None or self._trace.running:
            raise RuntimeError("Profiler didn't finish running")
        self._trace.write_chrome_trace(path, metadata)

    def _no_events(self, what: str) -> NotImplementedError:
        return NotImplementedError(_unsupported.message(f"torch.autograd.profiler.profile.{what}", _NO_EVENTS))

    def key_averages(
        self, group_by_input_shape: bool = False, group_by_stack_n: int = 0, group_by_overload_name: bool = False
    ) -> Any:
        raise self._no_events("key_averages")

    def table(self, *args: Any, **kwargs: Any) -> str:
        raise self._no_events("table")

    def total_average(self) -> Any:
        raise self._no_events("total_average")

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        raise self._no_events("export_stacks")

    @property
    def function_events(self) -> Any:
        raise self._no_events("function_events")

    @property
    def self_cpu_time_total(self) -> float:
        raise self._no_events("self_cpu_time_total")


class _EmitRanges:
    """torch: every op emits a range for an external profiler (NVTX for Nsight, ITT for VTune)."""

    _feature = ""

    def __init__(self, enabled: bool = True, record_shapes: bool = False) -> None:
        self.enabled = enabled
        self.record_shapes = record_shapes

    def __enter__(self) -> _EmitRanges:
        if self.enabled:
            raise NotImplementedError(
                _unsupported.message(
                    self._feature,
                    "jaxtorch ops do not emit per-op ranges; profile XLA programs with torch.profiler "
                    "(a JAX trace) or with Nsight Systems directly",
                )
            )
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


class emit_nvtx(_EmitRanges):
    _feature = "torch.autograd.profiler.emit_nvtx"


class emit_itt(_EmitRanges):
    _feature = "torch.autograd.profiler.emit_itt"
