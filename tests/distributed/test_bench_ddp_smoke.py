"""Smoke run of benchmarks/bench_ddp.py --quick: every setting reports a finite, positive steps/s."""

import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]


def test_bench_ddp_quick(tmp_path):
    out = tmp_path / "ddp.json"
    cmd = [sys.executable, str(REPO / "benchmarks" / "bench_ddp.py"), "--quick", "--json", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=150, cwd=REPO)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert not res["errors"], res["errors"]
    rows = res["rows"]
    kinds = {(x["section"], x["kind"]) for x in rows}
    # the 1-device baselines, DDP within one process over several devices, and eager DDP over processes
    assert ("procs", "eager-ddp") in kinds and ("procs", "ddp") in kinds, kinds
    if res["platform"] == "cpu":
        assert {("plain", "compile"), ("plain", "eager"), ("sim", "compile"), ("sim", "ddp")} <= kinds, kinds
    else:
        assert {("inproc", "compile"), ("inproc", "eager"), ("inproc", "ddp")} <= kinds, kinds
    for x in rows:
        if x["status"] != "ok":
            # only a compiled step across processes may be missing (before it is implemented)
            assert (x["section"], x["kind"], x["status"]) == ("procs", "ddp", "not supported"), x
            continue
        assert math.isfinite(x["steps_per_s"]) and x["steps_per_s"] > 0, x
        assert math.isfinite(x["loss"]), x
        if x["kind"] in ("ddp", "eager-ddp"):  # compared with its 1-device baselines
            assert x["replicas"] > 1, x
            assert math.isfinite(x["speedup"]) and x["speedup"] > 0, x
            assert math.isfinite(x["vs_same_global_batch"]) and x["vs_same_global_batch"] > 0, x
    assert "steps/s" in r.stdout and "speedup" in r.stdout
