"""DataLoader workers in real programs: each script runs as `python -m jaxtorch script.py` and, as the oracle,
under real torch as `python script.py`; both must print the same thing.

These cover what only a whole program shows: a script without an `if __name__ == "__main__":` guard, classes,
worker_init_fn and collate_fn defined in `__main__`, code with no file at all (`python -c`, as in a notebook),
tensors made in the main process and read in workers, persistent workers, a worker that dies, and an explicit
multiprocessing_context. Every subprocess has a timeout, so a worker that hangs fails the test.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TIMEOUT_S = 120

# printed by every script: batches as plain data, tensors as (dtype, shape, values)
SHOW = '''
import json
def show(x):
    if isinstance(x, torch.Tensor):
        return ["T", str(x.dtype), list(x.shape), x.tolist()]
    if isinstance(x, dict):
        return {k: show(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [type(x).__name__] + [show(v) for v in x]
    return x
def emit(x):
    print(json.dumps(show(x)), flush=True)
'''


def _run(args, cwd, framework):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, *args] if framework == "torch" else [sys.executable, "-m", "jaxtorch", *args]
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{framework}: {' '.join(args)} hung for {TIMEOUT_S} s\n{e.stdout}\n{e.stderr}")
    assert proc.returncode == 0, f"{framework} failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    return proc.stdout


def run_both(tmp_path, source, script_args=()):
    """stdout of the script under torch and under jaxtorch."""
    path = tmp_path / "script.py"
    path.write_text("import torch\n" + SHOW + textwrap.dedent(source))
    return tuple(_run([str(path), *script_args], tmp_path, fw) for fw in ("torch", "jaxtorch"))


# No main guard; the dataset, worker_init_fn and collate_fn live in __main__; MEAN and the TensorDataset's tensors
# are made in the main process and read by the workers; the dataset makes tensors itself.
NO_GUARD = '''
import numpy as np
from torch.utils.data import DataLoader, Dataset, TensorDataset, get_worker_info

MEAN = torch.tensor([0.5, 1.5, 2.5])
TAG = {}

class Pixels(Dataset):
    def __init__(self, n):
        self.data = np.arange(n * 3, dtype=np.uint8).reshape(n, 3)
    def __len__(self):
        return len(self.data)
    def __getitem__(self, i):
        x = torch.from_numpy(self.data[i]).float() / 255
        return {"x": (x - MEAN) * 2, "raw": self.data[i], "i": i, "w": get_worker_info().id, "tag": TAG["tag"]}

def init_fn(worker_id):
    TAG["tag"] = 100 + worker_id

def collate(batch):
    return {"x": torch.stack([b["x"] for b in batch]),
            "raw": torch.as_tensor(np.stack([b["raw"] for b in batch])),
            "meta": [(b["i"], b["w"], b["tag"]) for b in batch]}

print("main body runs", flush=True)  # once: a worker must not run the script again
for b in DataLoader(Pixels(10), batch_size=3, num_workers=2, worker_init_fn=init_fn, collate_fn=collate):
    emit(b)
for b in DataLoader(Pixels(5), batch_size=2, num_workers=2, worker_init_fn=init_fn):
    emit(b)
pairs = TensorDataset(torch.arange(12.0).reshape(6, 2) * 3, torch.arange(6))
for b in DataLoader(pairs, batch_size=4, num_workers=2):
    emit(b)
'''


def test_script_without_main_guard_and_main_classes_match_torch(tmp_path):
    t, j = run_both(tmp_path, NO_GUARD)
    assert t.count("main body runs") == 1
    assert len(t.splitlines()) == 1 + 4 + 3 + 2
    assert j == t


NOTEBOOK = '''
import torch
import numpy as np
from torch.utils.data import DataLoader, Dataset
class Cells(Dataset):
    def __len__(self):
        return 6
    def __getitem__(self, i):
        return torch.full((2,), float(i)) + torch.ones(2), np.int64(i * i)
scale = 10
for x, y in DataLoader(Cells(), batch_size=4, num_workers=2, collate_fn=lambda b: (torch.stack([s[0] for s in b])
                       * scale, [int(s[1]) for s in b])):
    print(x.dtype, x.tolist(), y, flush=True)
'''


def test_code_without_a_file_like_a_notebook_matches_torch(tmp_path):
    """`python -c` (and a notebook): __main__ has no file to import, so workers can only inherit its classes."""
    t = _run(["-c", NOTEBOOK], tmp_path, "torch")
    j = _run(["-c", NOTEBOOK], tmp_path, "jaxtorch")
    assert len(t.splitlines()) == 2
    assert j == t


ITERABLE_PERSISTENT = '''
import os
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

class Shards(IterableDataset):
    def __init__(self, n):
        self.n = n
    def __iter__(self):
        info = get_worker_info()
        for i in range(info.id, self.n, info.num_workers):
            yield {"i": i, "sq": torch.tensor(i) ** 2, "w": info.id, "pid": os.getpid()}

loader = DataLoader(Shards(9), batch_size=2, num_workers=2, persistent_workers=True)
pids = []
for epoch in range(2):
    batches = list(loader)
    pids.append(sorted({p for b in batches for p in b["pid"].tolist()}))
    for b in batches:
        del b["pid"]
        emit(b)
print("same workers in both epochs:", pids[0] == pids[1] and len(pids[0]) == 2, flush=True)
'''


def test_iterable_dataset_with_persistent_workers_matches_torch(tmp_path):
    t, j = run_both(tmp_path, ITERABLE_PERSISTENT)
    assert t.splitlines()[-1] == "same workers in both epochs: True"
    assert j == t


DEATH = '''
import os, signal, sys, time
from torch.utils.data import DataLoader, Dataset

class Dies(Dataset):
    def __init__(self, how, note):
        self.how, self.note = how, note
    def __len__(self):
        return 64
    def __getitem__(self, i):
        if i == 20:
            with open(self.note, "w") as f:
                f.write(f"{os.getpid()} {time.time()!r}")
            if self.how == "exit":
                os._exit(1)
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.01)
        return f"s{i}"  # no tensors: torch would share them through file descriptors of the dying worker

how, note = sys.argv[1], sys.argv[2]
try:
    for b in DataLoader(Dies(how, note), batch_size=4, num_workers=2):
        pass
except RuntimeError as e:
    pid, died = open(note).read().split()
    print(json.dumps({"msg": str(e), "cause": str(e.__cause__) if e.__cause__ else None, "pid": int(pid),
                      "raised_after_s": time.time() - float(died)}), flush=True)
'''


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_dead_worker_is_reported_within_a_second_like_torch(tmp_path, how):
    t, j = (json.loads(out) for out in run_both(tmp_path, DEATH, (how, str(tmp_path / "died.txt"))))
    # torch raises either this message or its cause directly (its SIGCHLD handler can fire first)
    said = re.fullmatch(r"DataLoader worker \(pid(?:\(s\))? (\d+)\) (exited unexpectedly|is killed by signal).*",
                        t["msg"], re.S)
    assert said and int(said.group(1)) == t["pid"]
    assert j["msg"] == f"DataLoader worker (pid(s) {j['pid']}) exited unexpectedly"
    expected_cause = {
        "exit": f"DataLoader worker (pid {j['pid']}) exited unexpectedly with exit code 1. Details are lost due to "
                "multiprocessing. Rerunning with num_workers=0 may give better error trace.",
        "kill": f"DataLoader worker (pid {j['pid']}) is killed by signal: Killed. ",
    }[how]
    assert j["cause"] == expected_cause
    assert t["raised_after_s"] < 1.5
    assert j["raised_after_s"] < 1.5, j


CONTEXT = '''
import sys
import numpy as np
from torch.utils.data import DataLoader, Dataset

class Rows(Dataset):
    def __len__(self):
        return 4
    def __getitem__(self, i):
        return torch.tensor([i, i + 1])

print("main body runs", flush=True)
if __name__ == "__main__":
    ctx = None if sys.argv[1] == "default" else sys.argv[1]
    for b in DataLoader(Rows(), batch_size=2, num_workers=2, multiprocessing_context=ctx):
        emit(b)
'''


@pytest.mark.parametrize("context,runs", [("default", 1), pytest.param("spawn", 3, marks=pytest.mark.slow)])
def test_multiprocessing_context_is_honoured_like_torch(tmp_path, context, runs):
    """Default: forked workers never run the script again. 'spawn': each worker re-imports it (hence the guard)."""
    t, j = run_both(tmp_path, CONTEXT, (context,))
    for out in (t, j):
        assert out.count("main body runs") == runs, out  # workers print concurrently: lines may merge
    batches = lambda out: [line for line in out.replace("main body runs", "").splitlines() if line]
    assert batches(j) == batches(t) and len(batches(t)) == 2
