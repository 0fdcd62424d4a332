"""torch.utils.show_pickle: print what a pickle contains without importing or running anything from it.

`DumpUnpickler` replaces every class or function a pickle names with a `FakeClass` and every object it builds with
a `FakeObject` (module, name, args, state), and persistent ids (how torch.save refers to storages) with
`pers.obj(pid)`; the result is pretty-printed. `python -m torch.utils.show_pickle FILE` (or `archive.zip@member`,
or `archive.zip@glob` for the first matching member) prints a file, e.g. the data.pkl of a torch.save archive.
"""

from __future__ import annotations

import fnmatch
import pickle
import pprint
import struct
import sys
import zipfile
from typing import IO, Any

__all__ = ["FakeObject", "FakeClass", "DumpUnpickler", "main"]


class FakeObject:
    """An object the pickle would have built: `module.name(*args)`, then `__setstate__(state)`."""

    def __init__(self, module: str, name: str, args: tuple) -> None:
        self.module = module
        self.name = name
        self.args = args
        self.state = None  # a state never set and a state set to None look the same

    def __repr__(self) -> str:
        state = "" if self.state is None else f"(state={self.state!r})"
        return f"{self.module}.{self.name}{self.args!r}{state}"

    def __setstate__(self, state: Any) -> None:
        self.state = state

    @staticmethod
    def pp_format(printer, obj, stream, indent, allowance, context, level) -> None:
        """pprint hook: lay out args or state over several lines like a container."""
        if not obj.args and obj.state is None:
            stream.write(repr(obj))
        elif obj.state is None:
            stream.write(f"{obj.module}.{obj.name}")
            printer._format(obj.args, stream, indent + 1, allowance + 1, context, level)
        elif not obj.args:
            stream.write(f"{obj.module}.{obj.name}()(state=\n")
            indent += printer._indent_per_level
            stream.write(" " * indent)
            printer._format(obj.state, stream, indent, allowance + 1, context, level + 1)
            stream.write(")")
        else:
            raise NotImplementedError("pretty-printing an object with both args and state")


class FakeClass:
    """Stands for the class or function `module.name`; calling it (or its __new__) makes a FakeObject."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self.__new__ = self.fake_new

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"

    def __call__(self, *args: Any) -> FakeObject:
        return FakeObject(self.module, self.name, args)

    def fake_new(self, *args: Any) -> FakeObject:
        return FakeObject(self.module, self.name, args[1:])  # args[0] is the class itself


class DumpUnpickler(pickle._Unpickler):
    """An unpickler that imports nothing (see the module docstring). With `catch_invalid_utf8`, a string that is not
    valid UTF-8 (TorchScript objects can pickle such) loads as `builtin.UnicodeDecodeError(message)` instead of
    failing."""

    def __init__(self, file: IO[bytes], *, catch_invalid_utf8: bool = False, **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self.catch_invalid_utf8 = catch_invalid_utf8

    def find_class(self, module: str, name: str) -> FakeClass:
        return FakeClass(module, name)

    def persistent_load(self, pid: Any) -> FakeObject:
        return FakeObject("pers", "obj", (pid,))

    dispatch = dict(pickle._Unpickler.dispatch)

    def load_binunicode(self) -> None:
        (length,) = struct.unpack("<I", self.read(4))
        if length > sys.maxsize:
            raise pickle.UnpicklingError("String too long.")
        data = self.read(length)
        try:
            value: Any = str(data, "utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            if not self.catch_invalid_utf8:
                raise
            value = FakeObject("builtin", "UnicodeDecodeError", (str(exc),))
        self.append(value)

    dispatch[pickle.BINUNICODE[0]] = load_binunicode

    @classmethod
    def dump(cls, in_stream: IO[bytes], out_stream: IO[str] | None) -> Any:
        """Load a pickle from `in_stream` and pretty-print it to `out_stream` (stdout when None)."""
        value = cls(in_stream).load()
        pprint.pprint(value, stream=out_stream)
        return value


def main(argv: list[str], output_stream: IO[str] | None = None) -> int | None:
    """`show_pickle PICKLE_FILE` where PICKLE_FILE is a path, `file.zip@member.pkl` or `file.zip@*/pattern.*`
    (the first matching member). Returns 2 with a usage message for a wrong argv."""
    if len(argv) != 2:
        if output_stream is not None:
            raise ValueError("Pass argv of length 2.")
        sys.stderr.write(
            "usage: show_pickle PICKLE_FILE\n  PICKLE_FILE can be any of:\n    path to a pickle file\n"
            "    file.zip@member.pkl\n    file.zip@*/pattern.*\n      (shell glob pattern for members)\n"
            "      (only first match will be shown)\n"
        )
        return 2
    name = argv[1]
    if "@" not in name:
        with open(name, "rb") as handle:
            DumpUnpickler.dump(handle, output_stream)
        return None
    archive, member = name.split("@", 1)
    with zipfile.ZipFile(archive) as zf:
        if "*" not in member:
            with zf.open(member) as handle:
                DumpUnpickler.dump(handle, output_stream)
            return None
        for info in zf.infolist():
            if fnmatch.fnmatch(info.filename, member):
                with zf.open(info) as handle:
                    DumpUnpickler.dump(handle, output_stream)
                return None
    raise FileNotFoundError(f"Could not find member matching {member} in {archive}")


if __name__ == "__main__":
    pprint.PrettyPrinter._dispatch[FakeObject.__repr__] = FakeObject.pp_format
    sys.exit(main(sys.argv))
