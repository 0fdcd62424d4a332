"""Image transforms on PIL images, numpy arrays (ToTensor only) and tensors (..., C, H, W), as torchvision.

Tensor geometry (crop, flip) uses jaxtorch ops; pad and resize compute the new pixels with numpy/JAX and
return a new tensor (no autograd through them: they are data preprocessing). Tensor resize supports
NEAREST (torch's `interpolate(mode='nearest')` index rule) and BILINEAR (half-pixel, antialiased when
downsampling, as torchvision's default antialias=True); other modes need a PIL image.
"""

from __future__ import annotations

import math
import numbers
from enum import Enum
from typing import Any, Sequence

import numpy as np

from ..._tensor import Tensor


class InterpolationMode(Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _is_pil(img: Any) -> bool:
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


def _pil_resample(mode: InterpolationMode) -> int:
    from PIL import Image

    return {"nearest": Image.NEAREST, "nearest-exact": Image.NEAREST, "bilinear": Image.BILINEAR,
            "bicubic": Image.BICUBIC, "box": Image.BOX, "hamming": Image.HAMMING, "lanczos": Image.LANCZOS}[mode.value]


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width]."""
    if isinstance(img, Tensor):
        c = 1 if img.dim() == 2 else int(img.shape[-3])
        return [c, int(img.shape[-2]), int(img.shape[-1])]
    if _is_pil(img):
        return [len(img.getbands()), img.size[1], img.size[0]]
    raise TypeError(f"Unexpected type {type(img)}")


def _from_numpy(arr: np.ndarray) -> Tensor:
    """A host tensor: its payload stays a numpy array until an op or a collate moves it to the device,
    so per-sample transforms in a data pipeline never dispatch a JAX op per sample."""
    return Tensor._make(np.ascontiguousarray(arr))


def to_tensor(pic: Any) -> Tensor:
    """PIL image or HxW(xC) numpy array -> CxHxW tensor; uint8 data becomes float32 in [0, 1]."""
    from ... import get_default_dtype

    if _is_pil(pic):
        nptype = {"I": np.int32, "I;16": np.int16, "F": np.float32}.get(pic.mode, np.uint8)
        arr = np.array(pic, dtype=nptype, copy=True)
        if pic.mode == "1":
            arr = arr * np.uint8(255)
        arr = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    arr = arr.transpose(2, 0, 1)
    if arr.dtype == np.uint8:
        return _from_numpy((arr.astype(np.float32) / np.float32(255)).astype(get_default_dtype().np))
    return _from_numpy(arr)


def pil_to_tensor(pic: Any) -> Tensor:
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    return _from_numpy(arr.transpose(2, 0, 1))


def to_pil_image(pic: Any, mode: str | None = None):
    from PIL import Image

    if isinstance(pic, Tensor):
        if pic.dim() not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.dim()} dimensions.")
        arr = np.asarray(pic._value())
        arr = arr[None] if arr.ndim == 2 else arr
        if np.issubdtype(arr.dtype, np.floating) and mode != "F":
            arr = (arr * 255).astype(np.uint8)  # torchvision: mul(255).byte()
        arr = arr.transpose(1, 2, 0)
    else:
        arr = np.asarray(pic)
        arr = arr[:, :, None] if arr.ndim == 2 else arr
    if arr.shape[-1] == 1:
        arr = arr[..., 0]
    return Image.fromarray(np.ascontiguousarray(arr)) if mode is None else Image.fromarray(arr).convert(mode)


def _max_value(np_dtype) -> float:
    if np_dtype == np.bool_:
        return 1
    if np.issubdtype(np_dtype, np.integer):
        return int(np.iinfo(np_dtype).max)
    return 1.0


def convert_image_dtype(image: Tensor, dtype) -> Tensor:
    """Convert and rescale: ints span [0, max], floats [0, 1]."""
    from ... import _dtype as dt

    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    src, dst = image.dtype, dt.to_dtype(dtype)
    if src == dst:
        return image
    src_np, dst_np = np.dtype(src.np), np.dtype(dst.np)
    if image.is_floating_point():
        if dst.is_floating_point:
            return image.to(dst)
        if (src_np == np.float32 and dst_np in (np.int32, np.int64)) or (src_np == np.float64 and dst_np == np.int64):
            raise RuntimeError(f"The cast from {src} to {dst} cannot be performed safely.")
        # 1 - eps keeps 1.0 at the top value instead of overflowing past it
        return (image * (float(_max_value(dst_np)) + 1.0 - 1e-3)).to(dst)
    in_max = float(_max_value(src_np))
    if dst.is_floating_point:
        return image.to(dst) / in_max
    out_max = float(_max_value(dst_np))
    if in_max > out_max:
        factor = int((in_max + 1) // (out_max + 1))
        return image.div(factor, rounding_mode="floor").to(dst)
    factor = int((out_max + 1) // (in_max + 1))
    return image.to(dst) * factor


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    from ... import as_tensor

    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    data = tensor._value()
    if isinstance(data, np.ndarray) and not tensor.requires_grad:  # a host tensor: stay in numpy
        mean_a = np.asarray(mean, dtype=data.dtype)
        std_a = np.asarray(std, dtype=data.dtype)
        if (std_a == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by "
                             "zero.")
        if mean_a.ndim == 1:
            mean_a = mean_a.reshape(-1, 1, 1)
        if std_a.ndim == 1:
            std_a = std_a.reshape(-1, 1, 1)
        out = _from_numpy((data - mean_a) / std_a)  # float32 arithmetic, as torch's per-element ops
        if inplace:
            tensor.copy_(out)
            return tensor
        return out
    mean_t = as_tensor(mean, dtype=tensor.dtype)
    std_t = as_tensor(std, dtype=tensor.dtype)
    if bool((std_t == 0).any()):
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if mean_t.dim() == 1:
        mean_t = mean_t.view(-1, 1, 1)
    if std_t.dim() == 1:
        std_t = std_t.view(-1, 1, 1)
    out = (tensor - mean_t) / std_t
    if inplace:
        tensor.copy_(out)
        return tensor
    return out


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """Crop; areas outside the image are zero-filled (as torchvision)."""
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        pad_ltrb = [max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0)]
        img = img[..., max(top, 0):bottom, max(left, 0):right]
        return pad(img, pad_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def center_crop(img: Any, output_size: int | Sequence[int]) -> Any:
    th, tw = _size_pair(output_size)
    _, h, w = get_dimensions(img)
    if th > h or tw > w:
        img = pad(img, [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                        (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0], fill=0)
        _, h, w = get_dimensions(img)
        if th == h and tw == w:
            return img
    return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


def hflip(img: Any) -> Any:
    if _is_pil(img):
        from PIL import Image

        return img.transpose(Image.FLIP_LEFT_RIGHT)
    return img.flip(-1)


def vflip(img: Any) -> Any:
    if _is_pil(img):
        from PIL import Image

        return img.transpose(Image.FLIP_TOP_BOTTOM)
    return img.flip(-2)


def _size_pair(size) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return int(size[0]), int(size[1])


def _pad_ltrb(padding) -> list[int]:
    if isinstance(padding, numbers.Number):
        return [int(padding)] * 4
    padding = list(padding)
    if len(padding) == 1:
        return [int(padding[0])] * 4
    if len(padding) == 2:
        return [int(padding[0]), int(padding[1])] * 2
    if len(padding) == 4:
        return [int(p) for p in padding]
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


_NP_PAD_MODE = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def pad(img: Any, padding, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad by an int, (left/right, top/bottom) or (left, top, right, bottom)."""
    if padding_mode not in _NP_PAD_MODE:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _pad_ltrb(padding)
    if _is_pil(img):
        from PIL import Image

        arr = np.asarray(img)
        widths = [(top, bottom), (left, right)] + ([(0, 0)] if arr.ndim == 3 else [])
        if padding_mode == "constant":
            out = np.empty((arr.shape[0] + top + bottom, arr.shape[1] + left + right) + arr.shape[2:], arr.dtype)
            out[...] = np.asarray(fill, dtype=arr.dtype)
            out[top:top + arr.shape[0], left:left + arr.shape[1]] = arr
        else:
            out = np.pad(arr, widths, mode=_NP_PAD_MODE[padding_mode])
        res = Image.fromarray(out)
        return res.convert(img.mode) if res.mode != img.mode else res
    arr = np.asarray(img._value())
    widths = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        out = np.pad(arr, widths, mode="constant", constant_values=np.asarray(fill if fill is not None else 0,
                                                                               dtype=arr.dtype))
    else:
        out = np.pad(arr, widths, mode=_NP_PAD_MODE[padding_mode])
    return _from_numpy(out)


def _resize_output_size(h: int, w: int, size, max_size: int | None) -> tuple[int, int]:
    if isinstance(size, numbers.Number) or len(size) == 1:
        requested = int(size if isinstance(size, numbers.Number) else size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    return int(size[0]), int(size[1])


def _linear_weights(in_size: int, out_size: int, antialias: bool) -> np.ndarray:
    """(out, in) matrix of half-pixel triangle-filter weights, widened by the scale when downsampling."""
    scale = in_size / out_size
    support = scale if (antialias and scale > 1) else 1.0
    centers = (np.arange(out_size) + 0.5) * scale
    src = np.arange(in_size) + 0.5
    wts = np.maximum(0.0, 1.0 - np.abs(src[None, :] - centers[:, None]) / support)
    if not (antialias and scale > 1):
        # plain bilinear: clamp sample positions to the edge pixels (align_corners=False)
        pos = np.clip(centers - 0.5, 0, in_size - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, in_size - 1)
        frac = pos - lo
        wts = np.zeros((out_size, in_size))
        wts[np.arange(out_size), lo] += 1 - frac
        wts[np.arange(out_size), hi] += frac
    return wts / wts.sum(axis=1, keepdims=True)


def resize(img: Any, size, interpolation: InterpolationMode = InterpolationMode.BILINEAR,
           max_size: int | None = None, antialias: bool | None = True) -> Any:
    if isinstance(interpolation, int):
        interpolation = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
                         3: InterpolationMode.BICUBIC}.get(interpolation, InterpolationMode.BILINEAR)
    _, h, w = get_dimensions(img)
    oh, ow = _resize_output_size(h, w, size, max_size)
    if _is_pil(img):
        if (oh, ow) == (h, w):
            return img
        return img.resize((ow, oh), _pil_resample(interpolation))
    if (oh, ow) == (h, w):
        return img
    arr = np.asarray(img._value())
    if interpolation == InterpolationMode.NEAREST:
        rows = np.minimum(np.floor(np.arange(oh) * (h / oh)).astype(int), h - 1)
        cols = np.minimum(np.floor(np.arange(ow) * (w / ow)).astype(int), w - 1)
        return _from_numpy(arr[..., rows, :][..., cols])
    if interpolation != InterpolationMode.BILINEAR:
        raise NotImplementedError(f"jaxtorch: tensor resize supports NEAREST and BILINEAR, not {interpolation}; "
                                  "pass a PIL image for other modes")
    wh = _linear_weights(h, oh, bool(antialias))
    ww = _linear_weights(w, ow, bool(antialias))
    out = np.einsum("oh,...hw,pw->...op", wh, arr.astype(np.float64), ww)
    if np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        out = np.clip(np.round(out), info.min, info.max)
    return _from_numpy(out.astype(arr.dtype))


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size,
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR, antialias: bool | None = True) -> Any:
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if _is_pil(img):
        from PIL import Image

        gray = img.convert("L")
        return Image.merge("RGB", [gray, gray, gray]) if num_output_channels == 3 else gray
    c = get_dimensions(img)[0]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")
    if c == 3:
        r, g, b = img.unbind(dim=-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(-3)
    else:
        gray = img.clone()
    return gray.expand(*gray.shape[:-3], 3, *gray.shape[-2:]) if num_output_channels == 3 else gray


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    return rgb_to_grayscale(img, num_output_channels)


def _rand() -> float:
    from ... import rand

    return float(rand(1).item())


def _randint(low: int, high: int) -> int:
    from ... import randint

    return int(randint(low, high, size=(1,)).item())


def _uniform(a: float, b: float) -> float:
    return a + (b - a) * _rand()


def random_resized_crop_params(img: Any, scale: Sequence[float], ratio: Sequence[float]) -> tuple[int, int, int, int]:
    _, height, width = get_dimensions(img)
    area = height * width
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target_area = area * _uniform(scale[0], scale[1])
        aspect = math.exp(_uniform(*log_ratio))
        w = int(round(math.sqrt(target_area * aspect)))
        h = int(round(math.sqrt(target_area / aspect)))
        if 0 < w <= width and 0 < h <= height:
            return _randint(0, height - h + 1), _randint(0, width - w + 1), h, w
    in_ratio = width / height  # fallback: the largest centred crop within the ratio bounds
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        h, w = height, int(round(height * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w
