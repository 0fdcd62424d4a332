"""torch.nn.modules.channelshuffle: ChannelShuffle (jaxtorch keeps it next to PixelShuffle; this is the same
class under torch's path)."""

from .pixelshuffle import ChannelShuffle

__all__ = ["ChannelShuffle"]
