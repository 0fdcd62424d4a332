"""The persistent compilation cache jaxtorch turns on at import (jaxtorch/_compile_cache.py): the second run of a
script loads its programs instead of compiling them, the user's own JAX choice wins, it can be turned off, it
refuses directories others may write to, it writes atomically, and it trims itself."""

import json
import os
import stat
import subprocess
import sys
import time

import pytest

from jaxtorch import _compile_cache as cc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r"""
import json, sys
import jax
counts = {"hits": 0, "misses": 0}
def on_event(name, **kw):
    if name == "/jax/compilation_cache/cache_hits":
        counts["hits"] += 1
    if name == "/jax/compilation_cache/cache_misses":
        counts["misses"] += 1
jax.monitoring.register_event_listener(on_event)
import jaxtorch as torch
from jaxtorch import _compile_cache as cc
x = torch.linspace(-2.0, 3.0, 12).reshape(3, 4).requires_grad_()
w = torch.arange(8.0).reshape(4, 2) / 7
loss = (torch.tanh(x @ w) ** 2).sum()
loss.backward()
out = {"loss": loss.item(), "grad": x.grad.tolist(), "dir": cc.cache_dir,
       "jax_dir": jax.config.jax_compilation_cache_dir, **counts}
print("JSON" + json.dumps(out))
"""


def _run(env_extra, script=SCRIPT):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_COMPILATION_CACHE", "JAXTORCH_COMPILATION"))}
    env.update(env_extra)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.split("JSON", 1)[1]), proc.stderr


def _entries(d):
    return sorted(n for n in os.listdir(d) if n.endswith("-cache"))


def test_second_run_loads_instead_of_compiling(tmp_path):
    d = tmp_path / "cache"
    first, _ = _run({"JAXTORCH_COMPILATION_CACHE_DIR": str(d)})
    assert first["dir"] == str(d) and first["jax_dir"] == str(d)
    assert first["misses"] > 5 and first["hits"] == 0
    written = _entries(d)
    assert len(written) == first["misses"]
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    assert not [n for n in os.listdir(d) if n.startswith(".tmp-")]
    second, _ = _run({"JAXTORCH_COMPILATION_CACHE_DIR": str(d)})
    assert second["misses"] == 0 and second["hits"] == first["misses"]
    assert second["loss"] == first["loss"] and second["grad"] == first["grad"]
    assert _entries(d) == written


def test_default_directory_is_under_xdg_cache_home(tmp_path):
    out, _ = _run({"XDG_CACHE_HOME": str(tmp_path)})
    d = tmp_path / "jaxtorch" / "xla"
    assert out["dir"] == str(d) and len(_entries(d)) == out["misses"] > 0


@pytest.mark.parametrize("value", ["0", "", "off"])
def test_turned_off(tmp_path, value):
    out, _ = _run({"JAXTORCH_COMPILATION_CACHE_DIR": value, "XDG_CACHE_HOME": str(tmp_path)})
    assert out["dir"] is None and out["jax_dir"] is None and out["hits"] == out["misses"] == 0
    assert not (tmp_path / "jaxtorch").exists()


def test_users_jax_setting_wins(tmp_path):
    mine = tmp_path / "mine"
    out, _ = _run({"JAX_COMPILATION_CACHE_DIR": str(mine), "JAXTORCH_COMPILATION_CACHE_DIR": str(tmp_path / "jt")})
    assert out["dir"] is None and out["jax_dir"] == str(mine)
    assert not (tmp_path / "jt").exists()
    # JAX's own default threshold (1 s) stays: none of these quick programs is written
    assert not mine.exists() or not _entries(mine)


def test_refuses_a_directory_others_can_write(tmp_path):
    d = tmp_path / "shared"
    d.mkdir()
    os.chmod(d, 0o777)
    out, err = _run({"JAXTORCH_COMPILATION_CACHE_DIR": str(d)})
    assert out["dir"] is None and out["jax_dir"] is None
    assert "other users may write to it" in err and not _entries(d)


def test_write_is_atomic_and_keeps_existing(tmp_path):
    cc.write(str(tmp_path), "k", b"first")
    cc.write(str(tmp_path), "k", b"second")
    assert cc.read(str(tmp_path), "k") == b"first"
    assert cc.read(str(tmp_path), "missing") is None
    assert os.listdir(tmp_path) == ["k-cache"]


def test_trim_drops_least_recently_used_and_stale_temporaries(tmp_path):
    now = time.time()
    for i in range(5):
        p = tmp_path / f"e{i}-cache"
        p.write_bytes(b"x" * 100)
        os.utime(p, (now - 1000 + i, now - 1000 + i))
    (tmp_path / "e0-cache").touch()  # read recently: kept
    for name, age in ((".tmp-old", 2 * 3600), (".tmp-new", 10)):
        (tmp_path / name).write_bytes(b"y")
        os.utime(tmp_path / name, (now - age, now - age))
    cc.trim(str(tmp_path), 250, now=now)
    assert sorted(os.listdir(tmp_path)) == [".tmp-new", "e0-cache", "e4-cache"]


def test_trim_runs_at_most_daily(tmp_path):
    now = time.time()
    for i in range(3):
        (tmp_path / f"e{i}-cache").write_bytes(b"x" * 100)
    cc._trim_if_due(str(tmp_path), 10_000, now=now)  # stamps, nothing to drop
    assert len(_entries(tmp_path)) == 3
    cc._trim_if_due(str(tmp_path), 0, now=now + 3600)  # within a day of the last trim: nothing happens
    assert len(_entries(tmp_path)) == 3
    cc._trim_if_due(str(tmp_path), 0, now=now + 25 * 3600)
    assert _entries(tmp_path) == []
