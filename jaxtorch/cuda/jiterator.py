"""torch.cuda.jiterator: elementwise CUDA kernels compiled at run time from a C++ source string.

jaxtorch has no C++ kernel compiler (its ops are XLA programs; write the function with jaxtorch ops and
torch.compile it instead). Creating a jitted function works as in torch; calling it raises torch's AssertionError
without a GPU and NotImplementedError with one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import _unsupported

__all__: list = []


_TEMPLATE_FUNCTION = re.compile(
    r"\s*template\s*(?P<template_params><.+>)\s*(?P<return_type>\w+)\s+(?P<function_name>\w+)\s*"
    r"(?P<function_params>\(.+\))\s*(?P<function_body>\{.+\})\s*",
    re.DOTALL,
)


def _function_name(code_string: str) -> str:
    """The name of the C++ function template in `code_string` (torch checks the source has that form)."""
    match = _TEMPLATE_FUNCTION.match(code_string)
    if match is None:
        raise Exception(f"Couldn't parse code, please check correctness:\n {code_string}")  # torch's type
    return match["function_name"]


class _JittedFunction:
    def __init__(self, code_string: str, return_by_ref: bool, num_outputs: int, **kwargs) -> None:
        if not return_by_ref and num_outputs != 1:
            raise AssertionError("Return by value only works for single output.")
        self.code_string = code_string
        self.kernel_name = _function_name(code_string)
        self.return_by_ref = return_by_ref
        self.num_outputs = num_outputs
        self.kwargs_dict = kwargs

    def __call__(self, *tensors, **kwargs):
        from . import _gpus

        if not _gpus():
            raise AssertionError("Jiterator is only supported on CUDA and ROCm GPUs, none are available.")
        raise NotImplementedError(
            _unsupported.message("torch.cuda.jiterator", "jaxtorch cannot compile CUDA C++ source at run time")
        )


def _create_jit_fn(code_string: str, **kwargs) -> Callable:
    """A function running the elementwise C++ template `code_string` (see the module docstring)."""
    return _JittedFunction(code_string, return_by_ref=False, num_outputs=1, **kwargs)


def _create_multi_output_jit_fn(code_string: str, num_outputs: int, **kwargs) -> Callable:
    return _JittedFunction(code_string, return_by_ref=True, num_outputs=num_outputs, **kwargs)
