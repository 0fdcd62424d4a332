"""Training steps/s: jaxtorch (compiled, eager) vs hand-written JAX + optax vs real torch (eager, compiled).

Three models, each trained on one fixed batch:
  simplenet  784 -> 128 ReLU -> 10, batch 64, SGD lr=0.01, cross_entropy
  cnn        pytorch/examples MNIST Net (two 3x3 convs, maxpool, dropout, two fcs), batch 64, Adadelta lr=1.0
  gpt        2 pre-LN blocks, 4-head causal attention, MLP 4x GELU, d=128, T=64, batch 16, vocab 256,
             tied embedding / lm-head, AdamW lr=3e-4

Variants per model:
  jt-compile   torch.compile(train_step) with `import jaxtorch as torch` code
  jt-eager     the same step without compile
  jt-compile-model  torch.compile(model) only (nanoGPT's --compile): compiled forward, eager backward and
               eager optimizer step
  hand-jax     the same maths in jax.numpy/lax, params and optax state as pytrees, one jax.jit with donation
  torch-eager  real torch (CPU), default threads
  torch-eager-1t  the same with torch.set_num_threads(1): torch's OpenMP threads collapse under CPU
               contention (another busy process on a 2-core machine), so both are shown
  torch-compile torch.compile of the same real-torch step (skipped with the reason if it fails)
  torch-compile-1t  the same, compiled and run with torch.set_num_threads(1)

The model code is written once against the torch API and instantiated with either jaxtorch or torch.
Time to first step: jaxtorch's first compiled call traces the step (discovering its state) and compiles
it; hand-written JAX's first call traces and compiles. Both are reported, with the second call's time.

    python benchmarks/bench_train.py                       # all models, ~2 s timed per variant
    python benchmarks/bench_train.py --models gpt --steps 50
"""

from __future__ import annotations

import argparse
import functools
import math
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxtorch

VARIANTS = ("jt-compile", "jt-compile-model", "jt-eager", "hand-jax", "torch-eager", "torch-eager-1t", "torch-compile",
            "torch-compile-1t")

# shapes shared by every variant
MNIST_BATCH = 64
GPT_B, GPT_T, GPT_V, GPT_D, GPT_H, GPT_L = 16, 64, 256, 128, 4, 2


# ---------------------------------------------------------------------------------------------------
# models in the torch API, instantiated with `lib` = jaxtorch or torch


def define_models(lib):
    nn = lib.nn
    F = lib.nn.functional

    class SimpleNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = x.view(-1, 784)
            x = F.relu(self.fc1(x))
            return self.fc2(x)

    class Net(nn.Module):  # pytorch/examples mnist/main.py
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = self.dropout2(x)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    class CausalSelfAttention(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.h = h
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(x).split(C, dim=2)
            q = q.view(B, T, self.h, C // self.h).transpose(1, 2)
            k = k.view(B, T, self.h, C // self.h).transpose(1, 2)
            v = v.view(B, T, self.h, C // self.h).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.proj(y)

    class Block(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.ln1 = nn.LayerNorm(d)
            self.attn = CausalSelfAttention(d, h)
            self.ln2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):  # also built at other sizes by bench_gpu.py
        def __init__(self, L=GPT_L, d=GPT_D, H=GPT_H, T=GPT_T, V=GPT_V, **_):
            super().__init__()
            self.wte = nn.Embedding(V, d)
            self.wpe = nn.Embedding(T, d)
            self.blocks = nn.ModuleList([Block(d, H) for _ in range(L)])
            self.ln_f = nn.LayerNorm(d)
            self.lm_head = nn.Linear(d, V, bias=False)
            self.lm_head.weight = self.wte.weight  # tied

        def forward(self, idx):
            T = idx.shape[1]
            pos = lib.arange(T, device=idx.device)
            x = self.wte(idx) + self.wpe(pos)
            for b in self.blocks:
                x = b(x)
            return self.lm_head(self.ln_f(x))

    return {"simplenet": SimpleNet, "cnn": Net, "gpt": GPT}


def torch_api_setup(lib, name, data, compile_model=False):
    """(model, optimizer, train_step, args) for `lib` (jaxtorch or torch) and one fixed batch; with
    `compile_model`, the step calls `lib.compile(model)` instead of the model."""
    F = lib.nn.functional
    lib.manual_seed(0)
    model = define_models(lib)[name]()
    model.train()
    x, y = (lib.from_numpy(a) for a in data)
    if name == "simplenet":
        opt = lib.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = F.cross_entropy
    elif name == "cnn":
        opt = lib.optim.Adadelta(model.parameters(), lr=1.0)
        loss_fn = F.nll_loss
    else:
        opt = lib.optim.AdamW(model.parameters(), lr=3e-4)
        loss_fn = lm_loss(F)
    return model, opt, make_train_step(lib.compile(model) if compile_model else model, opt, loss_fn), (x, y)


def lm_loss(F):
    """Cross-entropy over every position of (batch, T, vocab) logits (the GPT's loss)."""

    def loss_fn(logits, targets):
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    return loss_fn


def make_train_step(model, opt, loss_fn):
    """The step every benchmark times: zero_grad, forward + loss, backward, optimizer step."""

    def train_step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    return train_step


def make_data(name):
    rng = np.random.default_rng(0)
    if name in ("simplenet", "cnn"):
        x = rng.standard_normal((MNIST_BATCH, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, (MNIST_BATCH,)).astype(np.int64)
    else:
        x = rng.integers(0, GPT_V, (GPT_B, GPT_T)).astype(np.int64)
        y = rng.integers(0, GPT_V, (GPT_B, GPT_T)).astype(np.int64)
    return x, y


# ---------------------------------------------------------------------------------------------------
# hand-written JAX + optax (float32 everywhere: jaxtorch turns x64 on, so no dtype is left to defaults)

F32 = jnp.float32


def _uniform(key, shape, fan_in):
    b = 1.0 / math.sqrt(fan_in)
    return jax.random.uniform(key, shape, F32, -b, b)


def _dense_init(key, n_in, n_out, bias=True):
    k1, k2 = jax.random.split(key)
    p = {"w": _uniform(k1, (n_in, n_out), n_in)}
    if bias:
        p["b"] = _uniform(k2, (n_out,), n_in)
    return p


def _dense(p, x):
    y = x @ p["w"]
    return y + p["b"] if "b" in p else y


def _xent(logits, labels):
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


def simplenet_init(key):
    k1, k2 = jax.random.split(key)
    return {"fc1": _dense_init(k1, 784, 128), "fc2": _dense_init(k2, 128, 10)}


def simplenet_loss(params, x, y, key):
    h = jax.nn.relu(_dense(params["fc1"], x.reshape(x.shape[0], 784)))
    return _xent(_dense(params["fc2"], h), y)


def cnn_init(key):
    ks = jax.random.split(key, 6)
    # HWIO kernels, NHWC activations: XLA CPU's native conv layout
    return {"conv1": {"w": _uniform(ks[0], (3, 3, 1, 32), 9), "b": _uniform(ks[1], (32,), 9)},
            "conv2": {"w": _uniform(ks[2], (3, 3, 32, 64), 288), "b": _uniform(ks[3], (64,), 288)},
            "fc1": _dense_init(ks[4], 9216, 128), "fc2": _dense_init(ks[5], 128, 10)}


def _conv(p, x):
    y = jax.lax.conv_general_dilated(x, p["w"], (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y + p["b"]


def _dropout(key, x, rate):
    # float32 uniforms: jax.random.bernoulli(key, python_float) would draw float64 ones under x64
    keep = jax.random.uniform(key, x.shape, F32) >= rate
    return jnp.where(keep, x * (1.0 / (1.0 - rate)), jnp.zeros((), x.dtype)).astype(x.dtype)


def cnn_loss(params, x, y, key):
    k1, k2 = jax.random.split(key)
    x = jnp.transpose(x, (0, 2, 3, 1))  # the batch arrives NCHW, as torch's does
    x = jax.nn.relu(_conv(params["conv1"], x))
    x = jax.nn.relu(_conv(params["conv2"], x))
    x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    x = _dropout(k1, x, 0.25).reshape(x.shape[0], -1)
    x = _dropout(k2, jax.nn.relu(_dense(params["fc1"], x)), 0.5)
    logp = jax.nn.log_softmax(_dense(params["fc2"], x), axis=-1)
    return -jnp.take_along_axis(logp, y[:, None], axis=-1).mean()


def gpt_init(key):
    ks = iter(jax.random.split(key, 4 + 4 * GPT_L))
    d = GPT_D

    def ln():
        return {"g": jnp.ones((d,), F32), "b": jnp.zeros((d,), F32)}

    blocks = [{"ln1": ln(), "qkv": _dense_init(next(ks), d, 3 * d), "proj": _dense_init(next(ks), d, d),
               "ln2": ln(), "fc": _dense_init(next(ks), d, 4 * d), "out": _dense_init(next(ks), 4 * d, d)}
              for _ in range(GPT_L)]
    return {"wte": jax.random.normal(next(ks), (GPT_V, d), F32), "wpe": jax.random.normal(next(ks), (GPT_T, d), F32),
            "blocks": blocks, "ln_f": ln()}


def _layer_norm(p, x, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = jnp.square(x - mu).mean(-1, keepdims=True)
    return (x - mu) * jax.lax.rsqrt(var + eps) * p["g"] + p["b"]


def _attention(p, x):
    B, T, C = x.shape
    hd = C // GPT_H
    q, k, v = jnp.split(_dense(p["qkv"], x), 3, axis=-1)
    q, k, v = (a.reshape(B, T, GPT_H, hd).transpose(0, 2, 1, 3) for a in (q, k, v))
    s = jnp.einsum("bhqd,bhkd->bhqk", q, k) * (1.0 / math.sqrt(hd))
    s = jnp.where(jnp.tril(jnp.ones((T, T), bool)), s, jnp.finfo(F32).min)
    y = jnp.einsum("bhqk,bhkd->bhqd", jax.nn.softmax(s, axis=-1), v)
    return _dense(p["proj"], y.transpose(0, 2, 1, 3).reshape(B, T, C))


def gpt_loss(params, idx, targets, key):
    x = params["wte"][idx] + params["wpe"][: idx.shape[1]]
    for b in params["blocks"]:
        x = x + _attention(b, _layer_norm(b["ln1"], x))
        x = x + _dense(b["out"], jax.nn.gelu(_dense(b["fc"], _layer_norm(b["ln2"], x)), approximate=False))
    logits = _layer_norm(params["ln_f"], x) @ params["wte"].T  # tied lm-head
    return _xent(logits.reshape(-1, GPT_V), targets.reshape(-1))


HAND = {
    "simplenet": (simplenet_init, simplenet_loss, lambda: optax.sgd(0.01)),
    "cnn": (cnn_init, cnn_loss, lambda: optax.adadelta(1.0, rho=0.9, eps=1e-6)),
    # torch.optim.AdamW defaults: betas (0.9, 0.999), eps 1e-8, weight_decay 0.01 (optax's default is 1e-4)
    "gpt": (gpt_init, gpt_loss, lambda: optax.adamw(3e-4, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01)),
}


def hand_jax_setup(name, data, params=None):
    """(step, state, args): step(state, x, y) -> (state, loss); state = (params, opt_state, key), donated."""
    init, loss_fn, make_tx = HAND[name]
    tx = make_tx()
    if params is None:
        params = init(jax.random.key(0))
    x, y = (jnp.asarray(a, F32 if a.dtype == np.float32 else jnp.int32) for a in data)

    @functools.partial(jax.jit, donate_argnums=(0,))
    def step(state, x, y):
        params, opt_state, key = state
        key, sub = jax.random.split(key)
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y, sub)
        updates, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state, key), loss

    return step, (params, tx.init(params), jax.random.key(1)), (x, y)


# ---------------------------------------------------------------------------------------------------
# timing


def _timed_loop(call, finish, seconds, steps):
    """Time `steps` calls (or enough for `seconds`, at least 5), blocking once at the end.

    Returns (steps/s, steps, seconds, process CPU ms per step); the CPU figure counts all threads of this
    process, so it is less sensitive to other processes than wall time (torch's spin-waiting inflates it)."""
    t0 = time.perf_counter()
    finish(call())  # one more warm step, also sizes the loop
    per = time.perf_counter() - t0
    n = steps if steps else max(5, int(math.ceil(seconds / max(per, 1e-6))))
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        out = call()
    finish(out)
    dt = time.perf_counter() - t0
    return n / dt, n, dt, (time.process_time() - c0) / n * 1e3


def bench_jaxtorch(name, data, compiled, seconds, steps, compile_model=False):
    model, opt, step, (x, y) = torch_api_setup(jaxtorch, name, data, compile_model)
    params = list(model.parameters())

    def finish(loss):
        jax.block_until_ready([loss._value()] + [p._value() for p in params])
        return float(loss)

    res = {}
    if compiled:
        step = jaxtorch.compile(step)
        jaxtorch.compiler.reset_stats()
        t0 = time.perf_counter()
        finish(step(x, y))
        t1 = time.perf_counter()
        finish(step(x, y))
        t2 = time.perf_counter()
        finish(step(x, y))
        t3 = time.perf_counter()
        res.update(first=t1 - t0, second=t2 - t1, third=t3 - t2)
    else:
        jaxtorch.compiler.reset_stats()
        t0 = time.perf_counter()
        finish(step(x, y))
        t1 = time.perf_counter()
        finish(step(x, y))
        res.update(first=t1 - t0, second=time.perf_counter() - t1)
    res["sps"], res["n"], res["dt"], res["cpu"] = _timed_loop(lambda: step(x, y), finish, seconds, steps)
    if compiled or compile_model:
        res["stats"] = jaxtorch.compiler.stats()
    return res


def bench_hand_jax(name, data, seconds, steps):
    step, state, (x, y) = hand_jax_setup(name, data)
    box = [state]

    def call():
        box[0], loss = step(box[0], x, y)
        return loss

    def finish(loss):
        jax.block_until_ready((loss, box[0]))
        return float(loss)

    t0 = time.perf_counter()
    finish(call())
    t1 = time.perf_counter()
    finish(call())
    t2 = time.perf_counter()
    sps, n, dt, cpu = _timed_loop(call, finish, seconds, steps)
    return {"first": t1 - t0, "second": t2 - t1, "sps": sps, "n": n, "dt": dt, "cpu": cpu}


def bench_torch(torch, name, data, compiled, seconds, steps, threads=None):
    model, opt, step, (x, y) = torch_api_setup(torch, name, data)
    res = {}
    if compiled:
        step = torch.compile(step)
    default_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        t0 = time.perf_counter()
        float(step(x, y))
        t1 = time.perf_counter()
        float(step(x, y))
        t2 = time.perf_counter()
        res.update(first=t1 - t0, second=t2 - t1)
        res["sps"], res["n"], res["dt"], res["cpu"] = _timed_loop(lambda: step(x, y), float, seconds, steps)
    finally:
        torch.set_num_threads(default_threads)
    return res


# ---------------------------------------------------------------------------------------------------
# correctness: SimpleNet, identical weights, jaxtorch compiled vs hand-written JAX (vs torch eager)


def check_simplenet(torch):
    data = make_data("simplenet")
    model, _, step, (x, y) = torch_api_setup(jaxtorch, "simplenet", data)
    sd = {k: np.asarray(v._value()) for k, v in model.state_dict().items()}
    params = {"fc1": {"w": jnp.asarray(sd["fc1.weight"].T), "b": jnp.asarray(sd["fc1.bias"])},
              "fc2": {"w": jnp.asarray(sd["fc2.weight"].T), "b": jnp.asarray(sd["fc2.bias"])}}
    hstep, state, (hx, hy) = hand_jax_setup("simplenet", data, params)
    cstep = jaxtorch.compile(step)
    n = 4  # call 1 traces (discovering the state) and compiles; every call runs the compiled program
    jt, hj = [], []
    for _ in range(n):
        jt.append(float(cstep(x, y)))
        state, loss = hstep(state, hx, hy)
        hj.append(float(loss))
    jt_sd = {k: np.asarray(v._value()) for k, v in model.state_dict().items()}
    hw = {"fc1.weight": np.asarray(state[0]["fc1"]["w"]).T, "fc1.bias": np.asarray(state[0]["fc1"]["b"]),
          "fc2.weight": np.asarray(state[0]["fc2"]["w"]).T, "fc2.bias": np.asarray(state[0]["fc2"]["b"])}
    loss_diff = max(abs(a - b) for a, b in zip(jt, hj))
    param_diff = max(float(np.abs(jt_sd[k] - hw[k]).max()) for k in hw)
    ok = loss_diff <= 1e-5 and param_diff <= 1e-5
    print(f"correctness (SimpleNet, same weights, {n} steps, every call compiled):")
    print(f"  jaxtorch-compiled losses: {' '.join(f'{v:.7f}' for v in jt)}")
    print(f"  hand-JAX losses         : {' '.join(f'{v:.7f}' for v in hj)}")
    if torch is not None:
        tmodel, _, tstep, (tx, ty) = torch_api_setup(torch, "simplenet", data)
        tmodel.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in sd.items()})
        tt = [float(tstep(tx, ty)) for _ in range(n)]
        print(f"  torch-eager losses      : {' '.join(f'{v:.7f}' for v in tt)}")
        loss_diff_t = max(abs(a - b) for a, b in zip(jt, tt))
        print(f"  max |jaxtorch - torch| loss diff: {loss_diff_t:.2e}")
    print(f"  max |loss diff| = {loss_diff:.2e}, max |param diff| after {n} steps = {param_diff:.2e}  "
          f"-> {'PASS' if ok else 'FAIL'} (tolerance 1e-5)")
    return ok


# ---------------------------------------------------------------------------------------------------


def _fmt(v, spec=".1f"):
    return "-" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="simplenet,cnn,gpt")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--steps", type=int, default=0, help="timed steps per variant (default: enough for --seconds)")
    ap.add_argument("--seconds", type=float, default=2.0, help="target timed seconds per variant")
    ap.add_argument("--no-check", action="store_true", help="skip the SimpleNet correctness check")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    variants = [v for v in args.variants.split(",") if v]
    for m in models:
        if m not in HAND:
            ap.error(f"unknown model {m!r}")

    try:
        import torch
    except ImportError as e:  # real torch is only the baseline
        torch = None
        print(f"real torch not importable ({e}); torch variants skipped")
    if torch is not None:
        print(f"torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}")
    print(f"jax {jax.__version__} ({jax.devices()[0].platform}), optax {optax.__version__}")
    t_start = time.perf_counter()
    # the process's first XLA compile pays one-off set-up; pay it here so neither variant's first step does
    jax.jit(jax.grad(lambda w, x: jnp.tanh(x @ w).sum())).lower(jnp.ones((4, 4)), jnp.ones((2, 4))).compile()

    results: dict = {}
    for name in models:
        data = make_data(name)
        r: dict = {}
        if "jt-compile" in variants:
            r["jt-compile"] = bench_jaxtorch(name, data, True, args.seconds, args.steps)
        if "hand-jax" in variants:
            r["hand-jax"] = bench_hand_jax(name, data, args.seconds, args.steps)
        if "jt-eager" in variants:
            r["jt-eager"] = bench_jaxtorch(name, data, False, args.seconds, args.steps)
        if "jt-compile-model" in variants:
            r["jt-compile-model"] = bench_jaxtorch(name, data, False, args.seconds, args.steps, compile_model=True)
        if torch is not None and "torch-eager" in variants:
            r["torch-eager"] = bench_torch(torch, name, data, False, args.seconds, args.steps)
        if torch is not None and "torch-eager-1t" in variants:
            r["torch-eager-1t"] = bench_torch(torch, name, data, False, args.seconds, args.steps, threads=1)
        for v, threads in (("torch-compile", None), ("torch-compile-1t", 1)):
            if torch is None or v not in variants:
                continue
            try:
                r[v] = bench_torch(torch, name, data, True, args.seconds, args.steps, threads)
            except Exception as e:  # inductor needs a working C++ toolchain
                print(f"[{name}] {v} failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
        results[name] = r
        line = ", ".join(f"{v} {r[v]['sps']:.1f}/s" for v in VARIANTS if v in r)
        print(f"[{name}] {line}   ({time.perf_counter() - t_start:.0f} s elapsed)", flush=True)
        if "jt-compile" in r:
            print(f"[{name}] jaxtorch compile stats: {r['jt-compile']['stats']}")

    print()
    print("steps/s, wall clock (timed steps in parentheses)")
    print(f"{'model':<10}" + "".join(f"{v:>17}" for v in VARIANTS))
    for name, r in results.items():
        cells = [f"{r[v]['sps']:.1f} ({r[v]['n']})" if v in r else "-" for v in VARIANTS]
        print(f"{name:<10}" + "".join(f"{c:>17}" for c in cells))
    print("process CPU ms per step (all threads; less sensitive to other processes than wall time)")
    for name, r in results.items():
        cells = [f"{r[v]['cpu']:.2f}" if v in r else "-" for v in VARIANTS]
        print(f"{name:<10}" + "".join(f"{c:>17}" for c in cells))

    def ratio(r, a, b):
        return r[a]["sps"] / r[b]["sps"] if a in r and b in r else None

    print()
    print("throughput ratios (>1: the first is faster)")
    pairs = [("jt-compile", "hand-jax"), ("jt-compile", "torch-eager"), ("jt-eager", "torch-eager"),
             ("jt-compile", "torch-eager-1t"), ("jt-eager", "torch-eager-1t"), ("jt-compile", "torch-compile"),
             ("jt-compile", "torch-compile-1t"), ("jt-compile", "jt-eager"), ("jt-compile-model", "jt-eager"),
             ("jt-compile-model", "torch-eager"), ("jt-compile-model", "torch-eager-1t")]
    print(f"{'model':<10}" + "".join(f"{a + '/' + b:>{len(a) + len(b) + 3}}" for a, b in pairs))
    for name, r in results.items():
        print(f"{name:<10}" + "".join(f"{_fmt(ratio(r, a, b), '.2f'):>{len(a) + len(b) + 3}}" for a, b in pairs))

    print()
    print("time to first compiled step (s): jaxtorch call 1 = trace (state discovery) + XLA compile;")
    print("hand-jax call 1 = trace + compile; torch-compile call 1 = dynamo + inductor")
    print(f"{'model':<10}{'jt call1':>10}{'jt call2':>10}{'jt call3':>10}{'hand 1st':>10}"
          f"{'hand 2nd':>10}{'jt1/hand1':>11}{'jt(1+2)/hand(1+2)':>19}{'torch-c 1st':>13}{'torch-c-1t 1st':>16}")
    for name, r in results.items():
        jt, hj, tc, tc1 = r.get("jt-compile"), r.get("hand-jax"), r.get("torch-compile"), r.get("torch-compile-1t")
        print(f"{name:<10}{_fmt(jt and jt['first'], '.2f'):>10}{_fmt(jt and jt['second'], '.3f'):>10}"
              f"{_fmt(jt and jt['third'], '.3f'):>10}"
              f"{_fmt(hj and hj['first'], '.2f'):>10}{_fmt(hj and hj['second'], '.3f'):>10}"
              f"{_fmt(jt['first'] / hj['first'] if jt and hj else None, '.2f'):>11}"
              f"{_fmt((jt['first'] + jt['second']) / (hj['first'] + hj['second']) if jt and hj else None, '.2f'):>19}"
              f"{_fmt(tc and tc['first'], '.2f'):>13}{_fmt(tc1 and tc1['first'], '.2f'):>16}")

    if not args.no_check and "simplenet" in models:
        print()
        check_simplenet(torch)
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
