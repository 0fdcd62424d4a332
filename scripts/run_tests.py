"""Run the whole test suite the way CI does: in chunks, each a fresh `pytest -n 2 --dist loadfile`.

    python scripts/run_tests.py [--chunks 4] [extra pytest arguments...]

Why chunks: on jaxlib 0.10.2 (CPU), a long-lived test worker that has compiled and loaded thousands of XLA
programs occasionally dies inside XLA (SIGSEGV/SIGABRT in compile, serialize or deserialize of an executable),
late in a run and never reproducibly when the same file runs alone. Shorter-lived workers (one pair per chunk)
keep each process smaller. A chunk whose worker died this way (pytest-xdist reports "worker ... crashed") is run
once more; any other failure fails the run at once, and a chunk that collects no test fails it too (exit 5).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")


def test_paths() -> list[str]:
    out = []
    for name in sorted(os.listdir(TESTS)):
        p = os.path.join("tests", name)
        if os.path.isdir(os.path.join(ROOT, p)) and not name.startswith(("_", ".")):
            out.append(p)
        elif name.startswith("test_") and name.endswith(".py"):
            out.append(p)
    return out


def chunks(paths: list[str], n: int) -> list[list[str]]:
    return [paths[i::n] for i in range(n) if paths[i::n]]


def run_chunk(paths: list[str], extra: list[str]) -> tuple[int, bool]:
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadfile", "--max-worker-restart=0",
           *extra, *paths]
    print("$ " + " ".join(cmd[1:]), flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    crashed = False
    for line in proc.stdout:
        sys.stdout.write(line)
        if "crashed while running" in line:
            crashed = True
    sys.stdout.flush()
    return proc.wait(), crashed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=4)
    args, extra = ap.parse_known_args()
    for i, group in enumerate(chunks(test_paths(), args.chunks)):
        rc, crashed = run_chunk(group, extra)
        if rc != 0 and crashed:
            print(f"chunk {i + 1}: a test worker died inside XLA; running the chunk once more", flush=True)
            rc, crashed = run_chunk(group, extra)
        if rc != 0:
            print(f"chunk {i + 1} failed (pytest exit code {rc})", flush=True)
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
