"""torch.hub offline: cache directories, cached checkpoints and hubconf repos, against real torch.hub."""

from __future__ import annotations

import hashlib
import os
import textwrap
import zipfile

import numpy as np
import pytest
import torch
import torch.hub as th

import jaxtorch
import jaxtorch.hub as jh

URL = "https://download.example.invalid/models/tiny-{}.pth"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private TORCH_HOME; set_dir state of both libraries reset around the test."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(th, "_hub_dir", None)
    monkeypatch.setattr(jh, "_hub_dir", None)
    return tmp_path / "torch_home"


@pytest.mark.parametrize(
    "env",
    [
        {"TORCH_HOME": "{tmp}/th"},
        {"XDG_CACHE_HOME": "{tmp}/xdg"},
        {"TORCH_HOME": "~/relative_th", "XDG_CACHE_HOME": "{tmp}/ignored"},
        {},
    ],
)
def test_get_dir_like_torch(env, tmp_path, monkeypatch):
    monkeypatch.setattr(th, "_hub_dir", None)
    monkeypatch.setattr(jh, "_hub_dir", None)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("TORCH_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value.format(tmp=tmp_path))
    assert jh.get_dir() == th.get_dir()
    assert jh._get_torch_home() == th._get_torch_home()
    th.set_dir("~/custom_hub")
    jh.set_dir("~/custom_hub")
    assert jh.get_dir() == th.get_dir() == str(tmp_path / "home" / "custom_hub")


def _state_dict():
    return {
        "weight": torch.arange(6, dtype=torch.float32).reshape(2, 3),
        "bias": torch.tensor([0.5, -1.0]),
        "steps": torch.tensor(7),
    }


def _cache_checkpoint(home, obj=None, **save_kw):
    """torch.save a checkpoint into the hub cache under torchvision-style name `<stem>-<sha256 prefix>.pth`."""
    ckpt_dir = home / "hub" / "checkpoints"
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    tmp = ckpt_dir / "tmp.pth"
    torch.save(_state_dict() if obj is None else obj, tmp, **save_kw)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    name = f"tiny-{digest[:8]}.pth"
    tmp.rename(ckpt_dir / name)
    return URL.format(digest[:8]), ckpt_dir / name


def _assert_same_state(t_sd, j_sd):
    assert list(t_sd) == list(j_sd)
    for k in t_sd:
        assert isinstance(j_sd[k], jaxtorch.Tensor)
        assert str(t_sd[k].dtype) == repr(j_sd[k].dtype) and tuple(t_sd[k].shape) == tuple(j_sd[k].shape)
        np.testing.assert_array_equal(np.asarray(j_sd[k]._value()), t_sd[k].numpy())


@pytest.mark.parametrize("weights_only", [True, False])
def test_load_state_dict_from_url_reads_torchs_cache(home, weights_only):
    url, _ = _cache_checkpoint(home)
    kw = dict(map_location="cpu", check_hash=True, weights_only=weights_only, progress=False)
    _assert_same_state(th.load_state_dict_from_url(url, **kw), jh.load_state_dict_from_url(url, **kw))
    assert jaxtorch.utils.model_zoo.load_url is jh.load_state_dict_from_url


def test_file_name_and_model_dir(home, tmp_path):
    url, path = _cache_checkpoint(home)
    other_dir = tmp_path / "elsewhere"
    other_dir.mkdir()
    os.replace(path, other_dir / "renamed.pt")
    kw = dict(model_dir=str(other_dir), file_name="renamed.pt")
    _assert_same_state(
        th.load_state_dict_from_url("https://x.invalid/a/b.pth?query=1", **kw),
        jh.load_state_dict_from_url("https://x.invalid/a/b.pth?query=1", **kw),
    )


def test_hash_mismatch_raises(home):
    url, path = _cache_checkpoint(home)
    bad = path.with_name("tiny-00000000.pth")
    os.replace(path, bad)
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()
    with pytest.raises(RuntimeError, match=f'^invalid hash value \\(expected "00000000", got "{digest}"\\)$'):
        jh.load_state_dict_from_url(URL.format("00000000"), check_hash=True)
    # without check_hash the name is not checked (torch checks only what it downloads)
    assert "weight" in jh.load_state_dict_from_url(URL.format("00000000"))


def test_legacy_zip_checkpoint_like_torch(home):
    ckpt_dir = home / "hub" / "checkpoints"
    ckpt_dir.mkdir(parents=True)
    raw = home / "legacy.pt"
    torch.save(_state_dict(), raw, _use_new_zipfile_serialization=False)
    with zipfile.ZipFile(ckpt_dir / "legacy.zip", "w") as zf:
        zf.write(raw, "legacy.pt")
    with pytest.warns(FutureWarning, match="old format < 1.6"):
        t_sd = th.load_state_dict_from_url("https://x.invalid/legacy.zip", weights_only=True)
    with pytest.warns(FutureWarning, match="old format < 1.6"):
        j_sd = jh.load_state_dict_from_url("https://x.invalid/legacy.zip", weights_only=True)
    _assert_same_state(t_sd, j_sd)


def test_missing_checkpoint_names_the_path_and_never_downloads(home, monkeypatch):
    import urllib.request

    def no_network(*a, **k):
        raise AssertionError("jaxtorch.hub tried to open a URL")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    expected = os.path.join(str(home), "hub", "checkpoints", "resnet18-f37072fd.pth")
    with pytest.raises(FileNotFoundError, match="never downloads") as e:
        jh.load_state_dict_from_url("https://download.pytorch.org/models/resnet18-f37072fd.pth")
    assert expected in str(e.value) and isinstance(e.value, jh.HubDownloadDisabledError)
    with pytest.raises(jh.HubDownloadDisabledError, match=str(home / "out.bin")):
        jh.download_url_to_file("https://x.invalid/file.bin", str(home / "out.bin"), hash_prefix="ab")


HUBCONF = textwrap.dedent('''
    """A tiny hubconf."""
    import os  # noqa: F401
    from helper_module import SCALE

    dependencies = ["os"]


    def tiny(n, scale=1):
        """Build a tiny thing."""
        return {"n": n, "scale": scale * SCALE}


    def needs_missing():
        return None


    def _private():
        return None


    NOT_CALLABLE = 3
''')


def _write_repo(path, deps=None):
    path.mkdir(parents=True)
    text = HUBCONF if deps is None else HUBCONF.replace('dependencies = ["os"]', f"dependencies = {deps!r}")
    (path / "hubconf.py").write_text(text)
    (path / "helper_module.py").write_text("SCALE = 10\n")  # hubconf imports from its own directory
    return path


def test_local_hubconf_like_torch(tmp_path):
    repo = str(_write_repo(tmp_path / "repo"))
    assert jh.load(repo, "tiny", 2, source="local", scale=3) == th.load(repo, "tiny", 2, source="local", scale=3)
    assert repo not in __import__("sys").path  # the directory left sys.path again

    def err(fn):
        with pytest.raises(Exception) as e:
            fn()
        return type(e.value), str(e.value)

    for args, kw in ((("nothing_here",), {}), (("NOT_CALLABLE",), {}), (("tiny", 1), {"source": "GitLab"}), ((3,), {})):
        assert err(lambda: jh.load(repo, *args, **{"source": "local", **kw})) == err(
            lambda: th.load(repo, *args, **{"source": "local", **kw})
        )
    bad = str(_write_repo(tmp_path / "bad", deps=["surely_not_a_module_xyz", "os"]))
    assert err(lambda: jh.load(bad, "tiny", 1, source="local")) == err(lambda: th.load(bad, "tiny", 1, source="local"))


def test_cached_github_repo_like_torch(home, capsys):
    _write_repo(home / "hub" / "someone_tinyrepo_v1.0")
    for hub in (th, jh):
        assert hub.load("someone/tinyrepo:v1.0", "tiny", 4, scale=2) == {"n": 4, "scale": 20}
    err = capsys.readouterr().err
    assert err.count(f"Using cache found in {home / 'hub' / 'someone_tinyrepo_v1.0'}") == 2
    assert jh.list("someone/tinyrepo:v1.0", verbose=False) == th.list("someone/tinyrepo:v1.0", verbose=False)
    assert jh.help("someone/tinyrepo:v1.0", "tiny") == th.help("someone/tinyrepo:v1.0", "tiny") == "Build a tiny thing."
    assert (home / "hub" / "trusted_list").read_text() == ""  # a cached repo counts as trusted: nothing added


def test_github_repo_without_ref_uses_cached_main_or_master(home):
    _write_repo(home / "hub" / "someone_other_master")
    assert jh.load("someone/other", "tiny", 1, verbose=False) == {"n": 1, "scale": 10}
    with pytest.raises(jh.HubDownloadDisabledError, match="someone_absent_main"):
        jh.list("someone/absent")


def test_uncached_github_repo_never_downloads(home):
    with pytest.raises(jh.HubDownloadDisabledError) as e:
        jh.load("someone/tinyrepo:v2", "tiny", 1, trust_repo=True)
    assert str(home / "hub" / "someone_tinyrepo_v2") in str(e.value)
    _write_repo(home / "hub" / "someone_tinyrepo_v2")
    with pytest.raises(jh.HubDownloadDisabledError, match="force_reload"):
        jh.load("someone/tinyrepo:v2", "tiny", 1, force_reload=True)


def test_trust_prompt_like_torch(home, monkeypatch):
    _write_repo(home / "hub" / "someone_tinyrepo_main")
    answers = iter(["n", "maybe", "y"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    with pytest.raises(Exception, match="^Untrusted repository.$"):
        jh.load("someone/tinyrepo:main", "tiny", 1, trust_repo=False)
    with pytest.raises(ValueError, match="Unrecognized response maybe."):
        jh.load("someone/tinyrepo:main", "tiny", 1, trust_repo=False)
    assert jh.load("someone/tinyrepo:main", "tiny", 1, trust_repo=False) == {"n": 1, "scale": 10}
