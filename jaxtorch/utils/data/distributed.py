"""DistributedSampler: each rank visits its own share of the dataset's indices.

torch's rules: the index list (0..n-1, or a permutation drawn from a generator seeded with
seed + epoch when shuffle=True) is padded by repeating its head until it divides evenly by the number
of replicas (or, with drop_last=True, cut down to a multiple of it); rank r then takes every
num_replicas-th index starting at r. The permutation comes from jaxtorch's RNG, so shuffled orders
differ from torch's (same properties, not the same numbers); unshuffled lists are identical.
"""

from __future__ import annotations

import math
from typing import Iterator, TypeVar

from .sampler import Sampler

_T_co = TypeVar("_T_co", covariant=True)

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[_T_co]):
    """Restricts loading to this rank's subset of `dataset` (call `set_epoch` each epoch when shuffling)."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False) -> None:
        from ... import distributed as dist

        if num_replicas is None:
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size()
        if rank is None:
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            # the largest per-rank count that needs no padding
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            from ... import Generator, randperm

            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            missing = self.total_size - len(indices)
            if missing > 0:
                # repeat the list as often as needed (a tiny dataset may need it more than once)
                indices += (indices * math.ceil(missing / len(indices)))[:missing]
        assert len(indices) == self.total_size
        own = indices[self.rank : self.total_size : self.num_replicas]
        assert len(own) == self.num_samples
        return iter(own)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use `epoch` in the shuffle seed, so that each epoch has a different order."""
        self.epoch = epoch
