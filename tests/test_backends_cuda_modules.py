"""torch.backends.*, torch.cuda.* submodules, torch.accelerator.memory/graphs, torch.{xpu,mps,mtia} submodules,
torch.profiler.itt/python_tracer, torch.signal.windows.windows and torch.multiprocessing.pool/queue, against real
torch.

Without a JAX GPU, jaxtorch's torch.cuda must answer as the CPU-only torch build installed here (same values, same
exception types, torch's message contained in ours). Where torch's CPU build fails for an internal reason (a missing
torch._C binding) jaxtorch raises the error the call means instead; those cases are listed and checked separately.
"""

from __future__ import annotations

import importlib
import multiprocessing
import operator
import os
import pickle
import warnings

import numpy as np
import pytest
import torch

import jaxtorch

HAS_GPU = bool(jaxtorch.cuda.is_available())
needs_no_gpu = pytest.mark.skipif(HAS_GPU, reason="compares with CPU-only torch; JAX has a GPU here")


def _outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the outcome is what is compared
        return (type(e).__name__, str(e))


def _same_outcome(expr: str) -> None:
    expected = _outcome(lambda: eval(expr, {"lib": torch}))
    got = _outcome(lambda: eval(expr, {"lib": jaxtorch}))
    assert got[0] == expected[0], (expr, expected, got)
    if expected[0] == "ok":
        value = dict(expected[1]) if isinstance(expected[1], dict) else expected[1]
        assert got[1] == value, (expr, expected, got)
    else:
        assert expected[1] in got[1], (expr, expected, got)


MODULES = [
    "backends.cpu",
    "backends.cudnn.rnn",
    "backends.cusparselt",
    "backends.kleidiai",
    "backends.mha",
    "backends.miopen",
    "backends.mkl",
    "backends.mkldnn",
    "backends.nnpack",
    "backends.openmp",
    "backends.opt_einsum",
    "backends.python_native",
    "backends.quantized",
    "backends.xeon",
    "backends.xeon.run_cpu",
    "backends.xnnpack",
    "cuda.amp.autocast_mode",
    "cuda.amp.common",
    "cuda.amp.grad_scaler",
    "cuda.comm",
    "cuda.gds",
    "cuda.green_contexts",
    "cuda.jiterator",
    "cuda.memory",
    "cuda.nccl",
    "cuda.profiler",
    "cuda.random",
    "cuda.sparse",
    "cuda.tunable",
    "accelerator.graphs",
    "accelerator.memory",
    "xpu.graphs",
    "xpu.memory",
    "xpu.random",
    "mps.event",
    "mtia.memory",
    "mtia.mtia_graph",
    "multiprocessing.pool",
    "multiprocessing.queue",
    "profiler.itt",
    "profiler.python_tracer",
    "signal.windows.windows",
]


def _torch_public_names(name: str) -> set:
    """What torch's module defines for users: its __all__, else the public names defined in the module itself."""
    module = importlib.import_module("torch." + name)
    names = getattr(module, "__all__", None)
    if names is not None:
        return set(names)
    inner = getattr(module, "m", module)  # torch's flag modules wrap the real module
    return {
        n
        for n, v in vars(inner).items()
        if not n.startswith("_")
        and n != "m"
        and not isinstance(v, (str, bool))
        and getattr(v, "__module__", inner.__name__) == inner.__name__
        and not isinstance(v, type(os))
    }


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_with_torchs_names(name):
    ours = importlib.import_module("jaxtorch." + name)
    missing = sorted(n for n in _torch_public_names(name) if not hasattr(ours, n))
    assert not missing, f"jaxtorch.{name} lacks {missing}"


# --- torch.backends -------------------------------------------------------------------------------------------

SAME = [
    "lib.backends.cpu.get_cpu_capability()",
    "lib.backends.opt_einsum.is_available()",
    "lib.backends.opt_einsum.enabled",
    "lib.backends.opt_einsum.strategy",
    "lib.backends.opt_einsum.get_opt_einsum() is not None",
    "lib.backends.cusparselt.is_available()",
    "lib.backends.cusparselt.version()",
    "lib.backends.cusparselt.get_max_alg_id()",
    "lib.backends.kleidiai.is_available()",
    "lib.backends.mha.get_fastpath_enabled()",
    "lib.backends.miopen.immediate",
    "lib.backends.mkl.VERBOSE_OFF",
    "lib.backends.mkl.VERBOSE_ON",
    "lib.backends.mkldnn.VERBOSE_ON_CREATION",
    "lib.backends.mkldnn.is_acl_available()",
    "lib.backends.mkldnn.enabled",
    "lib.backends.mkldnn.deterministic",
    "lib.backends.mkldnn.fp32_precision",
    "lib.backends.mkldnn.matmul.fp32_precision",
    "lib.backends.mkldnn.matmul.nothing",
    "lib.backends.cudnn.rnn.fp32_precision",
    "lib.backends.cudnn.rnn.get_cudnn_mode('nothing')",
    "lib.backends.fp32_precision",
    "lib.backends.python_native.all_dsls",
    "lib.backends.python_native.available_dsls",
    "repr(lib.backends.python_native.triton)",
    "lib.backends.python_native.get_dsl_operations('cutedsl')",
    "lib.backends.python_native.is_operation_disabled('scaled_mm')",
    "lib.backends.python_native.cutedsl.version",
]
# (flags_frozen() is not compared: importing torch.testing._internal, as the OpInfo tests do, freezes real torch's
# flags for the whole process; test_disable_global_flags_freezes_assignment checks jaxtorch's switch)


@pytest.mark.parametrize("expr", SAME)
def test_backends_answers_match_torch(expr):
    importlib.import_module("torch.backends.xnnpack")
    importlib.import_module("torch.backends.cudnn.rnn")
    _same_outcome(expr)


def test_backends_truthful_for_jaxtorch():
    # torch's CPU wheel has these libraries; jaxtorch's ops never call them (XLA compiles its own kernels)
    b = jaxtorch.backends
    assert (b.mkl.is_available(), b.mkldnn.is_available(), b.openmp.is_available(), b.nnpack.is_available()) == (
        False,
        False,
        False,
        False,
    )
    assert b.quantized.engine == "none" and b.quantized.supported_engines == ["none"]
    assert b.xnnpack.enabled is False and torch.backends.xnnpack.enabled is False
    with pytest.raises(RuntimeError, match="quantized engine QNNPACK is not supported"):
        b.quantized.engine = "qnnpack"
    for lib in (torch, jaxtorch):
        with pytest.raises(RuntimeError, match="foo is not a valid value for quantized engine"):
            lib.backends.quantized.engine = "foo"
        with pytest.raises(RuntimeError, match="Assignment not supported"):
            lib.backends.quantized.supported_engines = []
        with pytest.raises(RuntimeError, match="Assignment not supported"):
            importlib.import_module(lib.__name__ + ".backends.xnnpack").enabled = True


def test_verbose_blocks():
    for lib in (torch, jaxtorch):
        with lib.backends.mkl.verbose(lib.backends.mkl.VERBOSE_OFF), lib.backends.mkldnn.verbose(0):
            pass
    with pytest.raises(NotImplementedError, match="mkldnn.verbose"), jaxtorch.backends.mkldnn.verbose(1):
        pass
    with pytest.raises(NotImplementedError, match="mkl.verbose"), jaxtorch.backends.mkl.verbose(1):
        pass


def test_flag_modules_behave_as_torchs():
    for lib in (torch, jaxtorch):
        m = lib.backends.mkldnn
        with m.flags(enabled=False, deterministic=True):
            assert (m.enabled, m.deterministic) == (False, True)
        assert (m.enabled, m.deterministic) == (True, False)
        old = m.set_flags(_enabled=False)
        assert len(old) == 4 and old[0] is True and m.enabled is False
        m.set_flags(*old)
        assert m.enabled is True
        with pytest.raises(RuntimeError, match="Unknown precision: xx"):
            m.matmul.fp32_precision = "xx"
        m.matmul.fp32_precision = "tf32"
        assert m.matmul.fp32_precision == "tf32"
        m.matmul.fp32_precision = "none"
        old = lib.backends.miopen.set_flags(True)
        assert old == (False,) and lib.backends.miopen.immediate is True
        lib.backends.miopen.set_flags(*old)
        with lib.backends.nnpack.flags(enabled=False):
            pass


def test_disable_global_flags_freezes_assignment():
    b = jaxtorch.backends
    b.disable_global_flags()
    try:
        assert b.flags_frozen()
        with pytest.raises(
            RuntimeError, match="not allowed to set jaxtorch.backends.mkldnn flags after disable_global_flags"
        ):
            b.mkldnn.enabled = False
        with b.mkldnn.flags(enabled=False):  # the context manager may still change them
            assert b.mkldnn.enabled is False
        assert b.mkldnn.enabled is True
    finally:
        b._allow_nonbracketed_mutation_flag = True


def test_opt_einsum_only_what_jnp_einsum_does():
    oe = jaxtorch.backends.opt_einsum
    oe.strategy = "auto"
    oe.enabled = True
    for lib in (torch, jaxtorch):
        with pytest.raises(ValueError, match=r"`strategy` must be one of the following: \[auto, greedy, optimal\]"):
            lib.backends.opt_einsum.set_flags(_strategy="best")
    # torch's module stores a bare assignment unchecked; jaxtorch checks it as set_flags does
    with pytest.raises(ValueError, match=r"`strategy` must be one of the following"):
        oe.strategy = "best"
    with pytest.raises(NotImplementedError, match="opt_einsum.strategy = 'greedy'"):
        oe.strategy = "greedy"
    with pytest.raises(NotImplementedError, match="opt_einsum.enabled = False"):
        oe.enabled = False
    assert (oe.enabled, oe.strategy) == (True, "auto")


def test_mha_fastpath_switch():
    for lib in (torch, jaxtorch):
        lib.backends.mha.set_fastpath_enabled(False)
        assert lib.backends.mha.get_fastpath_enabled() is False
        lib.backends.mha.set_fastpath_enabled(True)


def test_python_native_switches_record_state():
    for lib in (torch, jaxtorch):
        pn = lib.backends.python_native
        pn.disable_operations("scaled_mm")
        assert pn.is_operation_disabled("scaled_mm")
        pn.enable_operations("scaled_mm")
        with pn.operations_disabled("foo"):
            assert pn.is_operation_disabled("foo")
        assert not pn.is_operation_disabled("foo")
    with jaxtorch.backends.python_native.triton.disabled():
        assert jaxtorch.backends.python_native.is_dsl_disabled("triton")
    assert jaxtorch.backends.python_native.triton.enabled


def test_cudnn_rnn_helpers():
    for lib in (torch, jaxtorch):
        rnn = importlib.import_module(lib.__name__ + ".backends.cudnn.rnn")
        u = pickle.loads(pickle.dumps(rnn.Unserializable(3)))
        assert u.get() is None and rnn.Unserializable(3).get() == 3
    assert [jaxtorch.backends.cudnn.rnn.get_cudnn_mode(m) for m in ("RNN_RELU", "RNN_TANH", "LSTM", "GRU")] == [
        0,
        1,
        2,
        3,
    ]
    with pytest.raises(NotImplementedError):
        jaxtorch.backends.cudnn.rnn.init_dropout_state(0.5, True, 0, {})


def test_xeon_launcher_unsupported():
    import jaxtorch.backends.xeon.run_cpu as run_cpu

    with pytest.raises(NotImplementedError, match="run_cpu.main"):
        run_cpu.main(None)


# --- torch.cuda without a GPU -----------------------------------------------------------------------------------

CUDA_SAME = [
    "lib.cuda.memory_stats_as_nested_dict()",
    "lib.cuda.host_memory_stats()",
    "lib.cuda.host_memory_stats_as_nested_dict()",
    "lib.cuda.memory_cached()",
    "lib.cuda.max_memory_cached()",
    "lib.cuda.get_gencode_flags()",
    "lib.cuda.is_tf32_supported()",
    "lib.cuda.default_generators",
    "lib.cuda.get_per_process_memory_fraction()",
    "lib.cuda.set_per_process_memory_fraction(0.5)",
    "lib.cuda.caching_allocator_alloc(10)",
    "lib.cuda.caching_allocator_enable()",
    "lib.cuda.can_device_access_peer(0, 1)",
    "lib.cuda.get_stream_from_external(0)",
    "lib.cuda.set_rng_state_all([lib.zeros(3)])",
    "lib.cuda.get_rng_state_all()",
    "lib.cuda.set_sync_debug_mode('warn')",
    "lib.cuda.get_sync_debug_mode()",
    "lib.cuda.ipc_collect()",
    "lib.cuda.cudart()",
    "lib.cuda.current_blas_handle()",
    "lib.cuda.current_solver_handle()",
    "lib.cuda.list_gpu_processes()",
    "lib.cuda.utilization()",
    "lib.cuda.temperature()",
    "lib.cuda.power_draw()",
    "lib.cuda.clock_rate()",
    "lib.cuda.memory_usage()",
    "lib.cuda.device_memory_used()",
    "lib.cuda.use_mem_pool(None).__enter__()",
    "(lib.cuda.cudaStatus.SUCCESS, lib.cuda.cudaStatus.ERROR_NOT_READY)",
    "lib.cuda.FloatStorage(3)",
    "lib.cuda.green_contexts.SUPPORTED",
    "lib.cuda.GreenContext.create(num_sms=1)",
    "lib.cuda.GreenContext.max_workqueue_concurrency()",
    "lib.cuda.nccl.is_available([lib.zeros(2)])",
    "lib.cuda.nccl.SUM",
    "lib.cuda.profiler.start()",
    "lib.cuda.profiler.stop()",
    "lib.cuda.profiler.DEFAULT_FLAGS",
    "lib.cuda.comm.reduce_add([lib.zeros(2)])",
    "lib.cuda.comm.broadcast(lib.zeros(2))",
    "lib.cuda.jiterator._create_jit_fn('template <typename T> T f(T x) { return x; }')(lib.zeros(2))",
    "lib.cuda.jiterator._create_multi_output_jit_fn('', num_outputs=2).num_outputs",
    "lib.cuda.jiterator._create_jit_fn('template <typename T> T my_op(T x) { return x; }').kernel_name",
    "lib.cuda.jiterator._create_jit_fn('template <typename T> T f(T x) { return x; }', num_outputs=2)",
    "lib.cuda.random.get_rng_state_all()",
    "lib.cuda.random.initial_seed()",
    "lib.cuda.memory.mem_get_info()",
    "lib.cuda.memory.memory_allocated()",
    "lib.cuda.amp.common.amp_definitely_not_available()",
    "isinstance(lib.zeros(1).untyped_storage(), lib.cuda.FloatStorage)",
]


@needs_no_gpu
@pytest.mark.parametrize("expr", CUDA_SAME)
def test_cuda_cpu_build_answers_match_torch(expr):
    _same_outcome(expr)


# torch's CPU build fails with an internal AttributeError/KeyError/OSError (a missing torch._C binding); jaxtorch
# raises the error the call means: AssertionError("Torch not compiled with CUDA enabled"), or NotImplementedError
# for what jaxtorch never has.
CUDA_INTERNAL = [
    ("lib.cuda.memory_snapshot()", AssertionError),
    ("lib.cuda.memory_summary()", AssertionError),
    ("lib.cuda.caching_allocator_delete(0)", AssertionError),
    ("lib.cuda.get_allocator_backend()", AssertionError),
    ("lib.cuda.memory._snapshot()", AssertionError),
    ("lib.cuda.memory._record_memory_history()", AssertionError),
    ("lib.cuda.check_error(1)", jaxtorch.cuda.CudaError),
    ("lib.cuda.tunable.get_filename()", NotImplementedError),
    ("lib.cuda.tunable.enable(True)", NotImplementedError),
    ("lib.cuda.nccl.version()", NotImplementedError),
    ("lib.cuda.comm.broadcast(lib.zeros(2), devices=[0])", AssertionError),
    ("lib.cuda.change_current_allocator(None)", NotImplementedError),
    ("lib.cuda.CUDAPluggableAllocator('x.so', 'a', 'b')", NotImplementedError),
    ("lib.cuda.MemPool()", NotImplementedError),
]


@needs_no_gpu
@pytest.mark.parametrize("expr,ours", CUDA_INTERNAL)
def test_cuda_cpu_build_internal_failures(expr, ours):
    assert _outcome(lambda: eval(expr, {"lib": torch}))[0] != "ok"
    with pytest.raises(ours):
        eval(expr, {"lib": jaxtorch})


@needs_no_gpu
def test_cuda_state_queries_without_gpu():
    c = jaxtorch.cuda
    assert c.tunable.is_enabled() is False and c.tunable.tuning_is_enabled() is False
    c.tunable.enable(False)
    c.reset_accumulated_memory_stats()
    c.reset_peak_host_memory_stats()
    with pytest.warns(FutureWarning, match="reset_max_memory_allocated now calls"):
        c.reset_max_memory_allocated()
    with pytest.warns(FutureWarning, match="renamed to `torch.cuda.memory_reserved`"):
        assert c.memory_cached() == 0
    with c.caching_allocator_disabled():
        pass
    c.check_error(0)
    for fn in (c.gds.gds_register_buffer, c.gds.gds_deregister_buffer):
        with pytest.raises(NotImplementedError, match="cuFile"):
            fn(jaxtorch.zeros(2).untyped_storage())
    with pytest.raises(NotImplementedError):
        c.sparse.FloatTensor(2)


def test_cuda_comm_gather_to_cpu_and_checks():
    parts = [np.arange(6.0, dtype=np.float32).reshape(2, 3), np.ones((1, 3), np.float32)]
    got = jaxtorch.cuda.comm.gather([jaxtorch.tensor(p) for p in parts], dim=0, destination=-1)
    np.testing.assert_array_equal(np.asarray(got), np.concatenate(parts))
    with pytest.raises(RuntimeError, match="Exactly one of 'devices' and 'out' must be specified"):
        jaxtorch.cuda.comm.broadcast(jaxtorch.zeros(2), devices=[0], out=[jaxtorch.zeros(2)])
    with pytest.raises(RuntimeError, match="'chunk_sizes' must not be specified when 'out' is specified"):
        jaxtorch.cuda.comm.scatter(jaxtorch.zeros(2), chunk_sizes=[1], out=[jaxtorch.zeros(2)])


def test_cuda_amp_submodules():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ac = jaxtorch.cuda.amp.autocast_mode.autocast(enabled=False)
        scaler = jaxtorch.cuda.amp.grad_scaler.GradScaler(enabled=False)
    assert any("torch.cuda.amp.autocast(args...)` is deprecated" in str(w.message) for w in caught)
    assert isinstance(ac, jaxtorch.amp.autocast) and ac.device == "cuda" and ac.fast_dtype == jaxtorch.float16
    assert isinstance(scaler, jaxtorch.amp.GradScaler) and not scaler.is_enabled()
    assert jaxtorch.cuda.amp.autocast is jaxtorch.cuda.amp.autocast_mode.autocast
    assert jaxtorch.cuda.amp.grad_scaler.OptState is jaxtorch.amp.grad_scaler.OptState

    class Double(jaxtorch.autograd.Function):
        @staticmethod
        @jaxtorch.cuda.amp.custom_fwd
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @jaxtorch.cuda.amp.custom_bwd
        def backward(ctx, g):
            return g * 2

    x = jaxtorch.ones(3, requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


# --- torch.accelerator, xpu / mps / mtia submodules -------------------------------------------------------------


@needs_no_gpu
@pytest.mark.parametrize(
    "expr",
    [
        "lib.accelerator.memory.memory_stats()",
        "lib.accelerator.memory.memory_allocated()",
        "lib.accelerator.memory.max_memory_reserved(0)",
        "lib.accelerator.memory.get_memory_info()",
        "lib.accelerator.memory.empty_cache()",
        "lib.accelerator.memory.empty_host_cache()",
        "lib.accelerator.memory.reset_peak_memory_stats()",
        "lib.accelerator.memory_allocated()",
        "lib.accelerator.graphs.Graph()",
        "lib.accelerator.get_device_capability()",
        "lib.accelerator.device_index(0).__enter__()",
        "lib.accelerator.device_index(None).__enter__()",
        "lib.xpu.memory.memory_allocated()",
        "lib.xpu.memory.memory_stats()",
        "lib.xpu.random.get_rng_state_all()",
        "lib.xpu.random.manual_seed(1)",
        "lib.xpu.graphs.graph_pool_handle()",
        "lib.mtia.memory.memory_stats()",
        "lib.mtia.memory.memory_allocated()",
        "lib.mtia.mtia_graph.MTIAGraph()",
        "lib.mps.event.Event()",
    ],
)
def test_accelerator_and_other_device_submodules(expr):
    for name in (
        "accelerator.memory",
        "accelerator.graphs",
        "xpu.memory",
        "xpu.random",
        "xpu.graphs",
        "mps.event",
        "mtia.memory",
        "mtia.mtia_graph",
    ):
        importlib.import_module("torch." + name)
        importlib.import_module("jaxtorch." + name)
    _same_outcome(expr)


# --- profiler.itt / python_tracer, signal.windows.windows ------------------------------------------------------


def test_itt_as_a_build_without_itt():
    itt = importlib.import_module("jaxtorch.profiler.itt")
    assert itt.is_available() is False
    for call in (lambda: itt.range_push("a"), itt.range_pop, lambda: itt.mark("m")):
        with pytest.raises(RuntimeError, match="ITT functions not installed"):
            call()
    with pytest.raises(RuntimeError, match="ITT functions not installed"), itt.range("step {}", 1):
        pass


def test_python_tracer_prefixes():
    ours = importlib.import_module("jaxtorch.profiler.python_tracer")._prefix_regex()
    theirs = importlib.import_module("torch.profiler.python_tracer")._prefix_regex()
    assert all(p.endswith(os.sep) for p in ours) and ours == sorted(ours, reverse=True)
    assert set(theirs) - set(ours) <= {os.path.dirname(os.path.dirname(torch.__file__)) + os.sep}


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("hann", {}),
        ("kaiser", {"beta": 8.0}),
        ("gaussian", {"std": 0.7}),
        ("nuttall", {"sym": False}),
        ("general_hamming", {"alpha": 0.6}),
    ],
)
def test_signal_windows_windows(name, kwargs):
    ours = importlib.import_module("jaxtorch.signal.windows.windows")
    theirs = importlib.import_module("torch.signal.windows.windows")
    assert getattr(ours, name) is getattr(jaxtorch.signal.windows, name)
    np.testing.assert_allclose(
        np.asarray(getattr(ours, name)(7, **kwargs)), getattr(theirs, name)(7, **kwargs).numpy(), rtol=1e-5, atol=1e-6
    )


# --- multiprocessing.queue / pool ------------------------------------------------------------------------------


def test_queues_carry_tensors_by_value():
    from jaxtorch.multiprocessing.queue import ConnectionWrapper, Queue, SimpleQueue

    ctx = multiprocessing.get_context("spawn")
    q = Queue(ctx=ctx)
    t = jaxtorch.arange(4.0)
    q.put(t)
    got = q.get(timeout=30)
    assert got is not t and got.tolist() == [0.0, 1.0, 2.0, 3.0]
    sq = SimpleQueue(ctx=ctx)
    sq.put({"x": t})
    assert sq.get()["x"].tolist() == t.tolist()
    assert isinstance(q._reader, ConnectionWrapper) and isinstance(q._writer, ConnectionWrapper)
    q.close()
    q.join_thread()


@pytest.mark.slow
def test_pool_runs_tasks_in_spawned_workers():
    from jaxtorch.multiprocessing.pool import Pool

    with Pool(1, context=multiprocessing.get_context("spawn")) as pool:
        assert pool.map(operator.neg, [1, 2, 3]) == [-1, -2, -3]
