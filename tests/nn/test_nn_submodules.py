"""torch.nn's smaller submodules vs real torch: modules.utils, common_types, grad (conv gradients), parallel's
comm / scatter_gather / replicate / parallel_apply (on CPU, where torch's CPU build mostly refuses), the
channelshuffle / linear_cross_entropy_options / backends / cpp paths, and the quantized / qat / intrinsic /
quantizable stand-ins (same names and class relations as torch, NotImplementedError when constructed)."""

from __future__ import annotations

import collections
import importlib
import pkgutil
import types
import typing
import warnings

import numpy as np
import pytest
import torch

import jaxtorch
from _same import both, same_error


def _mod(T, name: str):
    """torch.X or jaxtorch.X (the submodule, even where a function of the same name shadows it)."""
    return importlib.import_module(T.__name__ + name[len("torch") :])


# ------------------------------------------------------------------------------------------ every submodule imports
# torch.nn / torch.autograd modules that belong to other work (listed so the gap stays visible)
_OTHER_TASKS = {
    "torch.nn.utils.prune": "pruning is another task",
    "torch.nn.attention.experimental": "nn.attention is another task",
    "torch.nn.attention.varlen": "nn.attention is another task",
}


def _torch_modules(prefixes: tuple) -> list[str]:
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for pkg in (torch.nn, torch.autograd):
            for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".", onerror=lambda name: None):
                parts = info.name.split(".")
                if info.name.startswith(prefixes) and not any(p.startswith("_") for p in parts[1:]):
                    found.append(info.name)
    return sorted(found)


@pytest.mark.parametrize("name", _torch_modules(("torch.nn.", "torch.autograd.")))
def test_submodule_imports(name):
    if name in _OTHER_TASKS:
        pytest.skip(_OTHER_TASKS[name])
    mod = _mod(jaxtorch, name)
    assert isinstance(mod, types.ModuleType)


# ------------------------------------------------------------------------------------------ torch.nn.modules.utils
@pytest.mark.parametrize("fn", ["_single", "_pair", "_triple", "_quadruple"])
@pytest.mark.parametrize("arg", [3, 2.5, (1, 2), [4, 5, 6], "ab", None])
def test_ntuple_parsers(fn, arg):
    both(lambda T: getattr(_mod(T, "torch.nn.modules.utils"), fn)(arg))


def test_ntuple_factory_and_name():
    def f(T):
        parse = _mod(T, "torch.nn.modules.utils")._ntuple(5, "five")
        return parse.__name__, parse(7), parse(range(3))

    both(f)


def test_reverse_repeat_tuple():
    both(lambda T: _mod(T, "torch.nn.modules.utils")._reverse_repeat_tuple((1, 2, 3), 2))


@pytest.mark.parametrize("args", [(5, [1, 2, 3]), ([None, 4], [7, 8, 9]), ([None, None], [1, 2, 3]), ((2,), [3, 4])])
def test_list_with_default(args):
    both(lambda T: _mod(T, "torch.nn.modules.utils")._list_with_default(*args))


def test_list_with_default_too_few_dims():
    same_error(lambda T: _mod(T, "torch.nn.modules.utils")._list_with_default([None, 4], [7, 8]))


def test_consume_prefix_in_state_dict_if_present():
    def f(T):
        class Wrapper(T.nn.Module):
            def __init__(self):
                super().__init__()
                self.module = T.nn.Sequential(T.nn.Linear(2, 3), T.nn.BatchNorm1d(3))

        sd = Wrapper().state_dict()
        _mod(T, "torch.nn.modules.utils").consume_prefix_in_state_dict_if_present(sd, "module.")
        return list(sd.keys()), list(sd._metadata.keys()), [tuple(v.shape) for v in sd.values()]

    both(f)


def test_consume_prefix_leaves_other_keys():
    def f(T):
        sd = collections.OrderedDict([("module.a", 1), ("b", 2), ("modulex", 3)])
        _mod(T, "torch.nn.modules.utils").consume_prefix_in_state_dict_if_present(sd, "module.")
        return list(sd.items())

    both(f)


# ------------------------------------------------------------------------------------------ torch.nn.common_types
_ALIASES = [n for n in dir(_mod(torch, "torch.nn.common_types")) if n.startswith("_") and n.endswith("_t")]


@pytest.mark.parametrize("name", _ALIASES)
def test_common_types_alias(name):
    t = getattr(_mod(torch, "torch.nn.common_types"), name)
    j = getattr(_mod(jaxtorch, "torch.nn.common_types"), name)
    # the same typing structure, with jaxtorch's Tensor where torch's has its own
    assert repr(j).replace("jaxtorch._tensor.Tensor", "torch.Tensor") == repr(t)
    assert typing.get_origin(j) == typing.get_origin(t)


# ------------------------------------------------------------------------------------------ torch.nn.grad
_CONV = {
    1: dict(x=(2, 4, 9), w=(6, 2, 3), kw=dict(stride=2, padding=1, dilation=2, groups=2)),
    2: dict(x=(2, 4, 7, 6), w=(6, 2, 3, 2), kw=dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)),
    3: dict(x=(1, 2, 5, 4, 6), w=(3, 2, 2, 3, 2), kw=dict(stride=1, padding=(1, 0, 1), dilation=1, groups=1)),
}


def _conv_case(T, nd):
    rng = np.random.default_rng(nd)
    c = _CONV[nd]
    x = T.tensor(rng.standard_normal(c["x"]).astype(np.float32))
    w = T.tensor(rng.standard_normal(c["w"]).astype(np.float32))
    out_shape = getattr(torch.nn.functional, f"conv{nd}d")(torch.zeros(c["x"]), torch.zeros(c["w"]), **c["kw"]).shape
    go = T.tensor(rng.standard_normal(tuple(out_shape)).astype(np.float32))
    return x, w, go, c["kw"]


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_input_grad(nd):
    def f(T):
        x, w, go, kw = _conv_case(T, nd)
        return getattr(T.nn.grad, f"conv{nd}d_input")(x.shape, w, go, **kw)

    both(f, rtol=1e-5, atol=1e-5)  # sums over a few dozen float32 products


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_weight_grad(nd):
    def f(T):
        x, w, go, kw = _conv_case(T, nd)
        return getattr(T.nn.grad, f"conv{nd}d_weight")(x, w.shape, go, **kw)

    both(f, rtol=1e-5, atol=1e-5)  # sums over a few dozen float32 products


def test_conv_input_grad_is_differentiable():
    def f(T):
        x, w, go, kw = _conv_case(T, 2)
        w.requires_grad_(True)
        gi = T.nn.functional.grad.conv2d_input(x.shape, w, go, **kw)
        (ww,) = T.autograd.grad((gi * x).sum(), w)
        return gi.detach(), gi.requires_grad, ww

    both(f, rtol=1e-5, atol=1e-5)


def test_conv_grad_no_graph_without_grad():
    def f(T):
        x, w, go, kw = _conv_case(T, 2)
        return T.nn.grad.conv2d_weight(x, w.shape, go, **kw).requires_grad

    both(f)


def test_conv_grad_shape_mismatch_is_runtime_error():
    for T in (torch, jaxtorch):
        x, w, go, kw = _conv_case(T, 2)
        with pytest.raises(RuntimeError):
            T.nn.grad.conv2d_input(x.shape, w, T.ones(2, 6, 1, 1), **kw)


def test_functional_grad_is_nn_grad():
    assert jaxtorch.nn.functional.grad is jaxtorch.nn.grad
    assert torch.nn.functional.grad is torch.nn.grad


# ------------------------------------------------------------------------------------------ re-exported classes
def test_channelshuffle_path():
    mod = _mod(jaxtorch, "torch.nn.modules.channelshuffle")
    assert mod.ChannelShuffle is jaxtorch.nn.ChannelShuffle
    assert mod.__all__ == _mod(torch, "torch.nn.modules.channelshuffle").__all__

    def f(T):
        x = T.arange(16.0).reshape(1, 4, 2, 2)
        m = _mod(T, "torch.nn.modules.channelshuffle").ChannelShuffle(2)
        return m(x), repr(m)

    both(f)


def test_linear_cross_entropy_paths():
    opts = _mod(jaxtorch, "torch.nn.modules.linear_cross_entropy_options")
    assert opts.LinearCrossEntropyOptions is jaxtorch.nn.LinearCrossEntropyOptions
    for name in ("torch.nn.modules.linear_cross_entropy", "torch.nn.modules.linear_cross_entropy_options"):
        assert _mod(jaxtorch, name).__all__ == _mod(torch, name).__all__


def test_backends_thnn():
    both(lambda T: _mod(T, "torch.nn.backends.thnn")._get_thnn_function_backend())


def test_cpp_wrappers_are_standins():
    cpp = _mod(jaxtorch, "torch.nn.cpp")
    assert issubclass(cpp.ModuleWrapper, jaxtorch.nn.Module)
    assert issubclass(_mod(torch, "torch.nn.cpp").ModuleWrapper, torch.nn.Module)
    for cls in (cpp.ModuleWrapper, cpp.OrderedDictWrapper):
        with pytest.raises(NotImplementedError, match="C\\+\\+ frontend"):
            cls(None)


# ------------------------------------------------------------------------------------------ torch.nn.parallel
T2 = np.arange(6.0, dtype=np.float32).reshape(3, 2)


def _comm(T):
    return _mod(T, "torch.nn.parallel.comm")


@pytest.mark.parametrize(
    "call",
    [
        lambda T, t: _comm(T).broadcast(t, ["cpu"]),
        lambda T, t: _comm(T).broadcast(t),
        lambda T, t: _comm(T).broadcast(t, [0], out=[t]),
        lambda T, t: _comm(T).broadcast_coalesced([t], ["cpu"]),
        lambda T, t: _comm(T).reduce_add([t, t]),
        lambda T, t: _comm(T).reduce_add([t, t], 0),
        lambda T, t: _comm(T).reduce_add_coalesced([[t], [t]]),
        lambda T, t: _comm(T).scatter(t, ["cpu", "cpu"]),
        lambda T, t: _comm(T).scatter(t, [0], out=[T.zeros(3, 2)]),
        lambda T, t: _comm(T).scatter(t, chunk_sizes=[3], out=[T.zeros(3, 2)]),
        lambda T, t: _comm(T).scatter(t),
        lambda T, t: _comm(T).gather([t, t], destination="cpu", out=T.zeros(6, 2)),
        lambda T, t: _mod(T, "torch.nn.parallel.scatter_gather").scatter(t, ["cpu"]),
        lambda T, t: _mod(T, "torch.nn.parallel.scatter_gather").scatter_kwargs((t,), {}, ["cpu"]),
        lambda T, t: _mod(T, "torch.nn.parallel.scatter_gather").gather([t, t], "cpu"),
        lambda T, t: _mod(T, "torch.nn.parallel.scatter_gather").gather([{"a": t}, {"a": t}], 0),
        lambda T, t: _mod(T, "torch.nn.parallel.scatter_gather").gather([(t, 1), (t, 2)], "cpu"),
        lambda T, t: _mod(T, "torch.nn.parallel.scatter_gather").gather([{"a": t}, {"a": t, "b": t}], "cpu"),
        lambda T, t: _mod(T, "torch.nn.parallel.scatter_gather").gather([1, 2], "cpu"),
    ],
)
def test_parallel_errors_on_cpu(call):
    """Errors torch raises whatever its build (argument checks, CPU tensors or a 'cpu' device refused)."""
    same_error(lambda T: call(T, T.tensor(T2)))


def test_cuda_targets_without_gpu():
    # torch's CPU build fails here with an AttributeError (no CUDA bindings); jaxtorch says there is no GPU
    t = jaxtorch.tensor(T2)
    sg = _mod(jaxtorch, "torch.nn.parallel.scatter_gather")
    for call in (
        lambda: _comm(jaxtorch).broadcast(t, [0]),
        lambda: _comm(jaxtorch).scatter(t, [0, 1]),
        lambda: sg.scatter(t, [0, 1]),
    ):
        with pytest.raises(RuntimeError, match="GPU"):
            call()


class _Point(typing.NamedTuple):
    x: int
    y: str


@pytest.mark.parametrize("obj", [(1, "a", {"x": 2}), [1, 2], (), [], {"k": [3, 4]}, _Point(1, "p"), None, 7])
def test_scatter_non_tensor_structures(obj):
    both(lambda T: _mod(T, "torch.nn.parallel.scatter_gather").scatter(obj, [0, 1, 2]))


@pytest.mark.parametrize("args", [((1,), {"a": 2}), ((), None), ((1, 2), {}), ((), {"a": 1})])
def test_scatter_kwargs_non_tensor(args):
    both(lambda T: _mod(T, "torch.nn.parallel.scatter_gather").scatter_kwargs(*args, [0, 1]))


def test_gather_nones_and_empty_dicts():
    both(
        lambda T: (
            _mod(T, "torch.nn.parallel.scatter_gather").gather([None, None], "cpu"),
            _mod(T, "torch.nn.parallel.scatter_gather").gather([{}, {}], "cpu"),
        )
    )


def test_parallel_package_names():
    for name in ("replicate", "scatter", "gather", "parallel_apply"):
        assert callable(getattr(jaxtorch.nn.parallel, name)) and callable(getattr(torch.nn.parallel, name))
    assert jaxtorch.nn.parallel.scatter is _mod(jaxtorch, "torch.nn.parallel.scatter_gather").scatter
    assert set(torch.nn.parallel.__all__) - {"data_parallel"} <= set(jaxtorch.nn.parallel.__all__)


def test_replicate_on_cpu():
    same_error(lambda T: _mod(T, "torch.nn.parallel.replicate").replicate(T.nn.Linear(2, 2), [0]))
    same_error(lambda T: _mod(T, "torch.nn.parallel.replicate").replicate(T.nn.Linear(2, 2), ["cpu"]))
    same_error(lambda T: _mod(T, "torch.nn.parallel.replicate").replicate(T.nn.ReLU(), ["cpu"]))

    def empty_and_parameterless(T):
        rep = _mod(T, "torch.nn.parallel.replicate").replicate
        net = T.nn.Sequential(T.nn.ReLU(), T.nn.Tanh())
        replicas = rep(net, [0, 1])
        return (
            rep(T.nn.Linear(2, 2), []),
            [repr(r) for r in replicas],
            replicas[0] is not net,
            replicas[0] is not replicas[1],
            replicas[0][1] is not net[1],
            len(list(replicas[0].parameters())),
        )

    both(empty_and_parameterless)


@pytest.mark.parametrize(
    "call",
    [
        lambda pa, m, x: pa.parallel_apply([m, m], [(x,)]),
        lambda pa, m, x: pa.parallel_apply([m, m], [(x,), (x,)], [{}]),
        lambda pa, m, x: pa.parallel_apply([m, m], [(x,), (x,)], None, [0]),
        lambda pa, m, x: pa.parallel_apply([m], [x]),
        lambda pa, m, x: pa.parallel_apply([m, m], [(x,), (x,)], None, ["cpu", "cpu"]),
        lambda pa, m, x: pa.parallel_apply([m], [(x,)], [{}], [None]),
        lambda pa, m, x: pa.parallel_apply([], []),
    ],
)
def test_parallel_apply_on_cpu(call):
    same_error(lambda T: call(_mod(T, "torch.nn.parallel.parallel_apply"), T.nn.Linear(2, 2), T.tensor(T2)))


@pytest.mark.parametrize("obj", [[1, (T2,)], {"a": T2}, {"k": [1, T2]}, [1, "x"], (None,), 3])
def test_get_a_var(obj):
    def f(T):
        conv = lambda o: (
            T.tensor(o)
            if isinstance(o, np.ndarray)
            else [conv(v) for v in o]
            if isinstance(o, list)
            else tuple(conv(v) for v in o)
            if isinstance(o, tuple)
            else {k: conv(v) for k, v in o.items()}
            if isinstance(o, dict)
            else o
        )
        return _mod(T, "torch.nn.parallel.parallel_apply").get_a_var(conv(obj))

    both(f)


# ------------------------------------------------------------------------------------------ quantized & co. stand-ins
_QUANT_MODULES = _torch_modules(("torch.nn.quantized", "torch.nn.qat", "torch.nn.intrinsic", "torch.nn.quantizable"))


def _public(mod) -> dict:
    names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
    return {
        n: getattr(mod, n)
        for n in names
        if not isinstance(getattr(mod, n), types.ModuleType)
        and (getattr(getattr(mod, n), "__module__", "") or "").startswith("torch.ao.")
    }


@pytest.mark.parametrize("name", _QUANT_MODULES)
def test_quantized_standins(name):
    tmod, jmod = _mod(torch, name), _mod(jaxtorch, name)
    assert getattr(jmod, "__all__", None) == getattr(tmod, "__all__", None)
    for attr, tobj in _public(tmod).items():
        jobj = getattr(jmod, attr)
        assert isinstance(jobj, type) == isinstance(tobj, type), attr
        if isinstance(tobj, type):
            assert issubclass(jobj, jaxtorch.nn.Module) and issubclass(tobj, torch.nn.Module)
            # the float class torch's subclasses, where jaxtorch has it
            for base in tobj.__mro__[1:]:
                if base.__module__.startswith("torch.nn.modules") and not base.__name__.startswith("_"):
                    if hasattr(jaxtorch.nn, base.__name__):
                        assert issubclass(jobj, getattr(jaxtorch.nn, base.__name__)), (attr, base)
                    break
            with pytest.raises(NotImplementedError, match="quantized"):
                jobj()
        else:
            with pytest.raises(NotImplementedError, match="quantized"):
                jobj(None)


def test_quantized_identities_match_torch():
    """Where torch exposes one class under several paths, jaxtorch's paths give one class too."""
    pairs = [
        ("torch.nn.quantized", "torch.nn.quantized.modules.linear", "Linear"),
        ("torch.nn.quantized", "torch.nn.quantized.modules", "DeQuantize"),
        ("torch.nn.qat", "torch.nn.qat.modules.conv", "Conv2d"),
        ("torch.nn.intrinsic", "torch.nn.intrinsic.modules.fused", "ConvBnReLU2d"),
        ("torch.nn.intrinsic.qat", "torch.nn.intrinsic.qat.modules.conv_fused", "freeze_bn_stats"),
        ("torch.nn.quantized.dynamic", "torch.nn.quantized.dynamic.modules.rnn", "LSTM"),
        ("torch.nn.quantizable", "torch.nn.quantizable.modules.activation", "MultiheadAttention"),
    ]
    for a, b, attr in pairs:
        assert getattr(_mod(torch, a), attr) is getattr(_mod(torch, b), attr)
        assert getattr(_mod(jaxtorch, a), attr) is getattr(_mod(jaxtorch, b), attr)
    assert jaxtorch.nn.quantized.Linear is not jaxtorch.nn.qat.Linear
    assert not isinstance(jaxtorch.nn.Linear(2, 2), jaxtorch.nn.qat.Linear)


def test_nn_namespace_submodules():
    for name in ("common_types", "grad", "intrinsic", "qat", "quantizable", "quantized"):
        assert isinstance(getattr(torch.nn, name), types.ModuleType)
        assert isinstance(getattr(jaxtorch.nn, name), types.ModuleType)
    # torch.nn.utils is the utilities package, not torch.nn.modules.utils
    assert jaxtorch.nn.utils.__name__ == "jaxtorch.nn.utils" and hasattr(jaxtorch.nn.utils, "clip_grad_norm_")
    assert jaxtorch.nn.modules.utils.__name__ == "jaxtorch.nn.modules.utils"
