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
        # the local rank differs per process: the workers' bootstrap adds it from the environment
        if args.no_python:
            raise ValueError("jaxtorch.distributed.launch: --no_python needs --use-env")
        args.append_local_rank = True
    sys.exit(_run.run(args))


if __name__ == "__main__":
    main()
