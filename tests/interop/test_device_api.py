"""torch.cuda / torch.accelerator / torch.backends / matmul precision / threads against real torch.

On a machine without a JAX GPU, jaxtorch's answers must be those of the CPU-only torch build installed here
(same values, same exception types; torch's message is contained in ours). The GPU-side branch is checked where
JAX has a GPU (skipped otherwise, with the reason).
"""

import warnings

import jax
import numpy as np
import pytest
import torch

import jaxtorch

HAS_GPU = bool(jaxtorch.cuda.is_available())
needs_no_gpu = pytest.mark.skipif(HAS_GPU, reason="compares with CPU-only torch; JAX has a GPU here")
needs_gpu = pytest.mark.skipif(not HAS_GPU, reason="JAX has no GPU in this process")


def _outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the outcome is what is compared
        return (type(e).__name__, str(e))


# (expression, whether torch raises here for an internal reason we do not copy)
CALLS = [
    "cuda.is_available()", "cuda.device_count()", "cuda.current_device()", "cuda.synchronize()",
    "cuda.get_device_name()", "cuda.get_device_name(0)", "cuda.get_device_properties(0)",
    "cuda.get_device_capability()", "cuda.memory_allocated()", "cuda.max_memory_allocated()",
    "cuda.memory_reserved()", "cuda.max_memory_reserved()", "cuda.memory_stats()", "cuda.empty_cache()",
    "cuda.is_initialized()", "cuda.is_bf16_supported()", "cuda.initial_seed()", "cuda.get_rng_state()",
    "cuda.mem_get_info()", "cuda.init()", "cuda.manual_seed(1)", "cuda.manual_seed_all(1)", "cuda.seed()",
    "cuda.get_arch_list()", "cuda.set_device('cpu')",
    "accelerator.is_available()", "accelerator.current_accelerator()", "accelerator.device_count()",
    "accelerator.current_device_index()", "accelerator.synchronize()", "accelerator.set_device_index(0)",
    "backends.cudnn.benchmark", "backends.cudnn.deterministic", "backends.cudnn.enabled",
    "backends.cudnn.allow_tf32", "backends.cudnn.is_available()", "backends.cudnn.version()",
    "backends.cuda.is_built()", "backends.cuda.matmul.allow_tf32",
    "backends.cuda.matmul.allow_fp16_reduced_precision_reduction",
    "backends.cuda.matmul.allow_bf16_reduced_precision_reduction",
    "backends.mps.is_available()", "backends.mps.is_built()",
    "get_float32_matmul_precision()",
]


@needs_no_gpu
@pytest.mark.parametrize("expr", CALLS)
def test_cpu_only_answers_match_torch(expr):
    expected = _outcome(lambda: eval("torch." + expr))
    got = _outcome(lambda: eval("jaxtorch." + expr))
    assert got[0] == expected[0], (expr, expected, got)
    if expected[0] == "ok":
        if isinstance(expected[1], dict):  # torch returns an empty OrderedDict
            assert dict(expected[1]) == got[1]
        else:
            assert got[1] == expected[1], (expr, expected, got)
    else:
        assert expected[1] in got[1], (expr, expected, got)  # ours may add what jaxtorch saw


@needs_no_gpu
def test_set_device_without_cuda_raises():
    # CPU-only torch fails here with an internal AttributeError (torch._C lacks _cuda_setDevice); jaxtorch raises
    # the same AssertionError as every other call that needs a CUDA device.
    with pytest.raises(AttributeError):
        torch.cuda.set_device(0)
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        jaxtorch.cuda.set_device(0)


@needs_no_gpu
def test_cuda_manual_seed_leaves_cpu_stream_alone():
    # Without a GPU, torch.cuda.manual_seed does not touch the CPU generator in torch, nor in jaxtorch.
    for lib in (torch, jaxtorch):
        lib.manual_seed(0)
        a = lib.rand(4).tolist()
        lib.manual_seed(0)
        lib.cuda.manual_seed(123)
        lib.cuda.manual_seed_all(7)
        assert lib.rand(4).tolist() == a, lib.__name__


def test_device_context_managers_without_effect_on_cpu():
    t = jaxtorch.zeros(2)
    with jaxtorch.cuda.device_of(t):  # a CPU tensor: nothing to switch, as in torch
        pass
    with torch.cuda.device_of(torch.zeros(2)):
        pass
    with jaxtorch.cuda.device(-1), torch.cuda.device(-1):  # a negative index means "do nothing" in torch
        pass


@pytest.fixture
def restore_precision():
    saved_jax = jax.config.jax_default_matmul_precision
    saved_torch = torch.get_float32_matmul_precision()
    yield
    jax.config.update("jax_default_matmul_precision", saved_jax)
    torch.set_float32_matmul_precision(saved_torch)


@pytest.mark.parametrize("precision,jax_value", [("highest", "highest"), ("high", "high"), ("medium", "default")])
def test_matmul_precision_sets_jax_config(restore_precision, precision, jax_value):
    torch.set_float32_matmul_precision(precision)
    jaxtorch.set_float32_matmul_precision(precision)
    assert jax.config.jax_default_matmul_precision == jax_value
    assert jaxtorch.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == precision
    # allow_tf32 follows the precision in both libraries
    assert jaxtorch.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    # ops still run (the setting is part of JAX's jit cache key, so this is a fresh compile, not a stale one)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(jaxtorch.mm(jaxtorch.tensor(a), jaxtorch.tensor(a.T)).numpy(), a @ a.T)


def test_allow_tf32_sets_precision(restore_precision):
    jaxtorch.backends.cuda.matmul.allow_tf32 = True
    assert jax.config.jax_default_matmul_precision == "high"
    assert jaxtorch.get_float32_matmul_precision() == "high"
    jaxtorch.backends.cuda.matmul.allow_tf32 = False
    assert jaxtorch.get_float32_matmul_precision() == "highest"


def test_bad_matmul_precision_warns_like_torch(restore_precision):
    jaxtorch.set_float32_matmul_precision("high")
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        jaxtorch.set_float32_matmul_precision("bad")
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch.set_float32_matmul_precision("bad")
    assert [type(w.message) for w in ours] == [type(w.message) for w in theirs] == [UserWarning]
    assert str(ours[0].message) in str(theirs[0].message)
    assert jaxtorch.get_float32_matmul_precision() == "high"  # unchanged


def test_num_threads_like_torch():
    saved = torch.get_num_threads()
    try:
        for lib in (torch, jaxtorch):
            lib.set_num_threads(3)
            assert lib.get_num_threads() == 3
            lib.set_num_threads(np.int64(2))
            assert lib.get_num_threads() == 2
        for bad in (0, -1, 2.0, "a"):
            expected = _outcome(lambda: torch.set_num_threads(bad))
            assert expected[0] == "RuntimeError"
            assert _outcome(lambda: jaxtorch.set_num_threads(bad)) == expected, bad
    finally:
        torch.set_num_threads(saved)
    assert jaxtorch.get_num_interop_threads() >= 1


def test_cudnn_flags_are_stored():
    cudnn = jaxtorch.backends.cudnn
    saved = (cudnn.benchmark, cudnn.deterministic)
    cudnn.benchmark, cudnn.deterministic = True, True
    assert (cudnn.benchmark, cudnn.deterministic) == (True, True)
    with cudnn.flags(enabled=False):
        assert cudnn.enabled is False
    assert cudnn.enabled is True
    cudnn.benchmark, cudnn.deterministic = saved


@needs_gpu
def test_gpu_answers():
    gpus = jax.local_devices(backend="gpu")
    assert jaxtorch.cuda.device_count() == len(gpus)
    assert jaxtorch.accelerator.current_accelerator() == jaxtorch.device("cuda")
    assert jaxtorch.cuda.get_device_name(0) == gpus[0].device_kind
    props = jaxtorch.cuda.get_device_properties(0)
    assert props.name == gpus[0].device_kind and props.total_memory > 0
    x = jaxtorch.ones(1024, 1024, device="cuda")
    jaxtorch.cuda.synchronize()
    assert jaxtorch.cuda.memory_allocated() >= x.numel() * 4
    assert jaxtorch.cuda.max_memory_allocated() >= jaxtorch.cuda.memory_allocated()
    assert jaxtorch.cuda.memory_reserved() >= jaxtorch.cuda.memory_allocated()
    assert jaxtorch.get_float32_matmul_precision() in ("highest", "high")


def test_cuda_amp_forwards_to_amp():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch deprecates torch.cuda.amp; without CUDA both warn and disable
        for lib in (torch, jaxtorch):
            ac = lib.cuda.amp.autocast(enabled=False)
            assert isinstance(ac, lib.amp.autocast) and ac.device == "cuda"
            assert ac.fast_dtype == lib.float16
            if not HAS_GPU:
                assert lib.cuda.amp.GradScaler().is_enabled() is False
    with pytest.raises(AttributeError, match=r"^torch\.cuda\.amp\.nothing is not supported yet in jaxtorch"):
        jaxtorch.cuda.amp.nothing  # noqa: B018
