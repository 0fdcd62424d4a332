"""Transforms (forward, inverse, log |det J|, gradients, shapes, domains), constraints and the
biject_to / transform_to registries against torch."""

import numpy as np
import pytest
import torch
from helpers import assert_close

import jaxtorch

rng = np.random.default_rng(4)
REAL = rng.normal(size=(2, 3)).astype(np.float32)
POS = rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32)
MAT = rng.normal(size=(2, 3, 3)).astype(np.float32)
VEC3 = rng.normal(size=(2, 3)).astype(np.float32)  # 3 = 3 * 2 / 2: a 3 x 3 correlation Cholesky factor


def _normal_cdf(D, T):
    return D.transforms.CumulativeDistributionTransform(D.Normal(T.tensor(0.5), T.tensor(2.0)))


TRANSFORMS = {
    "Exp": (lambda D, T: D.ExpTransform(), REAL),
    "Affine": (lambda D, T: D.AffineTransform(T.tensor([1.0, -2.0, 0.5]), T.tensor([2.0, -0.5, 3.0])), REAL),
    "Affine-scalar": (lambda D, T: D.AffineTransform(1.5, -2.0), REAL),
    "Affine-event": (lambda D, T: D.AffineTransform(T.tensor([1.0, -2.0, 0.5]), T.tensor([2.0, -0.5, 3.0]), 1), REAL),
    "Sigmoid": (lambda D, T: D.SigmoidTransform(), REAL),
    "Tanh": (lambda D, T: D.TanhTransform(), REAL),
    "Softplus": (lambda D, T: D.SoftplusTransform(), REAL),
    "Softmax": (lambda D, T: D.SoftmaxTransform(), REAL),
    "StickBreaking": (lambda D, T: D.StickBreakingTransform(), REAL),
    "Power": (lambda D, T: D.PowerTransform(T.tensor([0.5, 2.0, -1.0])), POS),
    "Abs": (lambda D, T: D.AbsTransform(), REAL),
    "LowerCholesky": (lambda D, T: D.LowerCholeskyTransform(), MAT),
    "PositiveDefinite": (lambda D, T: D.PositiveDefiniteTransform(), MAT),
    "CorrCholesky": (lambda D, T: D.CorrCholeskyTransform(), VEC3),
    "Compose": (
        lambda D, T: D.ComposeTransform(
            [D.ExpTransform(), D.AffineTransform(1.0, 2.0), D.PowerTransform(T.tensor(0.5))]
        ),
        REAL,
    ),
    "Compose-event": (lambda D, T: D.ComposeTransform([D.AffineTransform(0.5, 2.0), D.StickBreakingTransform()]), REAL),
    "Independent": (lambda D, T: D.IndependentTransform(D.SigmoidTransform(), 1), REAL),
    "Reshape": (lambda D, T: D.ReshapeTransform((3,), (3, 1)), REAL),
    "Cat": (lambda D, T: D.CatTransform([D.ExpTransform(), D.AffineTransform(1.0, 3.0)], dim=-1, lengths=[1, 2]), REAL),
    "Cat-dim0": (lambda D, T: D.CatTransform([D.SigmoidTransform(), D.ExpTransform()], dim=0), REAL),
    "Stack": (lambda D, T: D.StackTransform([D.ExpTransform(), D.TanhTransform(), D.SigmoidTransform()], dim=1), REAL),
    "CumulativeDistribution": (_normal_cdf, REAL),
    "Exp-inverse": (lambda D, T: D.ExpTransform().inv, POS),
    "identity": (lambda D, T: D.transforms.identity_transform, REAL),
}

# PositiveDefinite's inverse is a float32 Cholesky of L L^T whose diagonal spans exp(-2)..exp(2): the
# smallest pivot carries ~1e-4 relative rounding error in either library
INVERSE_RTOL = {"PositiveDefinite": 1e-3}
NOT_INVERTIBLE = {"Abs", "Softmax"}  # torch's inverse is a right inverse only
NO_LOG_DET = {"Abs", "Softmax", "LowerCholesky", "PositiveDefinite"}  # torch raises NotImplementedError


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transform_against_torch(name):
    make, x_np = TRANSFORMS[name]
    tt, jt = make(torch.distributions, torch), make(jaxtorch.distributions, jaxtorch)
    assert repr(tt) == repr(jt)
    assert repr(tt.domain) == repr(jt.domain) and repr(tt.codomain) == repr(jt.codomain)
    assert tt.domain.event_dim == jt.domain.event_dim and tt.codomain.event_dim == jt.codomain.event_dim
    assert tt.bijective == jt.bijective
    shape = tuple(tt.forward_shape(torch.Size(x_np.shape)))
    assert shape == tuple(jt.forward_shape(jaxtorch.Size(x_np.shape)))
    assert tuple(tt.inverse_shape(torch.Size(shape))) == tuple(jt.inverse_shape(jaxtorch.Size(shape)))
    try:
        t_sign = tt.sign
    except NotImplementedError:
        t_sign = None
    if t_sign is not None:
        assert_close(
            t_sign if isinstance(t_sign, torch.Tensor) else torch.tensor(t_sign),
            jt.sign if isinstance(jt.sign, jaxtorch.Tensor) else jaxtorch.tensor(jt.sign),
            what="sign",
        )

    tx = torch.tensor(x_np, requires_grad=True)
    jx = jaxtorch.tensor(x_np, requires_grad=True)
    ty, jy = tt(tx), jt(jx)
    assert_close(ty, jy, rtol=1e-5, atol=1e-6, what=f"{name} forward")
    outs_t, outs_j = [ty], [jy]
    if name not in NOT_INVERTIBLE:
        # invert a fresh copy of y: the cache (none here) must not be what answers
        tyd, jyd = ty.detach().clone().requires_grad_(), jaxtorch.tensor(np.asarray(jy.detach()), requires_grad=True)
        tinv, jinv = tt.inv(tyd), jt.inv(jyd)
        assert_close(tinv, jinv, rtol=INVERSE_RTOL.get(name, 1e-4), atol=1e-5, what=f"{name} inverse")
        if tt.bijective:
            assert_close(tinv, jaxtorch.tensor(x_np), rtol=1e-3, atol=1e-4, what=f"{name} round trip")
    if name not in NO_LOG_DET:
        tl, jl = tt.log_abs_det_jacobian(tx, ty), jt.log_abs_det_jacobian(jx, jy)
        assert_close(tl, jl, rtol=1e-5, atol=1e-5, what=f"{name} log_abs_det_jacobian")
        il_t, il_j = tt.inv.log_abs_det_jacobian(ty, tx), jt.inv.log_abs_det_jacobian(jy, jx)
        assert_close(il_t, il_j, rtol=1e-5, atol=1e-5, what=f"{name} inverse log_abs_det_jacobian")
        outs_t.append(tl)
        outs_j.append(jl)
    tg = torch.autograd.grad(sum(o.sum() for o in outs_t), tx)[0]
    jg = jaxtorch.autograd.grad(sum(o.sum() for o in outs_j), jx)[0]
    assert_close(tg, jg, rtol=1e-4, atol=1e-5, what=f"{name} grad")


def test_transform_cache_and_equality():
    D = jaxtorch.distributions
    t = D.ExpTransform().with_cache(1)
    x = jaxtorch.randn(3)
    y = t(x)
    assert t(x) is y and t.inv(y) is x  # the one-entry cache answers for the same objects
    assert D.ExpTransform() == D.ExpTransform() and D.ExpTransform() != D.SigmoidTransform()
    assert D.AffineTransform(1.0, 2.0) == D.AffineTransform(1.0, 2.0)
    assert D.AffineTransform(jaxtorch.tensor([1.0]), 2.0) != D.AffineTransform(jaxtorch.tensor([1.5]), 2.0)
    assert D.ExpTransform().inv == D.ExpTransform().inv and D.ExpTransform().inv.inv == D.ExpTransform()
    c = D.ComposeTransform([D.ExpTransform(), D.AffineTransform(0.0, 2.0)])
    assert c.inv.inv is c
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        D.ExpTransform(cache_size=2)
    with pytest.raises(TypeError):
        hash(D.ExpTransform())  # __eq__ without __hash__, as torch's
    assert D.transforms.identity_transform(x) is x


CONSTRAINTS = {
    "real": (lambda C: C.real, REAL),
    "positive": (lambda C: C.positive, REAL),
    "nonnegative": (lambda C: C.nonnegative, np.array([0.0, -1.0, 2.0], np.float32)),
    "greater_than": (lambda C: C.greater_than(0.5), REAL),
    "greater_than_eq": (lambda C: C.greater_than_eq(0.5), REAL),
    "less_than": (lambda C: C.less_than(0.5), REAL),
    "interval": (lambda C: C.interval(-0.5, 0.5), REAL),
    "half_open_interval": (lambda C: C.half_open_interval(-0.5, 0.5), REAL),
    "unit_interval": (lambda C: C.unit_interval, POS - 1),
    "boolean": (lambda C: C.boolean, np.array([0.0, 1.0, 0.5], np.float32)),
    "nonnegative_integer": (lambda C: C.nonnegative_integer, np.array([0.0, 2.0, 0.5, -1.0], np.float32)),
    "positive_integer": (lambda C: C.positive_integer, np.array([0.0, 2.0, 0.5], np.float32)),
    "integer_interval": (lambda C: C.integer_interval(0, 3), np.array([0.0, 3.0, 4.0, 1.5], np.float32)),
    "one_hot": (lambda C: C.one_hot, np.array([[0, 1, 0], [1, 1, 0]], np.float32)),
    "simplex": (lambda C: C.simplex, np.array([[0.2, 0.8], [0.5, 0.6]], np.float32)),
    "real_vector": (lambda C: C.real_vector, np.array([[1.0, np.nan], [0.0, 1.0]], np.float32)),
    "independent": (lambda C: C.independent(C.positive, 1), POS - 1),
    "multinomial": (lambda C: C.multinomial(3), np.array([[1.0, 2.0], [3.0, 1.0]], np.float32)),
    "lower_triangular": (lambda C: C.lower_triangular, np.tril(MAT)),
    "lower_cholesky": (lambda C: C.lower_cholesky, np.tril(MAT)),
    "corr_cholesky": (
        lambda C: C.corr_cholesky,
        np.stack([np.linalg.cholesky(np.eye(3) * 0.5 + 0.5), np.tril(MAT[0])]).astype(np.float32),
    ),
    "square": (lambda C: C.square, MAT),
    "symmetric": (lambda C: C.symmetric, MAT + MAT.transpose(0, 2, 1)),
    "positive_definite": (
        lambda C: C.positive_definite,
        np.stack([MAT[0] @ MAT[0].T + np.eye(3), -np.eye(3)]).astype(np.float32),
    ),
    "positive_semidefinite": (
        lambda C: C.positive_semidefinite,
        np.stack([MAT[0] @ MAT[0].T, -np.eye(3)]).astype(np.float32),
    ),
    "cat": (lambda C: C.cat([C.positive, C.real], dim=-1, lengths=[1, 2]), REAL),
    "stack": (lambda C: C.stack([C.positive, C.real, C.unit_interval], dim=-1), REAL),
}


@pytest.mark.parametrize("name", list(CONSTRAINTS))
def test_constraint_against_torch(name):
    make, v = CONSTRAINTS[name]
    tc, jc = make(torch.distributions.constraints), make(jaxtorch.distributions.constraints)
    assert repr(tc) == repr(jc)
    assert tc.event_dim == jc.event_dim and tc.is_discrete == jc.is_discrete
    assert_close(tc.check(torch.tensor(v)), jc.check(jaxtorch.tensor(v)), what=f"{name}.check")


def test_dependent_constraints():
    for C in (torch.distributions.constraints, jaxtorch.distributions.constraints):
        assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
        with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
            C.dependent.check(0)
        with pytest.raises(NotImplementedError, match="cannot be determined statically"):
            _ = C.dependent.event_dim
        assert C.dependent(is_discrete=True, event_dim=1).event_dim == 1
        assert repr(C.dependent) == "Dependent()"


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_constraint_registry(registry):
    cases = [
        lambda C: C.real,
        lambda C: C.positive,
        lambda C: C.greater_than(1.5),
        lambda C: C.less_than(-1.0),
        lambda C: C.interval(-2.0, 3.0),
        lambda C: C.unit_interval,
        lambda C: C.simplex,
        lambda C: C.independent(C.positive, 1),
        lambda C: C.corr_cholesky,
        lambda C: C.cat([C.positive, C.real], dim=-1, lengths=[1, 2]),
        lambda C: C.stack([C.positive, C.unit_interval, C.real], dim=-1),
    ]
    if registry == "transform_to":
        cases += [lambda C: C.lower_cholesky, lambda C: C.positive_definite]
    for make in cases:
        tt = getattr(torch.distributions, registry)(make(torch.distributions.constraints))
        jt = getattr(jaxtorch.distributions, registry)(make(jaxtorch.distributions.constraints))
        assert repr(tt) == repr(jt)
        x = (
            MAT
            if tt.domain.event_dim == 2
            else VEC3
            if isinstance(tt, torch.distributions.CorrCholeskyTransform)
            else REAL
        )
        assert_close(tt(torch.tensor(x)), jt(jaxtorch.tensor(x)), rtol=1e-5, atol=1e-6, what=repr(tt))
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        getattr(jaxtorch.distributions, registry)(jaxtorch.distributions.constraints.boolean)


def test_register_constraint_factory():
    from jaxtorch.distributions.constraint_registry import ConstraintRegistry

    reg = ConstraintRegistry()
    C = jaxtorch.distributions.constraints

    @reg.register(C.positive)
    def _factory(constraint):
        return jaxtorch.distributions.SoftplusTransform()

    assert isinstance(reg(C.greater_than(2.0)), jaxtorch.distributions.SoftplusTransform)
    with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
        reg.register(3, _factory)


def test_utils():
    TU, JU = torch.distributions.utils, jaxtorch.distributions.utils
    probs = rng.uniform(0.0, 1.0, (2, 3)).astype(np.float32)
    logits = rng.normal(size=(2, 3)).astype(np.float32)
    for binary in (False, True):
        assert_close(
            TU.probs_to_logits(torch.tensor(probs), binary), JU.probs_to_logits(jaxtorch.tensor(probs), binary)
        )
        assert_close(
            TU.logits_to_probs(torch.tensor(logits), binary), JU.logits_to_probs(jaxtorch.tensor(logits), binary)
        )
    assert_close(TU.clamp_probs(torch.tensor([0.0, 1.0, 0.5])), JU.clamp_probs(jaxtorch.tensor([0.0, 1.0, 0.5])))
    t_out = TU.broadcast_all(torch.tensor([1.0, 2.0]), 3.0, torch.zeros(3, 1, dtype=torch.float64))
    j_out = JU.broadcast_all(jaxtorch.tensor([1.0, 2.0]), 3.0, jaxtorch.zeros(3, 1, dtype=jaxtorch.float64))
    assert_close(list(t_out), list(j_out))
    assert_close(list(TU.broadcast_all(1.0, 2)), list(JU.broadcast_all(1.0, 2)))
    for U in (TU, JU):
        with pytest.raises(ValueError, match="Input arguments must all be instances of Number"):
            U.broadcast_all("a")
    for diag in (0, -1, 1):
        assert_close(TU.tril_matrix_to_vec(torch.tensor(MAT), diag), JU.tril_matrix_to_vec(jaxtorch.tensor(MAT), diag))
        n = MAT.shape[-1]
        size = sum(max(0, min(n, i + diag + 1)) for i in range(n))
        v = rng.normal(size=(2, size)).astype(np.float32)
        assert_close(TU.vec_to_tril_matrix(torch.tensor(v), diag), JU.vec_to_tril_matrix(jaxtorch.tensor(v), diag))
    for U, T in ((TU, torch), (JU, jaxtorch)):
        with pytest.raises(ValueError, match="cannot be expressed as the lower triangular part"):
            U.vec_to_tril_matrix(T.zeros(5))
    assert TU.euler_constant == JU.euler_constant

    class Thing:
        calls = 0

        @JU.lazy_property
        def value(self):
            Thing.calls += 1
            return 42

    th = Thing()
    assert th.value == 42 and th.value == 42 and Thing.calls == 1
    assert isinstance(Thing.value, property) and isinstance(Thing.value, JU.lazy_property)
