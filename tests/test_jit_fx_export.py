"""torch.jit, torch.fx, torch.export and torch.onnx on jaxtorch, against real torch.

What has an eager meaning (jit.script/trace return a callable computing the same thing, the decorators, the
symbolic-shape helpers on concrete values, Dim, the ONNX enums) is compared with torch 2.13; what needs TorchScript,
FX graphs or an exporter must raise NotImplementedError naming the torch API, when called and never at import.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import typing
import warnings

import numpy as np
import pytest
import torch
import torch.export
import torch.fx
import torch.fx.experimental.symbolic_shapes as t_shapes
import torch.jit
import torch.onnx
import torch.onnx.symbolic_helper

import jaxtorch
import jaxtorch.fx.experimental.symbolic_shapes as j_shapes
from helpers import assert_close

REPO = pathlib.Path(jaxtorch.__file__).resolve().parent.parent

# torch 2.13 deprecates most of torch.jit (jaxtorch warns alike, see test_deprecation_warnings_match_torch)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def outcome(fn, *args, **kwargs):
    """('ok', value) or ('raise', exception type name, message) of a call, for comparing torch with jaxtorch."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ("ok", fn(*args, **kwargs))
    except Exception as e:  # noqa: BLE001  (the comparison is the point)
        return ("raise", type(e).__name__, str(e))


def raises_unsupported(fn, name, *args, **kwargs):
    with pytest.raises(NotImplementedError, match=name.replace(".", r"\.")):
        fn(*args, **kwargs)


def test_every_module_imports_under_the_shim():
    code = """
import torch.jit, torch.jit.annotations, torch.jit._state, torch.jit._script, torch.jit._trace, torch.jit.frontend
import torch.fx, torch.fx._compatibility, torch.fx._symbolic_trace, torch.fx.node, torch.fx._pytree, torch.fx.graph
import torch.fx.graph_module, torch.fx.proxy, torch.fx.interpreter, torch.fx.subgraph_rewriter
import torch.fx.passes.infra.pass_base, torch.fx.experimental.symbolic_shapes, torch.fx.experimental.proxy_tensor
import torch.export, torch.export._trace, torch.export.decomp_utils, torch.export.dynamic_shapes
import torch.export.exported_program, torch.export.graph_signature, torch.export.unflatten
import torch.onnx, torch.onnx.symbolic_helper, torch.onnx.errors, torch.onnx.utils, torch.onnx.ops
import torch.profiler, torch.autograd.profiler
for v in range(7, 21):
    __import__(f"torch.onnx.symbolic_opset{v}")
from torch.jit import Final
from torch.jit.annotations import List
from torch.fx.experimental.symbolic_shapes import guard_or_false, guard_or_true, GuardOnDataDependentSymNode
from torch.fx.passes.infra.pass_base import PassResult
from torch.export import ExportedProgram, Dim
from torch.export.decomp_utils import CustomDecompTable
from torch.onnx import ONNXProgram
from torch.onnx.symbolic_opset9 import masked_fill, softmax

@torch.fx.wrap
def leaf(x):
    return x

torch.fx.wrap("len")

class Net(torch.nn.Module):
    n: Final[int]

    def __init__(self):
        super().__init__()
        self.n = 2
        self.fc = torch.nn.Linear(3, 2)

    @torch.jit.ignore
    def helper(self):
        return 1

    def forward(self, x):
        if torch.jit.is_scripting() or torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
            raise AssertionError("never true in jaxtorch")
        with torch.profiler.record_function("fc"):
            return leaf(self.fc(x))

net = Net()
x = torch.ones(4, 3)
assert torch.jit.script(net) is net and torch.jit.trace(net, x) is net
assert torch.jit.script(net)(x).shape == (4, 2)
assert torch.jit.__name__ == "jaxtorch.jit" and torch.fx.__name__ == "jaxtorch.fx"
print("ok")
"""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run(
        [sys.executable, "-m", "jaxtorch", "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("ok")


# --- torch.jit -------------------------------------------------------------------------------------------------------


def _pair_of_nets():
    torch.manual_seed(0)
    t_net = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    j_net = jaxtorch.nn.Sequential(jaxtorch.nn.Linear(5, 4), jaxtorch.nn.ReLU(), jaxtorch.nn.Linear(4, 3))
    j_net.load_state_dict({k: jaxtorch.tensor(v.detach().numpy()) for k, v in t_net.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32)
    return t_net, j_net, torch.tensor(x), jaxtorch.tensor(x)


def test_script_module_and_function_compute_the_same():
    t_net, j_net, tx, jx = _pair_of_nets()
    j_scripted = jaxtorch.jit.script(j_net)
    assert j_scripted is j_net  # no TorchScript: the module itself
    assert_close(torch.jit.script(t_net)(tx), j_scripted(jx))

    def fn(a, b):
        return a * 2 + b.sum()

    assert_close(torch.jit.script(fn)(tx, tx), jaxtorch.jit.script(fn)(jx, jx))
    with pytest.warns(FutureWarning, match="`optimize` is deprecated"):
        jaxtorch.jit.script(fn, optimize=True)


def test_trace_returns_a_module_with_the_original_state():
    t_net, j_net, tx, jx = _pair_of_nets()
    t_traced, j_traced = torch.jit.trace(t_net, tx), jaxtorch.jit.trace(j_net, jx)
    assert isinstance(j_traced, jaxtorch.nn.Module)
    assert list(j_traced.state_dict()) == list(t_traced.state_dict()) == list(j_net.state_dict())
    assert j_traced is j_net  # the module itself: its parameters, buffers and hooks are the original's
    for k, v in t_traced.state_dict().items():
        assert_close(v, j_traced.state_dict()[k])
    assert_close(t_traced(tx), j_traced(jx))
    assert jaxtorch.jit.trace(j_net.forward, jx) is j_net  # torch also traces the module for a bound forward
    assert jaxtorch.jit.trace_module(j_net, {"forward": jx}) is j_net

    def fn(a):
        return a.relu()

    assert_close(torch.jit.trace(fn, tx)(tx), jaxtorch.jit.trace(fn, jx)(jx))


@pytest.mark.parametrize(
    "case",
    ["module_without_inputs", "function_without_inputs", "other_method", "not_module", "not_dict", "unknown_method"],
)
def test_trace_errors_match_torch(case):
    t_net, j_net, tx, jx = _pair_of_nets()
    calls = {
        "module_without_inputs": lambda lib, net, x: lib.jit.trace(net),
        "function_without_inputs": lambda lib, net, x: lib.jit.trace(lambda a: a),
        "other_method": lambda lib, net, x: lib.jit.trace(net.state_dict, (x,)),
        "not_module": lambda lib, net, x: lib.jit.trace_module(lambda a: a, {"forward": x}),
        "not_dict": lambda lib, net, x: lib.jit.trace_module(net, x),
        "unknown_method": lambda lib, net, x: lib.jit.trace_module(net, {"nope": x}),
    }
    t_out, j_out = outcome(calls[case], torch, t_net, tx), outcome(calls[case], jaxtorch, j_net, jx)
    assert t_out[0] == "raise"
    assert j_out[:2] == t_out[:2]
    if case != "unknown_method":  # the AttributeError names each library's own class
        assert j_out == t_out


def _warning_messages(fn, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn(*args)
        except Exception:  # noqa: BLE001  (only the warnings matter here)
            pass
    return sorted({(w.category.__name__, str(w.message)) for w in caught})  # torch repeats some of them


def test_deprecation_warnings_match_torch():
    t_net, j_net, tx, jx = _pair_of_nets()

    class Interface:
        def run(self, x: int) -> int:
            pass

    def calls(lib, net, scripted, x):
        return [
            (lib.jit.script, net),
            (lib.jit.trace, net, x),
            (lib.jit.trace_module, net, {"forward": x}),
            (lib.jit.fork, abs, -1),
            (lib.jit.wait, lib.jit.fork(abs, -1)),
            (lib.jit.interface, Interface),
            (lib.jit.set_fusion_strategy, [("STATIC", 2), ("DYNAMIC", 10)]),
            (lib.jit.freeze, scripted.eval()),
            (lib.jit.optimize_for_inference, scripted),
        ]

    t_calls, j_calls = calls(torch, t_net, torch.jit.script(t_net), tx), calls(jaxtorch, j_net, j_net, jx)
    for t_call, j_call in zip(t_calls, j_calls):
        assert _warning_messages(*j_call) == _warning_messages(*t_call), t_call[0]


def test_decorators_return_what_they_decorate():
    def f(x):
        return x + 1

    for name in ("ignore", "unused", "export", "script_if_tracing", "_script_if_tracing"):
        assert getattr(jaxtorch.jit, name)(f)(1) == getattr(torch.jit, name)(f)(1) == 2
    assert jaxtorch.jit.script_method(f) is f  # torch makes a stub that ScriptModule compiles; eagerly: the method

    def declaration(x: int) -> int:
        pass

    for name in ("_overload", "_overload_method"):
        assert getattr(jaxtorch.jit, name)(declaration) is declaration is getattr(torch.jit, name)(declaration)
    assert jaxtorch.jit.ignore(f) is f and jaxtorch.jit.unused(f) is f and jaxtorch.jit.export(f) is f
    assert jaxtorch.jit.ignore(drop=False)(f) is f
    with pytest.warns(FutureWarning, match="ignore\\(True\\) has been deprecated"):
        assert jaxtorch.jit.ignore(drop=True)(f) is f
    assert outcome(jaxtorch.jit.ignore, drop="x") == outcome(torch.jit.ignore, drop="x")

    class Interface:
        def run(self, x: int) -> int:
            pass

    assert jaxtorch.jit.interface(Interface) is Interface is torch.jit.interface(Interface)
    assert outcome(jaxtorch.jit.interface, f) == outcome(torch.jit.interface, f)


def test_eager_queries_and_values():
    assert jaxtorch.jit.is_scripting() is torch.jit.is_scripting() is False
    assert jaxtorch.jit.is_tracing() is torch.jit.is_tracing() is False
    assert jaxtorch.jit.Final is torch.jit.Final is typing.Final
    assert jaxtorch.jit.annotate(typing.List[int], [1]) == torch.jit.annotate(typing.List[int], [1]) == [1]
    assert repr(jaxtorch.jit.Attribute(3, int)) == repr(torch.jit.Attribute(3, int))
    assert jaxtorch.jit.Attribute(3, int).value == 3
    assert issubclass(jaxtorch.jit.TracerWarning, Warning) and issubclass(jaxtorch.jit.Error, Exception)
    assert jaxtorch.jit._unwrap_optional(3) == 3
    assert outcome(jaxtorch.jit._unwrap_optional, None) == outcome(torch.jit._unwrap_optional, None)

    class WithFinal(jaxtorch.nn.Module):
        size: jaxtorch.jit.Final[int]

        def __init__(self):
            super().__init__()
            self.size = 4

    assert WithFinal().size == 4


def test_annotations_module():
    A, TA = jaxtorch.jit.annotations, torch.jit.annotations
    for name in ("Any", "List", "Dict", "Tuple", "Optional", "Union"):
        assert getattr(A, name) is getattr(TA, name)
    assert A.BroadcastingList2[int] is TA.BroadcastingList2[int] is None
    anns = [
        typing.List[int],
        list[int],
        typing.Tuple[int, str],
        tuple[int],
        typing.Dict[str, int],
        dict[str, int],
        typing.Optional[int],
        int | None,
        typing.Union[int, str],
        int | str,
        int,
        list,
        tuple,
        dict,
        typing.List,
        typing.Tuple,
        typing.Dict,
        typing.Optional,
        typing.Union,
    ]
    for pred in ("is_list", "is_tuple", "is_dict", "is_optional", "is_union"):
        for ann in anns:
            assert outcome(getattr(A, pred), ann) == outcome(getattr(TA, pred), ann), (pred, ann)
    raises_unsupported(A.get_signature, "torch.jit.annotations.get_signature", None, None, None, None)


def test_jit_isinstance_matches_torch():
    cases = [
        ([1, 2], typing.List[int]),
        ([1, "a"], typing.List[int]),
        ({"a": 1}, typing.Dict[str, int]),
        ({"a": "b"}, typing.Dict[str, int]),
        ((1, 2.0), typing.Tuple[int, float]),
        ((1,), typing.Tuple[int, int]),
        (None, typing.Optional[int]),
        (3, typing.Optional[int]),
        ("s", typing.Optional[int]),
        (3, int),
        (True, int),
        (3, (int, str)),
        ([], typing.List[int]),
        (3, typing.Union[int, str]),
        (3.0, int | str),
        ([[1], [2]], typing.List[typing.List[int]]),
        ([1], list),
        ({}, dict),
        ((1, 2), typing.Tuple[int, ...]),
        ([1], typing.Optional[typing.List[int]]),
        ({"a": [1]}, typing.Dict[str, typing.List[int]]),
        (3, [int]),
        (3, typing.Optional),
    ]
    for obj, ann in cases:
        assert outcome(jaxtorch.jit.isinstance, obj, ann) == outcome(torch.jit.isinstance, obj, ann), (obj, ann)
    for lib in (torch, jaxtorch):
        x = lib.ones(2)
        assert lib.jit.isinstance([x], typing.List[lib.Tensor]) and lib.jit.isinstance(x, lib.Tensor)
        assert not lib.jit.isinstance([x, 1], typing.List[lib.Tensor])
    with pytest.warns(UserWarning, match="inner type of a container is lost"):
        jaxtorch.jit.isinstance([], typing.List[int])


def test_fork_wait_and_future():
    for lib in (torch, jaxtorch):
        fut = lib.jit.fork(lambda a, b: a + b, 1, b=2)
        assert fut.done() and fut.wait() == 3 and fut.value() == 3 and lib.jit.wait(fut) == 3
        assert fut.then(lambda f: f.value() * 10).wait() == 30
        seen = []
        fut.add_done_callback(lambda f: seen.append(f.value()))
        assert seen == [3]
        pending = lib.jit.Future()
        chained = pending.then(lambda f: f.value() + 1)
        assert not pending.done() and not chained.done()
        pending.set_result(4)
        assert chained.wait() == 5
    assert issubclass(jaxtorch.jit.Future, jaxtorch.futures.Future)
    assert issubclass(torch.jit.Future, torch.futures.Future)

    def boom():
        raise ValueError("boom")

    assert outcome(jaxtorch.jit.fork, boom) == outcome(torch.jit.fork, boom)


def test_freeze_and_optimize_for_inference():
    t_net, j_net, tx, jx = _pair_of_nets()
    t_scripted = torch.jit.script(t_net)
    assert outcome(jaxtorch.jit.freeze, j_net) == outcome(torch.jit.freeze, t_scripted)  # training mode
    j_net.eval()
    with pytest.warns(DeprecationWarning, match="torch.jit.freeze"):
        assert jaxtorch.jit.freeze(j_net) is j_net
    assert_close(torch.jit.freeze(t_scripted.eval())(tx), jaxtorch.jit.freeze(j_net)(jx))
    j_net.train()
    assert jaxtorch.jit.optimize_for_inference(j_net) is j_net and not j_net.training
    assert outcome(jaxtorch.jit.freeze, lambda a: a) == outcome(torch.jit.freeze, lambda a: a)


def test_fuser_settings():
    previous = torch.jit.set_fusion_strategy([("STATIC", 2), ("DYNAMIC", 10)])
    try:
        for strategy in ([("DYNAMIC", 3)], [("STATIC", 1), ("DYNAMIC", 2)], [("FOO", 1)]):
            assert outcome(jaxtorch.jit.set_fusion_strategy, strategy) == outcome(
                torch.jit.set_fusion_strategy, strategy
            )
        assert outcome(jaxtorch.jit.set_fusion_strategy, [("STATIC", "x")])[1] == "TypeError"
    finally:
        torch.jit.set_fusion_strategy(previous)
        jaxtorch.jit.set_fusion_strategy([("STATIC", 2), ("DYNAMIC", 10)])
    jaxtorch.jit.enable_onednn_fusion(True)
    assert jaxtorch.jit.onednn_fusion_enabled()
    jaxtorch.jit.enable_onednn_fusion(False)
    assert jaxtorch.jit.onednn_fusion_enabled() is torch.jit.onednn_fusion_enabled() is False

    def use_fuser(lib, name):
        with lib.jit.fuser(name):
            return "entered"

    for name in ("fuser1", "none", "bogus"):
        assert outcome(use_fuser, jaxtorch, name) == outcome(use_fuser, torch, name)
    with pytest.warns(UserWarning, match="Only works in script mode"), jaxtorch.jit.strict_fusion():
        pass


def test_torchscript_only_parts_are_unsupported_when_used():
    _, j_net, _, _ = _pair_of_nets()
    raises_unsupported(jaxtorch.jit.save, "torch.jit.save", j_net, "m.pt")
    raises_unsupported(jaxtorch.jit.load, "torch.jit.load", "m.pt")
    raises_unsupported(jaxtorch.jit.ScriptModule, "torch.jit.ScriptModule")
    raises_unsupported(jaxtorch.jit.CompilationUnit, "torch.jit.CompilationUnit")
    raises_unsupported(jaxtorch.jit.export_opnames, "torch.jit.export_opnames", j_net)
    raises_unsupported(jaxtorch.jit.frontend.get_jit_def, "torch.jit.frontend.get_jit_def", None, "f")
    assert not isinstance(
        j_net, (jaxtorch.jit.ScriptModule, jaxtorch.jit.RecursiveScriptModule, jaxtorch.jit.TracedModule)
    )
    assert issubclass(jaxtorch.jit.RecursiveScriptModule, jaxtorch.jit.ScriptModule)
    assert issubclass(jaxtorch.jit.ScriptModule, jaxtorch.nn.Module) and issubclass(
        torch.jit.ScriptModule, torch.nn.Module
    )

    class OldStyle(jaxtorch.jit.ScriptModule):  # defining a subclass (at import) works; making one fails
        pass

    raises_unsupported(OldStyle, "torch.jit.ScriptModule")


def test_jit_state_switch():
    _, j_net, _, jx = _pair_of_nets()
    assert bool(jaxtorch.jit._state._enabled)
    jaxtorch.jit._state.disable()
    try:
        assert not jaxtorch.jit._state._enabled and jaxtorch.jit.trace(j_net, jx) is j_net
    finally:
        jaxtorch.jit._state.enable()
    assert bool(jaxtorch.jit._state._enabled)


# --- torch.fx --------------------------------------------------------------------------------------------------------


def _module_level(lib, source):
    namespace = {"lib": lib}
    exec(compile(source, "<module-level>", "exec"), namespace)
    return namespace


def test_fx_wrap_matches_torch():
    source = "def f(x):\n    return x\nby_name = lib.fx.wrap('len')\nby_fn = lib.fx.wrap(f)\nsame = by_fn is f\n"
    t_ns, j_ns = _module_level(torch, source), _module_level(jaxtorch, source)
    assert j_ns["by_name"] == t_ns["by_name"] == "len" and j_ns["same"] and t_ns["same"]

    def nested(lib):
        return lib.fx.wrap("len")

    assert outcome(nested, jaxtorch) == outcome(nested, torch)
    assert outcome(_module_level, jaxtorch, "lib.fx.wrap(3)") == outcome(_module_level, torch, "lib.fx.wrap(3)")


def test_fx_graph_classes_are_unsupported_and_never_match():
    net = jaxtorch.nn.Linear(2, 2)
    for name in ("GraphModule", "Graph", "Node", "Proxy", "Tracer", "Interpreter", "Transformer"):
        cls = getattr(jaxtorch.fx, name)
        assert not isinstance(net, cls) and not isinstance(jaxtorch.ones(1), cls)
        raises_unsupported(cls, f"torch.fx.{name}")
    assert issubclass(jaxtorch.fx.GraphModule, jaxtorch.nn.Module) and issubclass(torch.fx.GraphModule, torch.nn.Module)
    raises_unsupported(jaxtorch.fx.symbolic_trace, "torch.fx.symbolic_trace", net)
    raises_unsupported(jaxtorch.fx.replace_pattern, "replace_pattern", None, None, None)
    import jaxtorch.fx.experimental.proxy_tensor as proxy_tensor

    raises_unsupported(proxy_tensor.make_fx, "make_fx", lambda x: x)
    assert proxy_tensor.get_proxy_mode() is None and proxy_tensor.py_sym_types == ()


def test_fx_helpers():
    def f(x):
        return x

    for lib in (torch, jaxtorch):
        assert lib.fx._compatibility.compatibility(is_backward_compatible=True)(f) is f
        assert lib.fx._compatibility.compatibility(is_backward_compatible=False)(f) is f
        assert lib.fx._symbolic_trace.is_fx_tracing() is False
        assert lib.fx.has_side_effect(f) is f
    assert jaxtorch.fx._symbolic_trace.is_fx_symbolic_tracing() is False
    assert jaxtorch.fx.node.Argument is not None and jaxtorch.fx.node.Target is not None

    from torch.fx.passes.infra.pass_base import PassBase as TBase, PassResult as TResult

    from jaxtorch.fx.passes.infra.pass_base import PassBase as JBase, PassResult as JResult

    assert repr(JResult("gm", True)) == repr(TResult("gm", True))
    assert JResult._fields == TResult._fields and JResult("gm", False).modified is False

    def run_pass(base, result):
        class Count(base):
            def __init__(self):
                self.calls = []

            def requires(self, gm):
                self.calls.append("requires")

            def call(self, gm):
                self.calls.append("call")
                return result(gm, True)

            def ensures(self, gm):
                self.calls.append("ensures")

        p = Count()
        return tuple(p("gm")), p.calls

    assert run_pass(JBase, JResult) == run_pass(TBase, TResult)
    with pytest.raises(TypeError):
        JBase()  # abstract, as in torch


_SCALARS = [True, False, 0, 3, 2.5, None, "a", [1, 2], (1, 2.0), {"a": 1}, 1 + 2j, [], ((1,), [2])]


def _same_helper_results(name, values, convert=lambda v: v):
    for value in values:
        t_out, j_out = outcome(getattr(t_shapes, name), value), outcome(getattr(j_shapes, name), value)
        if t_out[0] == "ok":
            t_out = ("ok", convert(t_out[1]))
        if j_out[0] == "ok":
            j_out = ("ok", convert(j_out[1]))
        assert j_out == t_out, (name, value)
        if t_out[0] == "ok":
            assert type(j_out[1]) is type(t_out[1]), (name, value)


@pytest.mark.parametrize(
    "name",
    [
        "guard_or_false",
        "guard_or_true",
        "statically_known_true",
        "statically_known_false",
        "guard_size_oblivious",
        "guard_bool",
        "expect_true",
        "guard_int",
        "guard_float",
        "guard_scalar",
        "is_concrete_int",
        "is_concrete_bool",
        "is_concrete_float",
        "has_static_value",
        "is_nested_int",
        "guarding_hint_or_throw",
        "optimization_hint",
        "canonicalize_bool_expr",
        "has_free_symbols",
        "has_free_unbacked_symbols",
    ],
)
def test_symbolic_shapes_on_concrete_values(name):
    _same_helper_results(name, _SCALARS)


@pytest.mark.parametrize("name", ["free_symbols", "free_unbacked_symbols"])
def test_free_symbols_are_empty(name):
    _same_helper_results(name, _SCALARS, convert=lambda s: sorted(s))
    for lib, mod in ((torch, t_shapes), (jaxtorch, j_shapes)):
        assert len(getattr(mod, name)(lib.ones(2, 3))) == 0
        assert len(getattr(mod, name)([lib.ones(2), 3, {"k": lib.zeros(1)}])) == 0


def test_symbolic_shapes_on_tensors():
    for t_value, j_value in (
        (torch.tensor(True), jaxtorch.tensor(True)),
        (torch.tensor(3), jaxtorch.tensor(3)),
        (torch.ones(2), jaxtorch.ones(2)),
    ):
        for name in (
            "guard_or_false",
            "guard_or_true",
            "statically_known_true",
            "is_concrete_int",
            "guard_int",
            "guard_scalar",
            "has_static_value",
            "has_free_symbols",
            "has_symbolic_sizes_strides",
            "is_nested_int",
        ):
            t_out, j_out = outcome(getattr(t_shapes, name), t_value), outcome(getattr(j_shapes, name), j_value)
            assert j_out[0] == t_out[0] and j_out[1] == t_out[1], (name, t_value)
    assert outcome(j_shapes.has_symbolic_sizes_strides, 3) == outcome(t_shapes.has_symbolic_sizes_strides, 3)


def test_sym_eq_and_or_and_checks():
    pairs = [
        (1, 1),
        (1, 2),
        (True, False),
        ([1, 2], [1, 2]),
        ((1, 2), (1, 3)),
        ([1], [1, 2]),
        (3, 4),
        ([1, [2, 3]], [1, [2, 3]]),
        ("a", "a"),
    ]
    for name in ("sym_eq", "sym_and", "sym_or"):
        for a, b in pairs:
            assert outcome(getattr(j_shapes, name), a, b) == outcome(getattr(t_shapes, name), a, b), (name, a, b)
    assert j_shapes.sym_and(True) is True and j_shapes.sym_or(0, 0, 5) == t_shapes.sym_or(0, 0, 5)
    for new, old in ((1, 1), (1, 2), (2.0, 2), (1, True), (True, 3)):
        assert outcome(j_shapes.check_consistent, new, old) == outcome(t_shapes.check_consistent, new, old)
    assert (
        outcome(j_shapes.check_consistent, jaxtorch.ones(2, 3), jaxtorch.ones(2, 4))[:2]
        == outcome(t_shapes.check_consistent, torch.ones(2, 3), torch.ones(2, 4))[:2]
    )
    for args, kwargs in (
        ((5,), {"min": 6}),
        ((5,), {"min": 0, "max": 9}),
        ((5,), {"min": 3, "max": 2}),
        ((5,), {"min": None, "max": 4}),
    ):
        assert outcome(j_shapes.constrain_range, *args, **kwargs) == outcome(t_shapes.constrain_range, *args, **kwargs)
    assert outcome(j_shapes.constrain_unify, 2, 3) == outcome(t_shapes.constrain_unify, 2, 3)
    err = j_shapes.GuardOnDataDependentSymNode("cond", "message")
    assert isinstance(err, RuntimeError) and err.cond == "cond" and str(err) == "message"
    assert (j_shapes.SHAPEENV_EVENT_KEY, j_shapes.CURRENT_NODE_KEY) == (
        t_shapes.SHAPEENV_EVENT_KEY,
        t_shapes.CURRENT_NODE_KEY,
    )
    raises_unsupported(j_shapes.ShapeEnv, "torch.fx.experimental.symbolic_shapes.ShapeEnv")


def test_fx_pytree_flatten_spec():
    pytree = pytest.importorskip(
        "jaxtorch.utils._pytree", reason="jaxtorch.utils._pytree (torch.utils._pytree) is not in this checkout yet"
    )
    import torch.fx._pytree as t_fx_pytree
    import torch.utils._pytree as t_pytree

    from jaxtorch.fx import _pytree as j_fx_pytree

    value = {"a": 1, "b": (2, [3, 4])}
    bigger = {"a": 1, "b": (2, [3, 4, 5]), "c": 9}
    _, t_spec = t_pytree.tree_flatten(value)
    _, j_spec = pytree.tree_flatten(value)
    assert j_fx_pytree.tree_flatten_spec(value, j_spec) == t_fx_pytree.tree_flatten_spec(value, t_spec)
    assert j_fx_pytree.tree_flatten_spec(bigger, j_spec) == t_fx_pytree.tree_flatten_spec(bigger, t_spec)


# --- torch.export ----------------------------------------------------------------------------------------------------


def _dim_cases(lib):
    D = lib.export.Dim
    batch = D("batch", min=1, max=64)
    return {
        "named": lambda: batch,
        "default": lambda: D("x"),
        "min2": lambda: D("y", min=2),
        "min3": lambda: D("y", min=3),
        "max": lambda: D("y", max=5),
        "both": lambda: D("y", min=2, max=5),
        "min0": lambda: D("y", min=0),
        "neg_min": lambda: D("a", min=-1),
        "derived": lambda: 2 * batch + 1,
        "minus": lambda: batch - 1,
        "plus": lambda: batch + 3,
        "nested": lambda: 3 * (batch + 1),
        "times1": lambda: batch * 1,
        "unbounded": lambda: 2 * D("u") + 4,
        "derived_neg": lambda: (D("z", min=0, max=9) - 1).min,
        "bad_range": lambda: D("a", min=5, max=5),
        "bad_name": lambda: D("1a"),
        "add_float": lambda: batch + 1.0,
        "negate": lambda: 1 - batch,
        "times0": lambda: batch * 0,
        "times_neg": lambda: -2 * batch,
        "hint_auto": lambda: D.AUTO,
        "hint_static": lambda: D.STATIC,
        "hint_dynamic": lambda: D.DYNAMIC,
        "hint_bounded": lambda: D.AUTO(min=1, max=8),
        "hint_recall": lambda: D.AUTO(min=3)(min=1),
        "hint_bad": lambda: D.DYNAMIC(min=5, max=3),
        "hint_neg": lambda: D.STATIC(min=-1),
        "dims": lambda: lib.export.dims("a", "b", min=2, max=9),
    }


def _describe(value):
    if isinstance(value, tuple):
        return tuple(_describe(v) for v in value)
    if hasattr(value, "__name__") and hasattr(value, "min"):
        return (repr(value), value.__name__, repr(value.min), repr(value.max))
    return repr(value)


def test_dim_values_match_torch():
    t_cases, j_cases = _dim_cases(torch), _dim_cases(jaxtorch)
    for name in t_cases:
        t_out, j_out = outcome(t_cases[name]), outcome(j_cases[name])
        if t_out[0] == "ok":
            t_out, j_out = ("ok", _describe(t_out[1])), ("ok", _describe(j_out[1]) if j_out[0] == "ok" else j_out)
        else:
            t_out = (
                *t_out[:2],
                t_out[2].replace("torch.export.dynamic_shapes._DimHint", "jaxtorch.export.dynamic_shapes._DimHint"),
            )
        assert j_out == t_out, name
    D, TD = jaxtorch.export.Dim, torch.export.Dim
    assert D.AUTO == D.AUTO and D.AUTO != D.STATIC and (D.AUTO == D.AUTO(min=1)) == (TD.AUTO == TD.AUTO(min=1))
    assert D.AUTO.type.name == TD.AUTO.type.name and D("x").max > 2**62 and not D("x").max < 0
    derived = 2 * D("s") + 1
    assert derived.root.__name__ == "s" and derived.fn(3) == 7


def _module_with_nested_inputs(lib):
    class Net(lib.nn.Module):
        def forward(self, x, others, scale=1.0, *, extra=None):
            return x

    return Net()


def test_shapes_collection_matches_torch():
    def build(lib):
        x, y, z, w = lib.ones(2, 3), lib.ones(4), lib.ones(5), lib.ones(1)
        batch = lib.export.Dim("batch", min=1, max=64)
        sc = lib.export.ShapesCollection()
        sc[x] = (batch, batch + 1)
        sc[y] = {0: lib.export.Dim.AUTO}
        sc[w][0] = lib.export.Dim.DYNAMIC
        assert len(sc) == 3
        shapes = sc.dynamic_shapes(_module_with_nested_inputs(lib), (x, [y, z]), {"extra": {"w": w, "n": 3}})
        return _describe_tree(shapes)

    assert build(jaxtorch) == build(torch)

    def missing(lib):
        sc = lib.export.ShapesCollection()
        sc[lib.ones(2)] = {0: lib.export.Dim.AUTO}
        return sc.dynamic_shapes(_module_with_nested_inputs(lib), (lib.ones(2), []))

    assert outcome(missing, jaxtorch) == outcome(missing, torch)

    def conflict(lib):
        sc, x = lib.export.ShapesCollection(), lib.ones(2)
        sc[x] = {0: lib.export.Dim.AUTO}
        sc[x] = {0: lib.export.Dim.STATIC}

    assert outcome(conflict, jaxtorch) == outcome(conflict, torch)
    t_err, j_err = (
        outcome(torch.export.ShapesCollection().__setitem__, 3, {}),
        outcome(jaxtorch.export.ShapesCollection().__setitem__, 3, {}),
    )
    assert j_err == t_err


def _describe_tree(tree):
    if isinstance(tree, dict):
        return {k: _describe_tree(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree).__name__, [_describe_tree(v) for v in tree]
    return repr(tree)


def test_additional_inputs_match_torch():
    def build(lib):
        ai = lib.export.AdditionalInputs()
        ai.add((lib.ones(3, 4), [lib.ones(5)]), {"scale": 2.0})
        ai.add((lib.ones(6, 4), [lib.ones(5)]), {"scale": 2.0})
        shapes = ai.dynamic_shapes(_module_with_nested_inputs(lib), (lib.ones(2, 4), [lib.ones(5)]), {"scale": 2.0})
        return _describe_tree(shapes)

    assert build(jaxtorch) == build(torch)

    def differing_value(lib):
        ai = lib.export.AdditionalInputs()
        ai.add((lib.ones(2), [lib.ones(1)]), {"scale": 3.0})
        return ai.dynamic_shapes(_module_with_nested_inputs(lib), (lib.ones(2), [lib.ones(1)]), {"scale": 2.0})

    assert outcome(differing_value, jaxtorch) == outcome(differing_value, torch)
    assert outcome(jaxtorch.export.AdditionalInputs().add, [1]) == outcome(torch.export.AdditionalInputs().add, [1])


def test_export_entry_points_are_unsupported():
    net, x = jaxtorch.nn.Linear(2, 2), jaxtorch.ones(1, 2)
    raises_unsupported(jaxtorch.export.export, "torch.export.export", net, (x,))
    raises_unsupported(jaxtorch.export.draft_export, "torch.export.draft_export", net, (x,))
    raises_unsupported(jaxtorch.export.save, "torch.export.save", None, "f.pt2")
    raises_unsupported(jaxtorch.export.load, "torch.export.load", "f.pt2")
    raises_unsupported(jaxtorch.export.unflatten, "torch.export.unflatten", None)
    raises_unsupported(jaxtorch.export.default_decompositions, "torch.export.default_decompositions")
    raises_unsupported(jaxtorch.export._trace._export, "torch.export._trace._export", net, (x,))
    for name in ("ExportedProgram", "ExportGraphSignature", "ModuleCallSignature", "CustomDecompTable"):
        cls = getattr(jaxtorch.export, name)
        assert not isinstance(net, cls)
        with pytest.raises(NotImplementedError, match=name):
            cls()
    assert jaxtorch.export.decomp_utils.CustomDecompTable is jaxtorch.export.CustomDecompTable
    assert jaxtorch.export.PassResult is jaxtorch.fx.passes.infra.pass_base.PassResult
    for name in torch.export.__all__:
        assert hasattr(jaxtorch.export, name), name


def test_register_dataclass():
    pytree = pytest.importorskip(
        "jaxtorch.utils._pytree", reason="jaxtorch.utils._pytree (torch.utils._pytree) is not in this checkout yet"
    )
    import dataclasses

    @dataclasses.dataclass
    class Inputs:
        feature: object
        bias: int

    jaxtorch.export.register_dataclass(Inputs, serialized_type_name="test.Inputs")
    leaves, _ = pytree.tree_flatten(Inputs(jaxtorch.ones(2), 3))
    assert len(leaves) == 2 and leaves[1] == 3


# --- torch.onnx ------------------------------------------------------------------------------------------------------


def test_onnx_queries_and_enums():
    assert jaxtorch.onnx.is_in_onnx_export() is torch.onnx.is_in_onnx_export() is False
    for name in ("TrainingMode", "OperatorExportTypes", "TensorProtoDataType", "JitScalarType"):
        t_enum, j_enum = getattr(torch.onnx, name), getattr(jaxtorch.onnx, name)
        t_members = sorted(
            (k, int(v.value) if name == "JitScalarType" else int(v)) for k, v in t_enum.__members__.items()
        )
        assert sorted((k, int(v.value)) for k, v in j_enum.__members__.items()) == t_members, name
    for member in ("EVAL", "TRAINING", "PRESERVE"):
        t_member, j_member = getattr(torch.onnx.TrainingMode, member), getattr(jaxtorch.onnx.TrainingMode, member)
        assert (str(j_member), repr(j_member), int(j_member)) == (str(t_member), repr(t_member), int(t_member))
    assert (jaxtorch.onnx.TrainingMode.EVAL == 0) is (torch.onnx.TrainingMode.EVAL == 0) is False
    t_table, j_table = (
        torch.onnx.symbolic_helper.cast_pytorch_to_onnx,
        jaxtorch.onnx.symbolic_helper.cast_pytorch_to_onnx,
    )
    assert {k: int(v) for k, v in j_table.items()} == {k: int(v) for k, v in t_table.items()}
    assert jaxtorch.onnx.symbolic_helper.scalar_name_to_pytorch == torch.onnx.symbolic_helper.scalar_name_to_pytorch
    assert [int(v) for v in jaxtorch.onnx.symbolic_helper.scalar_type_to_onnx] == [
        int(v) for v in torch.onnx.symbolic_helper.scalar_type_to_onnx
    ]
    assert (jaxtorch.onnx.producer_name, jaxtorch.onnx.producer_version) == (
        torch.onnx.producer_name,
        torch.onnx.producer_version,
    )


def test_onnx_exporter_is_unsupported_but_importable():
    net = jaxtorch.nn.Linear(2, 2)
    raises_unsupported(jaxtorch.onnx.export, "torch.onnx.export", net, (jaxtorch.ones(1, 2),), "m.onnx")
    raises_unsupported(jaxtorch.onnx.ONNXProgram, "torch.onnx.ONNXProgram")
    raises_unsupported(jaxtorch.onnx.ops.rotary_embedding, "torch.onnx.ops.rotary_embedding")
    assert issubclass(jaxtorch.onnx.ExportableModule, jaxtorch.nn.Module)
    assert issubclass(jaxtorch.onnx.errors.SymbolicValueError, jaxtorch.onnx.OnnxExporterError)
    assert issubclass(jaxtorch.onnx.OnnxExporterError, RuntimeError)
    assert not hasattr(jaxtorch.onnx, "dynamo_export") and not hasattr(torch.onnx, "dynamo_export")
    for name in torch.onnx.__all__:
        assert hasattr(jaxtorch.onnx, name), name


def test_onnx_symbolic_modules():
    import importlib
    import types

    for module in ["symbolic_helper"] + [f"symbolic_opset{v}" for v in range(7, 21)]:
        t_mod, j_mod = (
            importlib.import_module(f"torch.onnx.{module}"),
            importlib.import_module(f"jaxtorch.onnx.{module}"),
        )
        t_names = {n for n in dir(t_mod) if isinstance(getattr(t_mod, n), types.FunctionType) and n[:2] != "__"}
        assert t_names <= set(dir(j_mod)), module
        assert j_mod.__all__ == t_mod.__all__ == []
    from jaxtorch.onnx.symbolic_opset9 import masked_fill

    raises_unsupported(masked_fill, "torch.onnx.symbolic_opset9.masked_fill", None, None, None, None)
    with pytest.raises(AttributeError):
        jaxtorch.onnx.symbolic_opset12.not_a_symbolic

    @jaxtorch.onnx.symbolic_helper.parse_args("v", "i", "none")
    def symbolic(g, x, dim, unused):
        return (x, dim)

    @jaxtorch.onnx.symbolic_helper.quantized_args(True, False)
    def symbolic_q(g, x, y):
        return x

    assert symbolic(None, 1, 2, 3) == (1, 2) and symbolic_q(None, 5, 6) == 5


def test_onnx_custom_symbolic_registration_matches_torch():
    def symbolic(g, x):
        return x

    for name in ("mydomain::myop", "::myop2", "bad name", "onnx::Relu", "dom::1op"):
        t_out = outcome(torch.onnx.register_custom_op_symbolic, name, symbolic, 17)
        j_out = outcome(jaxtorch.onnx.register_custom_op_symbolic, name, symbolic, 17)
        assert j_out == t_out, name
        if t_out[0] == "ok":
            assert outcome(jaxtorch.onnx.unregister_custom_op_symbolic, name, 17) == outcome(
                torch.onnx.unregister_custom_op_symbolic, name, 17
            )


def test_select_model_mode_for_export():
    def modes(lib, start_training, mode):
        net = lib.nn.Linear(2, 2)
        net.train(start_training)
        with lib.onnx.select_model_mode_for_export(net, getattr(lib.onnx.TrainingMode, mode)):
            inside = net.training
        return inside, net.training

    for start in (True, False):
        for mode in ("EVAL", "TRAINING", "PRESERVE"):
            assert outcome(modes, jaxtorch, start, mode) == outcome(modes, torch, start, mode)
    bad = outcome(lambda: jaxtorch.onnx.select_model_mode_for_export(jaxtorch.nn.Linear(1, 1), 0).__enter__())
    assert bad[1] == "TypeError"


@pytest.mark.parametrize(
    "module",
    [
        "jit",
        "jit.annotations",
        "fx",
        "fx.node",
        "fx.passes.infra.pass_base",
        "fx.experimental.symbolic_shapes",
        "fx.experimental.proxy_tensor",
        "export",
        "export.dynamic_shapes",
        "export.decomp_utils",
        "onnx",
        "onnx.errors",
        "profiler",
        "autograd.profiler",
    ],
)
def test_namespace_covers_torch_all(module):
    import importlib

    t_mod, j_mod = importlib.import_module(f"torch.{module}"), importlib.import_module(f"jaxtorch.{module}")
    missing = [name for name in t_mod.__all__ if not hasattr(j_mod, name)]
    assert not missing, missing
