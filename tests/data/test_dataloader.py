"""jaxtorch.utils.data against real torch.utils.data on the same datasets and the same sampler indices."""

import pickle

import jax
import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch.utils import data as jdata

from _loader_datasets import JShards, Point, Ragged, Rich, Shards, WorkerInfoDataset, stack_collate  # noqa: E402,F401


def _sample(mod, i):
    return Rich(mod)[i]


class TShards(Shards, torch.utils.data.IterableDataset):
    def __init__(self, start, end):
        super().__init__(start, end, torch.utils.data.get_worker_info)


# --- helpers -------------------------------------------------------------------------------------

def assert_same(t_out, j_out, path="batch"):
    """Same structure, container types, tensor dtypes/shapes/values."""
    if isinstance(t_out, jaxtorch.Tensor):  # jaxtorch vs jaxtorch (workers vs main process)
        t_out = torch.from_numpy(np.array(t_out.numpy()))
    if isinstance(t_out, torch.Tensor):
        assert isinstance(j_out, jaxtorch.Tensor), f"{path}: {type(j_out)}"
        assert str(t_out.dtype) == str(j_out.dtype), f"{path}: {t_out.dtype} vs {j_out.dtype}"
        assert tuple(t_out.shape) == tuple(j_out.shape), path
        np.testing.assert_array_equal(t_out.numpy(), j_out.numpy(), err_msg=path)
    elif isinstance(t_out, dict):
        assert type(j_out) is type(t_out) and list(j_out) == list(t_out), path
        for k in t_out:
            assert_same(t_out[k], j_out[k], f"{path}[{k!r}]")
    elif isinstance(t_out, (list, tuple)):
        assert type(j_out) is type(t_out) and len(j_out) == len(t_out), f"{path}: {type(t_out)} vs {type(j_out)}"
        for k, (a, b) in enumerate(zip(t_out, j_out)):
            assert_same(a, b, f"{path}[{k}]")
    else:
        assert t_out == j_out, path


def batches(loader):
    return list(loader)


# --- collate ---------------------------------------------------------------------------------------

def test_default_collate_matches_torch_types_shapes_dtypes():
    t = torch.utils.data.default_collate([_sample(torch, i) for i in range(3)])
    j = jdata.default_collate([_sample(jaxtorch, i) for i in range(3)])
    assert_same(t, j)


def test_worker_numpy_collate_matches_default_collate():
    from jaxtorch.utils.data._utils import collate as jc

    samples = [_sample(jaxtorch, i) for i in range(3)]
    via_numpy = jc.from_transport(pickle.loads(pickle.dumps(jc.numpy_collate(samples))))
    assert_same(torch.utils.data.default_collate([_sample(torch, i) for i in range(3)]), via_numpy)


def test_default_convert_matches_torch():
    sample = {"a": np.arange(3), "n": np.int64(4), "l": [np.ones(2, np.float32)], "s": "x"}
    assert_same(torch.utils.data.default_convert(sample), jdata.default_convert(sample))


def test_collate_errors_match_torch():
    for bad in ([object(), object()],):
        with pytest.raises(TypeError) as te:
            torch.utils.data.default_collate(bad)
        with pytest.raises(TypeError) as je:
            jdata.default_collate(bad)
        assert str(te.value) == str(je.value)
    # inconsistent shapes: torch's stack error, from numpy arrays and from tensors
    for make in (lambda m, n: np.zeros(n, np.float32), lambda m, n: m.zeros(n)):
        with pytest.raises(RuntimeError) as te:
            torch.utils.data.default_collate([make(torch, 3), make(torch, 4)])
        with pytest.raises(RuntimeError) as je:
            jdata.default_collate([make(jaxtorch, 3), make(jaxtorch, 4)])
        assert str(te.value) == str(je.value)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        jdata.default_collate([[1, 2], [1]])
    with pytest.raises(TypeError) as je:
        jdata.default_collate([np.array(["a"]), np.array(["b"])])
    assert "found <U1" in str(je.value)


def test_ragged_dataset_in_loader_gives_torch_error():
    with pytest.raises(RuntimeError) as te:
        list(torch.utils.data.DataLoader(Ragged(), batch_size=4))
    with pytest.raises(RuntimeError) as je:
        list(jdata.DataLoader(Ragged(), batch_size=4))
    assert str(te.value) == str(je.value)


# --- samplers and batching -------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (10, False), (4, True)])
def test_sequential_batches_match_torch(batch_size, drop_last):
    t = torch.utils.data.DataLoader(Rich(torch), batch_size=batch_size, drop_last=drop_last)
    j = jdata.DataLoader(Rich(jaxtorch), batch_size=batch_size, drop_last=drop_last)
    assert len(t) == len(j)
    tb, jb = batches(t), batches(j)
    assert len(tb) == len(jb) == len(j)
    for a, b in zip(tb, jb):
        assert_same(a, b)


def test_given_sampler_indices_give_torch_batches():
    order = [7, 2, 9, 0, 4, 4, 1]
    t = torch.utils.data.DataLoader(Rich(torch), batch_size=3, sampler=order)
    j = jdata.DataLoader(Rich(jaxtorch), batch_size=3, sampler=order)
    for a, b in zip(batches(t), batches(j), strict=True):
        assert_same(a, b)
    bs = [[3, 1], [0], [9, 8, 7]]
    t = torch.utils.data.DataLoader(Rich(torch), batch_sampler=bs)
    j = jdata.DataLoader(Rich(jaxtorch), batch_sampler=bs)
    assert len(t) == len(j) == 3
    for a, b in zip(batches(t), batches(j), strict=True):
        assert_same(a, b)


def test_seeded_shuffle_batches_are_the_random_sampler_permutation():
    # the order is jaxtorch's RNG stream (not bitwise torch's); replaying the same seed's sampler
    # indices through torch's DataLoader must give identical batches
    jaxtorch.manual_seed(3)
    jb = batches(jdata.DataLoader(Rich(jaxtorch), batch_size=4, shuffle=True))
    jaxtorch.manual_seed(3)
    jdata.DataLoader(Rich(jaxtorch), batch_size=4)  # constructing draws nothing
    jaxtorch.randint(0, 2**63 - 1, ())  # the per-epoch base seed draw, as torch's iterator makes
    order = list(jdata.RandomSampler(range(10)))
    assert sorted(order) == list(range(10))
    tb = batches(torch.utils.data.DataLoader(Rich(torch), batch_size=4, sampler=order))
    for a, b in zip(tb, jb, strict=True):
        assert_same(a, b)
    # manual_seed governs: same seed same order, other seed another order
    jaxtorch.manual_seed(3)
    again = [b["i"].tolist() for b in jdata.DataLoader(Rich(jaxtorch), batch_size=4, shuffle=True)]
    assert again == [b["i"].tolist() for b in jb]
    g = jaxtorch.Generator().manual_seed(5)
    first = [b["i"].tolist() for b in jdata.DataLoader(Rich(jaxtorch), batch_size=10, shuffle=True, generator=g)]
    second = [b["i"].tolist() for b in jdata.DataLoader(Rich(jaxtorch), batch_size=10, shuffle=True, generator=g)]
    assert first != second and sorted(first[0]) == sorted(second[0]) == list(range(10))


def test_random_sampler_replacement_and_num_samples():
    g = jaxtorch.Generator().manual_seed(0)
    s = jdata.RandomSampler(range(5), replacement=True, num_samples=70, generator=g)
    idx = list(s)
    assert len(s) == len(idx) == 70 and set(idx) <= set(range(5)) and len(set(idx)) == 5
    s = jdata.RandomSampler(range(4), num_samples=10, generator=g)
    idx = list(s)
    assert len(idx) == 10 and sorted(idx[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    for bad, exc in ((dict(replacement=1), TypeError), (dict(num_samples=0), ValueError)):
        with pytest.raises(exc) as te:
            torch.utils.data.RandomSampler(range(3), **bad)
        with pytest.raises(exc) as je:
            jdata.RandomSampler(range(3), **bad)
        assert str(te.value) == str(je.value)


def test_subset_and_weighted_samplers():
    g = jaxtorch.Generator().manual_seed(0)
    s = jdata.SubsetRandomSampler([10, 20, 30, 40], generator=g)
    assert len(s) == 4 and sorted(s) == [10, 20, 30, 40]
    w = jdata.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=g)
    idx = list(w)
    assert len(w) == len(idx) == 200 and set(idx) == {1, 3}
    assert 0.6 < idx.count(3) / 200 < 0.9  # expected 0.75
    no_rep = list(jdata.WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False, generator=g))
    assert sorted(no_rep) == [0, 1, 2, 3]
    with pytest.raises(ValueError) as te:
        torch.utils.data.WeightedRandomSampler([[1.0]], 2)
    with pytest.raises(ValueError) as je:
        jdata.WeightedRandomSampler([[1.0]], 2)
    assert str(te.value) == str(je.value)


def test_batch_sampler_matches_torch():
    for bs, dl in ((3, False), (3, True), (5, True)):
        t = torch.utils.data.BatchSampler(range(10), bs, dl)
        j = jdata.BatchSampler(range(10), bs, dl)
        assert list(t) == list(j) and len(t) == len(j)


@pytest.mark.parametrize("kwargs", [dict(batch_size=0), dict(num_workers=-1), dict(timeout=-1),
                                    dict(prefetch_factor=2), dict(persistent_workers=True),
                                    dict(sampler=[0], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
                                    dict(batch_size=None, drop_last=True), dict(batch_size=True)])
def test_constructor_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as te:
        torch.utils.data.DataLoader(Rich(torch), **kwargs)
    with pytest.raises(ValueError) as je:
        jdata.DataLoader(Rich(jaxtorch), **kwargs)
    assert str(te.value) == str(je.value)


def test_iterable_dataset_option_errors_and_len():
    for kw in (dict(shuffle=True), dict(sampler=[0])):
        with pytest.raises(ValueError) as te:
            torch.utils.data.DataLoader(TShards(0, 5), **kw)
        with pytest.raises(ValueError) as je:
            jdata.DataLoader(JShards(0, 5), **kw)
        assert str(te.value).split(", but")[0] == str(je.value).split(", but")[0]
    with pytest.raises(TypeError):
        len(jdata.DataLoader(JShards(0, 5)))
    loader = jdata.DataLoader(jdata.DataLoader(Rich(jaxtorch)).dataset, batch_size=4)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 2


def test_no_auto_batching_matches_torch():
    t = torch.utils.data.DataLoader(Rich(torch), batch_size=None)
    j = jdata.DataLoader(Rich(jaxtorch), batch_size=None)
    assert len(t) == len(j) == 10
    for a, b in zip(batches(t), batches(j), strict=True):
        assert_same(a, b)


@pytest.mark.parametrize("batch_size,drop_last", [(2, False), (4, True), (None, False)])
def test_iterable_dataset_single_process_matches_torch(batch_size, drop_last):
    t = batches(torch.utils.data.DataLoader(TShards(3, 14), batch_size=batch_size, drop_last=drop_last))
    j = batches(jdata.DataLoader(JShards(3, 14), batch_size=batch_size, drop_last=drop_last))
    assert_same(t, j)


# --- datasets --------------------------------------------------------------------------------------

def test_tensor_concat_subset_stack_chain_match_torch():
    tx, jx = torch.arange(12.0).reshape(6, 2), jaxtorch.arange(12.0).reshape(6, 2)
    ty, jy = torch.arange(6), jaxtorch.arange(6)
    t, j = torch.utils.data.TensorDataset(tx, ty), jdata.TensorDataset(jx, jy)
    assert len(t) == len(j) == 6
    assert_same(batches(torch.utils.data.DataLoader(t, batch_size=4)), batches(jdata.DataLoader(j, batch_size=4)))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        jdata.TensorDataset(jx, jaxtorch.arange(5))
    tc, jc = torch.utils.data.ConcatDataset([range(3), range(10, 14)]), jdata.ConcatDataset([range(3), range(10, 14)])
    assert len(tc) == len(jc) and [tc[i] for i in range(-7, 7)] == [jc[i] for i in range(-7, 7)]
    assert tc.cumulative_sizes == jc.cumulative_sizes
    ts, js = torch.utils.data.Subset(range(10, 20), [3, 1]), jdata.Subset(range(10, 20), [3, 1])
    assert [ts[0], ts[1]] == [js[0], js[1]] and len(ts) == len(js)
    assert torch.utils.data.StackDataset(range(3), range(5, 8))[1] == jdata.StackDataset(range(3), range(5, 8))[1]
    assert torch.utils.data.StackDataset(a=range(3), b="xyz")[2] == jdata.StackDataset(a=range(3), b="xyz")[2]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        jdata.StackDataset(range(3), range(4))
    assert list(torch.utils.data.ChainDataset([TShards(0, 3), TShards(5, 7)])) == \
        list(jdata.ChainDataset([JShards(0, 3), JShards(5, 7)]))
    assert isinstance(jdata.TensorDataset(jx) + jdata.TensorDataset(jx), jdata.ConcatDataset)


def test_random_split_lengths_fractions_and_seed():
    for lengths in ([3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [0.33, 0.33, 0.34]):
        t = torch.utils.data.random_split(range(11 if isinstance(lengths[0], float) else 10), lengths)
        j = jdata.random_split(range(11 if isinstance(lengths[0], float) else 10), lengths)
        assert [len(s) for s in t] == [len(s) for s in j]
        flat = sorted(i for s in j for i in s)
        assert flat == list(range(len(flat)))
    a = jdata.random_split(range(10), [5, 5], generator=jaxtorch.Generator().manual_seed(1))
    b = jdata.random_split(range(10), [5, 5], generator=jaxtorch.Generator().manual_seed(1))
    assert list(a[0]) == list(b[0])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        jdata.random_split(range(10), [3, 3])


# --- worker processes ------------------------------------------------------------------------------

def test_workers_give_the_same_batches_as_the_main_process():
    jaxtorch.manual_seed(11)
    single = batches(jdata.DataLoader(Rich(jaxtorch), batch_size=3, shuffle=True))
    jaxtorch.manual_seed(11)
    multi = batches(jdata.DataLoader(Rich(jaxtorch), batch_size=3, shuffle=True, num_workers=2))
    assert len(single) == len(multi) == 4
    for a, b in zip(single, multi):
        assert_same(a, b)  # same container types too: numpy collation in workers gives the same batch


def test_worker_exception_is_reraised_with_worker_traceback():
    with pytest.raises(ValueError) as e:
        list(jdata.DataLoader(Rich(jaxtorch, fail_at=4), batch_size=2, num_workers=2))
    msg = str(e.value)
    assert "Caught ValueError in DataLoader worker process 0" in msg
    assert "bad sample 4" in msg and "Original Traceback" in msg and "__getitem__" in msg


@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")  # torch's own fork-based workers; they never run JAX
def test_iterable_dataset_sharding_with_workers_matches_torch():
    for bs, dl in ((2, False), (2, True)):
        t = batches(torch.utils.data.DataLoader(TShards(0, 11), batch_size=bs, drop_last=dl, num_workers=2))
        j = batches(jdata.DataLoader(JShards(0, 11), batch_size=bs, drop_last=dl, num_workers=2,
                                     persistent_workers=True))
        assert_same(t, j)


def test_worker_info_seeds_persistent_workers_and_custom_collate():
    loader = jdata.DataLoader(WorkerInfoDataset(), batch_size=1, num_workers=2, persistent_workers=True,
                              collate_fn=stack_collate, generator=jaxtorch.Generator().manual_seed(0))
    epoch1 = [b.tolist()[0] for b in loader]
    epoch2 = [b.tolist()[0] for b in loader]
    assert [r[0] for r in epoch1] == [0, 1, 0, 1] and all(r[1] == 2 for r in epoch1)
    # torch: worker seed = base_seed + worker_id; persistent workers keep theirs across epochs
    assert (epoch1[1][2] - epoch1[0][2]) % 1000 == 1
    assert epoch1 == epoch2
    assert jdata.get_worker_info() is None


@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")  # torch's own fork-based workers; they never run JAX
def test_workers_read_and_compute_on_tensors_made_in_the_main_process():
    # forked workers swap these payloads for numpy views (the parent's JAX client is dead in them); a worker
    # that waits on the parent's client would hang: the loader's timeout turns that into a failure
    tx, jx = torch.arange(12.0).reshape(6, 2) * 3, jaxtorch.arange(12.0).reshape(6, 2) * 3
    t = batches(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tx, torch.arange(6)), batch_size=4,
                                            num_workers=2))
    shifted = lambda b: jdata.default_collate([(x * 2 - 1, y) for x, y in b])  # tensor math in the worker
    # A forked worker cannot compile a program of its own on jaxlib 0.10 (README, "Things to know"); it runs the
    # ones the persistent compile cache holds, so the parent runs this math once first.
    if not jax.config.jax_compilation_cache_dir:
        pytest.skip("needs the persistent compile cache (forked workers cannot compile)")
    shifted([(jx[0], 0)])
    j = batches(jdata.DataLoader(jdata.TensorDataset(jx, jaxtorch.arange(6)), batch_size=4, num_workers=2,
                                 timeout=60, collate_fn=shifted))
    assert_same([[x * 2 - 1, y] for x, y in t], j)


def test_fork_prefetch_walk_reaches_the_datasets_tensors_but_not_globals():
    import functools

    from jaxtorch.utils.data._utils import fork

    a, b, c, d = (jaxtorch.arange(3.0) + k for k in range(4))
    ds = jdata.TensorDataset(a, b)
    ds.extra = {"nested": [(c,)]}
    found = {id(t) for t in fork._reachable_tensors((ds, None, functools.partial(print, d)))}
    assert {id(a), id(b), id(c), id(d)} <= found
    assert fork._reachable_tensors((batches,)) == []  # a function's globals reach the whole program
