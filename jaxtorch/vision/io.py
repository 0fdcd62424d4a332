"""torchvision.io (images): read, decode and encode image files as uint8 (C, H, W) tensors.

PNG follows torchvision's libpng decoder exactly: the stored samples (Pillow decodes 8-bit files; 16-bit colour
files, which Pillow truncates, go through a small decoder here), then libpng's conversions for the requested mode —
palette indices for `UNCHANGED` palette images, libpng's integer grey formula for `GRAY`, opaque alpha fillers,
uint16 output for 16-bit files. One known gap: for a colour PNG with a gAMA/sRGB chunk, libpng converts to grey in
linear light; here the grey formula is applied to the stored values (files without those chunks match exactly).

JPEG, GIF and WebP are decoded by Pillow. Baseline JPEGs decode to the same pixels as torchvision's libjpeg-turbo
(both use libjpeg's default IDCT and upsampling); `GRAY` asks the decoder for the luma plane, as torchvision does.
CMYK JPEGs and animated GIF disposal follow Pillow's conversions. Encoders go through Pillow: the files differ
byte-wise from torchvision's, the decoded pixels of a PNG round trip are identical.
AVIF/HEIC decode when Pillow has the plugins. Video I/O is not offered (torchvision 0.28 removed it too).
"""

from __future__ import annotations

import io as _pyio
import os
import struct
import zlib
from enum import Enum
from typing import Any

import numpy as np

from .._tensor import Tensor
from .._ops import creation

__all__ = [
    "ImageReadMode",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "decode_avif",
    "decode_heic",
    "decode_webp",
    "decode_gif",
    "encode_jpeg",
    "encode_png",
    "read_file",
    "read_image",
    "write_file",
    "write_jpeg",
    "write_png",
]


class ImageReadMode(Enum):
    """Which channels a decoder returns (strings such as ``"RGB"`` are accepted wherever a mode is)."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


def _pil():
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a test dependency
        raise RuntimeError("torchvision.io image decoding needs Pillow (pip install jaxtorch[vision])") from None
    return Image


def _mode(mode: ImageReadMode | str) -> ImageReadMode:
    if isinstance(mode, str):
        return ImageReadMode[mode.upper()]  # KeyError for an unknown name, as torchvision
    if not isinstance(mode, ImageReadMode):
        raise AttributeError(f"'{type(mode).__name__}' object has no attribute 'value'")
    return mode


def _host_bytes(data: Tensor) -> bytes:
    return np.asarray(data.detach()._value()).tobytes()


def _from_hwc(arr: np.ndarray) -> Tensor:
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    return creation.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


# ---------------------------------------------------------------------------------------------------- files


def read_file(path: str | os.PathLike) -> Tensor:
    """The bytes of a file as a 1-D uint8 tensor."""
    path = str(path)
    try:
        size = os.stat(path).st_size
    except OSError as e:
        raise RuntimeError(f"[Errno {e.errno}] {e.strerror}: '{path}'") from None
    if size <= 0:
        raise RuntimeError("Expected a non empty file")
    with open(path, "rb") as f:
        data = f.read()
    return creation.from_numpy(np.frombuffer(data, dtype=np.uint8).copy())


def write_file(filename: str | os.PathLike, data: Tensor) -> None:
    """Write the bytes of a 1-D uint8 tensor to a file."""
    if not isinstance(data, Tensor):
        raise TypeError(f"write_file(): argument 'data' must be Tensor, not {type(data).__name__}")
    if data.dtype.name != "uint8":
        raise RuntimeError("Input tensor dtype should be uint8")
    if data.dim() != 1:
        raise RuntimeError("Input data should be a 1-dimensional tensor")
    with open(str(filename), "wb") as f:
        f.write(_host_bytes(data))


def _check_encoded(data: Any) -> bytes:
    if not isinstance(data, Tensor):
        raise TypeError(f"expected a Tensor of encoded bytes, got {type(data).__name__}")
    if data.dtype.name != "uint8":
        raise RuntimeError("Expected a torch.uint8 tensor")
    if data.dim() != 1 or data.numel() == 0:
        raise RuntimeError("Expected a non empty 1-dimensional tensor")
    return _host_bytes(data)


# ---------------------------------------------------------------------------------------------------- EXIF


def _exif_orientation(img) -> int:
    try:
        return int(img.getexif().get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF block means "no orientation", as in torchvision
        return 1


def _orient(arr: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1..8) to an (H, W, C) array: torchvision's flips and transposes."""
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    if orientation == 2:
        return arr[:, ::-1]
    if orientation == 3:
        return arr[::-1, ::-1]
    if orientation == 4:
        return arr[::-1]
    t = arr.transpose(1, 0, 2)
    if orientation == 5:
        return t
    if orientation == 6:
        return t[:, ::-1]
    if orientation == 7:
        return t[::-1, ::-1]
    if orientation == 8:
        return t[::-1]
    return arr


# ---------------------------------------------------------------------------------------------------- PNG

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _png_chunks(raw: bytes):
    pos = 8
    while pos + 8 <= len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        kind = raw[pos + 4 : pos + 8]
        yield kind, raw[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IEND":
            return


def _unfilter(buf: memoryview, pos: int, rows: int, row_bytes: int, bpp: int) -> tuple[np.ndarray, int]:
    """Undo PNG's per-row filters (one pass of an image); returns the rows and the position after them."""
    out = np.zeros((rows, row_bytes), np.uint8)
    prior = np.zeros(row_bytes, np.uint8)
    for r in range(rows):
        if pos + 1 + row_bytes > len(buf):
            raise RuntimeError("decode_png failed: Not enough image data")
        kind = buf[pos]
        line = np.frombuffer(buf, np.uint8, row_bytes, pos + 1)
        pos += 1 + row_bytes
        if kind == 0:
            cur = line.copy()
        elif kind == 1:  # Sub: a running sum per byte lane
            cur = (np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint32) & 0xFF).astype(np.uint8).reshape(-1)
        elif kind == 2:  # Up
            cur = line + prior
        elif kind in (3, 4):  # Average / Paeth depend on the byte to the left: sequential
            src, up, vals = line.tolist(), prior.tolist(), [0] * row_bytes
            for i in range(row_bytes):
                left = vals[i - bpp] if i >= bpp else 0
                if kind == 3:
                    pred = (left + up[i]) >> 1
                else:
                    upleft = up[i - bpp] if i >= bpp else 0
                    p = left + up[i] - upleft
                    pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - upleft)
                    pred = left if pa <= pb and pa <= pc else (up[i] if pb <= pc else upleft)
                vals[i] = (src[i] + pred) & 0xFF
            cur = np.asarray(vals, np.uint8)
        else:
            raise RuntimeError("decode_png failed: bad adaptive filter value")
        out[r] = cur
        prior = cur
    return out, pos


def _decode_png16(raw: bytes, width: int, height: int, color_type: int, interlace: int) -> np.ndarray:
    """Stored samples of a 16-bit grey-alpha/RGB/RGBA PNG (Pillow keeps only the high bytes of those)."""
    channels = _PNG_CHANNELS[color_type]
    try:
        data = memoryview(zlib.decompress(b"".join(d for k, d in _png_chunks(raw) if k == b"IDAT")))
    except zlib.error as e:
        raise RuntimeError(f"decode_png failed: {e}") from None
    bpp = 2 * channels
    out = np.zeros((height, width, channels), np.uint16)
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    pos = 0
    for x0, y0, dx, dy in passes:
        w, h = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if w <= 0 or h <= 0:
            continue
        rows, pos = _unfilter(data, pos, h, w * bpp, bpp)
        out[y0::dy, x0::dx] = rows.view(">u2").reshape(h, w, channels)
    return out


def _png_samples(raw: bytes) -> dict:
    """The PNG's stored samples: {'kind', 'pixels' (H, W, C), 'depth', 'palette', 'alpha' (palette tRNS)}."""
    if len(raw) < 8:
        raise RuntimeError("Content is too small for png!")
    if raw[:8] != _PNG_SIGNATURE:
        raise RuntimeError("Content is not png!")
    if len(raw) < 33 or raw[12:16] != b"IHDR":
        raise RuntimeError("decode_png failed: IHDR chunk missing")
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", raw[16:29])
    kind = {0: "gray", 2: "rgb", 3: "palette", 4: "ga", 6: "rgba"}.get(color_type)
    if kind is None or depth not in (1, 2, 4, 8, 16):
        raise RuntimeError(f"decode_png failed: invalid colour type {color_type} / bit depth {depth}")
    if depth == 16 and color_type != 0:
        return {
            "kind": kind,
            "pixels": _decode_png16(raw, width, height, color_type, interlace),
            "depth": 16,
            "orientation": _pil_png_orientation(raw),
        }
    Image = _pil()
    try:
        img = Image.open(_pyio.BytesIO(raw))
        img.load()
    except Exception as e:  # noqa: BLE001 - Pillow raises many types for corrupt data
        raise RuntimeError(f"decode_png failed: {e}") from None
    pixels = np.asarray(img)
    out: dict = {"kind": kind, "depth": 16 if depth == 16 else 8, "orientation": _exif_orientation(img)}
    if img.mode == "1":
        pixels = pixels.astype(np.uint8) * 255  # libpng expands 1-bit grey to 0/255 as well
    elif depth == 16:
        pixels = pixels.astype(np.uint16)
    if kind == "palette":
        pal = np.asarray(img.getpalette() or [], np.uint8).reshape(-1, 3)
        pal = np.concatenate([pal, np.zeros((256 - len(pal), 3), np.uint8)]) if len(pal) < 256 else pal[:256]
        alpha = np.full(256, 255, np.uint8)
        trns = img.info.get("transparency")
        if isinstance(trns, int):
            alpha[trns] = 0
        elif isinstance(trns, (bytes, bytearray)):
            alpha[: len(trns)] = np.frombuffer(trns, np.uint8)[:256]
        out["palette"], out["alpha"] = pal, alpha
    out["pixels"] = pixels
    return out


def _pil_png_orientation(raw: bytes) -> int:
    try:
        img = _pil().open(_pyio.BytesIO(raw))
    except Exception:  # noqa: BLE001
        return 1
    return _exif_orientation(img)


def _to_gray(rgb: np.ndarray, depth: int) -> np.ndarray:
    """libpng's png_set_rgb_to_gray(0.2989, 0.587) without gamma: 15-bit fixed point; 8-bit truncates."""
    rc, gc = 9794, 19234  # floor(0.2989 * 32768), floor(0.587 * 32768)
    bc = 32768 - rc - gc
    r, g, b = (rgb[..., i].astype(np.uint64) for i in range(3))
    total = rc * r + gc * g + bc * b
    if depth == 16:
        return ((total + 16384) >> 15).astype(np.uint16)
    return (total >> 15).astype(np.uint8)


def _png_convert(s: dict, mode: ImageReadMode) -> np.ndarray:
    kind, px, depth = s["kind"], s["pixels"], s["depth"]
    px = px[:, :, None] if px.ndim == 2 else px
    if mode is ImageReadMode.UNCHANGED:
        return px  # palette images give their indices, as torchvision's decoder does
    full = np.uint16(65535) if depth == 16 else np.uint8(255)
    if kind == "palette":
        idx = px[:, :, 0]
        color, alpha = s["palette"][idx], s["alpha"][idx][:, :, None]
    elif kind in ("gray", "ga"):
        color = np.repeat(px[:, :, :1], 3, axis=2)
        alpha = px[:, :, 1:2] if kind == "ga" else np.full(px.shape[:2] + (1,), full, px.dtype)
    else:
        color = px[:, :, :3]
        alpha = px[:, :, 3:4] if kind == "rgba" else np.full(px.shape[:2] + (1,), full, px.dtype)
    if mode in (ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA):
        gray = px[:, :, :1] if kind in ("gray", "ga") else _to_gray(color, depth)[:, :, None]
        return gray if mode is ImageReadMode.GRAY else np.concatenate([gray, alpha], axis=2)
    if mode is ImageReadMode.RGB:
        return color
    return np.concatenate([color, alpha], axis=2)


def decode_png(
    input: Tensor, mode: ImageReadMode | str = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False
) -> Tensor:
    """Decode PNG bytes into a (C, H, W) tensor: uint8, or uint16 for 16-bit files."""
    raw = _check_encoded(input)
    mode = _mode(mode)
    samples = _png_samples(raw)
    arr = _png_convert(samples, mode)
    if apply_exif_orientation:
        arr = _orient(arr, samples["orientation"])
    return _from_hwc(arr)


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """PNG file bytes (1-D uint8 tensor) of a (C, H, W) uint8 image with 1 or 3 channels."""
    arr = _check_image(input)
    if not 0 <= compression_level <= 9:
        raise RuntimeError("Compression level should be between 0 and 9")
    return _encode(arr, "PNG", compress_level=int(compression_level))


def write_png(input: Tensor, filename: str | os.PathLike, compression_level: int = 6) -> None:
    write_file(filename, encode_png(input, compression_level))


# ---------------------------------------------------------------------------------------------------- JPEG


def _open(raw: bytes, what: str):
    try:
        img = _pil().open(_pyio.BytesIO(raw))
    except Exception as e:  # noqa: BLE001
        raise RuntimeError(f"{what} failed: {e}") from None
    return img


def _load(img, what: str) -> None:
    try:
        img.load()
    except Exception as e:  # noqa: BLE001
        raise RuntimeError(f"{what} failed: {e}") from None


def _decode_jpeg_one(raw: bytes, mode: ImageReadMode, apply_exif_orientation: bool) -> Tensor:
    if mode not in (ImageReadMode.UNCHANGED, ImageReadMode.GRAY, ImageReadMode.RGB):
        raise RuntimeError("The provided mode is not supported for JPEG files")
    if raw[:3] != b"\xff\xd8\xff":
        raise RuntimeError(f"Not a JPEG file: starts with 0x{raw[0]:02x} 0x{raw[1] if len(raw) > 1 else 0:02x}")
    img = _open(raw, "decode_jpeg")
    if mode is ImageReadMode.GRAY and img.mode == "RGB":
        img.draft("L", None)  # libjpeg's grey output: the luma plane, no colour conversion
    _load(img, "decode_jpeg")
    orientation = _exif_orientation(img) if apply_exif_orientation else 1
    if mode is ImageReadMode.GRAY:
        img = img.convert("L") if img.mode != "L" else img
    elif mode is ImageReadMode.RGB or img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    return _from_hwc(_orient(np.asarray(img), orientation))


def decode_jpeg(
    input: Tensor | list[Tensor],
    mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
    device: Any = "cpu",
    apply_exif_orientation: bool = False,
) -> Tensor | list[Tensor]:
    """Decode JPEG bytes (or a list of them) into uint8 (C, H, W) tensors on `device`."""
    mode = _mode(mode)
    if isinstance(input, list):
        if len(input) == 0:
            raise ValueError("Input list must contain at least one element")
        if not all(isinstance(t, Tensor) for t in input):
            raise ValueError("All elements of the input list must be tensors.")
        return [_decode_jpeg_one(_check_encoded(t), mode, apply_exif_orientation).to(device) for t in input]
    return _decode_jpeg_one(_check_encoded(input), mode, apply_exif_orientation).to(device)


def encode_jpeg(input: Tensor | list[Tensor], quality: int = 75) -> Tensor | list[Tensor]:
    """JPEG file bytes of (C, H, W) uint8 image(s) with 1 or 3 channels."""
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, list):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is passed")
        return [_encode(_check_image(x), "JPEG", quality=int(quality)) for x in input]
    return _encode(_check_image(input), "JPEG", quality=int(quality))


def write_jpeg(input: Tensor, filename: str | os.PathLike, quality: int = 75) -> None:
    write_file(filename, encode_jpeg(input, quality))


def _check_image(input: Any) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"expected a Tensor image, got {type(input).__name__}")
    if input.dtype.name != "uint8":
        raise RuntimeError("Input tensor dtype should be uint8")
    if input.dim() != 3:
        raise RuntimeError("Input data should be a 3-dimensional tensor")
    if input.shape[0] not in (1, 3):
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {input.shape[0]}")
    return np.asarray(input.detach()._value()).transpose(1, 2, 0)


def _encode(arr: np.ndarray, fmt: str, **options) -> Tensor:
    img = _pil().fromarray(np.ascontiguousarray(arr[:, :, 0] if arr.shape[2] == 1 else arr))
    buf = _pyio.BytesIO()
    img.save(buf, format=fmt, **options)
    return creation.from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


# ---------------------------------------------------------------------------------------------------- GIF / WebP


def decode_gif(input: Tensor) -> Tensor:
    """Decode a GIF into RGB uint8: (C, H, W) for one frame, (N, C, H, W) for an animation."""
    raw = _check_encoded(input)
    if raw[:6] not in (b"GIF87a", b"GIF89a"):
        raise RuntimeError("DGifOpenFileName() failed - 103")
    from PIL import ImageSequence

    img = _open(raw, "decode_gif")
    frames = [np.asarray(f.convert("RGB")).transpose(2, 0, 1) for f in ImageSequence.Iterator(img)]
    arr = frames[0] if len(frames) == 1 else np.stack(frames)
    return creation.from_numpy(np.ascontiguousarray(arr))


def _decode_rgba_family(raw: bytes, mode: ImageReadMode, what: str) -> Tensor:
    img = _open(raw, what)
    _load(img, what)
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if mode is ImageReadMode.UNCHANGED:
        img = img.convert("RGBA" if has_alpha else "RGB")
    else:
        img = img.convert(
            {
                ImageReadMode.RGB: "RGB",
                ImageReadMode.RGB_ALPHA: "RGBA",
                ImageReadMode.GRAY: "L",
                ImageReadMode.GRAY_ALPHA: "LA",
            }[mode]
        )
    return _from_hwc(np.asarray(img))


def decode_webp(input: Tensor, mode: ImageReadMode | str = ImageReadMode.UNCHANGED) -> Tensor:
    """Decode WebP bytes into RGB or RGBA uint8 (C, H, W)."""
    raw = _check_encoded(input)
    mode = _mode(mode)
    if mode not in (ImageReadMode.UNCHANGED, ImageReadMode.RGB, ImageReadMode.RGB_ALPHA):
        raise RuntimeError("Unsupported mode for webp files")
    if raw[:4] != b"RIFF" or raw[8:12] != b"WEBP":
        raise RuntimeError("WebPGetFeatures failed.")
    return _decode_rgba_family(raw, mode, "decode_webp")


def _decode_extra(input: Tensor, mode: ImageReadMode | str, fmt: str) -> Tensor:
    if isinstance(input, Tensor) and input.dtype.name != "uint8":
        raise RuntimeError(f"Input tensor must have uint8 data type, got {input.dtype}")
    raw = _check_encoded(input)
    mode = _mode(mode)
    img = _open(raw, f"decode_{fmt.lower()}")
    if img.format != fmt:
        raise RuntimeError(f"decode_{fmt.lower()} failed: the data is not an {fmt} image (Pillow read {img.format})")
    return _decode_rgba_family(raw, mode, f"decode_{fmt.lower()}")


def decode_avif(input: Tensor, mode: ImageReadMode | str = ImageReadMode.UNCHANGED) -> Tensor:
    """Decode AVIF bytes through Pillow's AVIF plugin."""
    return _decode_extra(input, mode, "AVIF")


def decode_heic(input: Tensor, mode: ImageReadMode | str = ImageReadMode.UNCHANGED) -> Tensor:
    """Decode HEIC bytes through a Pillow HEIF plugin (pillow-heif) when one is installed."""
    return _decode_extra(input, mode, "HEIF")


# ---------------------------------------------------------------------------------------------------- any image

_UNSUPPORTED = (
    "Unsupported image file. Only jpeg, png, webp and gif are currently supported. For avif and heic "
    "format, please rely on `decode_avif` and `decode_heic` directly."
)


def decode_image(
    input: Tensor | str | os.PathLike,
    mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    """Decode JPEG/PNG/GIF/WebP bytes, or the file at a path, by its signature."""
    if not isinstance(input, Tensor):
        input = read_file(str(input))
    mode = _mode(mode)
    raw = _check_encoded(input)
    if len(raw) < 3:
        raise RuntimeError(_UNSUPPORTED)
    if raw[:3] == b"\xff\xd8\xff":
        return _decode_jpeg_one(raw, mode, apply_exif_orientation)
    if raw[:4] == _PNG_SIGNATURE[:4]:
        return decode_png(input, mode, apply_exif_orientation)
    if raw[:6] in (b"GIF89a", b"GIF87a"):
        return decode_gif(input)
    if len(raw) >= 15 and raw[:4] == b"RIFF" and raw[8:15] == b"WEBPVP8":
        return decode_webp(input, mode)
    raise RuntimeError(_UNSUPPORTED)


def read_image(
    path: str | os.PathLike, mode: ImageReadMode | str = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False
) -> Tensor:
    """[obsolete in torchvision] `decode_image(read_file(path), ...)`."""
    return decode_image(read_file(path), mode, apply_exif_orientation=apply_exif_orientation)
