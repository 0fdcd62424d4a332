"""torch.load keeps storage sharing and layout: tensors on one storage come back as views of one buffer (writes
show through, one storage on re-save), a tensor alone on its storage keeps torch's strides and offset, and a
load only materialises what the file holds. Every case is compared with real torch loading the same file."""

import io
import os
import pickle
import resource
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import jaxtorch as jt


def _cases(T):
    """name -> (objects to save, the two keys whose sharing is checked or None)."""
    T.manual_seed(0)
    p = T.nn.Parameter(T.randn(3, 4))
    x = T.randn(3, 4, requires_grad=True)
    y = T.randn(3, 4)
    return {
        "snapshot": ({"snapshot": p.detach(), "p": p}, ("snapshot", "p")),
        "row": ({"row": p.detach()[1], "p": p}, ("row", "p")),
        "slice_of_grad_leaf": ({"v": x[1:3], "x": x}, ("v", "x")),
        "two_views": ({"a": y[0], "b": y[:, 1]}, ("a", "b")),
        "reshaped": ({"flat": y.view(12), "y": y}, ("flat", "y")),
        "transposed_alone": ({"t": T.arange(24.0).view(6, 4).t()[:1]}, None),
        "offset_alone": ({"a": T.arange(10)[5:9]}, None),
        "expanded_alone": ({"e": T.arange(3.0).view(3, 1).expand(3, 4)}, None),
        "column_alone": ({"c": T.arange(12.0).view(3, 4)[:, 2]}, None),
    }


def _layout(t):
    return (type(t).__name__, tuple(t.shape), tuple(t.stride()), t.storage_offset(), t.untyped_storage().nbytes(),
            t.requires_grad, t.is_leaf, t.is_contiguous())


def _write_first(d, keys):
    """Write into the first tensor of `keys` (through no_grad) and return what the second then holds."""
    a, b = d[keys[0]], d[keys[1]]
    lib = jt if isinstance(a, jt.Tensor) else torch
    with lib.no_grad():
        a.view(-1)[0] = 100.0
    return np.asarray(b.detach().reshape(-1).tolist())


def _same_storage(d, keys):
    return d[keys[0]].untyped_storage().data_ptr() == d[keys[1]].untyped_storage().data_ptr()


@pytest.mark.parametrize("writer", ["torch", "jaxtorch"])
@pytest.mark.parametrize("case", list(_cases(torch)))
def test_sharing_and_layout_match_torch(case, writer, tmp_path):
    path = tmp_path / "ckpt.pt"
    lib = torch if writer == "torch" else jt
    obj, keys = _cases(lib)[case]
    lib.save(obj, path)
    got, want = jt.load(path), torch.load(path)
    assert list(got) == list(want)
    for k in want:
        assert _layout(got[k]) == _layout(want[k]), k
        np.testing.assert_array_equal(got[k].detach().numpy(), want[k].detach().numpy())
    if keys is not None:
        assert _same_storage(got, keys) and _same_storage(want, keys)
        np.testing.assert_array_equal(_write_first(got, keys), _write_first(want, keys))
        # and the other way round: a write to the second reaches the first
        got2, want2 = jt.load(path), torch.load(path)
        np.testing.assert_array_equal(_write_first(got2, keys[::-1]), _write_first(want2, keys[::-1]))
    # re-saved by jaxtorch, torch reads the same sharing and layout back, in a file no bigger than the original
    again = tmp_path / "again.pt"
    jt.save(got if keys is None else jt.load(path), again)
    back = torch.load(again)
    for k in want:
        assert _layout(back[k]) == _layout(want[k]), k
    if keys is not None:
        assert _same_storage(back, keys)
    assert os.path.getsize(again) <= os.path.getsize(path) + 64


def test_loaded_shared_leaves_get_their_own_gradients():
    buf = io.BytesIO()
    x = torch.randn(3, 4, requires_grad=True)
    torch.save({"v": x[1:3], "x": x}, buf)
    results = []
    for lib in (torch, jt):
        d = lib.load(io.BytesIO(buf.getvalue()))
        ((d["v"] * 2).sum() + (d["x"] ** 2).sum()).backward()
        results.append((d["v"].grad.numpy(), d["x"].grad.numpy(), d["v"].grad_fn, d["x"].grad_fn))
    (tv, tx, tfv, tfx), (jv, jx, jfv, jfx) = results
    np.testing.assert_allclose(jv, tv, rtol=1e-6)
    np.testing.assert_allclose(jx, tx, rtol=1e-6)
    assert tfv is None and tfx is None and jfv is None and jfx is None


def test_loaded_parameter_updates_reach_its_saved_views():
    # a module's parameter saved beside a view of it: an optimizer step on the loaded parameter shows in the view
    buf = io.BytesIO()
    lin = torch.nn.Linear(4, 3)
    torch.save({"w": lin.weight, "row0": lin.weight.detach()[0]}, buf)
    outs = []
    for lib in (torch, jt):
        d = lib.load(io.BytesIO(buf.getvalue()))
        w = d["w"]
        opt = lib.optim.SGD([w], lr=0.5)
        (w ** 2).sum().backward()
        opt.step()
        outs.append((w.detach().numpy().copy(), d["row0"].numpy().copy(), w.is_leaf, type(w).__name__))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-6)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-6)
    np.testing.assert_allclose(outs[1][1], outs[1][0][0], rtol=0)
    assert outs[1][2:] == outs[0][2:]


def test_legacy_format_keeps_sharing(tmp_path):
    path = tmp_path / "legacy.pt"
    y = torch.arange(12.0).view(3, 4)
    torch.save({"row": y[1], "y": y, "col": y[:, 2]}, path, _use_new_zipfile_serialization=False)
    got, want = jt.load(path), torch.load(path)
    for k in want:
        assert _layout(got[k]) == _layout(want[k]), k
        np.testing.assert_array_equal(got[k].numpy(), want[k].numpy())
    assert _same_storage(got, ("row", "y")) and _same_storage(got, ("col", "y"))
    np.testing.assert_array_equal(_write_first(got, ("y", "col")), _write_first(want, ("y", "col")))


def _legacy_file_with_storage_views() -> bytes:
    """A pre-0.4 stream: two tensors on two *views* of one storage (persistent ids with view metadata), written
    with the old `torch._utils._rebuild_tensor`. torch 2.13 still reads these."""

    class Storage:  # stands for the root storage; persistent ids name it
        pass

    root = Storage()
    views = {"v0": (root, 2, 6), "v1": (root, 4, 4)}  # (root, element offset, element count)

    class T:
        def __init__(self, view, offset, size, stride):
            self.args = (view, offset, size, stride)

        def __reduce__(self):
            return (torch._utils._rebuild_tensor, self.args)

    class View:
        def __init__(self, key):
            self.key = key

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, View):
                _, off, n = views[obj.key]
                return ("storage", torch.FloatStorage, "root", "cpu", 10, (obj.key, off, n))
            return None

    buf = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True,
                                                  "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, buf, protocol=2)
    P(buf, protocol=2).dump({"a": T(View("v0"), 1, (2, 2), (2, 1)), "b": T(View("v1"), 0, (4,), (1,))})
    pickle.dump(["root"], buf, protocol=2)
    buf.write(struct.pack("<q", 10) + np.arange(10, dtype=np.float32).tobytes())
    return buf.getvalue()


def test_pre_04_storage_views_load(tmp_path):
    path = tmp_path / "old.pt"
    path.write_bytes(_legacy_file_with_storage_views())
    want = torch.load(path, weights_only=False)
    for weights_only in (True, False):
        got = jt.load(path, weights_only=weights_only)
        for k in want:
            np.testing.assert_array_equal(got[k].numpy(), want[k].numpy())
            assert tuple(got[k].shape) == tuple(want[k].shape)
        # both views alias the root storage: a write through one shows in the other where they overlap
        with jt.no_grad():
            got["b"][0] = -1.0  # root element 4 == a[0, 1] (a starts at root element 2 + 1)
        assert got["a"][0, 1].item() == -1.0


@pytest.mark.parametrize("name", ["complex32", "float4_e2m1fn_x2"])
def test_unrepresentable_dtypes_are_named(name, tmp_path):
    path = tmp_path / "c.pt"
    dt = getattr(torch, name)
    torch.save({"t": torch.zeros(2, dtype=torch.uint8).view(dt) if dt.itemsize == 1 else torch.zeros(2, dtype=dt)},
               path)
    for weights_only in (True, False):
        with pytest.raises(pickle.UnpicklingError, match=f"cannot load tensors of dtype torch.{name}") as e:
            jt.load(path, weights_only=weights_only)
        assert "add_safe_globals" not in str(e.value)


@pytest.mark.parametrize("name", ["float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "uint16", "uint32",
                                  "uint64"])
def test_ml_dtypes_and_unsigned_files_load(name, tmp_path):
    path = tmp_path / "f.pt"
    want = torch.tensor([0.5, 1.0, 2.0, 4.0]).to(getattr(torch, name))
    torch.save({"t": want, "v": want[1:3]}, path)
    got = jt.load(path)
    assert str(got["t"].dtype) == str(want.dtype)
    np.testing.assert_array_equal(got["t"].float().numpy(), want.float().numpy())
    assert got["v"].storage_offset() == 1 and _same_storage(got, ("t", "v"))


# --------------------------------------------------------------------------------------------- amplification
_CHILD = textwrap.dedent("""
    import resource, sys
    import jaxtorch as torch
    torch.ones(2).add(1)  # backend up before the baseline
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        out = torch.load(sys.argv[1])
        print("loaded", len(out))
    except Exception as e:
        print("refused", type(e).__mro__[1].__name__ if type(e).__name__.startswith("_") else type(e).__name__,
              str(e)[:300])
    print("grew_mb", (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
""")


def _load_in_child(path, env=None, cap_gb=2):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap_gb << 30, cap_gb << 30))

    r = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=180,
                       preexec_fn=limit, env={**os.environ, **(env or {})})
    assert r.returncode == 0, r.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in r.stdout.strip().splitlines())
    return lines, int(lines["grew_mb"])


def test_many_views_of_one_storage_cost_one_storage(tmp_path):
    # 200 overlapping views of one 4 MiB storage: torch loads views; so do we (each view's bytes are derived only
    # when it is read)
    path = tmp_path / "views.pt"
    base = torch.randn(1 << 20)
    torch.save([base[i:] for i in range(200)], path)
    out, grew = _load_in_child(path)
    assert out.get("loaded") == "200"
    assert grew < 64, f"load grew RSS by {grew} MB for a 4 MiB storage"


def test_expanded_tensors_are_bounded_by_what_the_file_holds(tmp_path):
    # eight stride-0 tensors of 2**28 elements from a 4-byte storage: torch keeps them as views; jaxtorch has no
    # stride-0 storage, so it refuses instead of allocating 8 GiB (and never allocates on the way)
    path = tmp_path / "expand.pt"
    torch.save({f"e{i}": torch.zeros(1).expand(2**28) for i in range(8)}, path)
    assert os.path.getsize(path) < 8192
    out, grew = _load_in_child(path)
    assert out["refused"].startswith("UnpicklingError") and "refusing to materialise" in out["refused"]
    assert grew < 64
    # a small expansion (a saved position_ids-style buffer) loads, with torch's strides, values and storage
    small = tmp_path / "small.pt"
    want = {"pos": torch.arange(512).expand(4, -1)}
    torch.save(want, small)
    got = jt.load(small)
    assert _layout(got["pos"]) == _layout(want["pos"])
    np.testing.assert_array_equal(got["pos"].numpy(), want["pos"].numpy())


def test_expansion_limit_can_be_raised_for_trusted_files(tmp_path):
    path = tmp_path / "mid.pt"
    torch.save({"e": torch.ones(2).expand(12 << 20, 2)}, path)  # 96 MiB once materialised
    out, _ = _load_in_child(path)
    assert "refused" in out
    out, grew = _load_in_child(path, env={"JAXTORCH_LOAD_MAX_EXPANSION_BYTES": str(1 << 30)})
    assert out.get("loaded") == "1"
