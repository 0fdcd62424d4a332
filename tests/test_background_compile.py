"""Programs compiled on a worker thread before their first call (jaxtorch/_background.py): the backward program of
each op whose forward compiled something new while recording, and an eager optimizer's step program once eager
recording starts. The real call then finds the program compiled; numbers never depend on it."""

import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch import _background
from jaxtorch._ops import _dispatch
from jax._src import compiler as jax_compiler

pytestmark = pytest.mark.skipif(not _background.ENABLED, reason="JAXTORCH_BACKGROUND_COMPILE=0")


@pytest.fixture
def compiles(monkeypatch):
    """Names of the programs XLA compiles (cache misses), with the thread that compiled each."""
    seen = []
    orig = jax_compiler.compile_or_get_cached

    def spy(backend, computation, *a, **k):
        seen.append((str(computation.operation.attributes["sym_name"]).strip('"'), threading.current_thread().name))
        return orig(backend, computation, *a, **k)

    monkeypatch.setattr(jax_compiler, "compile_or_get_cached", spy)
    return seen


def _settle(timeout=120.0):
    end = time.monotonic() + timeout
    while _background.pending():
        assert time.monotonic() < end, "background compiles did not finish"
        time.sleep(0.01)


def test_backward_programs_compile_during_the_forward(compiles):
    rng = np.random.default_rng(1)
    x = jaxtorch.tensor(rng.standard_normal((5, 13, 7)), dtype=jaxtorch.float32, requires_grad=True)  # shapes no
    w = jaxtorch.tensor(rng.standard_normal((7, 3)), dtype=jaxtorch.float32, requires_grad=True)  # other test uses
    y = (jaxtorch.tanh(x) @ w).sin().sum()
    _settle()
    warmed = [name for name, thread in compiles if name == "jit__run_vjp"]
    assert len(warmed) == 4 and all(t == "jaxtorch-compile" for n, t in compiles if n == "jit__run_vjp")
    del compiles[:]
    y.backward()
    assert not [name for name, _ in compiles if name == "jit__run_vjp"]  # all four (tanh, matmul, sin, sum) found
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    wt = torch.tensor(w.detach().numpy(), requires_grad=True)
    (torch.tanh(xt) @ wt).sin().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    # w.grad sums 65 products of size ~1 per element: float32 summation order differs from torch's in the last bits
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-5, atol=1e-5)


def _mlp(nn, widths=(6, 11, 10, 9, 8, 7, 5)):
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += [nn.Linear(a, b), nn.Tanh()]
    return nn.Sequential(*layers)  # 12 parameters: the step is warmed up


def test_optimizer_step_program_is_warmed_and_training_matches_torch(compiles):
    jaxtorch.manual_seed(0)
    model = _mlp(jaxtorch.nn)
    ref = _mlp(torch.nn)
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    opt = jaxtorch.optim.AdamW(model.parameters(), lr=0.05)
    ref_opt = torch.optim.AdamW(ref.parameters(), lr=0.05)
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    for step in range(3):
        loss = model(jaxtorch.tensor(x)).pow(2).mean()
        loss.backward()
        if step == 0:
            _settle()
            assert not opt.state  # the warm-up made no state (torch's is created by the first step)
            del compiles[:]
        opt.step()
        opt.zero_grad()
        if step == 0:
            assert "jit__map_single" not in [name for name, _ in compiles]  # the warmed program ran
        ref_loss = ref(torch.tensor(x)).pow(2).mean()
        ref_loss.backward()
        ref_opt.step()
        ref_opt.zero_grad()
        np.testing.assert_allclose(loss.item(), ref_loss.item(), rtol=1e-5, atol=1e-6)
    for (k, v), (_, r) in zip(model.state_dict().items(), ref.state_dict().items()):
        np.testing.assert_allclose(v.numpy(), r.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_small_optimizers_are_not_warmed(compiles):
    model = _mlp(jaxtorch.nn, (3, 4, 2))  # 4 parameters: compiles quickly, not worth a thread
    opt = jaxtorch.optim.SGD(model.parameters(), lr=0.1)
    model(jaxtorch.randn(2, 3)).sum().backward()
    _settle()
    assert all(name != "jit__map_single" for name, _ in compiles)
    opt.step()


def test_exit_with_warm_ups_pending_and_switch_off():
    """A script that exits while warm-ups are queued exits cleanly (the queue is dropped, the running compile
    finished); JAXTORCH_BACKGROUND_COMPILE=0 starts no thread."""
    script = textwrap.dedent("""
        import threading, jaxtorch
        from jaxtorch import _background
        m = jaxtorch.nn.Sequential(*[jaxtorch.nn.Linear(8 + i, 9 + i) for i in range(8)])
        opt = jaxtorch.optim.Adam(m.parameters())
        m(jaxtorch.randn(3, 8)).sum()  # recorded, never backpropagated
        print(_background.ENABLED, any(t.name == "jaxtorch-compile" for t in threading.enumerate()))
    """)
    for flag, expect in (("1", "True True"), ("0", "False False")):
        env = dict(os.environ, JAXTORCH_BACKGROUND_COMPILE=flag)
        proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.split() == expect.split()


def test_drain_runs_queued_warm_ups_on_the_caller():
    f = _dispatch._xla.jit_eager(lambda a: a * 3 + 1)
    import jax

    spec = jax.ShapeDtypeStruct((3, 17, 5), np.float32)
    _background.warm(f, spec)
    _background.drain(f)
    assert not any(item[0] is f for item in _background._queue)
    assert _background._running is None or _background._running[0] is not f
