"""torch.save and the path it is given: an atomic replace only where that is what a plain write would leave (a
regular file with one link, in a writable directory); symlinks, hard links and devices are written through, as
torch does; nothing is left behind by a save that dies half-way."""

import os
import stat

import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch import serialization as ser

X = np.arange(12, dtype=np.float32).reshape(3, 4)


def _both_save(lib, path, value):
    lib.save(lib.tensor(value), path)


def _loaded(path):
    return torch.load(path).numpy()


def test_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path):
    p = tmp_path / "w.pt"
    p.write_bytes(b"old")
    os.chmod(p, 0o640)
    ino = os.stat(p).st_ino
    jaxtorch.save(jaxtorch.tensor(X), p)
    assert os.stat(p).st_ino != ino and stat.S_IMODE(os.stat(p).st_mode) == 0o640
    np.testing.assert_array_equal(_loaded(p), X)
    assert sorted(os.listdir(tmp_path)) == ["w.pt"]


@pytest.mark.parametrize("lib", [torch, jaxtorch], ids=["torch", "jaxtorch"])
def test_symlink_is_written_through(tmp_path, lib):
    target = tmp_path / "real.pt"
    target.write_bytes(b"old")
    link = tmp_path / "link.pt"
    link.symlink_to(target)
    _both_save(lib, link, X)
    assert link.is_symlink() and os.readlink(link) == str(target)
    np.testing.assert_array_equal(_loaded(target), X)


@pytest.mark.parametrize("lib", [torch, jaxtorch], ids=["torch", "jaxtorch"])
def test_hard_link_stays_shared(tmp_path, lib):
    a, b = tmp_path / "a.pt", tmp_path / "b.pt"
    a.write_bytes(b"old")
    os.link(a, b)
    _both_save(lib, a, X)
    assert os.stat(a).st_ino == os.stat(b).st_ino and os.stat(a).st_nlink == 2
    np.testing.assert_array_equal(_loaded(b), X)


def test_character_device_stays_a_device(tmp_path):
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null look-alike
    except (PermissionError, OSError) as e:
        pytest.skip(f"cannot create a character device here: {e}")
    for lib in (torch, jaxtorch):
        _both_save(lib, dev, X)
        assert stat.S_ISCHR(os.lstat(dev).st_mode), lib.__name__


def test_unwritable_directory_writes_through_to_a_writable_file(tmp_path, monkeypatch):
    p = tmp_path / "w.pt"
    p.write_bytes(b"old")
    ino = os.stat(p).st_ino
    real_access = os.access
    monkeypatch.setattr(ser.os, "access", lambda q, m, **kw: False if os.fspath(q) == str(tmp_path) and m & os.W_OK
                        else real_access(q, m, **kw))
    jaxtorch.save(jaxtorch.tensor(X), p)
    assert os.stat(p).st_ino == ino  # written in place: a rename would need the directory
    np.testing.assert_array_equal(_loaded(p), X)


def test_no_named_temporary_exists_while_writing(tmp_path, monkeypatch):
    """A SIGKILL at any moment of the write leaves the directory as it was: the data goes to an unnamed file
    (O_TMPFILE) that gets a name only once complete."""
    if not hasattr(os, "O_TMPFILE"):
        pytest.skip("no O_TMPFILE on this platform")
    p = tmp_path / "w.pt"
    p.write_bytes(b"old")
    seen = []
    real = ser._save_to

    def spy(obj, fh, *args):
        real(obj, fh, *args)
        seen.append(sorted(os.listdir(tmp_path)))

    monkeypatch.setattr(ser, "_save_to", spy)
    jaxtorch.save(jaxtorch.tensor(X), p)
    assert seen == [["w.pt"]]
    assert sorted(os.listdir(tmp_path)) == ["w.pt"]
    np.testing.assert_array_equal(_loaded(p), X)


def test_a_failed_save_leaves_the_old_file_and_nothing_else(tmp_path, monkeypatch):
    p = tmp_path / "w.pt"
    p.write_bytes(b"old")

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ser, "_save_to", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        jaxtorch.save(jaxtorch.tensor(X), p)
    assert p.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["w.pt"]
