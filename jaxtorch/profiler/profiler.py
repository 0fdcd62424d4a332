"""torch.profiler.profile and its schedule on JAX's profiler.

The profiler follows torch's schedule exactly: `schedule(step)` gives a ProfilerAction per step and the same
transitions happen at the same steps (`on_trace_ready` is called at the end of each recording cycle, warnings for
inconsistent schedules are torch's). While an action records, a JAX profiler trace runs (see
torch.autograd.profiler for what it contains); each `step()` is marked with `jax.profiler.StepTraceAnnotation`, which
XProf uses to split the trace into steps.

What a finished cycle offers:
- `tensorboard_trace_handler(dir)` as `on_trace_ready` writes the cycle's trace for TensorBoard's profile plugin /
  XProf (`dir/plugins/profile/<run>/<worker>.xplane.pb`) and as Chrome trace JSON (`dir/<worker>.<ns>.pt.trace.json`,
  gzip-compressed with `use_gzip`), the same file name torch uses;
- `export_chrome_trace(path)` writes the last cycle as Chrome trace JSON;
- `key_averages()`, `events()`, `export_stacks()`, `export_memory_timeline()` raise NotImplementedError: torch builds
  them from per-op events, which are not collected.

Arguments: `activities` without CPU turns off host tracing; `with_stack` records Python frames with it (JAX's Python
tracer); device activity is recorded whenever JAX has a device. The step ranges are named "ProfilerStep" with the
step number as their `step_num` argument (torch's "ProfilerStep#<n>": JAX reads '#' as the start of metadata).
`record_shapes`, `profile_memory`, `with_flops`, `with_modules` and `acc_events` only shape torch's per-op events
(XProf derives shapes, FLOPs and memory from the XLA programs in the trace itself); `experimental_config`,
`execution_trace_observer` and per-activity filters raise NotImplementedError.
"""

from __future__ import annotations

import json
import os
import warnings
from enum import Enum
from typing import Any, Callable, Iterable

from .. import _unsupported
from ..autograd import profiler as _legacy

__all__ = [
    "profile",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
    "ProfilerAction",
    "ProfilerActivity",
    "kineto_available",
    "DeviceType",
    "ExecutionTraceObserver",
    "_ExperimentalConfig",
]

PROFILER_STEP_NAME = "ProfilerStep"


class _IntValued(Enum):
    """Members convert with int() like torch's pybind11 enums, without being equal to plain ints."""

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value


class ProfilerActivity(_IntValued):
    CPU = 0
    XPU = 1
    CUDA = 2
    HPU = 3
    MTIA = 4
    PrivateUse1 = 5


class DeviceType(_IntValued):
    CPU = 0
    CUDA = 1
    MKLDNN = 2
    OPENGL = 3
    OPENCL = 4
    IDEEP = 5
    HIP = 6
    FPGA = 7
    MAIA = 8
    XLA = 9
    Vulkan = 10
    Metal = 11
    XPU = 12
    MPS = 13
    Meta = 14
    HPU = 15
    VE = 16
    Lazy = 17
    IPU = 18
    MTIA = 19
    PrivateUse1 = 20


class ProfilerAction(Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


_WHY_OBSERVER = "execution traces record torch's operator graph, which jaxtorch does not have"
ExecutionTraceObserver = _unsupported.cls("torch.profiler.ExecutionTraceObserver", _WHY_OBSERVER)
_ExperimentalConfig = _unsupported.cls(
    "torch.profiler._ExperimentalConfig", "Kineto's experimental options have no JAX counterpart"
)


def supported_activities() -> set[ProfilerActivity]:
    """CPU, plus CUDA when JAX has a GPU."""
    from .. import cuda

    return {ProfilerActivity.CPU, ProfilerActivity.CUDA} if cuda.is_available() else {ProfilerActivity.CPU}


def kineto_available() -> bool:
    """False: the profile is JAX's (torch's Kineto library is not part of jaxtorch)."""
    return False


def schedule(
    *, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0, skip_first_wait: int = 0
) -> Callable[[int], ProfilerAction]:
    """The action for each step: skip `skip_first` steps, then cycles of `wait` idle, `warmup` and `active`
    recording steps (the last one RECORD_AND_SAVE), `repeat` times (0: forever). With `skip_first_wait` the first
    cycle starts without its wait."""

    def action(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        # position in the endless sequence of cycles; skipping the first wait shifts it by one wait
        position = step - skip_first + (wait if skip_first_wait != 0 else 0)
        cycle_length = wait + warmup + active
        if repeat > 0 and position >= repeat * cycle_length:
            return ProfilerAction.NONE
        phase = position % cycle_length
        if phase < wait:
            return ProfilerAction.NONE
        if phase < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD_AND_SAVE if phase == cycle_length - 1 else ProfilerAction.RECORD

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
            f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
            f"skip_first={skip_first} (need >= 0)."
        )
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    return action


def _record_every_step(step: int) -> ProfilerAction:
    """Without a schedule torch records from the start to the end."""
    return ProfilerAction.RECORD


def tensorboard_trace_handler(
    dir_name: str, worker_name: str | None = None, use_gzip: bool = False, use_python_export: bool = False
) -> Callable[[profile], None]:
    """An `on_trace_ready` that writes each finished cycle into `dir_name` (see the module docstring).
    `worker_name` defaults to "<hostname>_<pid>" as in torch; `use_python_export` picks torch's JSON writer, which
    has no counterpart (the JSON comes from JAX)."""

    def handler(prof: profile) -> None:
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as e:
                raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            import socket

            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        prof._write_tensorboard(dir_name, worker_name, use_gzip)

    return handler


class profile:
    """torch.profiler.profile on JAX's profiler (see the module docstring)."""

    def __init__(
        self,
        *,
        activities: Iterable[ProfilerActivity | dict] | None = None,
        schedule: Callable[[int], ProfilerAction] | None = None,
        on_trace_ready: Callable[..., Any] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        experimental_config: Any = None,
        execution_trace_observer: Any = None,
        acc_events: bool = False,
        use_cuda: bool | None = None,
        custom_trace_id_callback: Callable[[], str] | None = None,
        post_processing_timeout_s: float | None = None,
    ) -> None:
        if experimental_config is not None:
            raise NotImplementedError(
                _unsupported.message(
                    "torch.profiler.profile(experimental_config=...)",
                    "Kineto's experimental options have no JAX counterpart",
                )
            )
        if execution_trace_observer is not None:
            raise NotImplementedError(
                _unsupported.message("torch.profiler.profile(execution_trace_observer=...)", _WHY_OBSERVER)
            )
        if activities is not None:
            chosen: set = set()
            for item in activities:
                if isinstance(item, dict):
                    raise NotImplementedError(
                        _unsupported.message(
                            "torch.profiler.profile(activities=[{activity: [types]}])",
                            "JAX's profiler does not filter activity types",
                        )
                    )
                chosen.add(item)
        else:
            chosen = supported_activities()
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead", FutureWarning, stacklevel=2)
            if use_cuda:
                chosen.add(ProfilerActivity.CUDA)
            else:
                chosen.discard(ProfilerActivity.CUDA)
        if not chosen:
            raise AssertionError("No valid profiler activities found")
        self.activities = chosen
        self.record_shapes, self.profile_memory, self.with_flops = record_shapes, profile_memory, with_flops
        self.with_stack, self.with_modules, self.acc_events = with_stack, with_modules, acc_events
        self.custom_trace_id_callback = custom_trace_id_callback
        self.schedule = schedule if schedule else _record_every_step
        self.record_steps = bool(schedule)  # torch marks steps only when a schedule is given
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self._scheduled(self.step_num)
        self._trace_id: str | None = None
        self._running: _legacy._JaxTrace | None = None
        self._finished: _legacy._JaxTrace | None = None
        self._step_marker: Any = None
        self._metadata: dict = {}
        A = ProfilerAction
        start, stop, ready, prepare = self.start_trace, self.stop_trace, self._trace_ready, self.prepare_trace

        def warn(message: str) -> Callable[[], None]:
            return lambda: warnings.warn(message, stacklevel=4)

        # (previous action, next action; None when the profiler stops) -> what happens in between (torch's table)
        self._transitions: dict = {
            (A.NONE, A.NONE): (),
            (A.NONE, A.WARMUP): (prepare,),
            (A.NONE, A.RECORD): (prepare, start),
            (A.NONE, A.RECORD_AND_SAVE): (prepare, start),
            (A.WARMUP, A.NONE): (warn("Incorrect schedule: WARMUP followed by NONE"), start, stop),
            (A.WARMUP, A.WARMUP): (),
            (A.WARMUP, A.RECORD): (start,),
            (A.WARMUP, A.RECORD_AND_SAVE): (start,),
            (A.RECORD, A.NONE): (warn("Incorrect schedule: RECORD followed by NONE"), stop),
            (A.RECORD, A.WARMUP): (warn("Incorrect schedule: RECORD followed by WARMUP"), stop),
            (A.RECORD, A.RECORD): (),
            (A.RECORD, A.RECORD_AND_SAVE): (),
            (A.RECORD_AND_SAVE, A.NONE): (stop, ready),
            (A.RECORD_AND_SAVE, A.WARMUP): (stop, ready, prepare),
            (A.RECORD_AND_SAVE, A.RECORD): (stop, ready, prepare, start),
            (A.RECORD_AND_SAVE, A.RECORD_AND_SAVE): (stop, ready, prepare, start),
            (A.WARMUP, None): (start, stop),
            (A.RECORD, None): (stop, ready),
            (A.RECORD_AND_SAVE, None): (stop, ready),
        }

    def _scheduled(self, step: int) -> ProfilerAction:
        action = self.schedule(step)
        if action == ProfilerAction.DEVICE_STOPPED:
            raise ValueError(
                "ProfilerAction.DEVICE_STOPPED is set internally by the profiler and must not be "
                "returned by a user-provided schedule"
            )
        return action

    def _transit(self, previous: ProfilerAction, current: ProfilerAction | None) -> None:
        for do in self._transitions.get((previous, current), ()):
            do()

    def _mark_step(self) -> None:
        if self.record_steps:
            import jax

            # torch's range is "ProfilerStep#<n>"; JAX reads '#' as the start of metadata, so n goes there
            self._step_marker = jax.profiler.StepTraceAnnotation(PROFILER_STEP_NAME, step_num=self.step_num)
            self._step_marker.__enter__()

    def _unmark_step(self) -> None:
        if self._step_marker is not None:
            self._step_marker.__exit__(None, None, None)
            self._step_marker = None

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.stop()

    def start(self) -> None:
        self._transit(ProfilerAction.NONE, self.current_action)
        self._mark_step()

    def stop(self) -> None:
        self._unmark_step()
        self._transit(self.current_action, None)

    def step(self) -> None:
        """Tell the profiler that the next step starts."""
        self._unmark_step()
        previous = self.current_action
        action = self._scheduled(self.step_num + 1)
        self.step_num += 1
        self.current_action = action
        self._transit(previous, action)
        self._mark_step()

    # --- the recording itself ---------------------------------------------------------------------------------------

    def prepare_trace(self) -> None:
        """Start of a cycle: take its trace id (JAX's profiler needs no warm-up of its own)."""
        callback = self.custom_trace_id_callback
        self._trace_id = callback() if callback else f"{__import__('uuid').uuid4().int:032X}"

    def start_trace(self) -> None:
        host = ProfilerActivity.CPU in self.activities
        # torch attaches stacks to CPU events, so without CPU activity there are no stacks either
        self._running = _legacy._JaxTrace(host=host, python=self.with_stack and host)
        _legacy._set_profiler_enabled(True)

    def stop_trace(self) -> None:
        if self._running is not None:
            _legacy._set_profiler_enabled(False)
            self._running.stop()
            self._finished, self._running = self._running, None

    def _trace_ready(self) -> None:
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def _last_trace(self, what: str) -> _legacy._JaxTrace:
        if self._finished is None:
            raise AssertionError(f"Profiler must be initialized before {what}")
        return self._finished

    def _write_tensorboard(self, dir_name: str, worker_name: str, use_gzip: bool) -> None:
        import shutil
        import time

        trace = self._last_trace("exporting a trace")
        # the run directory XProf lists: named by time like JAX's own, a fresh one if this worker already wrote there
        run = os.path.basename(os.path.dirname(trace.xplane_path()))
        run_dir, n = os.path.join(dir_name, "plugins", "profile", run), 0
        while os.path.exists(os.path.join(run_dir, f"{worker_name}.xplane.pb")):
            n += 1
            run_dir = os.path.join(dir_name, "plugins", "profile", f"{run}_{n}")
        os.makedirs(run_dir, exist_ok=True)
        shutil.copyfile(trace.xplane_path(), os.path.join(run_dir, f"{worker_name}.xplane.pb"))
        name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        trace.write_chrome_trace(os.path.join(dir_name, name), self._metadata)

    def export_chrome_trace(self, path: str, use_python_export: bool = False) -> None:
        """Write the last recorded cycle as Chrome trace JSON (gzip-compressed when `path` ends with .gz)."""
        self._last_trace("exporting chrome trace").write_chrome_trace(path, self._metadata)

    def get_trace_id(self) -> str | None:
        return self._trace_id

    def set_custom_trace_id_callback(self, callback: Callable[[], str]) -> None:
        self.custom_trace_id_callback = callback

    def add_metadata(self, key: str, value: str) -> None:
        """Add a top-level entry to the exported JSON traces."""
        self._metadata[key] = value

    def add_metadata_json(self, key: str, value: str) -> None:
        """Like add_metadata, with `value` a JSON text."""
        self._metadata[key] = json.loads(value)

    def preset_metadata_json(self, key: str, value: str) -> None:
        self.add_metadata_json(key, value)

    def _no_events(self, what: str) -> NotImplementedError:
        return NotImplementedError(_unsupported.message(f"torch.profiler.profile.{what}", _legacy._NO_EVENTS))

    def events(self) -> Any:
        raise self._no_events("events")

    def key_averages(
        self, group_by_input_shape: bool = False, group_by_stack_n: int = 0, group_by_overload_name: bool = False
    ) -> Any:
        raise self._no_events("key_averages")

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        raise self._no_events("export_stacks")

    def export_memory_timeline(self, path: str, device: str | None = None) -> None:
        raise self._no_events("export_memory_timeline")

    def toggle_collection_dynamic(self, enable: bool, activities: Iterable[ProfilerActivity]) -> None:
        raise NotImplementedError(
            _unsupported.message(
                "torch.profiler.profile.toggle_collection_dynamic",
                "a running JAX profiler trace cannot pause activity types",
            )
        )
