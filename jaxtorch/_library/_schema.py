"""Operator schemas: parsing `name.overload(Tensor x, *, float k=2.) -> Tensor` and binding calls to them.

torch keeps schemas in C++ (`torch._C.FunctionSchema`); jaxtorch parses the same text in Python. A parsed
schema binds a Python call the way torch's dispatcher does: positional and keyword arguments are matched to
the declared arguments, each value is checked and converted for its type (an int passed for a `float` becomes
a float, a tuple for `int[]` a list, a string for `Device` a device), and the kernel receives the arguments
with trailing ones that equal their defaults left out, as torch's kernels do.
"""

from __future__ import annotations

import operator
import re

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NO_DEFAULT = object()

# torch's base types; any other name is a parse error, as in torch
_BASE_TYPES = frozenset(
    {
        "Tensor",
        "int",
        "SymInt",
        "float",
        "bool",
        "str",
        "Scalar",
        "ScalarType",
        "Device",
        "Layout",
        "MemoryFormat",
        "Generator",
        "Dimname",
        "Any",
        "complex",
        "Storage",
        "Stream",
        "QScheme",
        "t",
        "GraphModule",
        "DeviceIndex",
    }
)
_LIST_DEFAULT_TYPES = frozenset({"int", "SymInt", "float", "complex", "bool"})


class AliasInfo:
    """`(a!)` / `(a)` / `(a -> *)` after a type: which alias set the value belongs to and whether it is written."""

    def __init__(self, before_set: str, is_write: bool) -> None:
        self.before_set = {before_set}
        self.after_set = {before_set}
        self.is_write = is_write

    def __repr__(self) -> str:
        return f"{next(iter(self.before_set))}{'!' if self.is_write else ''}"


class _Type:
    """base name, with `optional` (T?), a list layer (T[] / T[N]) and optionality of the elements (T?[])."""

    def __init__(
        self,
        base: str,
        elem_optional: bool = False,
        is_list: bool = False,
        size: int | None = None,
        optional: bool = False,
    ) -> None:
        self.base, self.elem_optional, self.is_list, self.size, self.optional = (
            base,
            elem_optional,
            is_list,
            size,
            optional,
        )

    def is_tensor_like(self) -> bool:
        return self.base == "Tensor"

    def python_name(self) -> str:
        """The type name torch's binding errors use ('Tensor', 'List[int]', 'Optional[List[Tensor]]')."""
        names = {"SymInt": "int", "Scalar": "number", "ScalarType": "int", "Layout": "int", "MemoryFormat": "int"}
        s = names.get(self.base, self.base)
        if self.elem_optional:
            s = f"Optional[{s}]"
        if self.is_list:
            s = f"List[{s}]"
        if self.optional:
            s = f"Optional[{s}]"
        return s


class Argument:
    def __init__(
        self,
        name: str,
        type_: _Type,
        type_text: str,
        default,
        default_text: str | None,
        kwarg_only: bool,
        alias_info: AliasInfo | None,
    ) -> None:
        self.name = name
        self.type = type_
        self._type_text = type_text
        self.default_value = default
        self._default_text = default_text
        self.kwarg_only = kwarg_only
        self.alias_info = alias_info

    @property
    def has_default_value(self) -> bool:
        return self.default_value is not _NO_DEFAULT

    def __str__(self) -> str:
        s = f"{self._type_text} {self.name}" if self.name else self._type_text
        return s if self._default_text is None else f"{s}={self._default_text}"

    __repr__ = __str__


class FunctionSchema:
    """A parsed operator schema (torch.FunctionSchema's read-only surface)."""

    def __init__(self, name: str, overload_name: str, arguments: list, returns: list, text_returns: str) -> None:
        self.name = name
        self.overload_name = overload_name
        self.arguments = arguments
        self.returns = returns
        self._returns_text = text_returns

    @property
    def is_mutable(self) -> bool:
        return any(a.alias_info is not None and a.alias_info.is_write for a in self.arguments)

    def _is_view_op(self) -> bool:
        return any(a.alias_info is not None and not a.alias_info.is_write for a in self.arguments)

    def __str__(self) -> str:
        head = self.name + (f".{self.overload_name}" if self.overload_name else "")
        parts = []
        star = False
        for a in self.arguments:
            if a.kwarg_only and not star:
                parts.append("*")
                star = True
            parts.append(str(a))
        return f"{head}({', '.join(parts)}) -> {self._returns_text}"

    def __repr__(self) -> str:
        return str(self)

    # ---------------------------------------------------------------- binding a call
    def bind(self, args: tuple, kwargs: dict) -> tuple[list, list]:
        """Match a call to the arguments: (values of every argument, defaults filled in, converted for its type;
        which of them were given explicitly)."""
        positional = [a for a in self.arguments if not a.kwarg_only]
        if len(args) > len(positional):
            if len(positional) < len(self.arguments):
                raise RuntimeError(
                    f"{self.name}() takes {len(positional)} positional argument(s) but {len(args)} "
                    f"was/were given.  Declaration: {self}"
                )
            raise RuntimeError(
                f"{self.name}() expected at most {len(self.arguments)} argument(s) but received "
                f"{len(args)} argument(s). Declaration: {self}"
            )
        names = {a.name for a in self.arguments}
        for k in kwargs:
            if k not in names:
                raise RuntimeError(f"Unknown keyword argument '{k}' for operator '{self.name}'. Schema: {self}")
        values, given = [], []
        for i, a in enumerate(self.arguments):
            if i < len(args):
                if a.name in kwargs:
                    raise RuntimeError(
                        f"Argument '{a.name}' specified both as positional and keyword argument. Schema: {self}"
                    )
                v, g = args[i], True
            elif a.name in kwargs:
                v, g = kwargs[a.name], True
            elif a.has_default_value:
                v, g = a.default_value, False
            else:
                raise RuntimeError(f"{self.name}() is missing value for argument '{a.name}'. Declaration: {self}")
            if g:
                v = _convert(self, a, i, v)
            values.append(v)
            given.append(g)
        return values, given

    def kernel_call(self, values: list) -> tuple[tuple, dict]:
        """(args, kwargs) a kernel receives: positional arguments up to the last one that differs from its
        default, keyword-only ones that differ from theirs (torch's dispatcher drops the rest)."""
        pos = [(a, v) for a, v in zip(self.arguments, values) if not a.kwarg_only]
        n = len(pos)
        while n and pos[n - 1][0].has_default_value and _same(pos[n - 1][1], pos[n - 1][0].default_value):
            n -= 1
        kwargs = {
            a.name: v
            for a, v in zip(self.arguments, values)
            if a.kwarg_only and not (a.has_default_value and _same(v, a.default_value))
        }
        return tuple(v for _, v in pos[:n]), kwargs

    def split(self, values: list) -> tuple[tuple, dict]:
        """(positional arguments, keyword-only arguments), defaults filled in (what setup_context sees)."""
        return (
            tuple(v for a, v in zip(self.arguments, values) if not a.kwarg_only),
            {a.name: v for a, v in zip(self.arguments, values) if a.kwarg_only},
        )


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


# ---------------------------------------------------------------------------------------------
# value checks for a call


class _CastError(Exception):
    pass


def _convert(schema: FunctionSchema, arg: Argument, pos: int, value):
    try:
        return _convert_type(arg.type, value)
    except _CastError as e:
        raise RuntimeError(
            f"{schema.name}() Expected a value of type '{arg.type.python_name()}' for argument '{arg.name}' but "
            f"instead found type '{type(value).__name__}'.\nPosition: {pos}\nValue: {value!r}\nDeclaration: {schema}\n"
            f"Cast error details: {e}"
        ) from None


def _convert_type(t: _Type, value):
    if t.optional and value is None:
        return None
    if t.is_list:
        if t.size is not None and t.base in ("int", "SymInt", "bool") and _is_int(value):
            return [value] * t.size  # int[2] accepts one int for all
        if not isinstance(value, (list, tuple)) or (t.base != "Tensor" and _is_tensor(value)):
            raise _CastError(f"Unable to cast {value!r} to a list")
        out = []
        for v in value:
            if v is None and t.elem_optional:
                out.append(None)
            else:
                out.append(_convert_scalar(t.base, v))
        return out
    return _convert_scalar(t.base, value)


def _is_tensor(v) -> bool:
    from .._tensor import Tensor

    return isinstance(v, Tensor)


def _is_int(v) -> bool:
    return (isinstance(v, int) or hasattr(v, "__index__")) and not isinstance(v, bool) and not _is_tensor(v)


def _convert_scalar(base: str, v):
    from .._device import device
    from .._dtype import dtype

    if base == "Tensor":
        if not _is_tensor(v):
            raise _CastError(f"Unable to cast {v!r} to Tensor")
        return v
    if base in ("int", "SymInt", "DeviceIndex"):
        if isinstance(v, bool):
            return int(v)
        if _is_tensor(v) and v.dim() == 0 and not v.is_floating_point() and not v.is_complex():
            return int(v.item())
        if not _is_int(v):
            raise _CastError(f"Unable to cast {v!r} to int")
        return operator.index(v)
    if base == "float":
        if _is_tensor(v) and v.dim() == 0:
            return float(v.item())
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _CastError(f"Unable to cast {v!r} to float")
        return float(v)
    if base == "complex":
        if not isinstance(v, (int, float, complex)):
            raise _CastError(f"Unable to cast {v!r} to complex")
        return complex(v)
    if base == "bool":
        if not isinstance(v, bool):
            raise _CastError(f"Unable to cast {v!r} to bool")
        return v
    if base == "str":
        if not isinstance(v, str):
            raise _CastError(f"Unable to cast {v!r} to str")
        return v
    if base == "Scalar":
        if _is_tensor(v) or not isinstance(v, (int, float, complex, bool)):
            raise _CastError(f"Cannot cast {v!r} to number")
        return v
    if base == "ScalarType":
        if not isinstance(v, dtype):
            raise _CastError(f"Unable to cast {v!r} to a dtype")
        return v
    if base == "Device":
        if isinstance(v, device):
            return v
        if isinstance(v, str):
            return device(v)
        raise _CastError(f"Unable to cast {v!r} to a device")
    return v  # Layout, MemoryFormat, Generator, Any, ...: passed as they are


# ---------------------------------------------------------------------------------------------
# parsing


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def error(self, what: str):
        found = self.text[self.i] if self.i < len(self.text) else "eof"
        if found.isdigit():
            found = "number"
        raise RuntimeError(f"expected {what} but found '{found}' here:\n{self.text}\n{' ' * self.i}~ <--- HERE\n")

    def ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i] == " ":
            self.i += 1

    def peek(self, s: str) -> bool:
        self.ws()
        return self.text.startswith(s, self.i)

    def eat(self, s: str) -> bool:
        if self.peek(s):
            self.i += len(s)
            return True
        return False

    def expect(self, s: str) -> None:
        if not self.eat(s):
            self.error(f"'{s}'")

    def ident(self) -> str:
        self.ws()
        m = _IDENT.match(self.text, self.i)
        if m is None:
            self.error("ident")
        self.i = m.end()
        return m.group()

    def at_end(self) -> bool:
        self.ws()
        return self.i >= len(self.text)


def parse_name(text: str) -> tuple[str, str]:
    """'ns::op.overload' or 'op.overload' -> (name, overload); errors like torch's schema parser."""
    p = _Parser(text)
    name, overload = _parse_name(p)
    if not p.at_end():
        p.error("eof")
    return name, overload


def _parse_name(p: _Parser) -> tuple[str, str]:
    name = p.ident()
    if p.text.startswith("::", p.i):
        p.i += 2
        name += "::" + p.ident()
    overload = ""
    if p.text.startswith(".", p.i):
        p.i += 1
        overload = p.ident()
    return name, overload


def parse_schema(text: str) -> FunctionSchema:
    """Parse an operator schema, e.g. 'foo.out(Tensor x, *, Tensor(a!) out) -> Tensor(a!)'."""
    p = _Parser(text)
    name, overload = _parse_name(p)
    p.expect("(")
    arguments = []
    kwarg_only = False
    seen = set()
    if not p.eat(")"):
        while True:
            if p.eat("*"):
                kwarg_only = True
            else:
                a = _parse_argument(p, kwarg_only)
                if a.name in seen:
                    raise RuntimeError(f"duplicate argument name '{a.name}' in schema:\n{text}")
                seen.add(a.name)
                arguments.append(a)
            if p.eat(")"):
                break
            p.expect(",")
    p.expect("->")
    p.ws()
    start = p.i
    returns = _parse_returns(p)
    returns_text = text[start : p.i].strip()
    if not p.at_end():
        p.error("eof")
    return FunctionSchema(name, overload, arguments, returns, returns_text)


def _parse_type(p: _Parser) -> tuple[_Type, AliasInfo | None, str]:
    p.ws()
    start = p.i
    base = p.ident()
    if base not in _BASE_TYPES:
        p.i = start
        raise RuntimeError(f"Unknown type name '{base}':\n{p.text}\n{' ' * start}~ <--- HERE\n")
    alias = None
    if p.text.startswith("(", p.i):
        p.i += 1
        a = p.ident()
        write = p.eat("!")
        if p.eat("->"):
            p.eat("*")
        p.expect(")")
        alias = AliasInfo(a, write)
    t = _Type(base)
    if p.text.startswith("?", p.i):
        p.i += 1
        t.elem_optional = True
    if p.text.startswith("[", p.i):
        p.i += 1
        m = re.compile(r"\d+").match(p.text, p.i)
        if m is not None:
            t.size = int(m.group())
            p.i = m.end()
        p.expect("]")
        t.is_list = True
        if p.text.startswith("?", p.i):
            p.i += 1
            t.optional = True
        if p.text.startswith("(", p.i):  # Tensor[](a!)
            p.i += 1
            a = p.ident()
            write = p.eat("!")
            p.expect(")")
            alias = AliasInfo(a, write)
    elif t.elem_optional:
        t.elem_optional, t.optional = False, True
    return t, alias, p.text[start : p.i]


def _parse_argument(p: _Parser, kwarg_only: bool) -> Argument:
    t, alias, type_text = _parse_type(p)
    name = p.ident()
    default, default_text = _NO_DEFAULT, None
    if p.eat("="):
        p.ws()
        start = p.i
        default = _parse_default(p, t)
        default_text = _default_str(default, p.text[start : p.i].strip())
    return Argument(name, t, type_text, default, default_text, kwarg_only, alias)


def _default_str(v, text: str) -> str:
    """A default as torch prints it in a schema (floats with 17 significant digits, '2.' for 2.0)."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        s = f"{v:.17g}"
        return s if any(c in s for c in ".ein") else s + "."
    if isinstance(v, list):
        return "[" + ", ".join(_default_str(x, "") for x in v) + "]"
    if isinstance(v, str) and text[:1] in "\"'":
        return f'"{v}"'
    return str(v) if not isinstance(v, str) else text


_NUMBER = re.compile(r"-?(\d+\.?\d*(e-?\d+)?|\.\d+(e-?\d+)?)|-?inf|nan")


def _parse_default(p: _Parser, t: _Type):
    from .. import _dtype

    text = p.text
    if text.startswith("[", p.i):
        if t.base not in _LIST_DEFAULT_TYPES:
            raise RuntimeError(
                f"\nlists are only supported for float, int and complex types:\n{text}\n{' ' * p.i}~ <--- HERE\n"
            )
        end = text.index("]", p.i)
        body = text[p.i + 1 : end].strip()
        p.i = end + 1
        return [_scalar_default(x.strip(), t.base) for x in body.split(",")] if body else []
    if text.startswith(('"', "'"), p.i):
        q = text[p.i]
        end = text.index(q, p.i + 1)
        s = text[p.i + 1 : end]
        p.i = end + 1
        if t.base == "Device":
            from .._device import device

            return device(s)
        return s
    m = _NUMBER.match(text, p.i)
    if m is not None:
        p.i = m.end()
        v = _scalar_default(m.group(), t.base)
        if t.is_list and t.size is not None:
            return [v] * t.size
        return v
    word = p.ident()
    if word == "None":
        return None
    if word in ("True", "False"):
        return word == "True"
    if t.base == "ScalarType":
        return _dtype._dtype_from_name(word) if word in _dtype._BY_NAME else word
    if t.base == "MemoryFormat":
        from .. import _memory_format

        return getattr(_memory_format, word, word)
    return word  # layouts, reductions ('Mean'), ...: kept as their names


def _scalar_default(s: str, base: str):
    if s in ("True", "False"):
        return s == "True"
    if base == "float":
        return float(s)
    if base == "complex":
        return complex(float(s))
    return float(s) if any(c in s for c in ".en") else int(s)


def _parse_returns(p: _Parser) -> list:
    if p.eat("("):
        rets = []
        if p.eat(")"):
            return rets
        while True:
            if p.peek("("):  # '((Tensor))': a tuple of one
                p.expect("(")
                rets.extend(_parse_returns_inner(p))
                p.expect(")")
            else:
                rets.append(_parse_return(p))
            if p.eat(")"):
                return rets
            p.expect(",")
    return [_parse_return(p)]


def _parse_returns_inner(p: _Parser) -> list:
    rets = [_parse_return(p)]
    while p.eat(","):
        rets.append(_parse_return(p))
    return rets


def _parse_return(p: _Parser) -> Argument:
    t, alias, type_text = _parse_type(p)
    name = ""
    p.ws()
    m = _IDENT.match(p.text, p.i)
    if m is not None:
        name = m.group()
        p.i = m.end()
    return Argument(name, t, type_text, _NO_DEFAULT, None, False, alias)


def returns_tuple(schema: FunctionSchema) -> bool:
    """Whether the op returns a tuple (several returns, or the one-element tuple '((Tensor))')."""
    r = schema._returns_text
    return len(schema.returns) != 1 or (r.startswith("((") and r.endswith("))"))
