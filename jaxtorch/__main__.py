"""`python -m jaxtorch script.py [args...]`: run an unmodified PyTorch script on jaxtorch.

Also `python -m jaxtorch -m package.module [args...]` and `python -m jaxtorch -c "code" [args...]`.
`import torch` / `import torchvision` in the script (and in everything it imports) resolve to jaxtorch /
jaxtorch.vision (see jaxtorch/_shim.py). The script runs as `__main__` the way `python script.py` would run it:
sys.argv[0] is the script path, `__file__` is its absolute path, and its directory is sys.path[0].
"""

from __future__ import annotations

import os
import re
import runpy
import sys
import types

_replaced_mains: list = []
_USAGE = "usage: python -m jaxtorch (script.py | -m module | -c code) [args...]"


def _run_script(path: str) -> None:
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:  # python's own wording and exit status for a script it cannot open
        print(f"{sys.executable}: can't open file {os.path.abspath(path)!r}: [Errno {e.errno}] {e.strerror}",
              file=sys.stderr)
        raise SystemExit(2) from None
    # Python 3.9+ gives __main__ an absolute __file__ and puts the script's (symlink-resolved) directory first.
    abs_path = os.path.abspath(path)
    sys.path[0] = os.path.dirname(os.path.realpath(path))
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=abs_path, __builtins__=__builtins__, __cached__=None, __spec__=None,
                         __loader__=None, __package__=None)
    # Replace __main__ for good (as python does), so pickling of classes defined in the script, multiprocessing
    # children and atexit handlers all see the script as the main module.
    _replaced_mains.append(sys.modules["__main__"])  # keep this launcher module alive while it runs
    sys.modules["__main__"] = main
    code = compile(source, abs_path, "exec")
    exec(code, main.__dict__)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE, file=sys.stderr)
        raise SystemExit(0 if argv else 2)
    from . import _shim

    _shim.install()
    try:
        _run(argv)
    except ImportError as e:
        _explain(e)
        raise


def _explain(e: ImportError) -> None:
    """`from torch import missing` fails inside CPython with a generic ImportError that never consults the module's
    __getattr__ message; say which torch API it was."""
    from ._shim import torch_name

    found = re.match(r"cannot import name '([^']+)' from '([^']+)'", str(e))
    if found and found.group(2).startswith("jaxtorch"):
        e.add_note(f"{torch_name(found.group(2))}.{found.group(1)} is not supported yet in jaxtorch")


def _run(argv: list[str]) -> None:
    if argv[0] == "-m":
        if len(argv) < 2:
            raise SystemExit(_USAGE)
        sys.argv = argv[1:]  # runpy replaces argv[0] with the module's file, as `python -m` does
        sys.path[0] = os.getcwd()
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    elif argv[0] == "-c":
        if len(argv) < 2:
            raise SystemExit(_USAGE)
        sys.argv = ["-c", *argv[2:]]
        sys.path[0] = ""
        main_mod = types.ModuleType("__main__")
        main_mod.__dict__.update(__builtins__=__builtins__, __spec__=None, __loader__=None, __package__=None)
        _replaced_mains.append(sys.modules["__main__"])
        sys.modules["__main__"] = main_mod
        exec(compile(argv[1], "<string>", "exec"), main_mod.__dict__)
    else:
        sys.argv = list(argv)
        _run_script(argv[0])


if __name__ == "__main__":
    main()
