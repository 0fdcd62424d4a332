"""torch.nn.modules: every layer, loss and container."""

from .module import Module  # noqa: F401
from .container import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from ._attention import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .instancenorm import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pixelshuffle import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403
from .fold import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
from .adaptive import *  # noqa: F401,F403
from . import lazy  # noqa: F401  (torch.nn.modules.lazy.LazyModuleMixin; torch.nn does not export it)
from . import channelshuffle, linear_cross_entropy_options  # noqa: F401  (torch's module paths)
# not `utils` here: with no __all__, `from .modules import *` in nn/__init__ would export it as torch.nn.utils

# torch keeps MultiheadAttention in activation.py: the same path must resolve here (pickles, imports)
from . import _attention as _attention_mod, activation as _activation_mod  # noqa: E402

_activation_mod.MultiheadAttention = _attention_mod.MultiheadAttention
