"""torch.utils.mobile_optimizer: TorchScript passes for PyTorch Mobile. jaxtorch has no TorchScript modules, so
`optimize_for_mobile` and `generate_mobile_module_lints` raise NotImplementedError when called; the enums are
torch's."""

from __future__ import annotations

import enum

from .. import _unsupported

__all__ = ["LintCode", "MobileOptimizerType", "optimize_for_mobile", "generate_mobile_module_lints"]


class LintCode(enum.Enum):
    BUNDLED_INPUT = 1
    REQUIRES_GRAD = 2
    DROPOUT = 3
    BATCHNORM = 4


class MobileOptimizerType(enum.IntEnum):
    """The optimisation passes optimize_for_mobile can be told to skip."""

    CONV_BN_FUSION = 0
    INSERT_FOLD_PREPACK_OPS = 1
    REMOVE_DROPOUT = 2
    FUSE_ADD_RELU = 3
    HOIST_CONV_PACKED_PARAMS = 4
    VULKAN_AUTOMATIC_GPU_TRANSFER = 6


_WHY_NOT = "jaxtorch has no TorchScript modules"
optimize_for_mobile = _unsupported.function("torch.utils.mobile_optimizer.optimize_for_mobile", _WHY_NOT)
generate_mobile_module_lints = _unsupported.function(
    "torch.utils.mobile_optimizer.generate_mobile_module_lints", _WHY_NOT
)
