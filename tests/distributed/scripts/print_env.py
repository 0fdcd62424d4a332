"""Worker without JAX: record the launcher's environment and argv in OUT_DIR/env_<RANK>.json."""

import json
import os
import sys

KEYS = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "GROUP_WORLD_SIZE", "ROLE_RANK",
        "ROLE_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID", "OMP_NUM_THREADS"]
out_dir = sys.argv[1]
with open(os.path.join(out_dir, f"env_{os.environ['RANK']}.json"), "w") as f:
    json.dump({"env": {k: os.environ.get(k) for k in KEYS}, "argv": sys.argv[1:]}, f)
