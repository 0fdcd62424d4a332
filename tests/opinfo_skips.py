"""Explicit exclusions for tests/test_opinfo.py, each with its reason.

SKIPS: op name -> (category, reason); both forward and gradient cases are skipped.
GRAD_SKIPS: op name -> reason; only the gradient case is skipped.
NONDETERMINISTIC: ops whose values are random or uninitialised; only shapes and dtypes are compared.
RANDOM_IN_TRAINING: the same, but only for samples called with training=True.
LOOSE: op name -> (rtol, atol, reason) for float32 results that legitimately differ more.
"""

SKIPS: dict = {
    "as_strided.partial_views": ("storage aliasing", "samples are views into a larger torch storage whose strides "
                                 "address that storage; a numpy copy of the view cannot carry it"),
}

_RANDOM_GRAD = "random draw: the gradient depends on the sampled values, which differ from torch's by design"
GRAD_SKIPS: dict = {
    "normal": _RANDOM_GRAD, "bernoulli": _RANDOM_GRAD,
    "nn.functional.fractional_max_pool3d": _RANDOM_GRAD,  # window starts drawn by torch's generator
    "linalg.eig": "JAX refuses eigenvector derivatives of non-symmetric matrices (enable_eigvec_derivs)",
    "as_strided_scatter": "torch 2.13's derivative w.r.t. input is wrong (overwritten elements get gradient; "
                          "tests/test_misc_ops.py checks ours against slice_scatter's instead)",
}

NONDETERMINISTIC: set = {
    # uninitialised memory
    "empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided", "empty_permuted",
    # random draws: jaxtorch's generator is not bit-compatible with torch's (DESIGN.md section 6)
    "rand_like", "randn", "randn_like", "randint", "randint_like", "multinomial", "normal", "bernoulli",
    "uniform", "exponential", "geometric", "log_normal", "cauchy", "nn.functional.dropout",
    # window starts from random samples (the 2-D OpInfo samples all have integer window spacing, so their
    # windows do not depend on the draw and are compared in full)
    "nn.functional.fractional_max_pool3d",
}

# ops that draw random numbers (dropout masks, rrelu slopes) only when called with training=True: those
# samples compare only shapes and dtypes, and are left out of the gradient check (the gradient is the
# random mask/slope itself); their training=False samples are compared in full
RANDOM_IN_TRAINING: set = {"nn.functional.rrelu", "nn.functional.feature_alpha_dropout",
                           "nn.functional.multi_head_attention_forward"}

_SUM_ORDER = "float32 sums of many products accumulate in a different order than torch's BLAS"
LOOSE: dict = {
    "addbmm": (1e-4, 1e-5, _SUM_ORDER),
    "matrix_exp": (2e-3, 1e-5, "float32 scaling-and-squaring with different Pade degree/scaling than torch; "
                               "entries reach 1e4 and the squarings amplify rounding"),
    "linalg.lstsq": (1e-5, 1e-5, "float32 least-squares solutions carry an absolute error ~eps * max|x| (entries up "
                                 "to ~10 here) whatever the entry's own size; LAPACK's gels and an SVD-based "
                                 "pinv round differently"),
    "logcumsumexp": (2e-4, 1e-5, "torch's float32 backward is itself off by up to 4e-3 (gradients ~5) from the float64 "
                                 "gradient on OpInfo's sample; ours is within 5e-7 of it"),
    "nn.functional.ctc_loss": (2e-4, 1e-5, "torch's float32 gradient is off by up to 1e-4 (gradients ~1.4) from the "
                                           "float64 one on OpInfo's samples; ours is within 1.2e-5 of it"),
    "nn.functional.scaled_dot_product_attention": (1e-5, 3e-6, "saturated softmax rows: gradient entries that are ~0 "
                                                               "are differences of terms ~27 and keep their float32 "
                                                               "rounding (torch's own float32 result is 1.3e-5 from "
                                                               "the float64 one there, ours 1.9e-5)"),
    "polygamma": (1e-4, 1e-6, "n >= 2 at negative x uses the reflection formula, which cancels in float32"),
    "special.polygamma": (1e-4, 1e-6, "same function as polygamma (reflection formula at negative x, n >= 2)"),
}

# decompositions defined only up to sign/phase: the forward compares OpInfo's invariant form
SIGN_AMBIGUOUS: set = {"linalg.eigh", "linalg.eig", "linalg.svd", "svd", "linalg.qr", "qr", "svd_lowrank",
                       "pca_lowrank"}  # lowrank: random projections too; compared as (U V^H, S)

# (values, indices) ops: on integer samples ties are common and torch leaves the chosen index unspecified
TIE_AMBIGUOUS: set = {"kthvalue", "topk", "median", "nanmedian", "mode", "sort", "msort", "max", "min", "cummax",
                      "cummin"}
