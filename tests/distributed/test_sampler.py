"""DistributedSampler against torch's: identical index lists unshuffled; shuffle properties otherwise."""

import pytest
import torch
import torch.utils.data.distributed as tdd

import jaxtorch
from jaxtorch.utils.data import DistributedSampler

CASES = [(n, r) for n in (0, 1, 2, 5, 7, 10, 12, 13) for r in (1, 2, 3, 4)] + [(3, 8), (1, 5)]


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,replicas", CASES)
def test_unshuffled_equals_torch(n, replicas, drop_last):
    data = list(range(n))
    for rank in range(replicas):
        ref = tdd.DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        ours = DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(ref)
        assert len(ours) == len(ref)
        assert (ours.num_samples, ours.total_size) == (ref.num_samples, ref.total_size)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,replicas", [(10, 3), (13, 4), (12, 2), (5, 1), (3, 8)])
def test_shuffled_properties(n, replicas, drop_last):
    data = list(range(n))

    def shards(epoch, seed=0):
        out = []
        for rank in range(replicas):
            s = DistributedSampler(data, replicas, rank, shuffle=True, seed=seed, drop_last=drop_last)
            s.set_epoch(epoch)
            out.append(list(s))
        return out

    ref_len = len(tdd.DistributedSampler(data, replicas, 0, shuffle=True, drop_last=drop_last))
    per_rank = shards(0)
    assert all(len(p) == ref_len for p in per_rank)
    flat = [i for p in per_rank for i in p]
    assert all(0 <= i < n for i in flat)
    if drop_last:
        assert len(set(flat)) == len(flat)  # disjoint, nothing repeated
    else:
        assert set(flat) == set(range(n))  # covers the dataset
        assert len(flat) - len(set(flat)) == replicas * ref_len - n  # only the padding repeats
    assert shards(0) == per_rank  # deterministic for (seed, epoch)
    if n >= 5:
        assert shards(1) != per_rank  # a new epoch reorders
        assert shards(0, seed=1) != per_rank


def test_shuffle_is_a_permutation_then_strided():
    # rank r's list is positions r, r+R, ... of one permutation shared by all ranks
    data = list(range(11))
    lists = [list(DistributedSampler(data, 3, r, seed=5)) for r in range(3)]
    merged = [lists[i % 3][i // 3] for i in range(12)]
    assert sorted(merged[:11]) == data
    assert merged[11] == merged[0]  # padding repeats the head


def test_global_generator_untouched():
    jaxtorch.manual_seed(3)
    a = jaxtorch.rand(3)
    jaxtorch.manual_seed(3)
    list(DistributedSampler(list(range(9)), 2, 0))
    assert jaxtorch.equal(jaxtorch.rand(3), a)


@pytest.mark.parametrize("rank", [-1, 3])
def test_bad_rank(rank):
    with pytest.raises(ValueError) as ref:
        tdd.DistributedSampler(list(range(4)), num_replicas=3, rank=rank)
    with pytest.raises(ValueError) as ours:
        DistributedSampler(list(range(4)), num_replicas=3, rank=rank)
    assert str(ours.value) == str(ref.value)


def test_defaults_need_process_group():
    # without num_replicas/rank both read the default group, which does not exist yet
    with pytest.raises(ValueError) as ref:
        tdd.DistributedSampler(list(range(4)))
    with pytest.raises(ValueError) as ours:
        DistributedSampler(list(range(4)))
    assert str(ours.value) == str(ref.value)


def test_with_dataloader():
    ds = jaxtorch.utils.data.TensorDataset(jaxtorch.arange(10))
    sampler = DistributedSampler(ds, num_replicas=2, rank=1, shuffle=False)
    loader = jaxtorch.utils.data.DataLoader(ds, batch_size=2, sampler=sampler)
    got = [b[0].tolist() for b in loader]
    ref_ds = torch.utils.data.TensorDataset(torch.arange(10))
    ref = torch.utils.data.DataLoader(ref_ds, batch_size=2,
                                      sampler=tdd.DistributedSampler(ref_ds, 2, 1, shuffle=False))
    assert got == [b[0].tolist() for b in ref]
