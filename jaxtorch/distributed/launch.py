"""`python -m jaxtorch.distributed.launch`: the old launcher's interface on top of `run`.

As torch's deprecated launcher, it passes `--local-rank=N` to the script unless `--use-env` is given
(LOCAL_RANK is always set in the environment too).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from . import run as _run


def main(argv: Sequence[str] | None = None) -> None:
    parser = _run.get_args_parser()
    parser.add_argument("--use-env", "--use_env", dest="use_env", action="store_true",
                        help="do not pass --local-rank; the script reads LOCAL_RANK")
    args = parser.parse_args(argv)
    if not args.use_env:
        # the local rank differs per process, so a tiny shim adds it from the environment
        shim = ("import os, runpy, sys; sys.argv = sys.argv[1:] + ['--local-rank=' + os.environ['LOCAL_RANK']]; "
                "runpy.run_path(sys.argv[0], run_name='__main__')")
        if args.module or args.no_python:
            raise ValueError("jaxtorch.distributed.launch: -m / --no_python need --use-env")
        args.training_script_args = ["-u", "-c", shim, args.training_script] + list(args.training_script_args)
        args.training_script, args.no_python = sys.executable, True
    sys.exit(_run.run(args))


if __name__ == "__main__":
    main()
