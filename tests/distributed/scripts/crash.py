"""Worker: rank 1 raises (after or before joining the group) while rank 0 waits in a collective / in init."""

import sys
import time

when = sys.argv[1]  # "after_init", "before_init" or "exit3"
import os  # noqa: E402

rank = int(os.environ["RANK"])
if when == "exit3":
    if rank == 0:
        sys.exit(3)
    time.sleep(600)
if when == "before_init" and rank == 1:
    raise ValueError("rank 1 exploded before init on purpose")

import jaxtorch  # noqa: E402
import jaxtorch.distributed as dist  # noqa: E402

dist.init_process_group("gloo")
t = jaxtorch.ones(3)
dist.all_reduce(t)  # both ranks get here once
if rank == 1:
    raise ValueError("rank 1 exploded on purpose")
dist.all_reduce(t)  # rank 0 waits here for a peer that is gone
time.sleep(600)
