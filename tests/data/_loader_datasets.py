"""Datasets for test_dataloader.py's worker tests: module level (workers unpickle them by reference) and
free of torch imports, so each worker process starts without importing torch."""

import collections

import numpy as np

import jaxtorch
from jaxtorch.utils import data as jdata

Point = collections.namedtuple("Point", ["x", "y"])


class Rich:
    """Samples mixing every type default_collate knows; `mod` picks the framework for tensor fields."""

    def __init__(self, mod, n=10, fail_at=None):
        self.mod_name, self.n, self.fail_at = mod.__name__, n, fail_at  # a name: modules don't pickle

    @property
    def mod(self):
        if self.mod_name == "torch":
            import torch

            return torch
        return jaxtorch

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"bad sample {i}")
        return {
            "t": self.mod.arange(6, dtype=self.mod.float32).reshape(2, 3) * i,
            "a": np.full((3,), i, dtype=np.int32),
            "f": float(i) / 2,
            "i": i,
            "b": i % 2 == 0,
            "s": f"s{i}",
            "np_scalar": np.float32(i),
            "tup": (i, float(i)),
            "nt": Point(i, np.int16(i)),
        }


class Ragged:
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return np.zeros(3 if i < 2 else 4, np.float32)


class Shards:
    """Torch's documented sharding recipe: each worker takes a contiguous slice of range(start, end)."""

    def __init__(self, start, end, info_fn):
        self.start, self.end, self.info_fn = start, end, info_fn

    def __iter__(self):
        info = self.info_fn()
        lo, hi = self.start, self.end
        if info is not None:
            per = -(-(hi - lo) // info.num_workers)
            lo = self.start + info.id * per
            hi = min(hi, lo + per)
        return iter(range(lo, hi))


class JShards(Shards, jdata.IterableDataset):
    def __init__(self, start, end):
        super().__init__(start, end, jdata.get_worker_info)


def seed_of_worker(_):
    info = jdata.get_worker_info()
    return (info.id, info.num_workers, info.seed)


def stack_collate(batch):
    """A custom collate_fn making jaxtorch Tensors inside the worker."""
    return jaxtorch.stack([jaxtorch.as_tensor(x) for x in batch])


class WorkerInfoDataset(jdata.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = jdata.get_worker_info()
        return np.array([info.id, info.num_workers, info.seed % 1000])
