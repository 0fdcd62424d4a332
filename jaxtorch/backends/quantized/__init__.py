"""torch.backends.quantized: the kernel library for quantized ops. jaxtorch has no quantized kernels (see
torch.ao.quantization), so the only engine is "none": `engine` reads "none", `supported_engines` is ["none"], and
choosing a real engine raises torch's error for an engine the build does not support."""

from __future__ import annotations


from ... import _shim

__all__: list = []

_ENGINES = {"none": 0, "": 0, None: 0, "fbgemm": 1, "qnnpack": 2, "onednn": 3, "x86": 4}
_state = {"engine": "none"}


def _get_qengine_id(qengine: str | None) -> int:
    if qengine not in _ENGINES:
        raise RuntimeError(f"{qengine} is not a valid value for quantized engine")
    return _ENGINES[qengine]


def _get_qengine_str(qengine: int) -> str:
    return {0: "none", 1: "fbgemm", 2: "qnnpack", 3: "onednn", 4: "x86"}.get(qengine, "*undefined")


class _QEngineProp:
    def __get__(self, obj, objtype=None) -> str:
        return _state["engine"]

    def __set__(self, obj, val: str) -> None:
        engine = _get_qengine_str(_get_qengine_id(val))
        if engine != "none":
            raise RuntimeError(f"quantized engine {engine.upper()} is not supported")
        _state["engine"] = engine


class _SupportedQEnginesProp:
    def __get__(self, obj, objtype=None) -> list:
        return ["none"]

    def __set__(self, obj, val) -> None:
        raise RuntimeError("Assignment not supported")


__getattr__ = _shim._make_getattr(__name__)

from .. import _give_props  # noqa: E402

_give_props(__name__, "QuantizedEngine", {"engine": _QEngineProp(), "supported_engines": _SupportedQEnginesProp()})
