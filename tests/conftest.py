import sys
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).parent))  # tests import helpers.py

import jaxtorch  # noqa: E402,F401  (enables x64 before any test touches JAX)
import torch  # noqa: E402

torch.manual_seed(0)
