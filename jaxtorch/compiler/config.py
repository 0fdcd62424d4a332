"""`torch.compiler.config`: torch.compile's user-facing settings.

All of them tune torch's caching and profile-guided recompilation, which jaxtorch does not have; they keep torch's
defaults so scripts that set them run, and change nothing here. (XLA's own compilation cache is configured with
JAX's `jax_compilation_cache_dir` option.)
"""

from ..utils import _config_module

_DEFAULTS = {"job_id": None, "pgo_extra_read_key": None, "pgo_extra_write_key": None, "cache_key_tag": "",
             "force_disable_caches": False, "dynamic_sources": "", "dynamic_values": "", "unbacked_sources": "",
             "force_cudagraph_gc": False}

_config_module.install(__name__, _DEFAULTS, __doc__)
