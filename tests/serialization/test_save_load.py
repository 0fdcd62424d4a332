"""torch.save / torch.load against real torch 2.13, in both directions."""

import io
import os
import pathlib
import pickle
import zipfile
from collections import OrderedDict

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
import torch

import jaxtorch as jt
from jaxtorch import serialization

RNG = np.random.default_rng(0)

# (name, numpy dtype of the test data); bfloat16 via ml_dtypes so both libraries see the same bits
DTYPES = [
    ("bool", np.bool_), ("uint8", np.uint8), ("int8", np.int8), ("int16", np.int16), ("int32", np.int32),
    ("int64", np.int64), ("float16", np.float16), ("bfloat16", ml_dtypes.bfloat16), ("float32", np.float32),
    ("float64", np.float64), ("complex64", np.complex64), ("complex128", np.complex128), ("uint16", np.uint16),
    ("uint32", np.uint32), ("uint64", np.uint64),
]


def sample(np_dtype, shape=(2, 3)):
    if np_dtype is np.bool_:
        return RNG.random(shape) > 0.5
    if np.issubdtype(np_dtype, np.integer):
        info = np.iinfo(np_dtype)
        return RNG.integers(max(info.min, -100), min(info.max, 100), shape).astype(np_dtype)
    if np.issubdtype(np_dtype, np.complexfloating):
        return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(np_dtype)
    return RNG.standard_normal(shape).astype(np_dtype)


def to_torch(a):
    if a.dtype == ml_dtypes.bfloat16:
        return torch.from_numpy(a.view(np.uint16).copy()).view(torch.bfloat16)
    return torch.from_numpy(a.copy())


def to_jt(a):
    return jt.from_jax(jnp.asarray(a))


def bits(t):
    """Raw values of a torch or jaxtorch tensor as a numpy array (bfloat16 as its uint16 bits)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return t.view(torch.uint16).numpy() if t.dtype == torch.bfloat16 else t.numpy()
    a = np.asarray(t.detach().numpy())
    return a.view(np.uint16) if a.dtype == ml_dtypes.bfloat16 else a


def same(tt, jtt):
    assert str(tt.dtype) == str(jtt.dtype)
    assert tuple(tt.shape) == tuple(jtt.shape)
    np.testing.assert_array_equal(bits(tt), bits(jtt))


def via_jt(obj, **kw):
    buf = io.BytesIO()
    jt.save(obj, buf, **kw)
    return torch.load(io.BytesIO(buf.getvalue()), weights_only=True)


def via_torch(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    return jt.load(io.BytesIO(buf.getvalue()))


def test_all_dtypes_both_directions():
    arrays = {name: sample(d) for name, d in DTYPES}
    arrays["empty"] = np.zeros((0, 3), np.float32)
    arrays["scalar"] = np.array(2.5, np.float64)
    back_in_torch = via_jt({k: to_jt(a) for k, a in arrays.items()})
    back_in_jt = via_torch({k: to_torch(a) for k, a in arrays.items()})
    for k, a in arrays.items():
        same(to_torch(a), back_in_jt[k])
        same(back_in_torch[k], back_in_jt[k])


def test_views_share_storage_in_torch():
    base = jt.arange(24, dtype=jt.float32).reshape(4, 6)
    tbase = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    views = {"t": lambda b: b.t(), "slice": lambda b: b[1:, 2:5], "step": lambda b: b[::2, 1::3],
             "row": lambda b: b[2], "diag": lambda b: b.diagonal(), "sel_t": lambda b: b.t()[3:]}
    out = via_jt({"base": base, **{k: f(base) for k, f in views.items()}})
    ptr = out["base"].untyped_storage().data_ptr()
    for k, f in views.items():
        expect = f(tbase)
        assert out[k].untyped_storage().data_ptr() == ptr, k
        assert out[k].stride() == expect.stride() and out[k].storage_offset() == expect.storage_offset(), k
        assert torch.equal(out[k], expect), k
    out["base"][0, 0] = -1.0  # the views really alias in torch
    assert out["t"][0, 0] == -1.0


def test_two_views_without_their_base_share_one_storage():
    base = jt.arange(12, dtype=jt.float64).reshape(3, 4)
    out = via_jt([base[1:], base.t()])
    a, b = out
    assert a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
    assert a.untyped_storage().nbytes() == 12 * 8
    tbase = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    assert torch.equal(a, tbase[1:]) and torch.equal(b, tbase.t())


def test_torch_views_load_as_views():
    tb = torch.arange(12.0).reshape(3, 4)
    out = via_torch({"b": tb, "t": tb.t(), "s": tb[1:, 2:], "e": torch.zeros(1).expand(3)})
    assert out["s"].stride() == (4, 1) and out["s"].storage_offset() == 6
    same(tb.t(), out["t"])
    same(torch.zeros(3), out["e"])
    with jt.no_grad():
        out["b"][2, 3] = 100.0
    assert out["t"][3, 2].item() == 100.0 and out["s"][1, 1].item() == 100.0
    # views whose base is not in the file still share with each other
    out = via_torch({"s": tb[1:, 2:], "t": tb.t()})
    with jt.no_grad():
        out["t"][3, 2] = -5.0
    assert out["s"][1, 1].item() == -5.0


def test_non_contiguous_and_transposed_values():
    a = sample(np.float32, (3, 5))
    ta = to_torch(a)
    for f in (lambda x: x.t(), lambda x: x[:, ::2], lambda x: x[1:2, 3:]):
        same(f(ta), via_torch(f(ta).contiguous()))
        r = via_jt(f(to_jt(a)))
        same(f(ta), jt.tensor(r.numpy()))


def test_parameters_and_requires_grad():
    p = jt.nn.Parameter(jt.ones(2, 3))
    frozen = jt.nn.Parameter(jt.zeros(2), requires_grad=False)
    rg = jt.ones(3).requires_grad_()
    out = via_jt({"p": p, "f": frozen, "rg": rg, "p_again": p})
    assert type(out["p"]) is torch.nn.Parameter and out["p"].requires_grad
    assert type(out["f"]) is torch.nn.Parameter and not out["f"].requires_grad
    assert type(out["rg"]) is torch.Tensor and out["rg"].requires_grad
    assert out["p_again"] is out["p"]
    back = via_torch(out)
    assert type(back["p"]) is jt.nn.Parameter and back["p"].requires_grad
    assert type(back["f"]) is jt.nn.Parameter and not back["f"].requires_grad
    assert type(back["rg"]) is jt.Tensor and back["rg"].requires_grad and back["rg"].is_leaf
    assert back["p_again"] is back["p"]


def test_nested_checkpoint_and_metadata():
    sd = OrderedDict(w=jt.ones(2), b=jt.zeros(()))
    sd._metadata = OrderedDict({"": {"version": 1}, "layer": {"version": 2}})
    ckpt = {"model": sd, "epoch": 7, "loss": 0.25, "name": "run", "none": None, "flags": (True, False),
            "hist": [1, 2.5, [jt.arange(3)], {"deep": (jt.eye(2),)}], "big": 2**70, "neg": -3,
            "cplx": 1 + 2j, "bytes": b"\x00\xff", "set": {1, 2}, "size": jt.Size([2, 3]), "dtype": jt.bfloat16,
            "device": jt.device("cpu")}
    t = via_jt(ckpt)
    assert isinstance(t["model"], OrderedDict) and t["model"]._metadata == sd._metadata
    for k in ("epoch", "loss", "name", "none", "flags", "big", "neg", "cplx", "bytes", "set"):
        assert t[k] == ckpt[k], k
    assert t["size"] == torch.Size([2, 3]) and type(t["size"]) is torch.Size
    assert t["dtype"] is torch.bfloat16 and t["device"] == torch.device("cpu")
    assert torch.equal(t["hist"][2][0], torch.arange(3)) and torch.equal(t["hist"][3]["deep"][0], torch.eye(2))
    j = via_torch(t)
    assert isinstance(j["model"], OrderedDict) and j["model"]._metadata == sd._metadata
    for k in ("epoch", "loss", "name", "none", "flags", "big", "neg", "cplx", "bytes", "set"):
        assert j[k] == ckpt[k], k
    assert type(j["size"]) is jt.Size and j["size"] == (2, 3)
    assert j["dtype"] is jt.bfloat16 and j["device"] == jt.device("cpu")
    same(torch.eye(2), j["hist"][3]["deep"][0])


def _models():
    jm = jt.nn.Sequential(jt.nn.Linear(4, 3), jt.nn.BatchNorm1d(3))
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    return jm, tm


def test_module_state_dict_jaxtorch_to_torch():
    jm, tm = _models()
    jm.train()
    jm(jt.tensor(sample(np.float32, (5, 4))))  # move the running stats off their init values
    tm.load_state_dict(via_jt(jm.state_dict()))
    x = sample(np.float32, (5, 4))
    jm.eval()
    tm.eval()
    np.testing.assert_allclose(tm(to_torch(x)).detach().numpy(), jm(jt.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert int(tm[1].num_batches_tracked) == 1


def test_module_state_dict_torch_to_jaxtorch(tmp_path):
    jm, tm = _models()
    tm.train()
    tm(to_torch(sample(np.float32, (5, 4))))
    torch.save(tm.state_dict(), tmp_path / "m.pt")
    sd = jt.load(tmp_path / "m.pt")
    assert list(sd.keys()) == list(tm.state_dict().keys()) and sd._metadata == tm.state_dict()._metadata
    jm.load_state_dict(sd)
    x = sample(np.float32, (5, 4))
    jm.eval()
    tm.eval()
    np.testing.assert_allclose(tm(to_torch(x)).detach().numpy(), jm(jt.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_optimizer_state_dict_round_trip():
    jm, tm = _models()
    tm.load_state_dict(via_jt(jm.state_dict()))
    jopt = jt.optim.Adam(jm.parameters(), lr=0.1)
    x = sample(np.float32, (5, 4))
    jm(jt.tensor(x)).sum().backward()
    jopt.step()
    tsd = via_jt(jopt.state_dict())
    topt = torch.optim.Adam(tm.parameters(), lr=0.1)
    topt.load_state_dict(tsd)
    for i, st in jopt.state_dict()["state"].items():
        for k, v in st.items():
            same(topt.state_dict()["state"][i][k], v)
    assert topt.state_dict()["param_groups"][0]["betas"] == (0.9, 0.999)
    # and back: torch's state into a fresh jaxtorch optimizer
    jopt2 = jt.optim.Adam(jm.parameters(), lr=0.1)
    jopt2.load_state_dict(via_torch(topt.state_dict()))
    for i, st in topt.state_dict()["state"].items():
        for k, v in st.items():
            same(v, jopt2.state_dict()["state"][i][k])


def test_paths_bytesio_and_archive_layout(tmp_path):
    t = jt.arange(5, dtype=jt.int16)
    jt.save({"t": t}, str(tmp_path / "a.pt"))
    jt.save({"t": t}, tmp_path / "b.pt")
    for name in ("a.pt", "b.pt"):
        same(torch.arange(5, dtype=torch.int16), torch.load(tmp_path / name)["t"])
        same(torch.arange(5, dtype=torch.int16), jt.load(pathlib.Path(tmp_path / name))["t"])
    with open(tmp_path / "c.pt", "wb") as fh:
        jt.save(t, fh)
    with open(tmp_path / "c.pt", "rb") as fh:
        same(torch.arange(5, dtype=torch.int16), jt.load(fh))
    z = zipfile.ZipFile(tmp_path / "a.pt")
    names = z.namelist()
    assert names[0] == "a/data.pkl" and {"a/byteorder", "a/version", "a/.format_version", "a/.storage_alignment",
                                          "a/data/0"} <= set(names)
    assert z.read("a/byteorder") == b"little" and z.read("a/version") == b"3\n"
    assert z.read("a/.storage_alignment") == b"64" and z.read("a/.format_version") == b"1"
    # records are stored (not deflated) and the storage bytes start 64-byte aligned, as torch writes them
    raw = (tmp_path / "a.pt").read_bytes()
    info = z.getinfo("a/data/0")
    assert info.compress_type == zipfile.ZIP_STORED
    name_len, extra_len = np.frombuffer(raw[info.header_offset + 26:info.header_offset + 30], "<u2")
    assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0
    assert z.read("a/data.pkl")[:2] == b"\x80\x02"


def test_map_location_forms():
    tb = torch.arange(4.0)
    buf = io.BytesIO()
    torch.save({"x": tb}, buf)
    data = buf.getvalue()
    seen = []
    for ml in ("cpu", jt.device("cpu"), {"cpu": "cpu"}, lambda s, loc: seen.append(loc) or s,
               lambda s, loc: s.cpu(), lambda s, loc: None):
        out = jt.load(io.BytesIO(data), map_location=ml)
        same(tb, out["x"])
        assert out["x"].device == jt.device("cpu")
    assert seen == ["cpu"]


def test_cuda_location_without_gpu_needs_map_location():
    buf = io.BytesIO()
    jt.save({"x": jt.ones(2)}, buf)
    pkl = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("archive/data.pkl").replace(
        b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    out = io.BytesIO()
    serialization._write_zip(out, "archive", [("data.pkl", pkl), ("data/0", np.ones(2, np.float32).tobytes()),
                                              ("version", b"3\n")])
    if jax.default_backend() == "cpu":  # no GPU: a cuda location needs map_location, as in torch
        with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
            jt.load(io.BytesIO(out.getvalue()))
    r = jt.load(io.BytesIO(out.getvalue()), map_location={"cuda:0": "cpu"})
    assert r["x"].tolist() == [1.0, 1.0]
    assert torch.load(io.BytesIO(out.getvalue()), map_location="cpu")["x"].tolist() == [1.0, 1.0]


def test_legacy_format_both_directions():
    tb = torch.arange(6.0).reshape(2, 3)
    obj = {"b": tb, "t": tb.t(), "p": torch.nn.Parameter(torch.ones(2)), "i": torch.tensor([1, 2], dtype=torch.int16),
           "u": torch.ones(2, dtype=torch.uint16), "n": 3}
    out = via_torch(obj, _use_new_zipfile_serialization=False)
    for k in ("b", "t", "i", "u"):
        same(obj[k], out[k])
    assert type(out["p"]) is jt.nn.Parameter and out["p"].requires_grad and out["n"] == 3
    # jaxtorch's legacy writer is read by torch (uint16 left out: torch 2.13 cannot read its own legacy uint16)
    j = {"s": jt.arange(6.0).reshape(2, 3)[1:], "p": jt.nn.Parameter(jt.ones(2)), "h": jt.ones(2, dtype=jt.float16)}
    back = via_jt(j, _use_new_zipfile_serialization=False)
    same(back["s"], j["s"])
    same(back["h"], j["h"])
    assert type(back["p"]) is torch.nn.Parameter and back["p"].requires_grad


def test_full_pickles_only_when_asked():
    jm, tm = _models()
    buf = io.BytesIO()
    torch.save(tm, buf)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        jt.load(io.BytesIO(buf.getvalue()))
    m = jt.load(io.BytesIO(buf.getvalue()), weights_only=False)
    assert type(m) is jt.nn.Sequential and type(m[0]) is jt.nn.modules.linear.Linear
    x = sample(np.float32, (2, 4))
    tm.eval()
    m.eval()
    np.testing.assert_allclose(tm(to_torch(x)).detach().numpy(), m(jt.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    buf = io.BytesIO()
    jt.save(jm, buf)
    m2 = jt.load(io.BytesIO(buf.getvalue()), weights_only=False)
    assert type(m2[1]) is jt.nn.BatchNorm1d
    for (k, a), (k2, b) in zip(jm.state_dict().items(), m2.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(a.numpy(), b.numpy())


class Box:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return type(other) is Box and other.v == self.v


def test_safe_globals():
    buf = io.BytesIO()
    jt.save({"box": Box(3)}, buf)
    data = buf.getvalue()
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL .*Box"):
        jt.load(io.BytesIO(data))
    with serialization.safe_globals([Box]):
        assert jt.load(io.BytesIO(data))["box"] == Box(3)
        assert Box in serialization.get_safe_globals()
    assert Box not in serialization.get_safe_globals()
    serialization.add_safe_globals([Box])
    try:
        assert jt.load(io.BytesIO(data))["box"] == Box(3)
    finally:
        serialization.clear_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        jt.load(io.BytesIO(data))


class Boom:
    def __reduce__(self):
        raise RuntimeError("boom while pickling")


def test_save_to_path_is_atomic(tmp_path):
    target = tmp_path / "ckpt.pt"
    jt.save({"x": jt.ones(3)}, target)
    before = target.read_bytes()
    with pytest.raises(RuntimeError, match="boom"):
        jt.save({"x": jt.zeros(3), "bad": Boom()}, target)
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]  # no temporary left behind
    with pytest.raises(RuntimeError, match="boom"):
        jt.save({"bad": Boom()}, tmp_path / "new.pt")
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]


@pytest.mark.parametrize("dtype", ["float8_e5m2", "float8_e4m3fn", "float8_e5m2fnuz", "float8_e4m3fnuz"])
def test_float8_files_load_both_ways(tmp_path, dtype):
    """float8_e5m2 failed with numpy's "data type '<f1' not understood" (its array-interface type); contiguous,
    transposed and offset views load with torch's values and re-save for torch."""
    t = torch.tensor([[0.5, 1.0, -2.0], [3.0, 4.0, 6.0]]).to(getattr(torch, dtype))
    for v in (t, t.t(), t[:, 1:]):
        torch.save(v, tmp_path / "t.pt")
        got = jt.load(tmp_path / "t.pt")
        assert got.dtype == getattr(jt, dtype) and tuple(got.shape) == tuple(v.shape)
        np.testing.assert_array_equal(got.float().numpy(), v.float().numpy())
        jt.save(got, tmp_path / "j.pt")
        back = torch.load(tmp_path / "j.pt")
        assert back.dtype == v.dtype
        np.testing.assert_array_equal(back.float().numpy(), v.float().numpy())
