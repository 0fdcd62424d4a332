"""weights_only loading refuses hostile checkpoints, and no payload code ever runs (canary files stay absent)."""

import io
import os
import pickle
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import jaxtorch as jt
from jaxtorch import serialization

sys.path.insert(0, os.path.dirname(__file__))
from _hostile_corpus import global_op, tensor, unicode_op  # noqa: E402


def zip_with(pkl: bytes, extra=(), name="archive") -> bytes:
    """A torch-layout archive around a hand-made data.pkl."""
    out = io.BytesIO()
    serialization._write_zip(out, name, [("data.pkl", pkl), *extra, ("version", b"3\n")])
    return out.getvalue()


@pytest.fixture
def canary(tmp_path):
    path = tmp_path / "canary"
    yield path
    assert not path.exists(), "a payload ran"


def payloads(canary_path):
    touch = f"open({str(canary_path)!r}, 'w').write('pwned')"
    shell = f"touch {canary_path}"

    class OsSystem:
        def __reduce__(self):
            return (os.system, (shell,))

    class Eval:
        def __reduce__(self):
            return (eval, (touch,))

    class Exec:
        def __reduce__(self):
            return (exec, (touch,))

    class Popen:
        def __reduce__(self):
            return (subprocess.Popen, (["touch", str(canary_path)],))

    class GetattrTrick:  # getattr(builtins, 'eval') without naming eval
        def __reduce__(self):
            return (getattr, (__builtins__ if isinstance(__builtins__, dict) else vars(__builtins__), "get"))

    return {"os.system": OsSystem(), "eval": Eval(), "exec": Exec(), "subprocess.Popen": Popen(),
            "getattr": GetattrTrick()}


def assert_refused(data: bytes, match: str | None = None) -> None:
    with pytest.raises(pickle.UnpicklingError, match=match):
        jt.load(io.BytesIO(data))


@pytest.mark.parametrize("kind", ["os.system", "eval", "exec", "subprocess.Popen", "getattr"])
@pytest.mark.parametrize("protocol", [2, 4])
def test_reduce_payloads_refused(kind, protocol, canary):
    pkl = pickle.dumps(payloads(canary)[kind], protocol=protocol)
    assert_refused(zip_with(pkl), "Weights only load failed")
    # inside a genuine checkpoint, next to real tensors: the payload is the value of one key
    buf = io.BytesIO()
    jt.save({"w": jt.ones(2), "evil": "PLACEHOLDER"}, buf)
    good = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    body = good.read("archive/data.pkl").replace(unicode_op("PLACEHOLDER"), pickle.dumps(
        payloads(canary)[kind], protocol=2)[2:-1])
    data = zip_with(body, [("data/0", good.read("archive/data/0"))])
    assert_refused(data, "Weights only load failed")
    with pytest.raises(pickle.UnpicklingError):  # real torch refuses it as well
        torch.load(io.BytesIO(data))
    # legacy (non-zip) stream: refused before anything runs, too
    assert_refused(pkl)


def test_message_shapes_match_torch(canary):
    data = zip_with(pickle.dumps(payloads(canary)["eval"], protocol=2))
    with pytest.raises(pickle.UnpicklingError) as ours:
        jt.load(io.BytesIO(data))
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(io.BytesIO(data))
    for text in ("Weights only load failed", "Unsupported global: GLOBAL eval was not an allowed global by default",
                 "add_safe_globals([eval])"):
        assert text in str(ours.value) and text in str(theirs.value)
    data = zip_with(pickle.dumps(payloads(canary)["os.system"], protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL posix.system whose module posix is blocked"
                       if os.name == "posix" else "is blocked"):
        jt.load(io.BytesIO(data))


def test_nested_global_inside_tensor_rebuild(canary):
    # a real-looking _rebuild_tensor_v2 call whose hooks argument is eval(...)
    pkl = (b"\x80\x02" + global_op("torch._utils", "_rebuild_tensor_v2") + b"(" + b"(" + unicode_op("storage")
           + global_op("torch", "FloatStorage") + unicode_op("0") + unicode_op("cpu") + b"K\x02tQ" + b"K\x00"
           + b"K\x02\x85K\x01\x85\x89" + global_op("builtins", "eval") + unicode_op(f"open({str(canary)!r},'w')")
           + b"\x85R" + b"tR.")
    assert_refused(zip_with(pkl, [("data/0", np.ones(2, np.float32).tobytes())]), "GLOBAL eval")


def test_stack_global_and_inst_obj_opcodes(canary):
    shell = f"touch {canary}"
    stack_global = (b"\x80\x04" + unicode_op("os") + unicode_op("system") + b"\x93" + unicode_op(shell) + b"\x85R.")
    assert_refused(zip_with(stack_global), "blocked")
    # STACK_GLOBAL with a dotted attribute path through an allowed class
    dotted = b"\x80\x04" + unicode_op("collections") + unicode_op("OrderedDict.__init__.__globals__") + b"\x93."
    assert_refused(zip_with(dotted), "Unsupported global")
    inst = b"(" + unicode_op(shell) + b"ios\nsystem\n."
    assert_refused(zip_with(b"\x80\x02" + inst), "Unsupported operand 105")
    obj = b"\x80\x02(" + global_op("os", "system") + unicode_op(shell) + b"o."
    assert_refused(zip_with(obj), "blocked")
    obj_safe_name = b"\x80\x02(" + global_op("collections", "OrderedDict") + b"o."
    assert_refused(zip_with(obj_safe_name), "Unsupported operand 111")
    text_protocol = f"cos\nsystem\n(S'{shell}'\ntR.".encode()
    assert_refused(zip_with(text_protocol), "blocked")


def test_allowed_objects_cannot_be_abused(canary):
    # REDUCE on something that is allowed to be named but not called (the Tensor class, a dtype)
    for g in (global_op("torch", "Tensor"), global_op("torch", "float32"), global_op("torch", "FloatStorage")):
        assert_refused(zip_with(b"\x80\x02" + g + b"K\x05\x85R."), "unrecognized function")
    # BUILD on an object that is not a dict-like: would set arbitrary attributes
    build = b"\x80\x02" + global_op("torch", "Size") + b")\x85R}" + unicode_op("x") + b"K\x01sb."
    assert_refused(zip_with(build), "Can only build")
    # SETITEM into a non-dict
    assert_refused(zip_with(b"\x80\x02]K\x01K\x02s."), "Can only SETITEM")
    # bytearray(huge) would allocate on the file's say-so
    assert_refused(zip_with(b"\x80\x02" + global_op("builtins", "bytearray") + b"\x8a\x06\x00\x00\x00\x00\x00\x01"
                            + b"\x85R."), "bytearray")
    # _codecs.encode with a codec that would import a module
    assert_refused(zip_with(b"\x80\x02" + global_op("_codecs", "encode") + unicode_op("x") + unicode_op("rot13")
                            + b"\x86R."), "_codecs.encode")


def test_nothing_is_imported(tmp_path, monkeypatch, canary):
    mod = tmp_path / "jt_hostile_probe.py"
    mod.write_text(f"open({str(canary)!r}, 'w').write('imported')\ndef f():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    pkl = b"\x80\x02" + global_op("jt_hostile_probe", "f") + b")R."
    assert_refused(zip_with(pkl), "Unsupported global: GLOBAL jt_hostile_probe.f")
    assert "jt_hostile_probe" not in sys.modules


def tensor_pkl(key: str, numel: int, size=(2,), stride=(1,), storage="FloatStorage") -> bytes:
    return b"\x80\x02" + tensor(key, numel, size, stride, storage=storage) + b"."


def test_well_formed_tensor_pkl_loads():
    # the hand-made pickle used below is valid when nothing is wrong with it (so the refusals mean something)
    data = zip_with(tensor_pkl("0", 2), [("data/0", np.array([1.5, 2.5], np.float32).tobytes())])
    assert jt.load(io.BytesIO(data)).tolist() == [1.5, 2.5]
    assert torch.load(io.BytesIO(data)).tolist() == [1.5, 2.5]


def test_storage_key_outside_archive(tmp_path):
    (tmp_path / "x").write_bytes(np.ones(2, np.float32).tobytes())
    for key in ("../x", "../../x", str(tmp_path / "x"), "0/../0"):
        data = zip_with(tensor_pkl(key, 2), [("data/0", np.ones(2, np.float32).tobytes())])
        with pytest.raises(pickle.UnpicklingError, match="failed locating file"):
            jt.load(io.BytesIO(data))


def test_storage_larger_than_its_record():
    data = zip_with(tensor_pkl("0", 1000), [("data/0", np.ones(2, np.float32).tobytes())])
    assert_refused(data, "declares 4000 bytes")


def test_huge_declared_sizes():
    # a storage of 2**60 elements, a tensor far past its storage, and a huge stride-0 expansion
    assert_refused(zip_with(tensor_pkl("0", 2**60), [("data/0", b"\x00" * 8)]), "declares")
    assert_refused(zip_with(tensor_pkl("0", 2, size=(10**6,)), [("data/0", b"\x00" * 8)]), "out of bounds")
    assert_refused(zip_with(tensor_pkl("0", 2, size=(2**40,), stride=(0,)), [("data/0", b"\x00" * 8)]),
                   "refusing to materialise")
    # a string / bytes / long opcode claiming gigabytes
    for op in (b"X\xff\xff\xff\x7f", b"B\xff\xff\xff\x7f", b"\x8d" + struct.pack("<Q", 2**62),
               b"\x8b\xff\xff\xff\x7f"):
        assert_refused(zip_with(b"\x80\x02" + op + b"abc."), "truncated")
    # legacy stream whose storage size field lies
    buf = io.BytesIO()
    jt.save({"x": jt.ones(2)}, buf, _use_new_zipfile_serialization=False)
    raw = buf.getvalue()
    lied = raw[:-16] + struct.pack("<q", 2**50) + raw[-8:]
    assert_refused(lied, "does not hold")


def test_truncated_and_corrupt_archives():
    buf = io.BytesIO()
    jt.save({"w": jt.ones(64)}, buf)
    data = buf.getvalue()
    for cut in (len(data) // 2, len(data) - 10, 40):
        with pytest.raises(pickle.UnpicklingError, match="PytorchStreamReader failed") as e:
            jt.load(io.BytesIO(data[:cut]))
        assert isinstance(e.value, RuntimeError)  # torch raises RuntimeError for these
    # a flipped byte in a storage: the zip crc catches it
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("archive/data/0")
    pos = info.header_offset + 30 + len(info.filename) + len(info.extra) + 3
    flipped = data[:pos] + bytes([data[pos] ^ 0xFF]) + data[pos + 1:]
    with pytest.raises(pickle.UnpicklingError, match="PytorchStreamReader failed reading file"):
        jt.load(io.BytesIO(flipped))
    # a compressed data.pkl (a zip bomb vector) is refused
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", b"\x80\x02K\x01.")
    with pytest.raises(pickle.UnpicklingError, match="compressed"):
        jt.load(io.BytesIO(out.getvalue()))
    with pytest.raises(pickle.UnpicklingError, match="Unsupported operand"):
        jt.load(io.BytesIO(b"garbage, not a checkpoint"))


@pytest.mark.parametrize("kind", ["eval", "exec"])
def test_canary_is_live(kind, tmp_path):
    # the same payload does run under weights_only=False: the canary would catch a leak in the safe path
    path = tmp_path / "canary"
    data = zip_with(pickle.dumps(payloads(path)[kind], protocol=2))
    jt.load(io.BytesIO(data), weights_only=False)
    assert path.read_text() == "pwned"
