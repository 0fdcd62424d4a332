"""examples/nanogpt.py end to end in a subprocess: eager, --compile, and --resume from its checkpoint."""

from __future__ import annotations

import os
import re
import subprocess
import sys

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "examples", "nanogpt.py")
TINY = ["--batch-size", "8", "--block-size", "32", "--n-embd", "32", "--n-head", "2", "--log-interval", "5",
        "--sample-tokens", "20", "--warmup-iters", "3", "--lr", "1e-2", "--lr-decay-iters", "30"]


def _run(tmp_path, *extra):
    proc = subprocess.run([sys.executable, SCRIPT, "--out-dir", str(tmp_path), *TINY, *extra],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    losses = {int(i): float(v) for i, v in re.findall(r"iter (\d+): loss ([0-9.]+)", proc.stdout)}
    return proc.stdout, losses


def test_trains_saves_then_resumes_compiled(tmp_path):
    # one eager run and one --compile run resuming from its checkpoint: covers both modes in two
    # subprocesses (each start pays JAX/XLA compile time, so fewer runs keep the test short)
    out, losses = _run(tmp_path, "--iters", "16")
    assert losses[15] < losses[0] - 0.5, losses  # from ln(vocab) ~ 4 towards character statistics
    assert "saved checkpoint at iteration 16" in out and "---- sample ----" in out
    sample = out.split("---- sample ----\n", 1)[1]
    assert len(sample.rstrip("\n")) >= 15  # 20 sampled characters (may include newlines)

    out2, losses2 = _run(tmp_path, "--iters", "22", "--resume", "--compile")
    assert "at iteration 16" in out2.split("resumed from", 1)[1].splitlines()[0]
    assert min(losses2) == 16 and max(losses2) == 21, losses2  # continued from the saved iteration
    assert losses2[16] < losses[0] - 0.5  # the resumed model is the trained one, not a fresh init
    assert max(losses2.values()) < losses[0] - 0.5  # and keeps training under compile
