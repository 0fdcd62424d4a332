"""Compiled DistributedDataParallel / DataParallel / SyncBatchNorm on 4 simulated CPU devices."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent / "scripts" / "ddp_devices.py"


def test_compiled_ddp_on_four_devices_matches_reference():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    r = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600)
    print(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("OK ") == 12, r.stdout


def test_compiled_ddp_module_with_eager_backward_matches_eager_ddp():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    r = subprocess.run([sys.executable, str(SCRIPT.parent / "ddp_compiled_module.py")], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1].startswith("OK"), r.stdout
