"""A generated corpus of hostile and broken checkpoints for tests/serialization/test_hostile_corpus.py.

`build(canary)` returns {name: (category, file bytes)}. Categories:
- "exec": tries to run code (each payload would create the canary file if it ran);
- "amplify": a small file that asks for far more memory than it holds;
- "lie": a length or size field claiming more than the file holds;
- "corrupt": a broken or non-torch archive.
Add every new attack here; the test loads each one in a child process under a memory cap.
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile

import numpy as np

_STORED_RECORDS = (("version", b"3\n"), ("byteorder", b"little"))


def archive(pkl: bytes, extra=(), name: str = "archive") -> bytes:
    """A torch-layout zip (records stored uncompressed) around a hand-made data.pkl."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for rec, data in (("data.pkl", pkl), *extra, *_STORED_RECORDS):
            z.writestr(f"{name}/{rec}", data)
    return out.getvalue()


def global_op(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def unicode_op(s: str) -> bytes:
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def proto4_str(s: str) -> bytes:
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b  # SHORT_BINUNICODE


def ints(xs) -> bytes:
    return b"(" + b"".join(b"J" + struct.pack("<i", x) if x < 2**31 else b"\x8a\x08" + struct.pack("<q", x)
                           for x in xs) + b"t"


def tensor(key: str, numel: int, size, stride, offset: int = 0, storage: str = "FloatStorage") -> bytes:
    """The body (no PROTO, no STOP) of a `_rebuild_tensor_v2` call on storage `key`; memoised in slot 9 once."""
    numel_op = b"J" + struct.pack("<i", numel) if numel < 2**31 else b"\x8a\x08" + struct.pack("<q", numel)
    return (global_op("torch._utils", "_rebuild_tensor_v2") + b"((" + unicode_op("storage")
            + global_op("torch", storage)
            + unicode_op(key) + unicode_op("cpu") + numel_op + b"tQ" + b"J" + struct.pack("<i", offset) + ints(size)
            + ints(stride) + b"\x89" + global_op("collections", "OrderedDict") + b")Rt" + b"R")


def _exec_payloads(canary: str) -> dict:
    touch = f"open({canary!r}, 'w').write('pwned')"
    shell = f"touch {canary}"
    p2 = b"\x80\x02"
    return {
        "reduce_os_system": p2 + global_op("os", "system") + unicode_op(shell) + b"\x85R.",
        "reduce_posix_system": p2 + global_op("posix", "system") + unicode_op(shell) + b"\x85R.",
        "reduce_eval": p2 + global_op("builtins", "eval") + unicode_op(touch) + b"\x85R.",
        "reduce_exec_py2_name": p2 + global_op("__builtin__", "exec") + unicode_op(touch) + b"\x85R.",
        "protocol0_text": f"cos\nsystem\n(S'{shell}'\ntR.".encode(),
        "stack_global_eval": (b"\x80\x04" + proto4_str("builtins") + proto4_str("eval") + b"\x93"
                              + proto4_str(touch) + b"\x85R."),
        "inst_opcode": b"(" + unicode_op(shell) + b"ios\nsystem\n.",
        "obj_opcode": b"\x80\x02(" + global_op("os", "system") + unicode_op(shell) + b"o.",
        "newobj_popen": (p2 + global_op("subprocess", "Popen") + b"(" + unicode_op("touch") + unicode_op(canary)
                         + b"l\x85"
                         + b"\x81."),
        "newobj_ex_popen": (b"\x80\x04" + global_op("subprocess", "Popen") + b"(" + unicode_op("touch")
                            + unicode_op(canary)
                            + b"l\x85}\x92."),
        "getattr_chain": (p2 + global_op("builtins", "getattr") + global_op("builtins", "__import__") + unicode_op("os")
                          + b"\x85R" + unicode_op("system") + b"\x86R" + unicode_op(shell) + b"\x85R."),
        "importlib": (p2 + global_op("importlib", "import_module") + unicode_op("os") + b"\x85R."),
        "functools_partial": (p2 + global_op("functools", "partial") + global_op("builtins", "eval") + unicode_op(touch)
                              + b"\x86R)R."),
        "operator_attrgetter": (p2 + global_op("operator", "attrgetter") + unicode_op("system") + b"\x85R."),
        "torch_load_recursion": p2 + global_op("torch", "load") + unicode_op(canary) + b"\x85R.",
        "numpy_reconstruct": (p2 + global_op("numpy.core.multiarray", "_reconstruct") + global_op("numpy", "ndarray")
                              + b"K\x00\x85C\x01b\x87R."),
        "build_setstate_on_allowed": (p2 + global_op("torch", "Size") + b")\x85R}" + unicode_op("__setstate__")
                                      + global_op("builtins", "eval") + b"sb."),
        "eval_inside_tensor_rebuild": (p2 + global_op("torch._utils", "_rebuild_tensor_v2") + b"(("
                                       + unicode_op("storage")
                                       + global_op("builtins", "eval") + unicode_op(touch) + b"\x85R" + unicode_op("0")
                                       + unicode_op("cpu") + b"K\x02tQK\x00K\x02\x85K\x01\x85\x89"
                                       + global_op("collections", "OrderedDict") + b")RtR."),
        "ext_opcode": p2 + b"\x82\x01" + unicode_op(shell) + b"\x85R.",  # copyreg extension registry
        "persid_text": b"(P" + f"os.system {shell}".encode() + b"\n.",
        "reduce_pickle_loads": (p2 + global_op("pickle", "loads") + b"C" + bytes([len(pickle.dumps(None))])
                                + pickle.dumps(None) + b"\x85R."),
    }


def build(canary: str) -> dict:
    p2 = b"\x80\x02"
    corpus: dict[str, tuple[str, bytes]] = {k: ("exec", archive(v)) for k, v in _exec_payloads(canary).items()}

    # ---- amplification
    expand8 = p2 + b"}(" + b"".join(unicode_op(f"e{i}") + tensor("0", 1, (2**28,), (0,)) for i in range(8)) + b"u."
    corpus["expand_8x1GiB"] = ("amplify", archive(expand8, [("data/0", b"\x00" * 4)]))
    corpus["expand_2d_overflowing"] = ("amplify", archive(p2 + tensor("0", 1, (2**31, 2**31), (0, 0)) + b".",
                                                          [("data/0", b"\x00" * 4)]))
    corpus["expand_product_overflow"] = ("amplify", archive(p2 + tensor("0", 1, (2**62, 16), (0, 0)) + b".",
                                                            [("data/0", b"\x00" * 4)]))
    views = p2 + b"](" + b"".join(tensor("0", 1 << 20, ((1 << 20) - i,), (1,), offset=i) for i in range(300)) + b"e."
    corpus["views_300_of_4MiB"] = ("amplify", archive(views, [("data/0", np.zeros(1 << 20, np.float32).tobytes())]))
    nest = p2 + b"]q\x00K\x00a"  # l0 = [0]
    for i in range(1, 60):  # li = [l(i-1), l(i-1)]: 2**60 leaves, shared by reference
        nest += b"]q" + bytes([i]) + b"(h" + bytes([i - 1]) + b"h" + bytes([i - 1]) + b"e"
    corpus["billion_laughs"] = ("amplify", archive(nest + b"."))
    corpus["bytearray_huge"] = ("amplify", archive(p2 + global_op("builtins", "bytearray")
                                                   + b"\x8a\x06\x00\x00\x00\x00\x00\x01\x85R."))
    corpus["storage_numel_2_60"] = ("amplify", archive(p2 + tensor("0", 2**60, (2,), (1,)) + b".",
                                                       [("data/0", b"\x00" * 8)]))

    # ---- declared-length lies
    for name, op in (("binbytes8_1TiB", b"\x8e" + struct.pack("<Q", 1 << 40)),
                     ("binunicode8_1TiB", b"\x8d" + struct.pack("<Q", 1 << 40)),
                     ("binunicode_2GiB", b"X\xff\xff\xff\x7f"),
                     ("binbytes_2GiB", b"B\xff\xff\xff\x7f"),
                     ("long4_2GiB", b"\x8b\xff\xff\xff\x7f"),
                     ("bytearray8_1TiB", b"\x96" + struct.pack("<Q", 1 << 40)),
                     ("frame_2_60", b"\x95" + struct.pack("<Q", 1 << 60))):
        corpus[name] = ("lie", archive(b"\x80\x05" + op + b"abc."))
    legacy = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, legacy, protocol=2)
    legacy.write(b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b"abc")
    corpus["legacy_binbytes8_1TiB"] = ("lie", legacy.getvalue())
    legacy = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True,
                                                  "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, legacy, protocol=2)
    legacy.write(b"\x80\x02" + global_op("torch._utils", "_rebuild_tensor") + b"((" + unicode_op("storage")
                 + global_op("torch", "FloatStorage") + unicode_op("k") + unicode_op("cpu")
                 + b"K\x02NtQK\x00K\x02\x85K\x01\x85tR.")
    pickle.dump(["k"], legacy, protocol=2)
    legacy.write(struct.pack("<q", 1 << 50) + b"\x00" * 8)
    corpus["legacy_storage_size_2_50"] = ("lie", legacy.getvalue())
    good = archive(p2 + tensor("0", 4, (4,), (1,)) + b".", [("data/0", b"\x00" * 16)])
    data = bytearray(good)
    i = 0
    while True:  # patch the central-directory entry of data/0 to claim 4 GiB
        j = data.find(b"PK\x01\x02", i)
        if j < 0:
            break
        n = struct.unpack("<H", data[j + 28:j + 30])[0]
        if data[j + 46:j + 46 + n].endswith(b"data/0"):
            data[j + 20:j + 28] = struct.pack("<II", 0xFFFFFFF0, 0xFFFFFFF0)
        i = j + 4
    corpus["zip_dir_4GiB_record"] = ("lie", bytes(data))
    corpus["storage_bigger_than_record"] = ("lie", archive(p2 + tensor("0", 1000, (2,), (1,)) + b".",
                                                           [("data/0", b"\x00" * 8)]))
    corpus["tensor_past_storage"] = ("lie", archive(p2 + tensor("0", 2, (10**6,), (1,)) + b".",
                                                    [("data/0", b"\x00" * 8)]))

    # ---- corrupt archives
    corpus["truncated_half"] = ("corrupt", good[:len(good) // 2])
    corpus["truncated_40"] = ("corrupt", good[:40])
    corpus["no_central_directory"] = ("corrupt", good[:good.rfind(b"PK\x05\x06")])
    flipped = bytearray(good)
    info = zipfile.ZipFile(io.BytesIO(good)).getinfo("archive/data/0")
    pos = info.header_offset + 30 + len(info.filename) + len(info.extra) + 3
    flipped[pos] ^= 0xFF
    corpus["crc_mismatch"] = ("corrupt", bytes(flipped))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", p2 + tensor("0", 1 << 28, (1 << 28,), (1,)) + b".")
        z.writestr("archive/data/0", b"\x00" * (1 << 30 >> 2))  # 256 MiB of zeros, ~256 KiB deflated
    corpus["deflate_bomb"] = ("corrupt", bomb.getvalue())
    corpus["no_data_pkl"] = ("corrupt", _archive_without_pkl())
    corpus["empty_file"] = ("corrupt", b"")
    corpus["garbage"] = ("corrupt", b"garbage, not a checkpoint" * 3)
    corpus["pickle_missing_stop"] = ("corrupt", archive(p2 + b"K\x01"))
    corpus["unknown_opcode"] = ("corrupt", archive(p2 + b"\xff."))
    corpus["stack_underflow"] = ("corrupt", archive(p2 + b"R."))
    return corpus


def _archive_without_pkl() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/version", b"3\n")
        z.writestr("archive/data/0", b"\x00" * 8)
    return out.getvalue()
