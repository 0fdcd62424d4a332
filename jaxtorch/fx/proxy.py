"""torch.fx.proxy: FX tracing proxies; no object is ever a Proxy in jaxtorch (see torch.fx)."""

from .. import _unsupported
from ._symbolic_trace import _WHY

__all__ = ["Proxy", "TracerBase", "Attribute", "ParameterProxy"]

Proxy = _unsupported.cls("torch.fx.Proxy", _WHY)
TracerBase = _unsupported.cls("torch.fx.proxy.TracerBase", _WHY)
Attribute = _unsupported.cls("torch.fx.proxy.Attribute", _WHY, bases=(Proxy,))
ParameterProxy = _unsupported.cls("torch.fx.proxy.ParameterProxy", _WHY, bases=(Proxy,))
