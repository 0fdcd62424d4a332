"""The machinery behind torch.library and torch.ops (torch._library): schemas, the operator table and its
dispatch, custom_op, autograd for custom ops, fake impls, and running kernels under a JAX trace."""

from . import autograd, custom_ops, fake_impl, infer_schema, utils  # noqa: F401
