"""Imports as PyTorch users write them; prints what they resolved to, as JSON, for test_shim.py."""

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torch.nn.modules.rnn
import torchvision
import torchvision.transforms as T
from torch.nn.modules.linear import Linear
from torch.nn.modules.rnn import LSTM
from torch.utils.data import DataLoader, TensorDataset
from torchvision import datasets, transforms

import jaxtorch
import jaxtorch.vision

out = {
    "torch_is_jaxtorch": torch is jaxtorch,
    "nn": nn is jaxtorch.nn,
    "F": F is jaxtorch.nn.functional,
    "optim": optim is jaxtorch.optim,
    "rnn_module": torch.nn.modules.rnn is sys.modules["jaxtorch.nn.modules.rnn"],
    "LSTM": LSTM is jaxtorch.nn.LSTM,
    "Linear": Linear is jaxtorch.nn.Linear,
    "data": DataLoader is jaxtorch.utils.data.DataLoader and TensorDataset is jaxtorch.utils.data.TensorDataset,
    "torchvision": torchvision is jaxtorch.vision,
    "T": T is jaxtorch.vision.transforms,
    "datasets": datasets is jaxtorch.vision.datasets and transforms is jaxtorch.vision.transforms,
    "nn_spec": jaxtorch.nn.__spec__.name,
    # no module of the real torch or torchvision may have been imported
    "real_torch_files": sorted(m.__name__ for m in list(sys.modules.values())
                               if "site-packages/torch" in (getattr(m, "__file__", None) or "")),
    "argv": sys.argv,
    "file": __file__,
    "name": __name__,
    "path0": sys.path[0],
    "cwd": os.getcwd(),
}
errors = {}
for label, action in [
    ("sparse_coo_tensor", lambda: torch.sparse_coo_tensor),
    ("nn_Foo", lambda: nn.NotALayer),
    ("T_v2", lambda: __import__("torchvision.transforms.v2")),
    ("datapipes", lambda: __import__("torch.utils.data.datapipes")),
    ("models", lambda: __import__("torchvision.models")),
    ("fbgemm", lambda: torch.fbgemm_pack_quantized_matrix),
]:
    try:
        action()
        errors[label] = None
    except Exception as e:  # noqa: BLE001 - report whatever was raised
        errors[label] = [type(e).__name__, str(e)]
out["errors"] = errors
out["hasattr_missing"] = hasattr(torch, "sparse_coo_tensor")
print("JSON" + json.dumps(out))
