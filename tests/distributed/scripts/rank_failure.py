"""Worker: after init_process_group and one all_reduce, rank 1 leaves in one of many ways.

    LIB=torch|jaxtorch python -m <launcher> --nproc_per_node=2 rank_failure.py HOW [WAIT]

HOW is how rank 1 leaves: sys_exit_msg, system_exit3, os_exit5, sigkill, sigterm, segfault, raise,
exit0 (a clean early exit), or hang (it never joins the next collective; the group's timeout is 5 s). WAIT is
what rank 0 does meanwhile: "collective" (an all_reduce the peer never joins, default), "barrier",
or "compute" (works for 600 s). HOW=all_exit0 makes every rank call sys.exit(0); WAIT=finish makes
rank 0 work 3 s and return normally. Without a launcher, pass RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT.
"""

import ctypes
import datetime
import os
import signal
import sys
import time

if os.environ.get("LIB") == "torch":
    import torch
    import torch.distributed as dist
else:
    import jaxtorch as torch
    import jaxtorch.distributed as dist

how = sys.argv[1]
wait = sys.argv[2] if len(sys.argv) > 2 else "collective"
rank = int(os.environ["RANK"])

dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=5 if how == "hang" else 600))
t = torch.ones(3)
dist.all_reduce(t)  # both ranks get here: the group works
print(f"rank {rank}: all_reduce ok", flush=True)

if how == "all_exit0":
    sys.exit(0)
if rank == 1:
    print(f"rank 1 leaves at {time.time()}", flush=True)  # the tests time the launcher from here
    if how == "sys_exit_msg":
        sys.exit("rank 1 gave up on purpose")
    if how == "system_exit3":
        raise SystemExit(3)
    if how == "os_exit5":
        os._exit(5)
    if how == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "sigterm":  # must end the process, as it does a torch worker (the launcher stops ranks so)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
    if how == "segfault":
        ctypes.string_at(0)
    if how == "raise":
        raise ValueError("rank 1 exploded on purpose")
    if how == "exit0":
        sys.exit(0)
    if how == "hang":
        time.sleep(600)
    raise SystemExit(f"unknown HOW {how!r}")

# rank 0
if wait == "collective":
    dist.all_reduce(t)  # the peer never joins
elif wait == "barrier":
    dist.barrier()
elif wait == "compute":
    time.sleep(600)
elif wait == "finish":
    time.sleep(3)
    print("rank 0: finished", flush=True)
    sys.exit(0)
print(f"rank 0: {wait} returned {t.tolist()}", flush=True)
time.sleep(600)
