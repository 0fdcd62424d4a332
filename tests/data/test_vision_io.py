"""jaxtorch.vision.io (torchvision.io images).

torchvision cannot be installed beside torch 2.13. PNG files are written here byte by byte (every filter type,
bit depth, palette + tRNS, Adam7 interlacing) and the decoded tensors are compared with the stored samples and
with libpng's documented conversions as torchvision configures them (png_set_rgb_to_gray(0.2989, 0.587): 15-bit
fixed point, truncating for 8 bits, rounding for 16; opaque alpha fillers; palette indices in UNCHANGED mode).
Lossy formats are compared with Pillow's decoder, which uses the same libjpeg default IDCT as torchvision.
"""

import io
import struct
import zlib

import numpy as np
import pytest

import jaxtorch
from jaxtorch.vision import io as tio

Image = pytest.importorskip("PIL.Image", reason="Pillow is the vision extra; pip install pillow")

ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _row_bytes(samples, depth):
    if depth == 16:
        return samples.astype(">u2").tobytes()
    if depth == 8:
        return samples.astype(np.uint8).tobytes()
    per = 8 // depth  # sub-byte samples, most significant bits first
    flat = list(samples.reshape(-1)) + [0] * (-samples.size % per)
    return bytes(
        sum(int(v) << (8 - depth * (k + 1)) for k, v in enumerate(flat[i : i + per])) for i in range(0, len(flat), per)
    )


def _filtered(rows, bpp, filters):
    out, prior = bytearray(), bytes(len(rows[0]))
    for r, row in enumerate(rows):
        kind = filters[r % len(filters)]
        out.append(kind)
        for i, v in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            c = prior[i - bpp] if i >= bpp else 0
            pred = (0, a, prior[i], (a + prior[i]) // 2, _paeth(a, prior[i], c))[kind]
            out.append((v - pred) & 0xFF)
        prior = row
    return bytes(out)


def png_file(pixels, color_type, depth, palette=None, trns=None, filters=(0,), interlace=False, chunks=()):
    """A PNG of samples [H, W, C] written from the specification."""
    h, w = pixels.shape[:2]
    pixels = pixels.reshape(h, w, -1)
    bpp = max(1, CHANNELS[color_type] * depth // 8)
    passes = ADAM7 if interlace else ((0, 0, 1, 1),)
    data = b""
    for x0, y0, dx, dy in passes:
        sub = pixels[y0::dy, x0::dx]
        if sub.shape[0] and sub.shape[1]:
            data += _filtered([_row_bytes(r, depth) for r in sub], bpp, filters)
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, int(interlace)))
    if palette is not None:
        out += _chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
    if trns is not None:
        out += _chunk(b"tRNS", bytes(trns))
    for kind, payload in chunks:
        out += _chunk(kind, payload)
    return out + _chunk(b"IDAT", zlib.compress(data)) + _chunk(b"IEND", b"")


def as_tensor(raw: bytes):
    return jaxtorch.tensor(np.frombuffer(raw, np.uint8).copy())


def decode(raw, mode="UNCHANGED", fn=tio.decode_png):
    return fn(as_tensor(raw), mode)


def chw(arr):
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


def libpng_gray(rgb, depth):
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    total = 9794 * r + 19234 * g + 3740 * b  # floor(0.2989 * 2**15), floor(0.587 * 2**15), the rest of 2**15
    return ((total + (16384 if depth == 16 else 0)) >> 15).astype(np.uint16 if depth == 16 else np.uint8)


RNG = np.random.default_rng(0)
RGBA8 = RNG.integers(0, 256, (5, 7, 4), dtype=np.uint8)


@pytest.mark.parametrize("color_type", [0, 2, 4, 6])
def test_png_8bit_every_filter_and_interlace(color_type):
    px = RGBA8[..., : CHANNELS[color_type]]
    for interlace in (False, True):
        raw = png_file(px, color_type, 8, filters=(0, 1, 2, 3, 4), interlace=interlace)
        out = decode(raw)
        assert out.dtype == jaxtorch.uint8 and tuple(out.shape) == (px.shape[2], 5, 7)
        np.testing.assert_array_equal(out.numpy(), chw(px))
    # a file written by Pillow (its own filter choice) decodes to Pillow's pixels
    pil = Image.fromarray(px[..., 0] if color_type == 0 else px, {0: "L", 2: "RGB", 4: "LA", 6: "RGBA"}[color_type])
    buf = io.BytesIO()
    pil.save(buf, "PNG")
    np.testing.assert_array_equal(decode(buf.getvalue()).numpy(), chw(np.asarray(pil).reshape(5, 7, -1)))


def test_png_mode_conversions_follow_libpng():
    rgba = RGBA8
    rgb, gray, alpha = rgba[..., :3], rgba[..., :1], rgba[..., 3:]
    full = np.full_like(alpha, 255)
    files = {
        "rgba": png_file(rgba, 6, 8),
        "rgb": png_file(rgb, 2, 8),
        "ga": png_file(rgba[..., [0, 3]], 4, 8),
        "gray": png_file(gray, 0, 8),
    }
    want = {
        ("rgba", "GRAY"): libpng_gray(rgb, 8)[..., None],
        ("rgba", "GRAY_ALPHA"): np.dstack([libpng_gray(rgb, 8), alpha]),
        ("rgba", "RGB"): rgb,
        ("rgba", "RGB_ALPHA"): rgba,
        ("rgb", "GRAY"): libpng_gray(rgb, 8)[..., None],
        ("rgb", "GRAY_ALPHA"): np.dstack([libpng_gray(rgb, 8), full]),
        ("rgb", "RGBA"): np.dstack([rgb, full]),
        ("ga", "GRAY"): gray,
        ("ga", "RGB"): np.repeat(gray, 3, 2),
        ("ga", "RGBA"): np.dstack([np.repeat(gray, 3, 2), alpha]),
        ("gray", "GRAY_ALPHA"): np.dstack([gray, full]),
        ("gray", "RGB"): np.repeat(gray, 3, 2),
        ("gray", "RGB_ALPHA"): np.dstack([np.repeat(gray, 3, 2), full]),
    }
    for (kind, mode), expect in want.items():
        out = decode(files[kind], mode)
        np.testing.assert_array_equal(out.numpy(), chw(expect), err_msg=f"{kind} -> {mode}")
    # modes by enum, alias and lower-case string agree
    np.testing.assert_array_equal(
        decode(files["rgb"], tio.ImageReadMode.RGBA).numpy(), decode(files["rgb"], "rgb_alpha").numpy()
    )
    assert tio.ImageReadMode.RGBA is tio.ImageReadMode.RGB_ALPHA


def test_png_palette_indices_colours_and_trns():
    palette = RNG.integers(0, 256, (6, 3), dtype=np.uint8)
    idx = RNG.integers(0, 6, (4, 5, 1), dtype=np.uint8)
    trns = [0, 128, 255, 7]  # shorter than the palette: the rest are opaque
    alpha = np.array(trns + [255, 255], np.uint8)
    for depth in (8, 4):
        raw = png_file(idx, 3, depth, palette=palette, trns=trns, filters=(1, 4))
        np.testing.assert_array_equal(decode(raw).numpy(), chw(idx))  # torchvision keeps the indices
        colors = palette[idx[..., 0]]
        np.testing.assert_array_equal(decode(raw, "RGB").numpy(), chw(colors))
        np.testing.assert_array_equal(decode(raw, "RGBA").numpy(), chw(np.dstack([colors, alpha[idx[..., 0]]])))
        np.testing.assert_array_equal(decode(raw, "GRAY").numpy(), chw(libpng_gray(colors, 8)[..., None]))


def test_png_low_bit_greys_expand_to_8_bits():
    for depth, scale in ((1, 255), (2, 85), (4, 17)):
        vals = RNG.integers(0, 2**depth, (3, 9, 1), dtype=np.uint8)
        out = decode(png_file(vals, 0, depth, filters=(0, 2)))
        np.testing.assert_array_equal(out.numpy(), chw(vals * scale))


def test_png_16bit_samples_and_conversions():
    px = RNG.integers(0, 65536, (6, 5, 4), dtype=np.uint16)
    g16 = decode(png_file(px[..., :1], 0, 16, interlace=True))
    assert g16.dtype == jaxtorch.uint16
    np.testing.assert_array_equal(g16.numpy(), chw(px[..., :1]))
    for color_type in (2, 4, 6):
        c = CHANNELS[color_type]
        for interlace in (False, True):
            raw = png_file(px[..., :c], color_type, 16, filters=(0, 1, 2, 3, 4), interlace=interlace)
            out = decode(raw)
            assert out.dtype == jaxtorch.uint16
            np.testing.assert_array_equal(out.numpy(), chw(px[..., :c]), err_msg=f"type {color_type}")
    rgba = png_file(px, 6, 16)
    np.testing.assert_array_equal(decode(rgba, "GRAY").numpy(), chw(libpng_gray(px[..., :3], 16)[..., None]))
    np.testing.assert_array_equal(
        decode(png_file(px[..., :3], 2, 16), "RGBA").numpy(),
        chw(np.dstack([px[..., :3], np.full((6, 5, 1), 65535, np.uint16)])),
    )


def test_decode_errors():
    good = png_file(RGBA8, 6, 8)
    with pytest.raises(RuntimeError, match="Content is not png!"):
        tio.decode_png(as_tensor(b"GIF89a-not-a-png"))
    with pytest.raises(RuntimeError, match="Content is too small for png!"):
        tio.decode_png(as_tensor(good[:5]))
    with pytest.raises(RuntimeError, match="Expected a torch.uint8 tensor"):
        tio.decode_png(jaxtorch.tensor(np.frombuffer(good, np.uint8).astype(np.float32)))
    with pytest.raises(RuntimeError, match="Expected a non empty 1-dimensional tensor"):
        tio.decode_png(as_tensor(good).reshape(1, -1))
    with pytest.raises(RuntimeError, match="Expected a non empty 1-dimensional tensor"):
        tio.decode_image(jaxtorch.zeros(0, dtype=jaxtorch.uint8))
    with pytest.raises(
        RuntimeError,
        match="Unsupported image file. Only jpeg, png, webp and gif are currently supported. For avif and heic format",
    ):
        tio.decode_image(as_tensor(b"BM this is a bitmap"))
    with pytest.raises(RuntimeError, match="decode_png failed"):
        tio.decode_png(as_tensor(good[:60] + b"\x00" * 40))
    with pytest.raises(KeyError):
        tio.decode_png(as_tensor(good), "CMYK")


def _jpeg(arr, **kw):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", **kw)
    return buf.getvalue()


def test_jpeg_matches_the_libjpeg_decode():
    smooth = np.clip(np.add.outer(np.arange(16), np.arange(24))[..., None] * [5, 3, 7] % 256, 0, 255).astype(np.uint8)
    raw = _jpeg(smooth, quality=90)
    pil = Image.open(io.BytesIO(raw))
    np.testing.assert_array_equal(tio.decode_jpeg(as_tensor(raw)).numpy(), chw(np.asarray(pil.convert("RGB"))))
    np.testing.assert_array_equal(tio.decode_image(as_tensor(raw), "RGB").numpy(), chw(np.asarray(pil)))
    luma = Image.open(io.BytesIO(raw))
    luma.draft("YCbCr", None)  # the decoder's own planes: GRAY is the luma plane, without colour conversion
    np.testing.assert_array_equal(tio.decode_jpeg(as_tensor(raw), "GRAY").numpy(), np.asarray(luma)[None, ..., 0])
    gray_raw = _jpeg(smooth[..., 0])
    g = tio.decode_jpeg(as_tensor(gray_raw))
    assert tuple(g.shape) == (1, 16, 24)
    np.testing.assert_array_equal(tio.decode_jpeg(as_tensor(gray_raw), "RGB").numpy(), np.repeat(g.numpy(), 3, 0))
    both = tio.decode_jpeg([as_tensor(raw), as_tensor(gray_raw)], device="cpu")
    assert [tuple(t.shape) for t in both] == [(3, 16, 24), (1, 16, 24)]
    with pytest.raises(RuntimeError, match="The provided mode is not supported for JPEG files"):
        tio.decode_jpeg(as_tensor(raw), "RGBA")
    with pytest.raises(ValueError, match="Input list must contain at least one element"):
        tio.decode_jpeg([])


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation(orientation):
    arr = RNG.integers(0, 256, (4, 6, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    raw = _jpeg(arr, quality=95, exif=exif.tobytes())
    plain = tio.decode_jpeg(as_tensor(raw)).numpy()
    turned = tio.decode_image(as_tensor(raw), apply_exif_orientation=True).numpy()
    # torchvision's mapping, on (C, H, W): 2 flip W; 3 flip H and W; 4 flip H; 5 transpose; 6 transpose + flip W;
    # 7 transpose + flip H and W; 8 transpose + flip H
    t = plain.transpose(0, 2, 1)
    want = {
        1: plain,
        2: plain[:, :, ::-1],
        3: plain[:, ::-1, ::-1],
        4: plain[:, ::-1],
        5: t,
        6: t[:, :, ::-1],
        7: t[:, ::-1, ::-1],
        8: t[:, ::-1],
    }[orientation]
    np.testing.assert_array_equal(turned, want)


def test_gif_and_webp():
    frames = [RNG.integers(0, 4, (5, 6), dtype=np.uint8) * 60 for _ in range(3)]
    imgs = [Image.fromarray(f).convert("P") for f in frames]
    buf = io.BytesIO()
    imgs[0].save(buf, "GIF")
    one = tio.decode_gif(as_tensor(buf.getvalue()))
    np.testing.assert_array_equal(one.numpy(), chw(np.repeat(frames[0][..., None], 3, 2)))
    buf = io.BytesIO()
    imgs[0].save(buf, "GIF", save_all=True, append_images=imgs[1:], disposal=1)
    many = tio.decode_image(as_tensor(buf.getvalue()))
    assert many.dtype == jaxtorch.uint8 and tuple(many.shape) == (3, 3, 5, 6)
    np.testing.assert_array_equal(many.numpy()[2], chw(np.repeat(frames[2][..., None], 3, 2)))

    from PIL import features

    if not features.check("webp"):
        pytest.skip("this Pillow has no WebP codec")
    buf = io.BytesIO()
    Image.fromarray(RGBA8).save(buf, "WEBP", lossless=True, exact=True)
    out = tio.decode_image(as_tensor(buf.getvalue()))
    np.testing.assert_array_equal(out.numpy(), chw(RGBA8))
    np.testing.assert_array_equal(tio.decode_webp(as_tensor(buf.getvalue()), "RGB").numpy(), chw(RGBA8[..., :3]))
    with pytest.raises(RuntimeError, match="Unsupported mode for webp files"):
        tio.decode_webp(as_tensor(buf.getvalue()), "GRAY")


def test_files_encoders_and_errors(tmp_path):
    img3 = jaxtorch.tensor(chw(RGBA8[..., :3]))
    img1 = jaxtorch.tensor(chw(RGBA8[..., :1]))
    for img in (img3, img1):
        for level in (0, 9):
            data = tio.encode_png(img, level)
            assert data.dtype == jaxtorch.uint8 and data.dim() == 1
            np.testing.assert_array_equal(tio.decode_png(data).numpy(), img.numpy())
    path = tmp_path / "x.png"
    tio.write_png(img3, str(path))
    np.testing.assert_array_equal(tio.read_image(path).numpy(), img3.numpy())
    np.testing.assert_array_equal(
        tio.decode_image(str(path), "GRAY").numpy(), chw(libpng_gray(RGBA8[..., :3], 8)[..., None])
    )
    raw = tio.read_file(path)
    assert raw.dtype == jaxtorch.uint8 and bytes(raw.numpy()) == path.read_bytes()
    tio.write_file(tmp_path / "copy.png", raw)
    assert (tmp_path / "copy.png").read_bytes() == path.read_bytes()
    smooth = jaxtorch.tensor(chw(np.add.outer(np.arange(16), np.arange(16))[..., None].repeat(3, 2).astype(np.uint8)))
    back = tio.decode_jpeg(tio.encode_jpeg(smooth, quality=95)).numpy().astype(np.float64)
    assert np.abs(back - smooth.numpy()).max() <= 3  # lossy: close, not equal
    assert [t.dim() for t in tio.encode_jpeg([img3, img1])] == [1, 1]
    tio.write_jpeg(img1, tmp_path / "g.jpg")
    assert tuple(tio.read_image(tmp_path / "g.jpg").shape) == (1, 5, 7)

    with pytest.raises(RuntimeError, match=r"\[Errno 2\] No such file or directory: '.*missing.png'"):
        tio.read_file(tmp_path / "missing.png")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(RuntimeError, match="Expected a non empty file"):
        tio.read_file(tmp_path / "empty")
    with pytest.raises(RuntimeError, match="Input tensor dtype should be uint8"):
        tio.write_file(tmp_path / "f", raw.float())
    with pytest.raises(RuntimeError, match="Input data should be a 1-dimensional tensor"):
        tio.write_file(tmp_path / "f", raw.reshape(1, -1))
    with pytest.raises(RuntimeError, match="The number of channels should be 1 or 3, got: 4"):
        tio.encode_png(jaxtorch.tensor(chw(RGBA8)))
    with pytest.raises(RuntimeError, match="Input data should be a 3-dimensional tensor"):
        tio.encode_png(img3[0])
    with pytest.raises(RuntimeError, match="Input tensor dtype should be uint8"):
        tio.encode_jpeg(img3.float())
    with pytest.raises(RuntimeError, match="Compression level should be between 0 and 9"):
        tio.encode_png(img3, 10)
    with pytest.raises(ValueError, match="Image quality should be a positive number between 1 and 100"):
        tio.encode_jpeg(img3, 0)
    with pytest.raises(ValueError, match="encode_jpeg requires at least one input tensor when a list is passed"):
        tio.encode_jpeg([])
