"""Worker: run every collective on per-rank inputs and save the results.

Run under either launcher with LIB=jaxtorch or LIB=torch (real torch.distributed, gloo, the oracle):
    python -m jaxtorch.distributed.run --nproc_per_node=2 collectives.py OUT_DIR
Writes OUT_DIR/<LIB>_rank<r>.npz (arrays) and .json (objects, ranks, env).
"""

import json
import os
import sys

import numpy as np

if os.environ.get("LIB") == "torch":
    import torch
    import torch.distributed as dist
else:
    import jaxtorch as torch
    import jaxtorch.distributed as dist

out_dir = sys.argv[1]
dist.init_process_group(backend="gloo")
rank, world = dist.get_rank(), dist.get_world_size()
results = {}
info = {"rank": rank, "world": world, "backend": str(dist.get_backend()), "initialized": dist.is_initialized(),
        "local_rank": int(os.environ["LOCAL_RANK"])}


def t(values, dtype=None):
    return torch.tensor(np.asarray(values), dtype=dtype)


base = np.arange(6, dtype=np.float32).reshape(2, 3)
ops = {"sum": dist.ReduceOp.SUM, "avg": dist.ReduceOp.AVG, "max": dist.ReduceOp.MAX, "min": dist.ReduceOp.MIN,
       "product": dist.ReduceOp.PRODUCT}
for name, op in ops.items():
    x = t(base * (rank + 1) - rank)
    assert dist.all_reduce(x, op=op) is None
    results[f"all_reduce_{name}"] = x.numpy()
for name in ("BAND", "BOR", "BXOR"):
    x = t(np.array([5, 12, 7], np.int64) + rank * 3)
    dist.all_reduce(x, op=getattr(dist.ReduceOp, name))
    results[f"all_reduce_{name}"] = x.numpy()
x = t(np.array([1, 2, 3], np.int64) * (rank + 1))
dist.all_reduce(x)
results["all_reduce_int64"] = x.numpy()
# in place through a view: the base sees the write
whole = t(np.zeros(4, np.float32) + rank + 1)
dist.all_reduce(whole[1:3])
results["all_reduce_view_base"] = whole.numpy()
# a leaf that requires grad: c10d writes past autograd, no error
leaf = torch.ones(3, requires_grad=True)
dist.all_reduce(leaf)
results["all_reduce_leaf"] = leaf.detach().numpy()
work = dist.all_reduce(t(np.ones(2, np.float32)), async_op=True)
info["work_wait"] = bool(work.wait())

x = t(base + 10 * rank)
dist.broadcast(x, src=1)
results["broadcast_src1"] = x.numpy()

outs = [torch.zeros(2, 3) for _ in range(world)]
dist.all_gather(outs, t(base + 100 * rank))
for i, o in enumerate(outs):
    results[f"all_gather_{i}"] = o.numpy()

out = torch.zeros(2 * world, 3)
dist.all_gather_into_tensor(out, t(base - rank))
results["all_gather_into_tensor"] = out.numpy()

out = torch.zeros(2, 3)
dist.reduce_scatter_tensor(out, t(np.arange(6 * world, dtype=np.float32).reshape(2 * world, 3) * (rank + 1)))
results["reduce_scatter_tensor"] = out.numpy()

out = torch.zeros(3)
dist.reduce_scatter(out, [t(np.full(3, 10.0 * i + rank + 1, np.float32)) for i in range(world)])
results["reduce_scatter_list"] = out.numpy()

x = t(base * (rank + 2))
dist.reduce(x, dst=1)
if rank == 1:
    results["reduce_dst1"] = x.numpy()

gl = [torch.zeros(3) for _ in range(world)] if rank == 0 else None
dist.gather(t(np.full(3, rank + 0.5, np.float32)), gather_list=gl, dst=0)
if rank == 0:
    for i, g in enumerate(gl):
        results[f"gather_{i}"] = g.numpy()

x = torch.zeros(2)
sl = [t(np.array([i, i + 0.25], np.float32)) for i in range(world)] if rank == 1 else None
dist.scatter(x, scatter_list=sl, src=1)
results["scatter"] = x.numpy()

outs = [torch.zeros(2) for _ in range(world)]
dist.all_to_all(outs, [t(np.array([rank, j], np.float32) + 10 * j) for j in range(world)])
for i, o in enumerate(outs):
    results[f"all_to_all_{i}"] = o.numpy()

out = torch.zeros(2 * world)
dist.all_to_all_single(out, t(np.arange(2 * world, dtype=np.float32) + 100 * rank))
results["all_to_all_single"] = out.numpy()

objs = [None] * world
dist.all_gather_object(objs, {"rank": rank, "msg": "hi" * (rank + 1)})
info["all_gather_object"] = objs
bl = [rank, "from rank %d" % rank, [rank] * 3]
dist.broadcast_object_list(bl, src=1)
info["broadcast_object_list"] = bl

if rank == 0:
    dist.send(t(np.array([3.5, -1.0], np.float32)), dst=1)
    y = torch.zeros(2, dtype=torch.int64)
    dist.recv(y, src=1)
    results["recv_on_0"] = y.numpy()
else:
    y = torch.zeros(2)
    dist.recv(y, src=0)
    results["recv_on_1"] = y.numpy()
    dist.send(t(np.array([7, 9], np.int64)), dst=0)

world_group = dist.new_group()
x = t(np.array([rank + 1.0], np.float32))
dist.all_reduce(x, group=world_group)
results["all_reduce_new_group"] = x.numpy()
info["new_group_size"] = dist.get_world_size(world_group)

dist.barrier()
if os.environ.get("LIB", "jaxtorch") == "jaxtorch":
    # the array-level API DistributedDataParallel builds on
    import jax.numpy as jnp

    a, b = dist.all_reduce_arrays([jnp.full((2,), rank + 1.0, jnp.float32), jnp.arange(3) * (rank + 1)], "avg")
    results["arrays_avg_a"], results["arrays_avg_b"] = np.asarray(a), np.asarray(b)

name = os.environ.get("LIB", "jaxtorch")
np.savez(os.path.join(out_dir, f"{name}_rank{rank}.npz"), **results)
with open(os.path.join(out_dir, f"{name}_rank{rank}.json"), "w") as f:
    json.dump(info, f)
dist.barrier()
dist.destroy_process_group()
