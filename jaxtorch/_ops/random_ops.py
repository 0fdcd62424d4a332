"""Random sampling ops, all drawing from a Generator (jaxtorch.random)."""

from __future__ import annotations

import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as _dt
from . import _threefry
from .._tensortype import check_layout as _check_layout
from .._tensor import Tensor
from ..random import PREFIX_SAMPLERS, draw
from .creation import _finish, _size_args, _wants_meta, meta_tensor
from ._registry import register


def _uniform(key, *, shape, dtype):
    return _threefry.uniform(key, shape, dtype)


def _uniform_range(key, lo, hi, *, shape, dtype):
    return _threefry.uniform(key, shape, dtype) * (hi - lo) + lo


def _normal(key, *, shape, dtype):
    return _threefry.normal(key, shape, dtype)


def _normal_ms(key, mean, std, *, shape, dtype):
    return _threefry.normal(key, shape, dtype) * jnp.asarray(std, dtype) + jnp.asarray(mean, dtype)


def _uniform_at(key, start, *, shape, dtype):
    return _threefry.uniform(key, shape, dtype, start=start)


def _uniform_range_at(key, start, lo, hi, *, shape, dtype):
    return _threefry.uniform(key, shape, dtype, start=start) * (hi - lo) + lo


def _normal_at(key, start, *, shape, dtype):
    return _threefry.normal(key, shape, dtype, start=start)


def _normal_ms_at(key, start, mean, std, *, shape, dtype):
    return _threefry.normal(key, shape, dtype, start=start) * jnp.asarray(std, dtype) + jnp.asarray(mean, dtype)


# each prefix sampler with its twin at a counter offset (random.draw: large draws in chunks of one program)
PREFIX_SAMPLERS.update({_uniform: _uniform_at, _uniform_range: _uniform_range_at, _normal: _normal_at,
                        _normal_ms: _normal_ms_at})


def _randint(key, lo, hi, *, shape, dtype):
    return jax.random.randint(key, shape, lo, hi, dtype=jnp.int64).astype(dtype)


def _perm(key, *, n, dtype):
    return jax.random.permutation(key, n).astype(dtype)


def _bernoulli(key, p, *, shape, dtype):
    return (_threefry.uniform(key, shape, jnp.float32 if dtype != jnp.float64 else jnp.float64) < p).astype(dtype)


def _float_dtype(dtype):
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return d


def _sizes(size: tuple, kw: dict, name: str) -> tuple:
    """rand(2, 3), rand((2, 3)) or rand(size=(2, 3)); any other keyword is an error, as in torch."""
    if "size" in kw:
        if size:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        size = (kw.pop("size"),)
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")
    return _size_args(size)


@register(method=False)
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    _check_layout(layout, "rand")
    d = _float_dtype(dtype)
    size = _sizes(size, kw, "rand")
    if _wants_meta(device):  # no data, and (as torch) no draw from the generator
        return meta_tensor(size, d, requires_grad)
    t = draw(generator, _uniform, (), (("shape", size), ("dtype", d.np)), "rand")
    return _finish(t, device, requires_grad)


@register(method=False)
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    _check_layout(layout, "randn")
    d = _float_dtype(dtype)
    size = _sizes(size, kw, "randn")
    if _wants_meta(device):
        return meta_tensor(size, d, requires_grad)
    t = draw(generator, _normal, (), (("shape", size), ("dtype", d.np)), "randn")
    return _finish(t, device, requires_grad)


@register(method=False)
def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False):
    _check_layout(layout, "randint")
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.int64
    if _wants_meta(device):
        return meta_tensor(_size_args((size,)), d, requires_grad)
    t = draw(generator, _randint, (int(low), int(high)), (("shape", _size_args((size,))), ("dtype", d.np)), "randint")
    return _finish(t, device, requires_grad)


@register(method=False)
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, **kw):
    _check_layout(layout, "randperm")
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.int64
    if _wants_meta(device):
        return meta_tensor((int(n),), d, requires_grad)
    t = draw(generator, _perm, (), (("n", int(n)), ("dtype", d.np)), "randperm")
    return _finish(t, device, requires_grad)


def _like(name, fn):
    def op(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, generator=None):
        _check_layout(layout)
        return fn(tuple(input.shape), dtype=dtype or input.dtype, device=device, requires_grad=requires_grad,
                  generator=generator)

    op.__name__ = name
    register(name, method=False)(op)


_like("rand_like", rand)
_like("randn_like", randn)


@register(method=False)
def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, memory_format=None, **kw):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device)


def _normal_tt(key, mean, std, *, shape, dtype):
    return _threefry.normal(key, shape, dtype) * std + mean


@register(method=False)
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    _check_layout(layout, "normal")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        shapes = [tuple(x.shape) for x in (mean, std) if isinstance(x, Tensor)]
        shape = tuple(np.broadcast_shapes(*shapes))
        ref = mean if isinstance(mean, Tensor) else std
        d = ref.dtype
        if isinstance(std, Tensor) and (std < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        return draw(generator, _normal_tt, (mean, std), (("shape", shape), ("dtype", d.np)), "normal")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    d = _float_dtype(dtype)
    t = draw(generator, _normal_ms, (mean, std), (("shape", _size_args((size,))), ("dtype", d.np)), "normal")
    return _finish(t, device, requires_grad)


def _bernoulli_t(key, p, *, dtype):
    return (_threefry.uniform(key, p.shape, p.dtype if jnp.issubdtype(p.dtype, jnp.floating) else jnp.float32)
            < p).astype(dtype)


def _bernoulli_(self, p=0.5, *, generator=None):
    return _fill_random(self, _bernoulli, (p,), {"generator": generator}, "bernoulli")


@register(inplace=_bernoulli_)
def bernoulli(input, p=None, *, generator=None, out=None):
    if p is not None:
        return draw(generator, _bernoulli, (p,), (("shape", tuple(input.shape)), ("dtype", input._data.dtype)),
                    "bernoulli")
    return draw(generator, _bernoulli_t, (input.detach(),), (("dtype", input._data.dtype),), "bernoulli")


def _multinomial_impl(key, probs, *, n, replacement):
    logits = jnp.log(probs)
    if replacement:
        return jax.random.categorical(key, logits, axis=-1, shape=(n,) + probs.shape[:-1]).T.astype(jnp.int64) \
            if probs.ndim == 2 else jax.random.categorical(key, logits, shape=(n,)).astype(jnp.int64)
    # without replacement: Gumbel top-k
    g = jax.random.gumbel(key, probs.shape, probs.dtype)
    return jax.lax.top_k(jnp.where(probs > 0, logits + g, -jnp.inf), n)[1].astype(jnp.int64)


@register()
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.is_floating_point():
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    n_cat = input.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    data = input._value()
    if not isinstance(data, jax.core.Tracer):
        a = np.asarray(data)
        if (a < 0).any() or not np.isfinite(a).all():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (a.sum(-1) <= 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return draw(generator, _multinomial_impl, (input.detach(),), (("n", int(num_samples)),
                                                                  ("replacement", bool(replacement))), "multinomial")


@register(method=False)
def poisson(input, generator=None):
    return draw(generator, _poisson_impl, (input.detach(),), (), "poisson")


def _poisson_impl(key, rate):
    return jax.random.poisson(key, rate, rate.shape).astype(rate.dtype)


# in-place samplers (used by nn.init): they never record on the tape
def _fill_random(self, sampler, args, static, name):
    from ..autograd import grad_mode as _gm

    if self.is_meta:  # nothing to fill, and (as torch) no draw from the generator
        return self

    prev = _gm.state.enabled
    _gm.state.enabled = False
    try:
        gen = static.pop("generator", None)
        st = (("shape", tuple(self.shape)), ("dtype", self._data.dtype)) + tuple(static.items())
        new = draw(gen, sampler, args, st, name)
    finally:
        _gm.state.enabled = prev
    return self._inplace_assign(new, name)


@register("uniform_", function=False)
def _uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    from_ = kw.pop("a", from_)
    to = kw.pop("b", to)
    return _fill_random(self, _uniform_range, (float(from_), float(to)), {"generator": generator}, "uniform")


@register("normal_", function=False)
def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    return _fill_random(self, _normal_ms, (float(mean), float(std)), {"generator": generator}, "normal")


@register("random_", function=False)
def _random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        from_, to = 0, from_ if from_ else 2 ** min(self.dtype.itemsize * 8 - 1, 53) if self.is_floating_point() \
            else (from_ or np.iinfo(self.dtype.np).max if self.dtype != _dt.bool_ else 2)
    return _fill_random(self, _randint, (int(from_), int(to)), {"generator": generator}, "random")


def _exponential(key, lambd, *, shape, dtype):
    return jax.random.exponential(key, shape, dtype) / lambd


@register("exponential_", function=False)
def _exponential_(self, lambd=1.0, *, generator=None):
    return _fill_random(self, _exponential, (float(lambd),), {"generator": generator}, "exponential")


def _geometric(key, p, *, shape, dtype):
    u = _threefry.uniform(key, shape, jnp.float64, minval=jnp.finfo(jnp.float64).tiny)
    return jnp.ceil(jnp.log(u) / jnp.log1p(-p)).astype(dtype)


@register("geometric_", function=False)
def _geometric_(self, p, *, generator=None):
    return _fill_random(self, _geometric, (float(p),), {"generator": generator}, "geometric")


def _log_normal(key, mean, std, *, shape, dtype):
    return jnp.exp(_threefry.normal(key, shape, dtype) * std + mean)


@register("log_normal_", function=False)
def _log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    return _fill_random(self, _log_normal, (float(mean), float(std)), {"generator": generator}, "log_normal")


def _cauchy(key, median, sigma, *, shape, dtype):
    return median + sigma * jax.random.cauchy(key, shape, dtype)


@register("cauchy_", function=False)
def _cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    return _fill_random(self, _cauchy, (float(median), float(sigma)), {"generator": generator}, "cauchy")



def _binomial_impl(key, count, prob):
    dtype = count.dtype
    c = count.astype(jnp.float64 if dtype == jnp.float64 else jnp.float32)
    return jax.random.binomial(key, c, prob.astype(c.dtype), dtype=c.dtype).astype(dtype)


@register(method=False, out="fn")
def binomial(count, prob, generator=None, *, out=None) -> Tensor:
    """Draws from Binomial(count, prob), elementwise (float tensors, as torch requires)."""
    if not count.is_floating_point() or not prob.is_floating_point():
        raise RuntimeError(f'"binomial_cpu" not implemented for \'{_dt_name(count.dtype)}\'')
    r = draw(generator, _binomial_impl, (count, prob), (), "binomial")
    return r if out is None else out.copy_(r)


_ = math, numbers


from ._registry import _dt_name  # noqa: E402

# Gamma and Dirichlet samplers (torch.distributions' Gamma / Dirichlet / Beta / Chi2 / StudentT rsample).
# JAX's gamma sampler carries the implicit reparameterisation gradient d sample / d alpha, so the sample
# is differentiable with respect to the concentration through the tape, as torch's is.
def _standard_gamma_impl(key, alpha):
    return jax.random.gamma(key, alpha, alpha.shape, alpha.dtype)


@register(method=False)
def _standard_gamma(input, generator=None):
    if not input.is_floating_point():
        raise RuntimeError(f"\"gamma_cpu\" not implemented for '{_dt_name(input.dtype)}'")
    return draw(generator, _standard_gamma_impl, (input,), (), "_standard_gamma")


def _standard_gamma_grad_impl(alpha, sample):
    return jax.lax.random_gamma_grad(alpha, sample)


@register(method=False)
def _standard_gamma_grad(input, output):
    """d sample / d alpha of a standard gamma sample `output` drawn with concentration `input`."""
    from ._dispatch import apply

    return apply(_standard_gamma_grad_impl, (input, output), (), "_standard_gamma_grad")


def _sample_dirichlet_impl(key, alpha):
    return jax.random.dirichlet(key, alpha, alpha.shape[:-1], alpha.dtype)


@register(method=False)
def _sample_dirichlet(input, generator=None):
    if not input.is_floating_point():
        raise RuntimeError(f"\"dirichlet\" not implemented for '{_dt_name(input.dtype)}'")
    return draw(generator, _sample_dirichlet_impl, (input,), (), "_sample_dirichlet")
