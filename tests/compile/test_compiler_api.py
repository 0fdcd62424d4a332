"""torch.compiler / torch._dynamo as user and library code calls them, compared with torch where torch answers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch import _dynamo


def _lin():
    jaxtorch.manual_seed(0)
    return jaxtorch.nn.Linear(3, 2)


def test_is_compiling_inside_a_compiled_function_only():
    seen = []

    def f(x):
        seen.append(jaxtorch.compiler.is_compiling())
        seen.append(_dynamo.is_compiling())
        return x * 2

    f(jaxtorch.ones(2))
    jaxtorch.compile(f)(jaxtorch.ones(2))
    assert seen[:2] == [False, False] and seen[2:4] == [True, True]
    assert jaxtorch.compiler.is_exporting() is False and torch.compiler.is_exporting() is False
    assert jaxtorch.compiler.is_dynamo_compiling() is False


def test_disable_runs_eagerly_and_breaks_the_graph():
    calls = []

    @jaxtorch.compiler.disable
    def log(x):
        calls.append(float(x.sum()))  # needs a concrete value: only possible eagerly
        return x

    def step(x):
        return log(x * 2) + 1

    compiled = jaxtorch.compile(step)
    with pytest.warns(UserWarning, match="torch.compiler.disable"):
        out = compiled(jaxtorch.ones(3))
    np.testing.assert_array_equal(out.numpy(), np.full(3, 3.0))
    out = compiled(jaxtorch.ones(3))  # eager from now on: the side effect runs every call
    assert calls == [6.0, 6.0]
    strict = jaxtorch.compile(step, fullgraph=True)
    with pytest.raises(RuntimeError, match="fullgraph"):
        strict(jaxtorch.ones(3))


def test_disable_variants():
    assert _dynamo.disable(lambda x: x + 1)(1) == 2
    deco = jaxtorch.compiler.disable(recursive=False)
    g = deco(lambda: 5)
    assert g() == 5 and _dynamo.is_dynamo_disable_recursive(g) is False
    compiled = jaxtorch.compile(lambda x: x)
    assert jaxtorch.compiler.disable(compiled) is compiled.fn  # torch.compiler.disable(compiled) unwraps
    m = _lin()
    assert jaxtorch.compiler.disable(m) is m


def test_graph_break_makes_the_function_eager():
    def f(x):
        y = x + 1
        _dynamo.graph_break()
        return y * 2

    _dynamo.graph_break()  # outside compile: nothing happens
    with pytest.warns(UserWarning, match="graph_break"):
        out = jaxtorch.compile(f)(jaxtorch.ones(2))
    np.testing.assert_array_equal(out.numpy(), [4.0, 4.0])


def test_identity_decorators():
    def f(x):
        return x

    for deco in (jaxtorch.compiler.allow_in_graph, jaxtorch.compiler.assume_constant_result, _dynamo.allow_in_graph,
                 _dynamo.disallow_in_graph, _dynamo.assume_constant_result, _dynamo.nonstrict_trace,
                 _dynamo.dont_skip_tracing, _dynamo.run, jaxtorch.compiler.nested_compile_region):
        assert deco(f) is f
    assert jaxtorch.compiler.substitute_in_graph(len)(f) is f


def test_forbid_in_graph():
    g = _dynamo.forbid_in_graph(lambda x: x + 1)
    assert float(g(jaxtorch.ones(()))) == 2.0
    with pytest.raises(RuntimeError, match="forbidden"):
        jaxtorch.compile(g, fullgraph=True)(jaxtorch.ones(()))


def test_mark_dynamic_and_static_record_like_torch():
    for lib, dyn in ((torch, torch._dynamo), (jaxtorch, _dynamo)):
        t = lib.zeros(2, 3)
        dyn.mark_dynamic(t, 0)
        dyn.mark_dynamic(t, [1], min=2, max=8)
        assert t._dynamo_dynamic_indices == {0, 1}
        u = lib.zeros(2)
        dyn.maybe_mark_dynamic(u, 0)
        assert u._dynamo_weak_dynamic_indices == {0}
        dyn.mark_static(u, 0)
        assert u._dynamo_static_indices == {0}
        dyn.mark_static_address(u)
        assert u._dynamo_static_input_type == "unguarded"
        dyn.mark_static_address(u, guard=True)
        assert u._dynamo_static_input_type == "guarded"
        with pytest.raises(TypeError):
            dyn.mark_static_address([1, 2])


def test_config_modules():
    for cfg, theirs in ((_dynamo.config, torch._dynamo.config), (jaxtorch.compiler.config, torch.compiler.config)):
        ours_keys = set(cfg.get_config_copy())
        for k, v in theirs.get_config_copy().items():
            if isinstance(v, (bool, int, float, str, type(None))) and k in ours_keys:
                assert getattr(cfg, k) == v or k in ("base_dir", "debug_dir_root"), k
        for wrong in (cfg, theirs):
            with pytest.raises(AttributeError):
                wrong.not_a_setting_anyone_has = 1
    assert _dynamo.config.cache_size_limit == torch._dynamo.config.cache_size_limit == 8
    with _dynamo.config.patch(cache_size_limit=64, verbose=True):
        assert _dynamo.config.recompile_limit == 64 and _dynamo.config.verbose is True
    assert _dynamo.config.recompile_limit == 8 and _dynamo.config.verbose is False

    @_dynamo.config.patch("suppress_errors", True)
    def inner():
        return _dynamo.config.suppress_errors

    assert inner() is True and _dynamo.config.suppress_errors is False
    saved = _dynamo.config.save_config()
    _dynamo.config.verbose = True
    _dynamo.config.load_config(saved)
    assert _dynamo.config.verbose is False


def test_config_disable_and_force_eager_stance():
    traced = []

    def f(x):
        traced.append(jaxtorch.compiler.is_compiling())
        return x + 1

    c = jaxtorch.compile(f)
    with _dynamo.config.patch(disable=True):
        c(jaxtorch.ones(1))
    with jaxtorch.compiler.set_stance("force_eager"):
        c(jaxtorch.ones(1))
    assert traced == [False, False]
    c(jaxtorch.ones(1))
    assert traced[-1] is True
    with pytest.raises(NotImplementedError):
        jaxtorch.compiler.set_stance("fail_on_recompile")
    with pytest.raises(RuntimeError):
        jaxtorch.compiler.set_stance("no-such-stance")


def test_backends_and_modes_validated_like_torch():
    assert jaxtorch.compiler.list_backends() == torch.compiler.list_backends()
    assert set(_dynamo.list_backends(exclude_tags=())) <= set(torch._dynamo.list_backends(exclude_tags=()))
    for lib in (torch, jaxtorch):
        with pytest.raises(Exception) as info:
            lib.compile(lambda x: x, backend="no-such-backend")
        assert type(info.value).__name__ == "InvalidBackend"
        with pytest.raises(RuntimeError, match="Unrecognized mode"):
            lib.compile(lambda x: x, mode="fastest")
    jaxtorch.compile(lambda x: x, backend="eager", mode="max-autotune")  # accepted names compile with XLA

    @_dynamo.register_backend(name="my_backend")
    def my_backend(gm, example_inputs):
        return gm

    assert "my_backend" in _dynamo.list_backends()
    out = _dynamo.optimize("my_backend")(lambda x: x * 3)(jaxtorch.ones(2))
    np.testing.assert_array_equal(out.numpy(), [3.0, 3.0])


def test_exceptions_and_unsupported():
    from jaxtorch._dynamo import exc

    assert issubclass(exc.Unsupported, RuntimeError)
    with pytest.raises(NotImplementedError, match="torch._dynamo.explain"):
        _dynamo.explain(lambda x: x)
    with pytest.raises(NotImplementedError, match="save_cache_artifacts"):
        jaxtorch.compiler.save_cache_artifacts()


def test_wrap_numpy_and_markers():
    f = jaxtorch.compiler.wrap_numpy(lambda a, b: (a * b, np.sum(a)))
    prod, total = f(jaxtorch.tensor([1.0, 2.0]), jaxtorch.tensor([3.0, 4.0]))
    ref = torch.compiler.wrap_numpy(lambda a, b: (a * b, np.sum(a)))(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
    np.testing.assert_array_equal(prod.numpy(), ref[0].numpy())
    assert float(total) == float(ref[1])
    jaxtorch.compiler.cudagraph_mark_step_begin()
    assert jaxtorch.compiler.set_enable_guard_collectives(True) is False


def test_transform_getitem_to_index_is_a_no_op_context():
    from jaxtorch._dynamo._trace_wrapped_higher_order_op import TransformGetItemToIndex

    t = jaxtorch.arange(6).reshape(2, 3)
    with TransformGetItemToIndex():
        np.testing.assert_array_equal(t[jaxtorch.tensor(1)].numpy(), [3, 4, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _dynamo.reset()
