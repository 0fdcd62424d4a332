"""A DataLoader with num_workers=2 in a plain PyTorch script: prints which library each worker imported as torch."""

import sys

import torch
from torch.utils.data import DataLoader, Dataset, get_worker_info


class Squares(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        # torch.__name__ is 'jaxtorch' when the worker's `import torch` went through the shim
        return torch.tensor(float(i * i)), torch.__name__, -1 if info is None else info.id


if __name__ == "__main__":
    values, libs, workers = [], set(), set()
    for x, names, ids in DataLoader(Squares(), batch_size=2, num_workers=2):
        values += x.tolist()
        libs.update(names)
        workers.update(ids.tolist())
    print("values", values)
    print("worker_torch", sorted(libs))
    print("worker_ids", sorted(workers))
    print("main_torch", torch.__name__, sys.argv[1:])
