"""The one switch the dispatcher consults: the active compile observer (None outside compile).

Kept in its own tiny module so the eager hot path pays a single attribute read for it."""

observer = None

# the mesh axis name while compile traces a data-parallel step inside shard_map (None otherwise):
# DistributedDataParallel averages gradients and SyncBatchNorm reduces statistics over it
dp_axis = None

# the last cross-replica reduction's token while such a step is traced: the next one is ordered after it
dp_token = None
