"""DistributedDataParallel across 2 real processes started by jaxtorch's launcher (gloo on CPU), eager and compiled."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "scripts" / "ddp_processes.py"
REPO = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(script, *script_args, timeout: int, **env_extra) -> subprocess.CompletedProcess:
    """Run `script` in 2 processes under jaxtorch's launcher; it must exit 0."""
    env = dict(os.environ, PYTHONPATH=str(REPO), **env_extra)
    cmd = [sys.executable, "-m", "jaxtorch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
           f"--master_port={_free_port()}", str(script), *script_args]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r


def _rank_results(r) -> list:
    """The JSON line each rank printed, one per rank."""
    results = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert sorted(x["rank"] for x in results) == [0, 1], r.stdout
    return results


def test_two_process_ddp_keeps_replicas_identical_and_equals_one_process():
    results = _rank_results(_launch(SCRIPT, timeout=180))
    for x in results:
        assert x["identical_across_ranks"], x
        # gradients averaged over ranks = the mean over the union of the data, up to float32 rounding
        assert x["max_diff_vs_single_process"] < 1e-5, x


def test_ddp_example_runs_with_two_processes():
    r = _launch(REPO / "examples" / "ddp.py", "--epochs", "1", timeout=240)
    assert r.stdout.count("replicas identical: True") == 2, r.stdout


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_two_process_compiled_ddp_equals_torch_ddp(opt):
    # jaxtorch.compile(step) with DDP across 2 processes vs real torch DDP (gloo) run in the same two processes
    r = _launch(Path(__file__).parent / "scripts" / "ddp_processes_compiled.py", opt, timeout=240,
                TORCH_PORT=str(_free_port()))
    results = _rank_results(r)
    for x in results:
        assert x["identical_across_ranks"], x
        assert x["state_mismatch"] == {}, x  # parameters and BatchNorm buffers equal torch's (rtol 1e-5)
        assert x["loss_rel_diff"] < 1e-5, x  # each rank's own loss, as in torch
        st = x["stats"]
        assert st["compiles"] == 1 and st["compiled_calls"] == 5 and st["eager_calls"] == 0, st
