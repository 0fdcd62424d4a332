"""Every way a rank can die after init_process_group ends the job at once, as with torchrun.

Rank 1 of 2 leaves (sys.exit("..."), SystemExit(3), os._exit, SIGKILL, SIGTERM, a segfault, a clean
early exit, or never joining a collective) while rank 0 waits for it in a collective or computes. The
worker is tests/distributed/scripts/rank_failure.py, run by both launchers (LIB=torch: real torchrun
and torch.distributed with gloo, the oracle) and by hand without a launcher.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "scripts" / "rank_failure.py"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Processes below `pid` (the launcher starts each worker in its own session)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Run:
    rc: int | str  # "TIMEOUT" when it had to be killed
    out: str
    err: str
    after_failure: float | None  # seconds from rank 1's failure to the launcher's exit

    @property
    def summary(self) -> str:
        return self.err.strip().splitlines()[-1] if self.err.strip() else ""


def run(cmd: list[str], env: dict, timeout: float) -> Run:
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:  # a hang must fail the test, and leave nothing running
        for pid in descendants(p.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        p.kill()
        out, err = p.communicate()
        rc = "TIMEOUT"
    end = time.time()
    left = re.search(r"rank 1 leaves at ([0-9.]+)", out)
    return Run(rc, out, err, end - float(left.group(1)) if left else None)


def env_for(lib: str, **extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), LIB=lib, **extra)
    env.pop("OMP_NUM_THREADS", None)
    return env


def launch(lib: str, how: str, wait: str = "collective", timeout: float = 120) -> Run:
    launcher = "torch.distributed.run" if lib == "torch" else "jaxtorch.distributed.run"
    for attempt in range(2):
        cmd = [sys.executable, "-m", launcher, "--nproc_per_node=2", f"--master_port={free_port()}", str(SCRIPT),
               how, wait]
        r = run(cmd, env_for(lib), timeout)
        # the group did form (else, e.g., another job took the free port in between: try once more)
        if all(f"rank {rank}: all_reduce ok" in r.out for rank in (0, 1)):
            break
    return r


# how rank 1 leaves -> the exit code the launcher reports for it (torchrun's numbers)
ROOT_CAUSE = {"sys_exit_msg": "exit code 1", "system_exit3": "exit code 3", "os_exit5": "exit code 5",
              "sigkill": "exit code -9: Signal 9 (SIGKILL) received by PID",
              "sigterm": "exit code -15: Signal 15 (SIGTERM) received by PID",
              "segfault": "exit code -11: Signal 11 (SIGSEGV) received by PID", "raise": "exit code 1"}

CASES = [("sys_exit_msg", "collective"),
         pytest.param("system_exit3", "compute", marks=pytest.mark.slow),
         pytest.param("sys_exit_msg", "barrier", marks=pytest.mark.slow),
         pytest.param("os_exit5", "collective", marks=pytest.mark.slow),
         pytest.param("sigkill", "collective", marks=pytest.mark.slow),
         pytest.param("sigterm", "compute", marks=pytest.mark.slow),
         pytest.param("segfault", "barrier", marks=pytest.mark.slow)]


@pytest.mark.parametrize("how,wait", CASES)
def test_leaving_rank_ends_the_job(how, wait):
    r = launch("jaxtorch", how, wait)
    assert r.rc == 1, (r.rc, r.err[-3000:])  # torchrun's status for a failed job
    assert r.after_failure is not None and r.after_failure < 10, r.after_failure
    assert f"rank 1 (local_rank 1) of 2 failed first ({ROOT_CAUSE[how]}" in r.summary, r.summary
    if how == "sys_exit_msg":
        assert "rank 1 gave up on purpose\n" in r.err  # Python printed the message
        assert r.summary.endswith("Its error is above: rank 1 gave up on purpose")


@pytest.mark.slow
def test_clean_exits():
    # every rank exits 0: the job succeeds; a rank that exits 0 early does not stop the others
    for how, wait in (("all_exit0", "collective"), ("exit0", "finish")):
        r = launch("jaxtorch", how, wait, timeout=90)
        assert r.rc == 0, (how, r.err[-3000:])
        if wait == "finish":
            assert "rank 0: finished" in r.out


def torchrun_root_cause(err: str) -> tuple[int, int]:
    """(rank, exitcode) of the 'Root Cause' entry of torchrun's ChildFailedError report."""
    block = err.split("Root Cause (first observed failure):", 1)[1]
    rank = int(re.search(r"rank\s*: (\d+)", block).group(1))
    return rank, int(re.search(r"exitcode\s*: (-?\d+)", block).group(1))


@pytest.mark.slow
@pytest.mark.parametrize("how,wait", [("sys_exit_msg", "collective"), ("system_exit3", "compute"),
                                      ("os_exit5", "collective"), ("sigkill", "collective"),
                                      ("sigterm", "compute"), ("segfault", "barrier"), ("raise", "collective"),
                                      ("hang", "collective"), ("hang", "barrier"), ("exit0", "finish")])
def test_matches_torchrun(how, wait):
    ours, theirs = launch("jaxtorch", how, wait), launch("torch", how, wait)
    assert theirs.rc != "TIMEOUT" and ours.rc == theirs.rc, (ours.rc, theirs.rc, ours.err[-3000:])
    if theirs.rc == 0:
        return
    their_rank, their_code = torchrun_root_cause(theirs.err)
    assert f"rank {their_rank} (local_rank {their_rank}) of 2 failed first (exit code " in ours.summary
    if how in ("os_exit5", "sigkill", "sigterm", "segfault"):
        # for a SystemExit or an uncaught exception torch's worker often aborts at exit instead (-6,
        # "terminate called without an active exception": its gloo threads); jaxtorch reports the status the
        # script chose. So exit codes and signal names are compared only where the script itself chose them.
        assert f"failed first (exit code {their_code}" in ours.summary
    if their_code < 0 and how in ("sigkill", "sigterm", "segfault"):
        phrase = f"Signal {-their_code} ({signal.Signals(-their_code).name}) received by PID"
        assert phrase in theirs.err and phrase in ours.summary
    if how == "sys_exit_msg":
        assert "rank 1 gave up on purpose" in theirs.err and "rank 1 gave up on purpose" in ours.err
    if how == "hang":  # the group's timeout (5 s): the same gloo error in the waiting rank, a RuntimeError
        for r in (ours, theirs):
            assert re.search(r"RuntimeError: .*Timed out waiting 5000ms for recv operation to complete", r.err)
    else:
        assert ours.after_failure < 10, ours.after_failure


def start_by_hand(lib: str, how: str, wait: str = "collective") -> list[subprocess.Popen]:
    port = free_port()
    return [subprocess.Popen([sys.executable, "-u", str(SCRIPT), how, wait], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True,
                             env=env_for(lib, RANK=str(r), WORLD_SIZE="2", LOCAL_RANK=str(r),
                                         MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)))
            for r in range(2)]


def finish(procs: list[subprocess.Popen], timeout: float) -> list[tuple[int | str, str, float]]:
    """(status, output, time.time() at exit) of each process; kills what is left after `timeout`."""
    deadline = time.monotonic() + timeout
    ended = [None] * len(procs)
    while time.monotonic() < deadline and None in ended:
        for i, p in enumerate(procs):
            if ended[i] is None and p.poll() is not None:
                ended[i] = time.time()
        time.sleep(0.05)
    results = []
    for i, p in enumerate(procs):
        if ended[i] is None:
            p.kill()
        out = p.communicate()[0]
        results.append(("TIMEOUT" if ended[i] is None else p.returncode, out, ended[i] or time.time()))
    return results


@pytest.mark.parametrize("lib,how", [("jaxtorch", "sys_exit_msg"),
                                     pytest.param("jaxtorch", "exit0", marks=pytest.mark.slow),
                                     pytest.param("jaxtorch", "sigkill", marks=pytest.mark.slow),
                                     pytest.param("torch", "sys_exit_msg", marks=pytest.mark.slow),
                                     pytest.param("torch", "exit0", marks=pytest.mark.slow)])
def test_without_launcher_the_waiting_rank_fails(lib, how):
    # ranks started by hand: rank 0 waits in all_reduce for rank 1, which has left; it must fail (torch:
    # "Connection closed by peer"), not wait for the group's timeout (600 s here)
    for attempt in range(2):
        (rc0, out0, end0), (rc1, out1, _) = finish(start_by_hand(lib, how), timeout=90)
        if "all_reduce ok" in out0 and "all_reduce ok" in out1:  # else the group did not form: once more
            break
    left = float(re.search(r"rank 1 leaves at ([0-9.]+)", out1).group(1))
    assert rc0 not in (0, "TIMEOUT"), out0[-3000:]
    assert "RuntimeError: " in out0
    assert end0 - left < 15, end0 - left
    assert rc1 != "TIMEOUT", out1[-3000:]
    if how == "sys_exit_msg":
        assert rc1 == 1 and "rank 1 gave up on purpose" in out1
    if how == "sigkill":
        assert rc1 == -signal.SIGKILL


@pytest.mark.parametrize("code", [None, 0, 3, -1, 256, 2**32 + 3, 2**70, True, "message", (1, 2), 3.5])
def test_exit_status_is_pythons(code):
    # the status jaxtorch exits with when a script ends with SystemExit(code) is the one Python gives
    from jaxtorch.distributed.distributed_c10d import _exit_status

    real = subprocess.run([sys.executable, "-c", f"raise SystemExit({code!r})"], capture_output=True, timeout=30)
    assert _exit_status(code) == real.returncode


def test_watchdog_ends_only_waits_that_cannot_complete():
    # rank 0 waits in its 3rd collective with rank 1 (and in recv of rank 2's 2nd message): a peer that
    # left after completing it is still sending its part; one that left before will never come
    from jaxtorch.distributed.distributed_c10d import _gone_for_good

    collective = ("all_reduce", (0, 1, 2), "c/0,1,2", 3, 0.0)
    left = {1: {"how": "exiting", "completed": {"c/0,1,2": 3}}, 2: {"how": "failed", "completed": {"c/0,1,2": 2}}}
    assert _gone_for_good(collective, left, 0) == [2]
    assert _gone_for_good(collective, {1: {"how": "destroyed", "completed": {}}}, 0) == [1]
    pair = ("barrier", (0, 1), "c/0,1", 3, 0.0)  # counts are per set of ranks
    assert _gone_for_good(pair, {1: {"how": "exiting", "completed": {"c/0,1,2": 5, "c/0,1": 2}}}, 0) == [1]
    assert _gone_for_good(pair, {1: {"how": "exiting", "completed": {"c/0,1": 3}}}, 0) == []
    recv = ("recv", (2,), "p/2,0,0", 2, 0.0)
    assert _gone_for_good(recv, {2: {"how": "exiting", "completed": {"p/2,0,0": 2}}}, 0) == []  # it was sent
    assert _gone_for_good(recv, {2: {"how": "exiting", "completed": {"p/2,0,0": 1}}}, 0) == [2]
