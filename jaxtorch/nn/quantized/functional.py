"""torch.nn.quantized.functional: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ._standin import standin_function

adaptive_avg_pool2d = standin_function("torch.nn.quantized.functional.adaptive_avg_pool2d")
adaptive_avg_pool3d = standin_function("torch.nn.quantized.functional.adaptive_avg_pool3d")
avg_pool2d = standin_function("torch.nn.quantized.functional.avg_pool2d")
avg_pool3d = standin_function("torch.nn.quantized.functional.avg_pool3d")
celu = standin_function("torch.nn.quantized.functional.celu")
clamp = standin_function("torch.nn.quantized.functional.clamp")
conv1d = standin_function("torch.nn.quantized.functional.conv1d")
conv2d = standin_function("torch.nn.quantized.functional.conv2d")
conv3d = standin_function("torch.nn.quantized.functional.conv3d")
elu = standin_function("torch.nn.quantized.functional.elu")
hardsigmoid = standin_function("torch.nn.quantized.functional.hardsigmoid")
hardswish = standin_function("torch.nn.quantized.functional.hardswish")
hardtanh = standin_function("torch.nn.quantized.functional.hardtanh")
interpolate = standin_function("torch.nn.quantized.functional.interpolate")
leaky_relu = standin_function("torch.nn.quantized.functional.leaky_relu")
linear = standin_function("torch.nn.quantized.functional.linear")
max_pool1d = standin_function("torch.nn.quantized.functional.max_pool1d")
max_pool2d = standin_function("torch.nn.quantized.functional.max_pool2d")
threshold = standin_function("torch.nn.quantized.functional.threshold")
upsample = standin_function("torch.nn.quantized.functional.upsample")
upsample_bilinear = standin_function("torch.nn.quantized.functional.upsample_bilinear")
upsample_nearest = standin_function("torch.nn.quantized.functional.upsample_nearest")
