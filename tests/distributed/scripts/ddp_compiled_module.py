"""Run under XLA_FLAGS=--xla_force_host_platform_device_count=2: torch.compile(DistributedDataParallel(model)) with an
eager backward and optimizer gives the same losses and parameters as the eager DDP model. Prints OK."""

import numpy as np
import jaxtorch as torch
import jax
from jaxtorch import nn
assert len(jax.devices()) == 2, jax.devices()
def run(compiled):
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(5, 8, bias=False), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    ddp = nn.parallel.DistributedDataParallel(m)
    f = torch.compile(ddp) if compiled else ddp
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((16, 5)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 3, 16))
    ls = []
    for _ in range(3):
        loss = torch.nn.functional.cross_entropy(f(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ls.append(loss.item())
    return ls, [p.detach().numpy() for p in m.parameters()]
a, b = run(False), run(True)
print(a[0], b[0])
assert np.allclose(a[0], b[0], rtol=1e-5), (a[0], b[0])
for p, q in zip(a[1], b[1]):
    assert np.allclose(p, q, rtol=1e-4, atol=1e-5)
stats = torch.compiler.stats()
assert stats["compiles"] == 1 and stats["compiled_calls"] == 3 and stats["eager_calls"] == 0, stats
print("OK", stats)
