"""The op registry (jaxtorch/_ops/_registry.py): every public torch.* function and Tensor attribute comes from one
`register` declaration or from a short list of non-op names, and a declaration installs exactly the forms torch
has (function, method, in-place, operator dunders, reflected and augmented operators, out=)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from helpers import assert_close

import jaxtorch
from jaxtorch._ops import _registry as R

# torch.* functions that are not ops, so that no `register` declares them (each group: why)
NOT_OPS = {
    # global switches, defaults and modes: process state, not tensor computations
    "get_default_device", "set_default_device", "get_default_dtype", "set_default_dtype", "set_default_tensor_type",
    "get_float32_matmul_precision", "set_float32_matmul_precision", "get_num_threads", "set_num_threads",
    "get_num_interop_threads", "set_num_interop_threads", "init_num_threads", "set_printoptions",
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled", "get_deterministic_debug_mode",
    "set_deterministic_debug_mode", "is_deterministic_algorithms_warn_only_enabled", "set_warn_always",
    "is_warn_always_enabled", "set_flush_denormal", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
    "set_anomaly_enabled", "is_grad_enabled", "is_inference_mode_enabled",
    "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled", "set_autocast_dtype",
    "is_autocast_cpu_enabled", "get_autocast_cpu_dtype", "get_autocast_gpu_dtype", "is_autocast_cache_enabled",
    "set_autocast_cache_enabled", "clear_autocast_cache",
    # dtype rules: functions of dtypes, not tensors
    "can_cast", "promote_types",
    # the RNG's state (jaxtorch/random.py)
    "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
    # checkpoints and storages (serialization.py, storage.py)
    "save", "load", "from_file", "is_storage",
    # program transforms
    "compile", "vmap",
    # what a Python object is
    "is_tensor", "typename",
    # symbolic-shape helpers, on concrete values here (_toplevel.py)
    "sym_int", "sym_float", "sym_max", "sym_min", "sym_not", "sym_ite", "sym_sqrt", "sym_sum", "sym_fresh_size",
    "sym_constrain_range", "sym_constrain_range_for_size",
    # removed from torch: they only raise, saying what replaced them
    "solve", "lstsq", "eig", "symeig",
    # device and build queries (get_device and is_distributed are answered by the Tensor class)
    "get_device_module", "get_device", "is_distributed", "is_vulkan_available", "prepare_multiprocessing_environment",
    "compiled_with_cxx11_abi",
}
# public Tensor attributes installed outside the registry and outside the Tensor class (each group: why)
NOT_REGISTERED_METHODS = {
    # jaxtorch/storage.py installs the storage methods beside the storage classes they return
    "storage", "untyped_storage", "storage_type", "set_",
}


def _is_function(v) -> bool:
    return callable(v) and not inspect.isclass(v) and not inspect.ismodule(v) and not isinstance(v, jaxtorch.dtype)


def test_every_torch_function_comes_from_the_registry():
    unexplained, stale = [], []
    for name in dir(jaxtorch):
        if name.startswith("_") or not hasattr(torch, name):
            continue
        v = getattr(jaxtorch, name)
        if not _is_function(v):
            continue
        rec = R.owner("torch." + name)
        if rec is not None:
            if rec.installed["torch." + name] is not v:  # replaced after the registry installed it
                stale.append(name)
        elif name not in NOT_OPS:
            unexplained.append(name)
    assert not unexplained, f"torch.* functions neither registered nor listed in NOT_OPS: {unexplained}"
    assert not stale, f"torch.* names the registry installed but something else replaced: {stale}"
    assert not [n for n in NOT_OPS if R.owner("torch." + n) is not None], "NOT_OPS lists registered ops"
    assert all(hasattr(jaxtorch, n) for n in NOT_OPS), "NOT_OPS lists names jaxtorch lacks"


@pytest.mark.parametrize("namespace", ["linalg", "special", "fft", "signal.windows"])
def test_every_namespace_function_comes_from_the_registry(namespace):
    import importlib

    module = importlib.import_module("jaxtorch." + namespace)
    names = [n for n in module.__all__ if _is_function(getattr(module, n))]
    assert len(names) > 5
    for name in names:
        rec = R.owner(f"torch.{namespace}.{name}")
        assert rec is not None, f"torch.{namespace}.{name} is not registered"
        assert rec.installed[f"torch.{namespace}.{name}"] is getattr(module, name), name


def _tensor_attributes():
    """(name, object) for every public attribute of Tensor, and every dunder Tensor itself defines, that is a
    method or a property (plain class constants such as `is_sparse = False` are not)."""
    for name in dir(jaxtorch.Tensor):
        dunder = name.startswith("__") and name.endswith("__")
        if name.startswith("_") and not dunder:
            continue
        owner = next(c for c in jaxtorch.Tensor.__mro__ if name in vars(c))
        if owner is object or dunder and owner is not jaxtorch.Tensor:
            continue
        v = inspect.getattr_static(jaxtorch.Tensor, name)
        if isinstance(v, (property, staticmethod, classmethod)) or callable(v):
            yield name, v


def test_every_tensor_method_comes_from_the_registry():
    unexplained, stale, sources = [], [], {"registry": 0, "class": 0}
    for name, v in _tensor_attributes():
        rec = R.owner("Tensor." + name)
        if rec is not None:
            sources["registry"] += 1
            if rec.installed["Tensor." + name] is not v:
                stale.append(name)
        elif name in R.FACADE:  # the Tensor class's own surface: payload, metadata, autograd state, protocols
            sources["class"] += 1
            assert vars(jaxtorch.Tensor)[name] is v
        elif name not in NOT_REGISTERED_METHODS:
            unexplained.append(name)
    assert not unexplained, f"Tensor attributes neither registered, defined by the class, nor listed: {unexplained}"
    assert not stale, f"Tensor attributes the registry installed but something else replaced: {stale}"
    assert sources["registry"] > 3 * sources["class"], sources  # ops come from the registry


def test_a_name_is_installed_once():
    before = (dict(R.RECORDS), dict(R.FUNCTIONS), dict(vars(jaxtorch.Tensor)))
    with pytest.raises(RuntimeError, match="registered twice"):
        R.register("add")(lambda input, other: input)
    with pytest.raises(RuntimeError, match="Tensor.size is installed twice"):  # the class defines size itself
        R.register("_test_registry_size", method=False, dunders=("size",))(lambda input: input)
    with pytest.raises(RuntimeError, match="torch.add is installed twice"):
        R.register("_test_registry_add", aliases=("add",))(lambda input: input)
    assert before == (dict(R.RECORDS), dict(R.FUNCTIONS), dict(vars(jaxtorch.Tensor)))  # nothing half-installed


# the forms each sample op has, read from real torch: (sample args, an `out` tensor for them, python operator)
_SAMPLES = {
    "add": (lambda m, x, y: ((x, y), {"alpha": 2}), "add"),
    "mul": (lambda m, x, y: ((x, y), {}), "mul"),
    "sub": (lambda m, x, y: ((x, y), {"alpha": 3}), "sub"),
    "clamp": (lambda m, x, y: ((x,), {"min": -0.5, "max": 0.5}), None),
    "where": (lambda m, x, y: ((x > 0, x, y), {}), None),
    "matmul": (lambda m, x, y: ((x, y.mT), {}), "matmul"),
    "index_select": (lambda m, x, y: ((x, 1, m.tensor([2, 0])), {}), None),
    "index_add": (lambda m, x, y: ((x, 1, m.tensor([2, 0]), y[:, :2]), {"alpha": 2.0}), None),
    "sum": (lambda m, x, y: ((x, 1), {}), None),
    "transpose": (lambda m, x, y: ((x, 0, 1), {}), None),
}


def _torch_takes_out(fn, args, kwargs) -> bool:
    try:
        fn(*args, **kwargs, out=torch.empty(0))
    except TypeError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(_SAMPLES))
def test_record_installs_the_forms_torch_has(name):
    make, operator = _SAMPLES[name]
    rec = R.RECORDS[name]
    a = np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((3, 3)).astype(np.float32)
    targs, tkw = make(torch, torch.tensor(a), torch.tensor(b))
    jargs, jkw = make(jaxtorch, jaxtorch.tensor(a), jaxtorch.tensor(b))
    for n in (name,) + tuple(x for x in rec.aliases if "." not in x):
        assert (rec.function is not None) == hasattr(torch, n), n
        assert (rec.method is not None) == hasattr(torch.Tensor, n), n
        assert (rec.inplace is not None) == hasattr(torch.Tensor, n + "_"), n
        assert (n + "_" in rec.torch_inplace) == hasattr(torch, n + "_"), n
    names = ((f"__{operator}__",), (f"__r{operator}__",), (f"__i{operator}__",)) if operator else ((), (), ())
    for ours, candidates in zip((rec.dunders, rec.rdunders, rec.idunders), names):
        assert set(ours) == {d for d in candidates if hasattr(torch.Tensor, d)}
    assert rec.out == _torch_takes_out(getattr(torch, name), targs, tkw)
    for where, obj in rec.installed.items():  # what the record says is what is there
        kind, _, qual = where.partition(".")
        assert inspect.getattr_static(jaxtorch.Tensor, qual) is obj if kind == "Tensor" else \
            getattr(jaxtorch, qual) is obj

    expected = getattr(torch, name)(*targs, **tkw)
    assert_close(expected, getattr(jaxtorch, name)(*jargs, **jkw), what="function")
    method_args = (jargs[1], jargs[0], jargs[2]) if name == "where" else jargs  # x.where(condition, y)
    assert_close(expected, getattr(method_args[0], name)(*method_args[1:], **jkw), what="method")
    if rec.inplace is not None:
        j = jargs[0].clone()
        assert getattr(j, name + "_")(*jargs[1:], **jkw) is j
        assert_close(expected, j, what="in-place")
    if rec.out:
        out = jaxtorch.empty(0)
        assert getattr(jaxtorch, name)(*jargs, **jkw, out=out) is out
        assert_close(expected, out, what="out=")
    x, y, tx, ty = jargs[0], jargs[-1], targs[0], targs[-1]
    for d in rec.dunders:
        assert_close(getattr(tx, d)(ty), getattr(x, d)(y), what=d)
    for d in rec.rdunders:
        assert_close(getattr(tx, d)(ty), getattr(x, d)(y), what=d)
        if rec.fn is not R.RECORDS["matmul"].fn:  # numbers reflect too, except for @ (torch: TypeError)
            assert_close(getattr(tx, d)(2.5), getattr(x, d)(2.5), what=d + " with a number")
    for d in rec.idunders:
        j = x.clone()
        assert getattr(j, d)(y) is j
        assert_close(getattr(tx.clone(), d)(ty), j, what=d)


def test_operators_on_numbers_and_tensors():
    a = np.arange(1, 7, dtype=np.float32).reshape(2, 3)
    t, j = torch.tensor(a), jaxtorch.tensor(a)
    for f in (lambda x: 2 - x, lambda x: 2 / x, lambda x: 7 // x, lambda x: 7 % x, lambda x: 2 ** x, lambda x: 2 + x,
              lambda x: 3 * x, lambda x: x.__rdiv__(2), lambda x: -x, lambda x: abs(x), lambda x: +x):
        assert_close(f(t), f(j))
    for f in (lambda x: 2 @ x, lambda x: "a" - x):
        with pytest.raises(TypeError):
            f(t)
        with pytest.raises(TypeError):
            f(j)
    i = np.array([6, 3], np.int64)
    ti, ji = torch.tensor(i), jaxtorch.tensor(i)
    for f in (lambda x: 5 & x, lambda x: 5 | x, lambda x: 5 ^ x, lambda x: ~x):
        assert_close(f(ti), f(ji))
    for op in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__"):
        tt, jj = t.clone(), j.clone()
        assert getattr(jj, op)(2) is jj
        assert_close(getattr(tt, op)(2), jj, what=op)


def test_torch_inplace_functions_are_torchs():
    """torch.<name>_ exists exactly where torch has it, and is the in-place method."""
    ours = {n for n in R.FUNCTIONS if n.endswith("_") and not n.startswith("_") and R.owner("torch." + n) is not None
            and R.owner("torch." + n).inplace is R.FUNCTIONS[n]}
    assert ours and all(hasattr(torch, n) for n in ours), sorted(n for n in ours if not hasattr(torch, n))
    assert "add_" not in R.FUNCTIONS and "abs_" in R.FUNCTIONS and "absolute_" not in R.FUNCTIONS
    x = jaxtorch.tensor([-1.0, 0.5])
    assert jaxtorch.arccos_(jaxtorch.tensor([0.5])).item() == pytest.approx(np.arccos(0.5))
    assert jaxtorch.clip_(x, 0, 0.25) is x and x.tolist() == [0.0, 0.25]


def test_dlpack_is_defined_once_with_torchs_signature():
    assert "__dlpack__" in R.FACADE and R.owner("Tensor.__dlpack__") is None
    params = inspect.signature(jaxtorch.Tensor.__dlpack__).parameters
    assert [p.kind for p in params.values()][1:] == [inspect.Parameter.VAR_KEYWORD]  # keyword-only, as torch's
    x = jaxtorch.tensor([1.0, 2.0])
    np.testing.assert_array_equal(np.from_dlpack(x), [1.0, 2.0])
    assert_close(torch.from_dlpack(x), x)
    with pytest.raises(TypeError):
        x.__dlpack__(None)
    with pytest.raises(TypeError):
        torch.tensor([1.0]).__dlpack__(None)


def test_copy_ops_are_one_table_with_torchs_out():
    copies = sorted(n for n in dir(torch) if n.endswith("_copy") and hasattr(jaxtorch, n))
    assert len(copies) >= 20
    for n in copies:
        rec = R.owner("torch." + n)
        assert rec is not None and rec.out and rec.function.__module__ == "jaxtorch", n
        assert (rec.method is not None) == hasattr(torch.Tensor, n), n
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t, j = torch.tensor(a), jaxtorch.tensor(a)
    tout, jout = [torch.empty(2, 4), torch.empty(1, 4)], [jaxtorch.empty(2, 4), jaxtorch.empty(1, 4)]
    assert torch.split_copy(t, 2, out=tout) is None and jaxtorch.split_copy(j, 2, out=jout) is None
    assert_close(tout, jout)
    tout, jout = torch.empty(0), jaxtorch.empty(0)  # a wrong-sized out is resized, as torch does
    assert_close(torch.select_copy(t, 0, 1, out=tout), jaxtorch.select_copy(j, 0, 1, out=jout))
    assert_close(tout, jout)
    r = jaxtorch.slice_copy(j, 1, 1, 3)
    r.fill_(0)
    assert_close(torch.slice_copy(t, 1, 1, 3), jaxtorch.slice_copy(j, 1, 1, 3))  # a copy: j is untouched
