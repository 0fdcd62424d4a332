"""`python -m jaxtorch.distributed.run`: torchrun's environment, argument passing, failure handling."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "scripts"
REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(REPO))
ENV.pop("OMP_NUM_THREADS", None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(args, launcher="jaxtorch.distributed.run", timeout=90, env=None):
    start = time.monotonic()
    p = subprocess.run([sys.executable, "-m", launcher, *args], env=env or ENV, capture_output=True, text=True,
                       timeout=timeout)
    return p, time.monotonic() - start


def read_env(out, rank):
    return json.loads((out / f"env_{rank}.json").read_text())


def test_env_and_args(tmp_path):
    port = free_port()
    p, _ = launch(["--nproc_per_node=3", f"--master_port={port}", str(SCRIPTS / "print_env.py"), str(tmp_path),
                   "--flag", "x y"])
    assert p.returncode == 0, p.stderr
    run_ids = set()
    for rank in range(3):
        got = read_env(tmp_path, rank)
        assert got["argv"] == [str(tmp_path), "--flag", "x y"]
        e = got["env"]
        assert e["RANK"] == e["LOCAL_RANK"] == e["ROLE_RANK"] == str(rank)
        assert e["WORLD_SIZE"] == e["LOCAL_WORLD_SIZE"] == e["ROLE_WORLD_SIZE"] == "3"
        assert (e["GROUP_RANK"], e["GROUP_WORLD_SIZE"]) == ("0", "1")
        assert (e["MASTER_ADDR"], e["MASTER_PORT"]) == ("127.0.0.1", str(port))
        assert e["OMP_NUM_THREADS"] == "1"  # torchrun's default for several processes
        run_ids.add(e["TORCHELASTIC_RUN_ID"])
    assert len(run_ids) == 1 and None not in run_ids


def test_env_matches_torchrun(tmp_path):
    # the same flags through real torchrun give the same variables (run id aside)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    port = free_port()
    for launcher, out in (("jaxtorch.distributed.run", ours), ("torch.distributed.run", theirs)):
        p, _ = launch(["--nproc-per-node=2", "--master-addr=127.0.0.1", f"--master-port={port}",
                       str(SCRIPTS / "print_env.py"), str(out)], launcher=launcher)
        assert p.returncode == 0, p.stderr
    for rank in range(2):
        a, b = read_env(ours, rank), read_env(theirs, rank)
        a["env"].pop("TORCHELASTIC_RUN_ID")
        b["env"].pop("TORCHELASTIC_RUN_ID")
        assert a["env"] == b["env"]


def test_two_nodes(tmp_path):
    # two launchers on this machine act as nodes 0 and 1 of a 2x2 job
    port = free_port()
    cmds = [[sys.executable, "-m", "jaxtorch.distributed.run", "--nnodes=2", f"--node_rank={n}",
             "--nproc_per_node=2", f"--master_port={port}", str(SCRIPTS / "print_env.py"), str(tmp_path)]
            for n in (0, 1)]
    procs = [subprocess.Popen(c, env=ENV) for c in cmds]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    for rank in range(4):
        e = read_env(tmp_path, rank)["env"]
        assert (e["RANK"], e["LOCAL_RANK"], e["GROUP_RANK"]) == (str(rank), str(rank % 2), str(rank // 2))
        assert (e["WORLD_SIZE"], e["LOCAL_WORLD_SIZE"], e["GROUP_WORLD_SIZE"]) == ("4", "2", "2")


def test_module_mode_and_standalone(tmp_path):
    env = dict(ENV, PYTHONPATH=os.pathsep.join([str(REPO), str(SCRIPTS)]))
    p, _ = launch(["--standalone", "--nproc_per_node=2", "-m", "print_env", str(tmp_path)], env=env)
    assert p.returncode == 0, p.stderr
    ports = {read_env(tmp_path, r)["env"]["MASTER_PORT"] for r in (0, 1)}
    assert len(ports) == 1 and ports != {"29500"}


def test_old_launch_passes_local_rank(tmp_path):
    p, _ = launch(["--nproc_per_node=2", f"--master_port={free_port()}", str(SCRIPTS / "print_env.py"),
                   str(tmp_path)], launcher="jaxtorch.distributed.launch")
    assert p.returncode == 0, p.stderr
    for rank in (0, 1):
        assert read_env(tmp_path, rank)["argv"] == [str(tmp_path), f"--local-rank={rank}"]


def test_nonzero_exit_stops_the_others():
    p, took = launch(["--nproc_per_node=2", f"--master_port={free_port()}", str(SCRIPTS / "crash.py"), "exit3"])
    assert p.returncode == 1
    assert took < 30  # rank 1 would sleep 600 s: it was stopped
    assert "rank 0 (local_rank 0) of 2 failed first (exit code 3)" in p.stderr


@pytest.mark.parametrize("when", ["after_init", "before_init"])
def test_crashed_rank_fails_the_job(when):
    # rank 1 raises; rank 0 is left waiting in a collective (or in init): no hang, the error is shown
    p, took = launch(["--nproc_per_node=2", f"--master_port={free_port()}", str(SCRIPTS / "crash.py"), when])
    assert p.returncode != 0
    assert took < 60
    msg = "rank 1 exploded on purpose" if when == "after_init" else "rank 1 exploded before init on purpose"
    assert "Traceback (most recent call last)" in p.stderr
    assert f"ValueError: {msg}" in p.stderr
    summary = p.stderr.strip().splitlines()[-1]
    assert "rank 1 (local_rank 1) of 2 failed first (exit code 1)" in summary
    if when == "after_init":  # jaxtorch.distributed reported the error to the launcher (error file)
        assert summary.endswith(f"Its error is above: ValueError: {msg}")


def test_bad_arguments():
    p, _ = launch(["--nproc_per_node=2", "--max_restarts=2", str(SCRIPTS / "print_env.py"), "x"])
    assert p.returncode != 0 and "max_restarts" in p.stderr
    p, _ = launch(["--nnodes=1:4", str(SCRIPTS / "print_env.py"), "x"])
    assert p.returncode != 0 and "elastic" in p.stderr
