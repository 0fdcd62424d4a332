"""torch.nested: nested (ragged) tensors are not supported by jaxtorch; the functions raise NotImplementedError.

Pad ragged sequences into one tensor instead (torch.nn.utils.rnn.pad_sequence) and carry a mask or lengths.
"""

from . import _unsupported

__all__ = [
    "to_padded_tensor",
    "as_nested_tensor",
    "nested_tensor",
    "nested_tensor_from_jagged",
    "narrow",
    "masked_select",
]

_WHY = (
    "jaxtorch has no nested (ragged) tensor layout; pad the sequences (nn.utils.rnn.pad_sequence) and carry "
    "lengths or a mask"
)

to_padded_tensor = _unsupported.function("torch.nested.to_padded_tensor", _WHY)
as_nested_tensor = _unsupported.function("torch.nested.as_nested_tensor", _WHY)
nested_tensor = _unsupported.function("torch.nested.nested_tensor", _WHY)
nested_tensor_from_jagged = _unsupported.function("torch.nested.nested_tensor_from_jagged", _WHY)
narrow = _unsupported.function("torch.nested.narrow", _WHY)
masked_select = _unsupported.function("torch.nested.masked_select", _WHY)
