"""torch's smaller namespaces against real torch: overrides, multiprocessing, futures, quasirandom, types,
functional, cpu / xpu / mps / mtia, sparse, nested, ao.quantization / quantization, package, monitor.

Supported behaviour is compared with torch's; what jaxtorch cannot honour must import and raise
NotImplementedError when used.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
import torch

import jaxtorch

NAMESPACES = [
    "testing",
    "overrides",
    "multiprocessing",
    "multiprocessing.reductions",
    "futures",
    "quasirandom",
    "types",
    "functional",
    "cpu",
    "cpu.amp",
    "xpu",
    "mps",
    "mtia",
    "sparse",
    "nested",
    "ao",
    "ao.quantization",
    "ao.quantization.quantize_fx",
    "ao.quantization.observer",
    "quantization",
    "package",
    "monitor",
]


def test_every_namespace_imports_under_the_shim_cheaply():
    # one interpreter: every module imports as torch.X, and importing them all afresh is cheap
    code = (
        "import importlib, sys, time, torch\n"
        f"names = {NAMESPACES!r}\n"
        "for name in names:\n"
        "    m = importlib.import_module('torch.' + name)\n"
        "    assert m.__name__ == 'jaxtorch.' + name, m.__name__\n"
        "    assert getattr(torch, name.split('.')[0]) is not None\n"
        "import torch.mps.profiler, torch.xpu.streams\n"
        # forget them (jaxtorch's own modules stay), then time importing them all again
        "for key in [k for k in sys.modules if any(k == 'jaxtorch.' + n or k.startswith('jaxtorch.' + n + '.')\n"
        "                                          for n in names)]:\n"
        "    del sys.modules[key]\n"
        "t = time.perf_counter()\n"
        "for name in names: importlib.import_module('jaxtorch.' + name)\n"
        "print('imported', time.perf_counter() - t)\n"
    )
    r = subprocess.run([sys.executable, "-m", "jaxtorch", "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "imported" in r.stdout
    assert float(r.stdout.split()[-1]) < 1.0  # generous: about 0.05 s on an idle machine


def _public(module) -> set:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_") and not inspect.ismodule(getattr(module, n))]
    return {n for n in names if hasattr(module, n)}  # torch's __all__ lists a few names it lacks itself


@pytest.mark.parametrize(
    "name",
    [
        "overrides",
        "multiprocessing",
        "futures",
        "quasirandom",
        "types",
        "functional",
        "cpu",
        "xpu",
        "mps",
        "mtia",
        "sparse",
        "nested",
        "ao.quantization",
        "quantization",
        "monitor",
    ],
)
def test_torch_public_names_exist(name):
    theirs = importlib.import_module("torch." + name)
    ours = importlib.import_module("jaxtorch." + name)
    wanted = _public(theirs)
    wanted -= {"torch", "TYPE_CHECKING"}  # module-level imports torch's modules leak, not API
    missing = sorted(n for n in wanted if not hasattr(ours, n))
    assert not missing


def test_package_public_names_exist():
    import jaxtorch.package as jp
    import torch.package as tp

    wanted = {n for n in dir(tp) if not n.startswith("_") and not inspect.ismodule(getattr(tp, n))}
    assert not sorted(n for n in wanted if not hasattr(jp, n))


# ------------------------------------------------------------------------------------------------------------
# torch.overrides


class TensorLike:
    """A tensor-like for both libraries: records calls, handles what it is asked to."""

    log: list = []

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        cls.log.append((func.__name__, [t.__name__ for t in types]))
        return ("handled by", cls.__name__)


class SubTensorLike(TensorLike):
    pass


class Refuses:
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return NotImplemented


def user_function(a, b=None):
    return "plain result"


def _protocol_outcomes(lib):
    o = lib.overrides
    out = {}
    TensorLike.log = []
    wrapped = o.wrap_torch_function(lambda a, b=None: (a, b))(user_function)
    out["plain"] = wrapped(1, 2)
    out["one"] = wrapped(TensorLike(), 2)
    out["sub first"] = wrapped(TensorLike(), SubTensorLike())
    out["log"] = list(TensorLike.log)
    out["has"] = [
        o.has_torch_function((TensorLike(),)),
        o.has_torch_function([1, 2]),
        o.has_torch_function((lib.ones(2),)),
        o.has_torch_function_unary(TensorLike()),
        o.has_torch_function_unary(lib.ones(1)),
        o.has_torch_function_variadic(1, TensorLike()),
        o.has_torch_function_variadic(1, 2),
    ]
    out["like"] = [
        o.is_tensor_like(lib.ones(1)),
        o.is_tensor_like(lib.nn.Parameter(lib.ones(1))),
        o.is_tensor_like(TensorLike()),
        o.is_tensor_like(TensorLike),
        o.is_tensor_like(3),
    ]
    for key, call in (
        ("not a sequence", lambda: o.has_torch_function(TensorLike())),
        ("all refuse", lambda: o.handle_torch_function(user_function, (Refuses(),), Refuses())),
    ):
        try:
            call()
        except TypeError as e:
            out[key] = str(e)
    return out


def test_torch_function_protocol_matches_torch():
    assert _protocol_outcomes(jaxtorch) == _protocol_outcomes(torch)


def test_resolve_name_and_catalogue():
    o = jaxtorch.overrides
    # (a jaxtorch function with two torch names, like Tensor.add / Tensor.__add__ or torch.erf / special.erf, is one
    # object and resolves to one of them, so such names are left out)
    pairs = [
        ("add", "add"),
        ("Tensor.add", "Tensor.add"),
        ("nn.functional.relu", "nn.functional.relu"),
        ("linalg.norm", "linalg.norm"),
        ("fft.fft", "fft.fft"),
        ("special.entr", "special.entr"),
        ("functional.einsum", "functional.einsum"),
        ("einsum", "einsum"),
    ]

    def get(lib, dotted):
        obj = lib
        for part in dotted.split("."):
            obj = getattr(obj, part)
        return obj

    for ours, theirs in pairs:
        assert o.resolve_name(get(jaxtorch, ours)) == torch.overrides.resolve_name(get(torch, theirs))
    assert o.resolve_name(user_function) is None
    ignored = o.get_ignored_functions()
    assert jaxtorch.zeros in ignored and jaxtorch.tensor in ignored and jaxtorch.add not in ignored
    overridable = o.get_overridable_functions()
    assert jaxtorch.add in overridable[jaxtorch] and jaxtorch.Tensor.add in overridable[jaxtorch.Tensor]
    assert jaxtorch.nn.functional.relu in overridable[jaxtorch.nn.functional]
    dummies = o.get_testing_overrides()
    assert dummies[jaxtorch.add](jaxtorch.ones(1), jaxtorch.ones(1)) == -1
    assert inspect.signature(dummies[jaxtorch.add]) == inspect.signature(jaxtorch.add)
    assert o.is_tensor_method_or_property(jaxtorch.Tensor.add) and not o.is_tensor_method_or_property(jaxtorch.add)
    assert torch.overrides.is_tensor_method_or_property(torch.Tensor.add)


def test_redispatch_skips_one_level():
    o = jaxtorch.overrides

    def scaled(a):
        if o.has_torch_function((a,)):
            return o.handle_torch_function(scaled, (a,), a)
        return "implementation"

    class Wrapping:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return ("wrapped", o.redispatch_function(func, types, args, kwargs))

    assert scaled(Wrapping()) == ("wrapped", "implementation")
    assert o.has_torch_function((Wrapping(),))  # the skip lasts one call only


def test_torch_function_mode_refused_when_entered():
    class Logging(jaxtorch.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    mode = Logging()  # defining and constructing work
    with pytest.raises(NotImplementedError, match="TorchFunctionMode"):
        with mode:
            pass
    with jaxtorch.overrides.enable_reentrant_dispatch():
        pass


# ------------------------------------------------------------------------------------------------------------
# torch.futures


def _future_outcomes(lib):
    F = lib.futures.Future
    out = {}

    def attempt(key, call):
        try:
            out[key] = ("ok", call())
        except Exception as e:  # noqa: BLE001
            out[key] = (type(e).__name__, str(e).split("\n")[0])

    f = F()
    out["fresh"] = f.done()
    f.set_result(5)
    attempt("wait", f.wait)
    attempt("value", f.value)
    attempt("twice", lambda: f.set_result(6))
    attempt("exception after result", lambda: f.set_exception(ValueError("x")))
    g = F()
    g.set_exception(ValueError("bad"))
    attempt("wait error", g.wait)
    attempt("value error", g.value)
    out["error done"] = g.done()
    attempt("non exception", lambda: F().set_exception("text"))
    h = F()
    chained = h.then(lambda fut: fut.wait() * 2)
    out["chained pending"] = chained.done()
    h.set_result(3)
    attempt("then", chained.wait)
    k = F()
    failing = k.then(lambda fut: 1 / 0)
    k.set_result(1)
    attempt("then raises", failing.wait)
    m = F()
    seen = []
    m.add_done_callback(lambda fut: seen.append(fut.value()))
    m.set_result(7)
    m.add_done_callback(lambda fut: seen.append(fut.value() + 1))  # already done: runs at once
    out["callbacks"] = seen
    a, b = F(), F()
    both = lib.futures.collect_all([a, b])
    a.set_result(1)
    out["collect pending"] = both.done()
    b.set_result(2)
    attempt("collect", lambda: [x.wait() for x in both.wait()])
    c, d = F(), F()
    c.set_result(1)
    d.set_exception(RuntimeError("boom"))
    attempt("wait_all error", lambda: lib.futures.wait_all([c, d]))
    attempt("collect error", lambda: lib.futures.collect_all([c, d]).wait())
    attempt("wait_all empty", lambda: lib.futures.wait_all([]))
    attempt("cpu device", lambda: F(devices=["cpu"]))
    return out


def test_futures_match_torch():
    assert _future_outcomes(jaxtorch) == _future_outcomes(torch)


def test_future_wait_blocks_until_another_thread_completes():
    f = jaxtorch.futures.Future()
    threading.Timer(0.05, lambda: f.set_result("late")).start()
    assert f.wait() == "late"
    assert jaxtorch.futures.Future[int] is not None  # generic, as torch's


# ------------------------------------------------------------------------------------------------------------
# torch.multiprocessing


_WORKER = """
import os


def work(i, out_dir, token):
    with open(os.path.join(out_dir, f"{i}.txt"), "w") as f:
        f.write(f"{i} {token}")
"""


def test_spawn_two_processes(tmp_path, monkeypatch):
    # The worker lives in a module of its own, so the children import it and jaxtorch, not this test module
    # (and real torch with it); spawn hands the parent's sys.path to the children.
    (tmp_path / "spawn_worker_mod.py").write_text(_WORKER)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "out"
    out.mkdir()
    work = importlib.import_module("spawn_worker_mod").work
    assert jaxtorch.multiprocessing.spawn(work, args=(str(out), "tok"), nprocs=2) is None
    assert sorted(p.read_text() for p in out.iterdir()) == ["0 tok", "1 tok"]


def _failures(lib):
    """start_processes failures, with the fork start method (cheap) and stdlib functions as workers."""
    import operator

    mp = lib.multiprocessing
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # JAX warns that forking a multithreaded process is risky
        try:
            mp.start_processes(operator.truediv, args=(0,), nprocs=1, start_method="fork")
        except mp.ProcessRaisedException as e:
            out.append(("raised", e.error_index, e.msg.splitlines()[:3], e.msg.splitlines()[-1]))
        try:
            mp.start_processes(abs, args=(), nprocs=2, start_method="fork")  # abs(i): success
            mp.start_processes(os._exit, args=(), nprocs=2, start_method="fork")  # os._exit(1) for process 1
        except mp.ProcessExitedException as e:
            out.append(("exited", e.error_index, e.exit_code, str(e)))
        ctx = mp.start_processes(abs, nprocs=2, join=False, start_method="fork")
        while not ctx.join():
            pass
        out.append(("joined", len(ctx.pids())))
    return out


def test_process_failures_match_torch():
    assert _failures(jaxtorch) == _failures(torch)


def test_sharing_strategies_and_reductions():
    mp = jaxtorch.multiprocessing
    assert mp.get_all_sharing_strategies() == torch.multiprocessing.get_all_sharing_strategies()
    assert mp.get_sharing_strategy() == torch.multiprocessing.get_sharing_strategy()
    with pytest.raises(AssertionError, match="invalid sharing strategy"):
        mp.set_sharing_strategy("bogus")
    mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() == "file_system"
    mp.set_sharing_strategy("file_descriptor")
    assert mp.Queue is not None and mp.Process is not None and mp.get_context("spawn") is not None
    from jaxtorch.multiprocessing import reductions

    reductions.init_reductions()
    rebuild, args = reductions.reduce_tensor(jaxtorch.tensor([1.0, 2.0]))
    assert rebuild(*args).tolist() == [1.0, 2.0]
    with pytest.raises(NotImplementedError, match="shared memory"):
        reductions.reduce_storage(None)


# ------------------------------------------------------------------------------------------------------------
# torch.quasirandom


def _np(t) -> np.ndarray:
    return t.numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


@pytest.mark.parametrize("dimension", [1, 2, 7, 1111])
def test_sobol_unscrambled_equals_torch(dimension):
    for dtype in ("float32", "float64"):
        ours = jaxtorch.quasirandom.SobolEngine(dimension)
        theirs = torch.quasirandom.SobolEngine(dimension)
        jd, td = getattr(jaxtorch, dtype), getattr(torch, dtype)
        for n in (1, 3, 12, 50):
            a, b = _np(ours.draw(n, dtype=jd)), _np(theirs.draw(n, dtype=td))
            assert a.dtype == b.dtype and np.array_equal(a, b)
        ours.fast_forward(37)
        theirs.fast_forward(37)
        assert np.array_equal(_np(ours.draw(5, dtype=jd)), _np(theirs.draw(5, dtype=td)))
        assert np.array_equal(_np(ours.quasi), _np(theirs.quasi)) and ours.num_generated == theirs.num_generated
        ours.reset()
        theirs.reset()
        assert np.array_equal(_np(ours.draw_base2(4)), _np(theirs.draw_base2(4)))
    assert np.array_equal(
        _np(jaxtorch.quasirandom.SobolEngine(dimension).sobolstate),
        _np(torch.quasirandom.SobolEngine(dimension).sobolstate),
    )


def test_sobol_fast_forward_from_start_and_out():
    ours, theirs = jaxtorch.quasirandom.SobolEngine(3), torch.quasirandom.SobolEngine(3)
    ours.fast_forward(5)
    theirs.fast_forward(5)
    assert np.array_equal(_np(ours.draw(4)), _np(theirs.draw(4)))
    out = jaxtorch.empty(0)
    res = jaxtorch.quasirandom.SobolEngine(2).draw(4, out=out)
    assert res is out and np.array_equal(_np(out), _np(torch.quasirandom.SobolEngine(2).draw(4)))


def _sobol_errors(lib):
    S = lib.quasirandom.SobolEngine
    out = []
    for call in (
        lambda: S(0),
        lambda: S(21202),
        lambda: S(2).draw(0),
        lambda: S(2).draw(2, dtype=lib.int64),
        lambda: S(2).draw(3, dtype=lib.float16),
        lambda: S(2).draw_base2(2) is None or S(2).draw_base2(1),
        lambda: _draw_then_base2(S),
    ):
        try:
            call()
            out.append("ok")
        except Exception as e:  # noqa: BLE001
            out.append((type(e).__name__, str(e)))
    out.append(repr(S(5, scramble=True, seed=3)))
    out.append(repr(S(5)))
    first = S(2)
    out.append(tuple(first.draw(1, dtype=lib.float16).shape))
    return out


def _draw_then_base2(S):
    e = S(2)
    e.draw(4)
    e.draw_base2(1)


def test_sobol_errors_and_repr_match_torch():
    assert _sobol_errors(jaxtorch) == _sobol_errors(torch)


def test_sobol_dimensions_beyond_the_shipped_table():
    with pytest.raises(NotImplementedError, match="1111"):
        jaxtorch.quasirandom.SobolEngine(1112)


def test_sobol_scrambled_is_a_randomised_sobol_sequence():
    S = jaxtorch.quasirandom.SobolEngine
    x = _np(S(3, scramble=True, seed=7).draw(1024, dtype=jaxtorch.float64))
    assert x.shape == (1024, 3) and x.min() >= 0 and x.max() < 1
    assert np.array_equal(x, _np(S(3, scramble=True, seed=7).draw(1024, dtype=jaxtorch.float64)))  # seeded
    assert not np.array_equal(x, _np(S(3, scramble=True, seed=8).draw(1024, dtype=jaxtorch.float64)))
    assert not np.array_equal(x, _np(S(3).draw(1024, dtype=jaxtorch.float64)))
    # the net property survives scrambling: every dyadic interval of length 1/64 holds exactly 16 points per
    # coordinate, and each pair of coordinates fills an 8 x 8 grid evenly (as torch's scrambled points do)
    for k in range(3):
        assert (np.bincount((x[:, k] * 64).astype(int), minlength=64) == 16).all()
    for i, j in ((0, 1), (0, 2), (1, 2)):
        grid = np.histogram2d(x[:, i], x[:, j], bins=8, range=[[0, 1], [0, 1]])[0]
        assert (grid == 16).all()
    t = torch.quasirandom.SobolEngine(3, scramble=True, seed=7).draw(1024, dtype=torch.float64).numpy()
    assert (np.histogram2d(t[:, 0], t[:, 1], bins=8, range=[[0, 1], [0, 1]])[0] == 16).all()


# ------------------------------------------------------------------------------------------------------------
# torch.types, torch.functional


def test_types_aliases():
    from jaxtorch import types as jt

    assert jt.Number == torch.types.Number
    for name in ("_int", "_float", "_bool", "_complex", "_str", "_bytes"):
        assert getattr(jt, name) is getattr(torch.types, name)
    assert jt._dtype is jaxtorch.dtype and jt._device is jaxtorch.device and jt._Number == (int, float, bool)
    assert jaxtorch.device in jt.Device.__args__ and str in jt.Device.__args__
    assert issubclass(jt.Storage, object) and hasattr(jt.Storage, "element_size")


def test_functional_names_are_jaxtorchs_functions():
    from jaxtorch import functional as F

    assert sorted(F.__all__) == sorted(torch.functional.__all__)
    for name in F.__all__:
        assert getattr(F, name) is getattr(jaxtorch, name)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(
        _np(F.einsum("ij->ji", jaxtorch.tensor(a))), _np(torch.functional.einsum("ij->ji", torch.tensor(a)))
    )


# ------------------------------------------------------------------------------------------------------------
# torch.cpu


def test_cpu_device_api_matches_torch():
    jc, tc = jaxtorch.cpu, torch.cpu
    for name in ("is_available", "is_initialized", "device_count", "current_device"):
        assert getattr(jc, name)() == getattr(tc, name)()
    jc.synchronize()
    jc.set_device(0)
    s = jc.Stream(priority=0)
    assert jc.current_stream() is not s
    with jc.stream(s):
        assert jc.current_stream() is s
    with jc.StreamContext(None):
        pass
    assert jc.current_stream() is not s
    e = jc.Event()
    e.record()
    assert e.query() is True
    e.synchronize()


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and os.uname().machine == "x86_64"),
    reason="jaxtorch reads CPU features from /proc/cpuinfo on x86-64 Linux only",
)
def test_cpu_capabilities_match_torch():
    ours, theirs = jaxtorch.cpu.get_capabilities(), torch.cpu.get_capabilities()
    assert ours["architecture"] == theirs["architecture"]
    flags = [k for k, v in ours.items() if isinstance(v, bool)]
    assert len(flags) > 30
    assert {k: ours[k] for k in flags if k in theirs} == {k: theirs[k] for k in flags if k in theirs}
    with pytest.raises(TypeError):
        ours["avx2"] = False  # read-only, as torch's


def test_cpu_amp_aliases():
    with pytest.warns(FutureWarning, match=r"torch.cpu.amp.autocast\(args...\)` is deprecated"):
        ac = jaxtorch.cpu.amp.autocast()
    assert isinstance(ac, jaxtorch.amp.autocast) and ac.device == "cpu" and ac.fast_dtype == jaxtorch.bfloat16
    with ac:
        assert jaxtorch.is_autocast_enabled("cpu")
    assert not jaxtorch.is_autocast_enabled("cpu")
    with pytest.warns(FutureWarning, match=r"torch.cpu.amp.GradScaler\(args...\)` is deprecated"):
        gs = jaxtorch.cpu.amp.GradScaler(init_scale=8.0)
    assert isinstance(gs, jaxtorch.amp.GradScaler) and gs.get_scale() == 8.0


# ------------------------------------------------------------------------------------------------------------
# torch.xpu / torch.mps / torch.mtia: absent devices, answered as a torch build without them


def _rng_state(lib):
    return lib.zeros(8, dtype=lib.uint8)


DEVICE_CALL_ARGS = {
    "can_device_access_peer": lambda lib: (0, 1),
    "change_current_allocator": lambda lib: (None,),
    "device": lambda lib: (0,),
    "device_of": lambda lib: (lib.ones(1),),
    "get_stream_from_external": lambda lib: (0,),
    "graph": lambda lib: (None,),
    "make_graphed_callables": lambda lib: (lambda a: a, (lib.ones(1),)),
    "manual_seed": lambda lib: (1,),
    "manual_seed_all": lambda lib: (1,),
    "set_device": lambda lib: (0,),
    "set_per_process_memory_fraction": lambda lib: (0.5,),
    "set_rng_state": lambda lib: (_rng_state(lib),),
    "set_rng_state_all": lambda lib: ([_rng_state(lib)],),
    "set_stream": lambda lib: (None,),
    "stream": lambda lib: (None,),
    "StreamContext": lambda lib: (None,),
    "use_mem_pool": lambda lib: (None,),
    "XPUPluggableAllocator": lambda lib: ("a", "b", "c"),
    "attach_out_of_memory_observer": lambda lib: (print,),
    "compile_shader": lambda lib: ("x",),
    "load_metallib": lambda lib: ("x",),
}


def _device_outcome(lib, module: str, name: str):
    obj = getattr(getattr(lib, module), name)
    if inspect.ismodule(obj):
        return "module"
    if not callable(obj):
        return ("value", obj)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = obj(*DEVICE_CALL_ARGS.get(name, lambda lib: ())(lib))
            if hasattr(result, "__enter__"):
                result.__enter__()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    if result is None or isinstance(result, (bool, int, float, str, list, tuple, dict)):
        return ("returned", type(result).__name__, result)
    return "object"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # torch's mps.Event.__del__
@pytest.mark.parametrize("module", ["xpu", "mps", "mtia"])
def test_absent_device_modules_answer_as_torch(module):
    import gc

    mismatches = {}
    for name in getattr(torch, module).__all__:
        want, got = _device_outcome(torch, module, name), _device_outcome(jaxtorch, module, name)
        if want != got:
            mismatches[name] = (want, got)
    gc.collect()  # torch's half-built mps.Event complains from __del__: let it happen under the filter above
    assert not mismatches


# ------------------------------------------------------------------------------------------------------------
# torch.sparse, torch.nested


def test_sparse_mm_addmm_on_dense():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(s).astype(np.float32) for s in ((2, 3), (3, 4), (2, 4)))
    J, T = jaxtorch.tensor, torch.tensor
    np.testing.assert_allclose(
        _np(jaxtorch.sparse.mm(J(a), J(b))), _np(torch.sparse.mm(T(a), T(b))), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        _np(jaxtorch.sparse.addmm(J(c), J(a), J(b), beta=0.5, alpha=2.0)),
        _np(torch.sparse.addmm(T(c), T(a), T(b), beta=0.5, alpha=2.0)),
        rtol=1e-5,
        atol=1e-6,
    )
    with pytest.raises(NotImplementedError, match="reduce"):
        jaxtorch.sparse.mm(J(a), J(b), reduce="sum")


def _invariants_trace(lib):
    c = lib.sparse.check_sparse_tensor_invariants
    trace = [c.is_enabled()]
    with c():
        trace.append(c.is_enabled())
        with c(False):
            trace.append(c.is_enabled())
        trace.append(c.is_enabled())
    trace.append(c.is_enabled())
    c.enable()
    trace.append(c.is_enabled())
    c.disable()
    trace.append(c.is_enabled())
    trace.append(c()(lambda: c.is_enabled())())
    cm = c()
    with cm:
        try:
            cm.__enter__()
        except RuntimeError as e:
            trace.append(str(e))
    trace.append(c.is_enabled())
    return trace


def test_check_sparse_tensor_invariants_matches_torch():
    assert _invariants_trace(jaxtorch) == _invariants_trace(torch)


def test_sparse_and_nested_unsupported_when_called():
    x = jaxtorch.ones(2, 2)
    for call in (
        lambda: jaxtorch.sparse.sum(x),
        lambda: jaxtorch.sparse.softmax(x, 0),
        lambda: jaxtorch.sparse.to_sparse_semi_structured(x),
        lambda: jaxtorch.sparse.SparseSemiStructuredTensor(x),
    ):
        with pytest.raises(NotImplementedError, match="sparse"):
            call()
    assert not isinstance(x, jaxtorch.sparse.SparseSemiStructuredTensor)
    gradcheck = jaxtorch.sparse.as_sparse_gradcheck(lambda func, inputs, **kw: ("checked", func, inputs, kw))
    assert gradcheck(abs, (x,), eps=1e-3) == ("checked", abs, (x,), {"eps": 1e-3})
    assert sorted(jaxtorch.nested.__all__) == sorted(torch.nested.__all__)
    for name in jaxtorch.nested.__all__:
        with pytest.raises(NotImplementedError, match="nested"):
            getattr(jaxtorch.nested, name)([x])


# ------------------------------------------------------------------------------------------------------------
# torch.ao.quantization / torch.quantization


def _stub_model(lib):
    q = lib.ao.quantization

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.quant = q.QuantStub()
            self.fc = lib.nn.Linear(3, 2)
            self.dequant = q.DeQuantStub()

        def forward(self, x):
            return self.dequant(self.fc(self.quant(x)))

    return Net(), q.QuantWrapper(lib.nn.Linear(3, 2))


def test_quant_stubs_are_identity_modules_like_torch():
    (jnet, jwrap), (tnet, twrap) = _stub_model(jaxtorch), _stub_model(torch)
    assert repr(jnet).replace("Net", "") == repr(tnet).replace("Net", "") and repr(jwrap) == repr(twrap)
    assert list(jnet.state_dict()) == list(tnet.state_dict())
    assert list(jwrap.state_dict()) == list(twrap.state_dict())
    jwrap.load_state_dict({k: jaxtorch.tensor(v.detach().numpy()) for k, v in twrap.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        _np(jwrap(jaxtorch.tensor(x))), twrap(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    stub = jaxtorch.ao.quantization.QuantStub()
    assert stub(jaxtorch.tensor(x)) is not None and np.array_equal(_np(stub(jaxtorch.tensor(x))), x)
    qc = jaxtorch.ao.quantization.default_qconfig
    assert jaxtorch.ao.quantization.QuantStub(qc).qconfig is qc
    assert jaxtorch.quantization.QuantStub is jaxtorch.ao.quantization.QuantStub


def _qconfig_outcomes(lib):
    q = lib.ao.quantization
    out = [
        q.qconfig_equals(q.default_qconfig, q.default_qconfig),
        q.qconfig_equals(q.default_qconfig, q.default_dynamic_qconfig),
        isinstance(q.default_qconfig, q.QConfig),
        q.default_qconfig._fields,
        [(m.name, m.value) for m in q.QuantType],
        issubclass(q.QuantType, enum.IntEnum),
        [(m.name, m.value) for m in q.MappingType],
        [(m.name, m.value) for m in q.ZeroPointDomain],
        [(m.name, m.value) for m in q.TorchAODType],
        issubclass(q.MovingAverageMinMaxObserver, q.MinMaxObserver),
        issubclass(q.FakeQuantize, q.FakeQuantizeBase),
    ]
    try:
        q.QConfig(activation=lib.nn.Linear(1, 1), weight=None)
    except ValueError as e:
        out.append(str(e))
    seen = []
    q.default_eval_fn(lambda x: seen.append(x), [(1, "t1"), (2, "t2")])
    out.append(seen)
    return out


def test_qconfig_and_enums_match_torch():
    assert _qconfig_outcomes(jaxtorch) == _qconfig_outcomes(torch)


def test_quantization_workflow_unsupported_when_called():
    q = jaxtorch.ao.quantization
    model = jaxtorch.nn.Sequential(jaxtorch.nn.Linear(2, 2))
    calls = [
        lambda: q.quantize_dynamic(model, {jaxtorch.nn.Linear}),
        lambda: q.prepare(model),
        lambda: q.convert(model),
        lambda: q.fuse_modules(model, [["0"]]),
        lambda: q.MinMaxObserver(),
        lambda: q.default_observer(),
        lambda: q.default_qconfig.activation(),
        lambda: q.get_default_qconfig("x86"),
        lambda: q.QConfigMapping(),
        lambda: jaxtorch.quantization.quantize_dynamic(model),
        lambda: importlib.import_module("jaxtorch.ao.quantization.quantize_fx").prepare_fx(model, {}, ()),
    ]
    for call in calls:
        with pytest.raises(NotImplementedError, match="quantiz"):
            call()
    assert not isinstance(model, q.ObserverBase)


# ------------------------------------------------------------------------------------------------------------
# torch.package, torch.monitor


def test_package_surface():
    p = jaxtorch.package
    for name in ("PackagingError", "EmptyMatchError", "ObjNotFoundError", "ObjMismatchError"):
        assert issubclass(getattr(p, name), Exception) and issubclass(getattr(torch.package, name), Exception)
    assert p.is_from_package(np) is torch.package.is_from_package(np) is False
    packaged = type("Thing", (), {"__module__": "<torch_package_0>.models"})()
    assert p.is_from_package(packaged) is torch.package.is_from_package(packaged) is True
    with pytest.raises(NotImplementedError, match="torch.package.PackageExporter"):
        p.PackageExporter("model.pt")
    with pytest.raises(NotImplementedError, match="torch.package.PackageImporter"):
        p.PackageImporter("model.pt")


def test_monitor_surface():
    m = jaxtorch.monitor
    assert [(a.name, a.value) for a in m.Aggregation] == [
        (a.name, a.value) for a in torch.monitor.Aggregation.__members__.values()
    ]
    assert m.STAT_EVENT == torch.monitor.STAT_EVENT
    with pytest.raises(NotImplementedError, match="torch.monitor"):
        m.log_event(None)
    with pytest.raises(NotImplementedError, match="torch.monitor"):
        m.Stat("x", [m.Aggregation.MEAN], None)
