"""torch.utils.* modules (benchmark, weak, dlpack, cpp_extension, collect_env, tensorboard, flop_counter,
module_tracker, serialization.config, deterministic, show_pickle, file_baton, throughput_benchmark, ...) against real
torch."""

from __future__ import annotations

import gc
import importlib
import io
import logging
import math
import os
import pickle
import random
import sys
import timeit
import warnings

import numpy as np
import pytest
import torch
import torch.utils.benchmark as tb

import jaxtorch
import jaxtorch.utils.benchmark as jb

MODULES = [
    "utils.backcompat",
    "utils.backend_registration",
    "utils.benchmark",
    "utils.benchmark.utils",
    "utils.benchmark.utils.common",
    "utils.benchmark.utils.compare",
    "utils.benchmark.utils.compile",
    "utils.benchmark.utils.cpp_jit",
    "utils.benchmark.utils.fuzzer",
    "utils.benchmark.utils.sparse_fuzzer",
    "utils.benchmark.utils.timer",
    "utils.benchmark.utils.valgrind_wrapper",
    "utils.benchmark.utils.valgrind_wrapper.timer_interface",
    "utils.bundled_inputs",
    "utils.collect_env",
    "utils.cpp_backtrace",
    "utils.cpp_extension",
    "utils.data.backward_compatibility",
    "utils.data.graph",
    "utils.data.graph_settings",
    "utils.debug_log",
    "utils.deterministic",
    "utils.dlpack",
    "utils.file_baton",
    "utils.flop_counter",
    "utils.jit",
    "utils.jit.log_extract",
    "utils.mkldnn",
    "utils.mobile_optimizer",
    "utils.model_dump",
    "utils.module_tracker",
    "utils.serialization",
    "utils.serialization.config",
    "utils.show_pickle",
    "utils.throughput_benchmark",
    "utils.viz",
    "utils.weak",
]


@pytest.mark.parametrize("name", MODULES)
def test_module_has_torchs_all(name):
    theirs = importlib.import_module("torch." + name)
    ours = importlib.import_module("jaxtorch." + name)
    missing = sorted(n for n in getattr(theirs, "__all__", ()) if not hasattr(ours, n))
    assert not missing, f"jaxtorch.{name} lacks {missing}"


def test_utils_top_level_names():
    for name in (
        "ThroughputBenchmark",
        "get_cpp_backtrace",
        "rename_privateuse1_backend",
        "generate_methods_for_privateuse1_backend",
        "backcompat",
        "collect_env",
        "deterministic",
        "set_module",
    ):
        assert hasattr(jaxtorch.utils, name), name

    def f():
        pass

    jaxtorch.utils.set_module(f, "somewhere")
    assert f.__module__ == "somewhere"
    with pytest.raises(TypeError, match="The mod argument should be a string"):
        jaxtorch.utils.set_module(f, 1)


# --- benchmark ----------------------------------------------------------------------------------------------------


def _measurements(lib, rng: random.Random, count: int) -> list:
    common = lib.utils.benchmark.utils.common
    out = []
    for _ in range(count):
        spec = {
            "stmt": rng.choice(["x + y", "x * y", "a\nb"]),
            "setup": rng.choice(["pass", "x=1", "a=1\nb=2"]),
            "label": rng.choice(["add", "mul"]),
            "sub_label": rng.choice([None, "f32", "f64"]),
            "description": rng.choice([None, "n=4", "n=16"]),
            "num_threads": rng.choice([1, 4]),
        }
        scale = rng.choice([1e-7, 1e-5, 1e-3, 1.0])
        raw = [scale * rng.uniform(1, rng.choice([1.05, 1.5, 3.0])) for _ in range(rng.choice([1, 3, 5, 20]))]
        out.append(common.Measurement(rng.choice([1, 10, 100]), raw, common.TaskSpec(**spec)))
    return out


def test_measurement_matches_torch():
    for seed in range(60):
        (t,), (j,) = _measurements(torch, random.Random(seed), 1), _measurements(jaxtorch, random.Random(seed), 1)
        assert (t.median, t.iqr, t.significant_figures, t.has_warnings) == (
            j.median,
            j.iqr,
            j.significant_figures,
            j.has_warnings,
        )
        assert math.isclose(t.mean, j.mean, rel_tol=1e-15)  # summation order may differ in the last bit
        assert t.times == j.times and t.title == j.title and t.label == j.label
        assert repr(t).splitlines()[1:] == repr(j).splitlines()[1:]  # line 0 is object.__repr__
        assert [repr(m).splitlines()[1:] for m in tb.Measurement.merge([t, t])] == [
            repr(m).splitlines()[1:] for m in jb.Measurement.merge([j, j])
        ]
    assert pickle.loads(pickle.dumps(j)).median == j.median


def test_number_helpers_match_torch():
    rng = np.random.default_rng(0)
    for x in rng.uniform(1e-9, 10, 200):
        assert tb.select_unit(x) == jb.select_unit(x)
        for n in (1, 2, 3, 4):
            assert tb.trim_sigfig(x * 1e3, n) == jb.trim_sigfig(x * 1e3, n)
    for u in ("ns", "us", "ms", "s"):
        assert tb.unit_to_english(u) == jb.unit_to_english(u)
    assert jb.ordered_unique([3, 1, 3, 2, 1]) == tb.ordered_unique([3, 1, 3, 2, 1])


@pytest.mark.parametrize("options", [(), ("trim",), ("color",), ("rowwise", "warn"), ("trim", "warn", "color")])
def test_compare_table_matches_torch(options):
    for seed in range(25):
        results = []
        for lib in (torch, jaxtorch):
            compare = lib.utils.benchmark.Compare(_measurements(lib, random.Random(seed), 1 + seed % 8))
            if "trim" in options:
                compare.trim_significant_figures()
            if "color" in options:
                compare.colorize()
            if "rowwise" in options:
                compare.colorize(rowwise=True)
            if "warn" in options:
                compare.highlight_warnings()
            try:
                results.append(str(compare))
            except Exception as e:  # noqa: BLE001 - torch fails on mixed None/str descriptions; so must we
                results.append(type(e).__name__)
        assert results[0] == results[1]
    with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
        jb.Compare([1])


def test_timer_measures_and_waits_for_jax():
    x = jaxtorch.ones(32, 32)
    timer = jb.Timer(
        "torch.mm(x, x)", setup="y = 1", globals={"x": x}, label="mm", sub_label="f32", description="32", num_threads=1
    )
    m = timer.timeit(20)
    assert isinstance(m, jb.Measurement) and m.number_per_run == 20 and len(m.times) == 1 and m.median > 0
    assert (m.label, m.sub_label, m.description, m.stmt, m.setup) == ("mm", "f32", "32", "torch.mm(x, x)", "y = 1")
    m = timer.blocked_autorange(min_run_time=0.05)
    assert sum(m.raw_times) >= 0.05 and m.number_per_run >= 1
    assert timer.adaptive_autorange(min_run_time=0.01, max_run_time=0.2).times
    calls = []
    timer.blocked_autorange(callback=lambda number, t: calls.append((number, t)), min_run_time=0.02)
    assert calls and all(t > 0 for _, t in calls)
    for method in (timer.repeat, timer.autorange):
        with pytest.raises(NotImplementedError, match="See `Timer.blocked_autorange.`"):
            method()
    with pytest.raises(NotImplementedError, match="collect_callgrind"):
        timer.collect_callgrind()
    with pytest.raises(NotImplementedError, match="language='c\\+\\+'"):
        jb.Timer("x", language="c++")
    for lib in (tb, jb):
        with pytest.raises(ValueError, match="global_setup is C\\+\\+ only"):
            lib.Timer("x", global_setup="#include <x>")
        with pytest.raises(ValueError, match="Invalid language"):
            lib.Timer("x", language="go")
        with pytest.raises(ValueError, match="only a `str` stmt"):
            lib.Timer(lambda: None)
    assert jb.Timer("pass")._globals["torch"] is jaxtorch


def test_default_timer_waits_for_queued_work():
    x = jaxtorch.ones(600, 600)
    y = x
    for _ in range(6):
        y = y @ x  # queued: XLA runs it asynchronously, on CPU too
    jb.timer()
    assert y._value().is_ready()
    assert jb.Timer("pass", timer=timeit.default_timer).timeit(10).median >= 0


def test_fuzzer_parameters_match_torch():
    def make(lib):
        bm = lib.utils.benchmark
        return bm.Fuzzer(
            parameters=[
                bm.FuzzedParameter("k0", 4, 64, distribution="loguniform"),
                bm.FuzzedParameter("k1", 1, 8, distribution="uniform"),
                bm.FuzzedParameter("p", 0.0, 1.0, distribution="uniform", strict=True),
                bm.FuzzedParameter("k2", minval=2, maxval=16, distribution="uniform"),
                [bm.FuzzedParameter("d", 2, 3, distribution="uniform")],
            ],
            tensors=[
                bm.FuzzedTensor(
                    "x",
                    size=("k0", "k1", "k2"),
                    steps=(1, "k1", 1),
                    dim_parameter="d",
                    probability_contiguous=0.5,
                    max_elements=4096,
                ),
                bm.FuzzedTensor("i", size=("k1",), dtype=lib.int32),
            ],
            constraints=[lambda params: params["k0"] >= params["k1"]],
            seed=7,
        )

    ours, theirs = make(jaxtorch), make(torch)
    for (jt, jprops, jparams), (tt, tprops, tparams) in zip(ours.take(12), theirs.take(12)):
        assert jparams == tparams
        for name in ("x", "i"):
            assert tuple(jt[name].shape) == tuple(tt[name].shape) and str(jt[name].dtype) == str(tt[name].dtype)
            assert jprops[name]["numel"] == tprops[name]["numel"] and jprops[name]["steps"] == tprops[name]["steps"]
            np.testing.assert_array_equal(jprops[name]["order"], tprops[name]["order"])
    assert ours.rejection_rate == theirs.rejection_rate
    assert repr(jb.ParameterAlias("k0")) == repr(tb.ParameterAlias("k0"))
    for lib in (tb, jb):
        with pytest.raises(AssertionError, match="Unknown distribution"):
            lib.FuzzedParameter("a", 1, 2, distribution="normal")
        with pytest.raises(ValueError, match="Duplicate names"):
            lib.Fuzzer([lib.FuzzedParameter("a", 1, 2, distribution="uniform")], [lib.FuzzedTensor("a", (1,))])
    with pytest.raises(NotImplementedError, match="FuzzedSparseTensor"):
        jb.FuzzedSparseTensor("s", (4,))


def test_function_counts_match_torch():
    rng = random.Random(0)
    names = ["a.c:f", "b.c:g", "dictobject.c:lookdict_unicode", "x" * 150]
    data = [(rng.randint(-50, 1000), rng.choice(names)) for _ in range(25)]
    t = tb.FunctionCounts(tuple(tb.FunctionCount(*d) for d in data), False)
    j = jb.FunctionCounts(tuple(jb.FunctionCount(*d) for d in data), False)
    t2, j2 = t[:5], j[:5]
    for a, b in [
        (t, j),
        (t + t2, j + j2),
        (t - t2, j - j2),
        (t * 3, j * 3),
        (t.denoise(), j.denoise()),
        (t.transform(lambda s: s[:1]), j.transform(lambda s: s[:1])),
        (t.filter(lambda s: "a" in s), j.filter(lambda s: "a" in s)),
    ]:
        assert repr(a).splitlines()[1:] == repr(b).splitlines()[1:] and a.sum() == b.sum()
    assert jb.CopyIfCallgrind.unwrap_all({"a": jb.CopyIfCallgrind(3), "b": 4}) == {"a": 3, "b": 4}
    with pytest.raises(NotImplementedError):
        jb.CallgrindStats()


def test_benchmark_compile_eager_and_compiled():
    from jaxtorch.utils.benchmark.utils import compile as bench_compile

    model = jaxtorch.nn.Linear(4, 2)
    compile_time, run_time = bench_compile.benchmark_compile(model, jaxtorch.ones(3, 4), num_iters=2)
    assert compile_time is None and run_time is not None and run_time >= 0
    compile_time, run_time = bench_compile.benchmark_compile(
        model, jaxtorch.ones(3, 4), num_iters=2, backend="inductor"
    )
    assert compile_time is not None and run_time is not None


# --- weak ---------------------------------------------------------------------------------------------------------


def test_weak_containers_match_torch():
    from torch.utils import weak as tw

    from jaxtorch.utils import weak as jw

    for lib, weak in ((torch, tw), (jaxtorch, jw)):
        d = weak.WeakTensorKeyDictionary()
        a, b = lib.ones(2), lib.ones(2)
        d[a] = 1
        d[b] = 2
        assert (len(d), d[a], b in d, lib.ones(2) in d, d.get(lib.zeros(1), "no")) == (2, 1, True, False, "no")
        assert sorted(d.values()) == [1, 2] and all(k is a or k is b for k in d.keys())
        c = d.copy()
        del a
        gc.collect()
        assert len(d) == 1 and list(d.values()) == [2] and len(c) == 1
        assert d.pop(b) == 2 and len(d) == 0
        d.setdefault(b, 5)
        assert d[b] == 5 and d == {b: 5}
        ref = weak.TensorWeakRef(b)
        assert ref() is b
        del b, c
        gc.collect()
        assert ref() is None and len(d) == 0
        with pytest.raises(AssertionError, match="expected torch.Tensor"):
            weak.TensorWeakRef(3)

        class Obj:
            pass

        o = Obj()
        r1, r2 = weak.WeakIdRef(o), weak.WeakIdRef(o)
        assert r1 == r2 and hash(r1) == id(o) and r1() is o


# --- dlpack -------------------------------------------------------------------------------------------------------


def test_dlpack():
    from torch.utils import dlpack as td

    from jaxtorch.utils import dlpack as jd

    assert {k: int(v) for k, v in jd.DLDeviceType.__members__.items()} == {
        k: int(v) for k, v in td.DLDeviceType.__members__.items()
    }
    assert jd.from_dlpack is jaxtorch.from_dlpack
    a = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    t = jd.from_dlpack(a)
    assert t.dtype == jaxtorch.float32 and t.tolist() == a.tolist()
    assert jd.from_dlpack(jd.to_dlpack(t)).tolist() == a.tolist()
    assert jd.from_dlpack(torch.arange(3)).tolist() == [0, 1, 2]


# --- cpp_extension ------------------------------------------------------------------------------------------------


def test_cpp_extension():
    from torch.utils import cpp_extension as tc

    from jaxtorch.utils import cpp_extension as jc

    for name in ("IS_WINDOWS", "IS_MACOS", "IS_LINUX", "LIB_EXT", "EXEC_EXT", "CLIB_PREFIX", "CLIB_EXT", "SHARED_FLAG"):
        assert getattr(jc, name) == getattr(tc, name), name
    assert (jc.CUDA_HOME, jc.ROCM_HOME, jc.SYCL_HOME) == (None, None, None)
    assert jc.include_paths() == [] and jc.library_paths("cuda") == []
    assert jc.get_cxx_compiler() == tc.get_cxx_compiler()
    assert jc.is_ninja_available() == tc.is_ninja_available()
    assert jc.check_compiler_is_gcc(jc.get_cxx_compiler()) == tc.check_compiler_is_gcc(tc.get_cxx_compiler())
    for call in (
        lambda: jc.load("ext", ["a.cpp"]),
        lambda: jc.load_inline("ext", "int f();"),
        lambda: jc.CppExtension("ext", ["a.cpp"]),
        lambda: jc.CUDAExtension("ext", ["a.cu"]),
        lambda: jc.BuildExtension(),
        lambda: jc.BuildExtension.with_options(use_ninja=False),
    ):
        with pytest.raises(NotImplementedError, match="cpp_extension"):
            call()
    assert issubclass(jc.BuildExtension, object) and jc.BuildExtension.__name__ == "BuildExtension"


# --- collect_env, tensorboard ------------------------------------------------------------------------------------


def test_collect_env_report(capsys):
    from jaxtorch.utils import collect_env

    info = collect_env.get_env_info()
    import jax

    assert info.jax_version == jax.__version__ and info.torch_version == jaxtorch.version.__version__
    assert info.is_cuda_available == jaxtorch.cuda.is_available()
    text = collect_env.pretty_str(info)
    for line in (
        "PyTorch version: 2.13.0",
        f"JAX version: {jax.__version__}",
        "Python version:",
        "OS:",
        "Versions of relevant libraries:",
    ):
        assert line in text
    assert "[pip3] numpy==" in text
    collect_env.main()
    assert "Collecting environment information..." in capsys.readouterr().out


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is not None, reason="tensorboard is installed here")
def test_tensorboard_needs_the_package():
    for name in ("torch.utils.tensorboard", "jaxtorch.utils.tensorboard"):
        sys.modules.pop(name, None)
        with pytest.raises(ModuleNotFoundError, match="tensorboard"):
            importlib.import_module(name)


# --- flop_counter -------------------------------------------------------------------------------------------------


def _flops(lib, fn, *args) -> tuple:
    mode = importlib.import_module(lib.__name__ + ".utils.flop_counter").FlopCounterMode(display=False)
    with mode:
        fn(lib, *args)
    return mode.get_total_flops(), {k: sum(v.values()) for k, v in mode.get_flop_counts().items()}


def test_flop_counter_matmuls_match_torch():
    def mm(lib):
        lib.ones(4, 8) @ lib.ones(8, 5)

    def bmm(lib):
        lib.bmm(lib.ones(3, 4, 5), lib.ones(3, 5, 6))

    for fn in (mm, bmm):
        assert _flops(torch, fn) == _flops(jaxtorch, fn)


def test_flop_counter_per_module_with_backward():
    def step(lib, model):
        model(lib.ones(2, 8)).sum().backward()

    def model(lib):  # built outside the mode: XLA would also count the FLOPs of its random initialisation
        return lib.nn.Sequential(lib.nn.Linear(8, 16, bias=False), lib.nn.Linear(16, 4, bias=False))

    t_total, t_mods = _flops(torch, step, model(torch))
    j_total, j_mods = _flops(jaxtorch, step, model(jaxtorch))
    # per module, only matmuls run (forward and both backward matmuls): XLA and torch agree exactly
    assert {k: v for k, v in j_mods.items() if k != "Global"} == {k: v for k, v in t_mods.items() if k != "Global"}
    # globally XLA also counts the sum's additions (2*4 - 1), which torch's formulas ignore
    assert j_total == t_total + 7


def test_flop_counter_helpers_and_limits():
    from torch.utils import flop_counter as tf

    from jaxtorch.utils import flop_counter as jf

    for n in (0, 7, 1234, 10**6 + 5, 3 * 10**9, 10**13):
        suffix = tf.get_suffix_str(n)
        assert jf.get_suffix_str(n) == suffix and jf.convert_num_with_suffix(n, suffix) == tf.convert_num_with_suffix(
            n, suffix
        )
        assert jf.convert_to_percent_str(n, 10**9) == tf.convert_to_percent_str(n, 10**9)
    with pytest.raises(NotImplementedError, match="custom_mapping"):
        jf.FlopCounterMode(custom_mapping={"mm": lambda *a: 0})
    with pytest.raises(NotImplementedError, match="register_flop_formula"):
        jf.register_flop_formula(["mm"])
    with pytest.warns(UserWarning, match="mods argument is not needed anymore"):
        jf.FlopCounterMode(mods=[], display=False)
    from jaxtorch._ops import _dispatch

    run = _dispatch._run
    with jf.FlopCounterMode(display=False):
        assert _dispatch._run is not run
    assert _dispatch._run is run


# --- module_tracker -----------------------------------------------------------------------------------------------


def _track(lib):
    tracker_cls = importlib.import_module(lib.__name__ + ".utils.module_tracker").ModuleTracker
    log = []

    class Inner(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lib.nn.Linear(2, 2)

        def forward(self, x):
            return self.lin(x).tanh()

    class Outer(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Inner()
            self.b = lib.nn.Linear(2, 1)

        def forward(self, x):
            return self.b(self.a(x))

    model = Outer()
    with tracker_cls() as tracker:
        for sub in model.modules():
            sub.register_forward_hook(
                lambda mod, i, o: log.append((type(mod).__name__, sorted(tracker.parents), tracker.is_bw))
            )
        x = lib.ones(3, 2, requires_grad=True)
        y = model(x).sum()
        model.b.weight.register_hook(lambda g: log.append(("bw", sorted(tracker.parents), tracker.is_bw)))
        y.backward()
        log.append(("after", sorted(tracker.parents), tracker.is_bw))
    return log


def test_module_tracker_matches_torch():
    assert _track(jaxtorch) == _track(torch)


# --- serialization.config, deterministic, backcompat --------------------------------------------------------------


def test_serialization_config():
    tc = importlib.import_module("torch.utils.serialization.config")
    jc = importlib.import_module("jaxtorch.utils.serialization.config")
    theirs = {k: v for k, v in tc.get_config_copy().items() if not k.startswith("_")}
    assert jc.get_config_copy() == theirs
    assert (jc.load.mmap, jc.save.storage_alignment, jc.save.compute_crc32) == (
        tc.load.mmap,
        tc.save.storage_alignment,
        tc.save.compute_crc32,
    )
    jc.load.calculate_storage_offsets = True
    assert jc.load.calculate_storage_offsets is True
    del jc.load.calculate_storage_offsets
    assert jc.load.calculate_storage_offsets is False
    for bad in (
        lambda: setattr(jc.load, "mmap", True),
        lambda: setattr(jc.save, "storage_alignment", 4096),
        lambda: jc.patch({"save.compute_crc32": False}),
    ):
        with pytest.raises(NotImplementedError, match="torch.save/torch.load always behave"):
            bad()
    with jc.patch({"save.use_pinned_memory_for_d2h": True}):
        assert jc.save.use_pinned_memory_for_d2h is True
    with pytest.raises(AttributeError):
        jc.load.nothing  # noqa: B018


def test_deterministic_flag_matches_torch():
    for lib in (torch, jaxtorch):
        det = importlib.import_module(lib.__name__ + ".utils.deterministic")
        assert det.fill_uninitialized_memory is True
        det.fill_uninitialized_memory = False
        assert det.fill_uninitialized_memory is False
        det.fill_uninitialized_memory = True
        with pytest.raises(RuntimeError, match="expected a bool"):
            det.fill_uninitialized_memory = "x"


def test_backcompat_switches():
    for lib in (torch, jaxtorch):
        assert lib.utils.backcompat.broadcast_warning.enabled is False
        assert lib.utils.backcompat.keepdim_warning.get_enabled() is False
        lib.utils.backcompat.keepdim_warning.enabled = False
    with pytest.raises(NotImplementedError, match="broadcast_warning.enabled = True"):
        jaxtorch.utils.backcompat.broadcast_warning.enabled = True


def test_debug_grad_log_matches_torch():
    lines = {}
    for lib in (torch, jaxtorch):
        stream = io.StringIO()
        logger = logging.getLogger(lib.__name__ + ".utils.debug_log")
        handler = logging.StreamHandler(stream)
        logger.addHandler(handler)
        level = logger.level
        logger.setLevel(logging.INFO)
        try:
            debug_grad_log = importlib.import_module(lib.__name__ + ".utils.debug_log").debug_grad_log
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            y = lib.tensor([3.0, 4.0], requires_grad=True)
            assert debug_grad_log(x, lib.ones(2), y) is None
            (x * 2 + y * 3).sum().backward()
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        lines[lib.__name__] = stream.getvalue()
    assert lines["jaxtorch"] == lines["torch"] == "[rank 0][bwd] t0_grad_norm=2.8284 t1_grad_norm=4.2426\n"


def test_data_backward_compatibility_and_graph():
    for lib in (torch, jaxtorch):
        bc = importlib.import_module(lib.__name__ + ".utils.data.backward_compatibility")
        with pytest.warns(FutureWarning, match="backward_compatibility.worker_init_fn` is deprecated"):
            assert bc.worker_init_fn(0) is None
    from jaxtorch.utils.data import graph, graph_settings

    for call in (lambda: graph.traverse_dps(None), lambda: graph_settings.apply_sharding(None, 1, 0)):
        with pytest.raises(NotImplementedError, match="DataPipes"):
            call()


# --- TorchScript-only and C++-only tools ---------------------------------------------------------------------------


def test_torchscript_and_cpp_tools_raise_when_used():
    from jaxtorch.utils import backend_registration, bundled_inputs, cpp_backtrace, mkldnn, mobile_optimizer, model_dump

    calls = [
        lambda: mkldnn.to_mkldnn(jaxtorch.nn.Linear(2, 2)),
        lambda: mkldnn.MkldnnLinear(None, None),
        lambda: mobile_optimizer.optimize_for_mobile(None),
        lambda: bundled_inputs.bundle_inputs(None, None),
        lambda: bundled_inputs.augment_model_with_bundled_inputs(None),
        lambda: cpp_backtrace.get_cpp_backtrace(),
        lambda: backend_registration.rename_privateuse1_backend("npu"),
        lambda: model_dump.get_model_info("m.pt"),
    ]
    for call in calls:
        with pytest.raises(NotImplementedError, match="not supported by jaxtorch"):
            call()
    tm = importlib.import_module("torch.utils.mobile_optimizer")
    assert {m.name: m.value for m in mobile_optimizer.LintCode} == {m.name: m.value for m in tm.LintCode}
    assert {k: int(v) for k, v in mobile_optimizer.MobileOptimizerType.__members__.items()} == {
        k: int(v) for k, v in tm.MobileOptimizerType.__members__.items()
    }


def test_bundled_input_helpers_match_torch():
    tbi = importlib.import_module("torch.utils.bundled_inputs")
    from jaxtorch.utils import bundled_inputs as jbi

    t, j = tbi.bundle_randn(2, 3, dtype=torch.float64), jbi.bundle_randn(2, 3, dtype=jaxtorch.float64)
    assert (t.fmt, t.fmt_fn, tuple(t.value.shape), str(t.value.dtype)) == (
        j.fmt,
        j.fmt_fn,
        tuple(j.value.shape),
        repr(j.value.dtype),
    )
    assert jbi.bundle_large_tensor(jaxtorch.ones(2)).fmt == tbi.bundle_large_tensor(torch.ones(2)).fmt == "{}"
    assert jbi.MAX_RAW_TENSOR_SIZE == tbi.MAX_RAW_TENSOR_SIZE
    assert jbi.InflatableArg._fields == tbi.InflatableArg._fields


def test_log_extract_extract_ir_matches_torch(tmp_path):
    log = tmp_path / "fuser.log"
    log.write_text(
        "noise\n[DUMP x.cpp:1] <GRAPH_EXPORT>graph(%a : Tensor):\n[DUMP x.cpp:1]   return (%a)\n"
        "[DUMP x.cpp:1] </GRAPH_EXPORT>\nmore\nP: <GRAPH_EXPORT>g2\nP: </GRAPH_EXPORT>\n<GRAPH_EXPORT>open"
    )
    ours = importlib.import_module("jaxtorch.utils.jit.log_extract").extract_ir(str(log))
    theirs = importlib.import_module("torch.utils.jit.log_extract").extract_ir(str(log))
    assert ours == theirs and len(ours) == 2


# --- show_pickle, file_baton, throughput_benchmark ----------------------------------------------------------------


def test_show_pickle_output_matches_torch(tmp_path):
    path = str(tmp_path / "state.pt")
    jaxtorch.save({"w": jaxtorch.ones(2, 3), "step": 3, "names": ["a", "b"]}, path)
    outputs = []
    for lib in (torch, jaxtorch):
        out = io.StringIO()
        importlib.import_module(lib.__name__ + ".utils.show_pickle").main(["show_pickle", path + "@*/data.pkl"], out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] and "_rebuild_tensor_v2" in outputs[1]
    raw = tmp_path / "plain.pkl"
    raw.write_bytes(pickle.dumps({"a": (1, 2.5, None)}, protocol=2))
    out = io.StringIO()
    jaxtorch.utils.show_pickle.main(["show_pickle", str(raw)], out)
    assert out.getvalue() == "{'a': (1, 2.5, None)}\n"
    with pytest.raises(ValueError, match="argv of length 2"):
        jaxtorch.utils.show_pickle.main(["show_pickle"], out)


def test_file_baton(tmp_path):
    from torch.utils.file_baton import FileBaton as TorchBaton

    from jaxtorch.utils.file_baton import FileBaton

    path = str(tmp_path / "lock")
    first, second = FileBaton(path), TorchBaton(path)
    assert first.try_acquire() is True and second.try_acquire() is False
    first.release()
    assert not os.path.exists(path) and second.try_acquire() is True
    waiter = FileBaton(path, wait_seconds=0.01, warn_after_seconds=0.0)
    import threading

    threading.Timer(0.1, second.release).start()
    with pytest.warns(UserWarning, match="Waited on lock file"):
        waiter.wait()
    assert not os.path.exists(path)


def test_throughput_benchmark():
    from torch.utils import throughput_benchmark as tt

    from jaxtorch.utils import throughput_benchmark as jt

    for kwargs in ({"time_us": 5}, {"time_ms": 5}, {"time_s": 5}, {"time_us": 5e6}, {"time_ms": 0.5}):
        assert jt.format_time(**kwargs) == tt.format_time(**kwargs)
    for lib in (tt, jt):
        with pytest.raises(AssertionError, match="Expected only one of time_us, time_ms, time_s is given."):
            lib.format_time(time_us=1, time_ms=1)
    model = jaxtorch.nn.Linear(4, 3)
    bench = jt.ThroughputBenchmark(model)
    with pytest.raises(RuntimeError, match="Please provide benchmark inputs"):
        bench.benchmark(num_iters=2)
    bench.add_input(jaxtorch.ones(2, 4))
    bench.add_input(input=jaxtorch.ones(5, 4))
    assert tuple(bench.run_once(jaxtorch.ones(1, 4)).shape) == (1, 3)
    stats = bench.benchmark(num_calling_threads=2, num_warmup_iters=2, num_iters=10)
    assert stats.num_iters == 10 and stats.latency_avg_ms > 0
    assert stats.iters_per_second == pytest.approx(stats.num_iters / stats.total_time_seconds)
    assert "Total number of iterations: 10" in str(stats)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_model = torch.nn.Linear(4, 3)
    tbench = tt.ThroughputBenchmark(torch_model)
    tbench.add_input(torch.ones(2, 4))
    assert str(tbench.benchmark(num_iters=5)).splitlines()[1] == str(bench.benchmark(num_iters=5)).splitlines()[1]
