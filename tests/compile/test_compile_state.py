"""Issue 6's state-semantics suite: a model with Linear, Conv2d, BatchNorm2d, Dropout, LSTM and an
Embedding tied to the output layer, trained eagerly and compiled from the same seed and weights, must
end with the same parameters, grads, optimizer state, running stats and generator state."""

import numpy as np
import pytest

import jaxtorch as torch
import jaxtorch.nn.functional as F
from jaxtorch import nn

# Compiled programs fuse and reorder float32 arithmetic (XLA) where eager runs op by op; Adam's
# division by sqrt(v) amplifies those last-bit differences slightly over several steps.
RTOL, ATOL = 2e-5, 2e-6


class Zoo(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 8, batch_first=True)
        self.conv = nn.Conv2d(1, 4, 3, padding=1, bias=False)  # a bias before BatchNorm has a zero gradient
        self.bn = nn.BatchNorm2d(4)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(12, 8)
        self.out = nn.Linear(8, 20, bias=False)
        self.out.weight = self.emb.weight  # tied weights: one parameter in two places

    def forward(self, tokens, img):
        h, _ = self.lstm(self.emb(tokens))
        c = F.relu(self.bn(self.conv(img))).mean((2, 3))
        z = self.drop(torch.tanh(self.fc(torch.cat([h[:, -1], c], 1))))
        return self.out(z)


def _batches():
    rng = np.random.default_rng(0)
    out = []
    for b in (4, 4, 4, 2, 4):  # a smaller batch in between: one more compile, then cached
        out.append((torch.tensor(rng.integers(0, 20, (b, 5))), torch.tensor(rng.standard_normal((b, 1, 6, 6))
                                                                           .astype(np.float32)),
                    torch.tensor(rng.integers(0, 20, (b,)))))
    return out


OPTIMIZERS = {
    "sgd_momentum": (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4), None),
    "adam": (lambda p: torch.optim.Adam(p, lr=1e-2, amsgrad=True), None),
    "adamw_steplr": (lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.1),
                     lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5)),
}


def _train(opt_name, compiled):
    torch.manual_seed(0)
    model = Zoo()
    make_opt, make_sched = OPTIMIZERS[opt_name]
    opt = make_opt(model.parameters())
    sched = make_sched(opt) if make_sched else None

    def step(tokens, img, target):
        opt.zero_grad()
        loss = F.cross_entropy(model(tokens, img), target)
        loss.backward()
        opt.step()
        return loss

    f = torch.compile(step) if compiled else step
    torch.manual_seed(1)
    losses = []
    for tokens, img, target in _batches():
        losses.append(f(tokens, img, target).item())
        if sched is not None:
            sched.step()
    return losses, model, opt


def _close(a, b, what):
    np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=RTOL, atol=ATOL, err_msg=what)


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_compiled_training_keeps_every_piece_of_state(opt_name):
    el, em, eo = _train(opt_name, compiled=False)
    gen_eager = torch.get_rng_state().numpy().copy()
    torch.compiler.reset_stats()
    cl, cm, co = _train(opt_name, compiled=True)
    stats = torch.compiler.stats()
    gen_compiled = torch.get_rng_state().numpy().copy()

    _close(el, cl, "losses")
    esd, csd = em.state_dict(), cm.state_dict()
    assert list(esd) == list(csd)
    for k in esd:  # parameters and buffers (BatchNorm running stats, num_batches_tracked)
        _close(esd[k].numpy(), csd[k].numpy(), k)
    assert int(csd["bn.num_batches_tracked"]) == 5
    for (n, p), (_, q) in zip(em.named_parameters(), cm.named_parameters()):
        _close(p.grad.numpy(), q.grad.numpy(), "grad " + n)
    assert cm.out.weight is cm.emb.weight
    for p, q in zip(em.parameters(), cm.parameters()):
        es, cs = eo.state[p], co.state[q]
        assert sorted(es) == sorted(cs)
        for k in es:
            _close(es[k].numpy(), cs[k].numpy(), f"optimizer state {k}")
    assert [g["lr"] for g in eo.param_groups] == [g["lr"] for g in co.param_groups]
    np.testing.assert_array_equal(gen_compiled, gen_eager)  # dropout drew the same stream
    # every call compiled (the first also discovers the state); one program per distinct batch shape
    assert stats["eager_calls"] == 0 and stats["compiles"] == 2 and stats["compiled_calls"] == 5, stats


def test_compiled_module_uses_its_own_parameters_and_modes():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 2))
    cmod = torch.compile(model)
    x = torch.randn(6, 3)
    cmod(x)
    cmod(x)
    assert int(model[1].num_batches_tracked) == 2  # running stats updated by the compiled calls
    model.eval()
    a = cmod(x)
    b = model(x)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-6)  # eval: no dropout
    with torch.no_grad():
        model[0].weight.mul_(2.0)  # a change made outside is seen by the next call
    np.testing.assert_allclose(cmod(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6, atol=1e-6)
    assert list(cmod.state_dict())[0] == "_orig_mod.0.weight"


def test_to_jax_apply_fn_matches_eager_module_under_jit_and_grad():
    import jax
    import jax.numpy as jnp

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
    apply_fn, params = torch.func.to_jax(model)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    y = jax.jit(apply_fn)(params, jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(y), model(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)
    g = jax.grad(lambda p: apply_fn(p, jnp.asarray(x)).sum())(params)
    model(torch.tensor(x)).sum().backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(np.asarray(g[name]), p.grad.numpy(), rtol=1e-6, atol=1e-6, err_msg=name)


def test_module_compile_in_place():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(5, 3)
    expected = model(x).detach().numpy()
    model.compile()
    torch.compiler.reset_stats()
    for _ in range(3):
        out = model(x)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6, atol=1e-6)
    assert torch.compiler.stats()["compiled_calls"] == 3
