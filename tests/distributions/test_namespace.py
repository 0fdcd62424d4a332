"""jaxtorch.distributions exposes every public name of torch.distributions and its submodules, with the
same class hierarchy (so isinstance checks and KL dispatch behave alike)."""

import importlib

import pytest
import torch.distributions

import jaxtorch.distributions

SUBMODULES = [
    "constraints",
    "constraint_registry",
    "kl",
    "transforms",
    "utils",
    "distribution",
    "exp_family",
    "transformed_distribution",
    "independent",
    "normal",
    "multivariate_normal",
    "relaxed_bernoulli",
    "relaxed_categorical",
    "studentT",
    "von_mises",
    "lkj_cholesky",
    "wishart",
    "mixture_same_family",
]


def test_all_names():
    assert sorted(jaxtorch.distributions.__all__) == sorted(torch.distributions.__all__)
    for name in torch.distributions.__all__:
        assert hasattr(jaxtorch.distributions, name), name


@pytest.mark.parametrize("sub", SUBMODULES)
def test_submodule_names(sub):
    t_mod = importlib.import_module(f"torch.distributions.{sub}")
    j_mod = importlib.import_module(f"jaxtorch.distributions.{sub}")
    assert sorted(getattr(j_mod, "__all__", [])) == sorted(getattr(t_mod, "__all__", []))
    for name in getattr(t_mod, "__all__", []):
        assert hasattr(j_mod, name), f"{sub}.{name}"


def test_class_hierarchy():
    for name in torch.distributions.__all__:
        t_obj, j_obj = getattr(torch.distributions, name), getattr(jaxtorch.distributions, name)
        if not isinstance(t_obj, type):
            continue
        t_bases = [c.__name__ for c in t_obj.__mro__ if c.__module__.startswith("torch.distributions")]
        j_bases = [c.__name__ for c in j_obj.__mro__ if c.__module__.startswith("jaxtorch.distributions")]
        assert t_bases == j_bases, name
        for attr in ("has_rsample", "has_enumerate_support"):
            t_v, j_v = t_obj.__dict__.get(attr), j_obj.__dict__.get(attr)
            if isinstance(t_v, bool):
                assert t_v == j_v, f"{name}.{attr}"
