"""torch.nn.functional: the math every layer calls, as functions of tensors."""

from ._functional.activation import *  # noqa: F401,F403
from ._functional.linear import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.distance import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.pool import *  # noqa: F401,F403
from ._functional.norm import *  # noqa: F401,F403
from ._functional.padding import *  # noqa: F401,F403
from ._functional.vision import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
