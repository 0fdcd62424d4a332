"""jaxtorch.distributed against torch.distributed: behaviour without a group, a one-process group in
this process (torch's gloo alongside), and 2 real processes (both launchers run the same worker script)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as tdist

import jaxtorch
import jaxtorch.distributed as dist

SCRIPTS = Path(__file__).parent / "scripts"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def same_error(fn_ref, fn_ours, match_suffix=False):
    """Both raise the same exception type with the same message (or the same text after '::')."""
    with pytest.raises(Exception) as ref:
        fn_ref()
    with pytest.raises(Exception) as ours:
        fn_ours()
    assert type(ours.value) is type(ref.value), (ours.value, ref.value)
    r, o = str(ref.value), str(ours.value)
    if match_suffix:
        r, o = r.split("::")[-1], o.split("::")[-1]
    assert o == r


# ------------------------------------------------------------------------ no process group
@pytest.mark.parametrize("call", [
    lambda d, T: d.get_rank(), lambda d, T: d.get_world_size(), lambda d, T: d.get_backend(),
    lambda d, T: d.all_reduce(T.ones(2)), lambda d, T: d.broadcast(T.ones(2), 0), lambda d, T: d.barrier(),
    lambda d, T: d.new_group(), lambda d, T: d.all_gather([T.ones(2)], T.ones(2)),
    lambda d, T: d.destroy_process_group(),
])
def test_uninitialized_errors_match_torch(call):
    assert not dist.is_initialized() and not tdist.is_initialized()
    same_error(lambda: call(tdist, torch), lambda: call(dist, jaxtorch))


def test_availability_and_enums():
    assert dist.is_available() and dist.is_gloo_available()
    assert not dist.is_initialized()
    assert [(m.name, m.value) for m in dist.ReduceOp.RedOpType] == [
        (m.name, m.value) for m in tdist.ReduceOp.RedOpType.__members__.values()]
    assert dist.ReduceOp.SUM.name == tdist.ReduceOp.SUM.name
    assert dist.Backend("GLOO") == tdist.Backend("GLOO") == "gloo"
    assert dist.Backend.NCCL == tdist.Backend.NCCL
    assert dist.group.WORLD is None and dist.GroupMember.WORLD is None
    assert dist.GroupMember.NON_GROUP_MEMBER == tdist.GroupMember.NON_GROUP_MEMBER


def test_node_local_rank(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    same_error(lambda: tdist.get_node_local_rank(), lambda: dist.get_node_local_rank())
    assert dist.get_node_local_rank(fallback_rank=3) == tdist.get_node_local_rank(fallback_rank=3) == 3
    monkeypatch.setenv("LOCAL_RANK", "2")
    assert dist.get_node_local_rank() == tdist.get_node_local_rank() == 2
    monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    assert dist.is_torchelastic_launched() == tdist.is_torchelastic_launched()


@pytest.mark.parametrize("missing", ["RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"])
def test_env_rendezvous_errors(monkeypatch, missing):
    env = {"RANK": "0", "WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port())}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv(missing)
    same_error(lambda: tdist.init_process_group("gloo"), lambda: dist.init_process_group("gloo"))
    assert not dist.is_initialized()


# ------------------------------------------------------------------------ one process, both libraries
@pytest.fixture(scope="module")
def world1():
    saved = {k: os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    os.environ.update(RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    tdist.init_process_group("gloo")
    dist.init_process_group("gloo")
    yield
    dist.destroy_process_group()
    tdist.destroy_process_group()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def both(fn):
    """Run fn(dist_module, torch_module) for torch and jaxtorch; return both results as numpy."""
    return fn(tdist, torch), fn(dist, jaxtorch)


def test_world1_info(world1):
    assert dist.is_initialized()
    assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (
        tdist.get_rank(), tdist.get_world_size(), tdist.get_backend())
    assert dist.group.WORLD is dist.GroupMember.WORLD is not None
    g = dist.new_group()
    tg = tdist.new_group()
    assert (dist.get_rank(g), dist.get_world_size(g), g.rank(), g.size()) == (
        tdist.get_rank(tg), tdist.get_world_size(tg), tg.rank(), tg.size())
    assert dist.get_process_group_ranks(g) == tdist.get_process_group_ranks(tg)
    same_error(lambda: tdist.init_process_group("gloo"), lambda: dist.init_process_group("gloo"))


X = np.arange(6, dtype=np.float32).reshape(2, 3) - 2


@pytest.mark.parametrize("op", ["SUM", "AVG", "PRODUCT", "MIN", "MAX"])
def test_world1_all_reduce(world1, op):
    def go(d, T):
        t = T.tensor(X)
        assert d.all_reduce(t, op=getattr(d.ReduceOp, op)) is None
        return t.numpy()

    ref, ours = both(go)
    np.testing.assert_array_equal(ours, ref)


def test_world1_collectives(world1):
    def go(d, T):
        out = {}
        t = T.tensor(X)
        d.broadcast(t, src=0)
        out["broadcast"] = t.numpy()
        lst = [T.zeros(2, 3)]
        d.all_gather(lst, T.tensor(X))
        out["all_gather"] = lst[0].numpy()
        o = T.zeros(2, 3)
        d.all_gather_into_tensor(o, T.tensor(X))
        out["all_gather_into_tensor"] = o.numpy()
        o = T.zeros(2, 3)
        d.reduce_scatter_tensor(o, T.tensor(X))
        out["reduce_scatter_tensor"] = o.numpy()
        gl = [T.zeros(2, 3)]
        d.gather(T.tensor(X), gl, dst=0)
        out["gather"] = gl[0].numpy()
        o = T.zeros(2, 3)
        d.scatter(o, [T.tensor(X)], src=0)
        out["scatter"] = o.numpy()
        ol = [T.zeros(2, 3)]
        d.all_to_all(ol, [T.tensor(X)])
        out["all_to_all"] = ol[0].numpy()
        t = T.tensor(X)
        d.reduce(t, dst=0, op=d.ReduceOp.MAX)
        out["reduce"] = t.numpy()
        objs = [None]
        d.all_gather_object(objs, {"a": [1, 2]})
        out["objs"] = objs
        w = d.all_reduce(T.tensor(X), async_op=True)
        out["work"] = (w.wait(), w.is_completed())
        out["barrier"] = d.barrier()
        return out

    ref, ours = both(go)
    assert ref.keys() == ours.keys()
    for k in ref:
        if isinstance(ref[k], np.ndarray):
            np.testing.assert_array_equal(ours[k], ref[k], err_msg=k)
            assert ours[k].dtype == ref[k].dtype
        else:
            assert ours[k] == ref[k], k


def test_world1_inplace_semantics(world1):
    # writes go through views into the base; a leaf requiring grad is written without error
    def go(d, T):
        base = T.tensor(X.ravel().copy())
        d.all_reduce(base[2:5], op=d.ReduceOp.PRODUCT)
        leaf = T.ones(3, requires_grad=True)
        d.broadcast(leaf, 0)
        return base.numpy(), leaf.requires_grad

    (rb, rl), (ob, ol) = both(go)
    np.testing.assert_array_equal(ob, rb)
    assert ol == rl


@pytest.mark.parametrize("call,suffix", [
    (lambda d, T: d.all_reduce(T.ones(2), op=d.ReduceOp.BAND), False),
    (lambda d, T: d.all_reduce(T.ones(2, dtype=T.complex64), op=d.ReduceOp.MAX), False),
    (lambda d, T: d.all_reduce([T.ones(2)]), False),
    (lambda d, T: d.broadcast(T.ones(2), src=1), True),
    (lambda d, T: d.reduce(T.ones(2), dst=1), True),
    (lambda d, T: d.all_gather([], T.ones(4)), True),
    (lambda d, T: d.all_gather([T.zeros(3)], T.ones(4)), True),
    (lambda d, T: d.gather(T.ones(2), None, dst=0), False),
    (lambda d, T: d.scatter(T.ones(2), None, src=0), False),
    (lambda d, T: d.all_to_all([T.ones(2)], [T.ones(2), T.ones(2)]), True),
    (lambda d, T: d.new_group([0, 3]), False),
])
def test_world1_errors_match_torch(world1, call, suffix):
    same_error(lambda: call(tdist, torch), lambda: call(dist, jaxtorch), match_suffix=suffix)


# ------------------------------------------------------------------------ two real processes
@pytest.fixture(scope="module")
def two_process_results(tmp_path_factory):
    """Run scripts/collectives.py in 2 processes with jaxtorch's launcher and with torchrun (the oracle)."""
    out = tmp_path_factory.mktemp("collectives")
    script = str(SCRIPTS / "collectives.py")
    procs = {}
    for lib, launcher in (("jaxtorch", "jaxtorch.distributed.run"), ("torch", "torch.distributed.run")):
        env = dict(os.environ, LIB=lib, PYTHONPATH=str(REPO))
        cmd = [sys.executable, "-m", launcher, "--nproc_per_node=2", "--master_addr=127.0.0.1",
               f"--master_port={free_port()}", script, str(out)]
        procs[lib] = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for lib, p in procs.items():
        try:
            log, _ = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            pytest.fail(f"{lib} run timed out")
        assert p.returncode == 0, f"{lib} run failed:\n{log[-4000:]}"

    def load(lib, rank):
        return dict(np.load(out / f"{lib}_rank{rank}.npz")), json.loads((out / f"{lib}_rank{rank}.json").read_text())

    return {(lib, r): load(lib, r) for lib in ("jaxtorch", "torch") for r in (0, 1)}


@pytest.mark.parametrize("rank", [0, 1])
def test_two_processes_match_torch(two_process_results, rank):
    ours, ours_info = two_process_results[("jaxtorch", rank)]
    ref, ref_info = two_process_results[("torch", rank)]
    assert set(ref) <= set(ours)
    assert len(ref) >= 20
    for k in ref:
        assert ours[k].dtype == ref[k].dtype and ours[k].shape == ref[k].shape, k
        np.testing.assert_array_equal(ours[k], ref[k], err_msg=k)
    assert ours_info == ref_info


@pytest.mark.parametrize("rank", [0, 1])
def test_two_processes_by_hand(two_process_results, rank):
    # the script's inputs: rank r all-reduces base * (r + 1) - r, etc.
    ours, info = two_process_results[("jaxtorch", rank)]
    base = np.arange(6, dtype=np.float32).reshape(2, 3)
    per_rank = [base * (r + 1) - r for r in (0, 1)]
    np.testing.assert_array_equal(ours["all_reduce_sum"], per_rank[0] + per_rank[1])
    np.testing.assert_array_equal(ours["all_reduce_avg"], (per_rank[0] + per_rank[1]) / 2)
    np.testing.assert_array_equal(ours["all_reduce_max"], np.maximum(*per_rank))
    np.testing.assert_array_equal(ours["broadcast_src1"], base + 10)
    np.testing.assert_array_equal(ours["all_gather_into_tensor"], np.concatenate([base, base - 1]))
    # the DDP-level array API: mean of (r + 1) over r = 0, 1; integer avg truncates
    np.testing.assert_array_equal(ours["arrays_avg_a"], np.full(2, 1.5, np.float32))
    np.testing.assert_array_equal(ours["arrays_avg_b"], (np.arange(3) * 3) // 2)
    assert info["rank"] == rank and info["world"] == 2
