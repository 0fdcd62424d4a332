"""torch.hub, offline: the same cache layout as torch, but jaxtorch never downloads.

Everything reads torch's hub directory (`get_dir()`: `$TORCH_HOME/hub`, `$TORCH_HOME` defaulting to
`$XDG_CACHE_HOME/torch`, that to `~/.cache/torch`), so files real torch fetched, or that a user copies there, are
found where torch would look:
- `load_state_dict_from_url(url)` loads `<hub_dir>/checkpoints/<file name of url>` with `jaxtorch.load`;
- `load / list / help` on a GitHub repo use the repo torch unpacked at `<hub_dir>/<owner>_<repo>_<ref>`;
- `load(dir, model, source='local')` imports `dir/hubconf.py` and calls the entrypoint, as torch does.
When the file or repo is not there, the error says which path was looked at (`HubDownloadDisabledError`, a
FileNotFoundError). `check_hash=True` checks the cached file's sha256 against the hash in its name (torch checks
at download time; here the cached file takes the place of the download).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

try:
    from tqdm import tqdm  # noqa: F401  (torch.hub.tqdm: torchvision imports it from here)
except ImportError:  # pragma: no cover - tqdm is optional, as in torch

    class tqdm:  # type: ignore[no-redef]  # noqa: N801
        """Stand-in progress bar when tqdm is not installed: counts, prints nothing."""

        def __init__(self, total=None, disable=False, unit=None, unit_scale=None, unit_divisor=None):
            self.total, self.n = total, 0

        def update(self, n):
            self.n += n

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass


__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
ENV_GITHUB_TOKEN = "GITHUB_TOKEN"
ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
VAR_DEPENDENCY = "dependencies"
MODULE_HUBCONF = "hubconf.py"
READ_DATA_CHUNK = 128 * 1024
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")
_PATH_SEP_PATTERN = re.compile(r"[/\\]")
_hub_dir: str | None = None

_builtin_list = list  # `list` is an entrypoint name here, as in torch


class HubDownloadDisabledError(FileNotFoundError):
    """Raised where torch.hub would download: jaxtorch reads torch's cache but never fetches anything."""


def _no_download(what: str, path: str) -> HubDownloadDisabledError:
    return HubDownloadDisabledError(
        f"jaxtorch.hub never downloads: {what} is not in the cache (looked for {path}). Download it with real "
        f"torch, or copy the file to that path, and call again."
    )


# ------------------------------------------------------------------------------------------------ directories
def _get_torch_home() -> str:
    return os.path.expanduser(
        os.getenv(ENV_TORCH_HOME, os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "torch"))
    )


def get_dir() -> str:
    """The hub cache directory: the one `set_dir` set, else `$TORCH_HOME/hub` (as torch)."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d: str | os.PathLike) -> None:
    """Use `d` as the hub cache directory from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


# ------------------------------------------------------------------------------------------------ weights
def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """torch downloads `url` to `dst` here; jaxtorch cannot, and says where the file should be put."""
    raise _no_download(f'"{url}"', os.path.expanduser(dst))


def _sha256_prefix_matches(path: str, hash_prefix: str) -> None:
    sha256 = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(READ_DATA_CHUNK), b""):
            sha256.update(chunk)
    digest = sha256.hexdigest()
    if digest[: len(hash_prefix)] != hash_prefix:
        raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')


def _safe_extract_zip(zip_file: zipfile.ZipFile, extract_to: str) -> None:
    """Extract every member, refusing absolute paths and paths that leave `extract_to` (zip-slip)."""
    root = Path(extract_to).resolve(strict=False)
    for member in zip_file.infolist():
        name = os.path.normpath(member.filename)
        if name.startswith(("/", "\\")) or (len(name) >= 2 and name[1] == ":" and name[0].isalpha()):
            raise ValueError(f"Archive entry has absolute path: {member.filename}")
        if ".." in re.split(_PATH_SEP_PATTERN, name):
            raise ValueError(f"Archive entry contains directory traversal: {member.filename}")
        if not (root / name).resolve(strict=False).is_relative_to(root):
            raise ValueError(f"Archive entry escapes target directory: {member.filename}")
        zip_file.extract(member, root)


def _is_legacy_zip_format(filename: str) -> bool:
    # torch before 1.6 zipped a single legacy checkpoint file; the current format is a zip with many records
    if zipfile.is_zipfile(filename):
        with zipfile.ZipFile(filename) as zf:
            infos = zf.infolist()
        return len(infos) == 1 and not infos[0].is_dir()
    return False


def _legacy_zip_load(filename: str, model_dir: str, map_location: Any, weights_only: bool) -> Any:
    from .serialization import load as _load

    warnings.warn(
        "Falling back to the old format < 1.6. This support will be deprecated in favor of default "
        "zipfile format introduced in 1.6. Please redo torch.save() to save it in the new zipfile format.",
        FutureWarning,
        stacklevel=3,
    )
    with zipfile.ZipFile(filename) as f:
        members = f.infolist()
        if len(members) != 1:
            raise RuntimeError("Only one file(not dir) is allowed in the zipfile")
        _safe_extract_zip(f, model_dir)
        extracted = os.path.join(model_dir, members[0].filename)
    return _load(extracted, map_location=map_location, weights_only=weights_only)


def load_state_dict_from_url(
    url: str,
    model_dir: str | None = None,
    map_location: Any = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = False,
) -> dict[str, Any]:
    """Load the checkpoint torch would have cached for `url` (`<model_dir or hub_dir/checkpoints>/<file name>`).

    `progress` only concerns downloads, which never happen here. With `check_hash`, the hex digits after the last
    '-' of the file name must start the file's sha256 (torchvision's weights are named so).
    """
    from .serialization import load as _load

    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        raise _no_download(f'the checkpoint for "{url}"', cached_file)
    if check_hash:
        match = HASH_REGEX.search(filename)
        if match is not None:
            _sha256_prefix_matches(cached_file, match.group(1))
    if _is_legacy_zip_format(cached_file):
        return _legacy_zip_load(cached_file, model_dir, map_location, weights_only)
    return _load(cached_file, map_location=map_location, weights_only=weights_only)


# ------------------------------------------------------------------------------------------------ hubconf repos
@contextlib.contextmanager
def _add_to_sys_path(path: str):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_module(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"failed to load spec from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load_attr_from_module(module, func_name: str):
    if func_name not in dir(module):
        return None
    return getattr(module, func_name)


def _check_dependencies(m) -> None:
    dependencies = _load_attr_from_module(m, VAR_DEPENDENCY)
    if dependencies is not None:
        missing = [pkg for pkg in dependencies if importlib.util.find_spec(pkg) is None]
        if missing:
            raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")


def _load_entry_from_hubconf(m, model: str):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    _check_dependencies(m)
    func = _load_attr_from_module(m, model)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _parse_repo_info(github: str) -> tuple[str, str, str]:
    if ":" in github:
        repo_info, ref = github.split(":")
    else:
        repo_info, ref = github, None
    repo_owner, repo_name = repo_info.split("/")
    if ref is None:
        # torch asks GitHub for the default branch and, offline, takes whichever of main/master is cached
        for candidate in ("main", "master"):
            if os.path.exists(f"{get_dir()}/{repo_owner}_{repo_name}_{candidate}"):
                ref = candidate
                break
        if ref is None:
            base = os.path.join(get_dir(), f"{repo_owner}_{repo_name}")
            raise _no_download(f"the repo {repo_owner}/{repo_name}", f"{base}_main and {base}_master")
    return repo_owner, repo_name, ref


def _check_repo_is_trusted(repo_owner: str, repo_name: str, owner_name_branch: str, trust_repo: Any) -> None:
    hub_dir = get_dir()
    filepath = os.path.join(hub_dir, "trusted_list")
    if not os.path.exists(filepath):
        Path(filepath).touch()
    with open(filepath) as file:
        trusted_repos = tuple(line.strip() for line in file)
    # a repo already in the cache counts as trusted (torch's rule for repos cached before the trust list existed)
    cached_repos = next(os.walk(hub_dir))[1]
    owner_name = "_".join([repo_owner, repo_name])
    is_trusted = owner_name in trusted_repos or owner_name_branch in cached_repos or repo_owner in _TRUSTED_REPO_OWNERS
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(
            f"The repository {owner_name} does not belong to the list of trusted repositories and as "
            "such cannot be downloaded. Do you trust this repository and wish to add it to the trusted "
            "list of repositories (y/N)?"
        )
        if response.lower() in ("y", "yes"):
            if is_trusted:
                print("The repository is already trusted.")
        elif response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")  # torch raises a bare Exception here
        else:
            raise ValueError(f"Unrecognized response {response}.")
    if not is_trusted:
        with open(filepath, "a") as file:
            file.write(owner_name + "\n")


def _get_cache_or_reload(
    github: str, force_reload: bool, trust_repo: Any, verbose: bool = True, skip_validation: bool = False
) -> str:
    """The cached repo directory for `github` ('owner/repo[:ref]'); `skip_validation` concerns downloads only."""
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    repo_owner, repo_name, ref = _parse_repo_info(github)
    owner_name_branch = "_".join([repo_owner, repo_name, ref.replace("/", "_")])
    repo_dir = os.path.join(hub_dir, owner_name_branch)
    if force_reload:
        raise _no_download(f"a fresh copy of {repo_owner}/{repo_name}:{ref} (force_reload=True)", repo_dir)
    if not os.path.exists(repo_dir):
        raise _no_download(f"the repo {repo_owner}/{repo_name}:{ref}", repo_dir)
    _check_repo_is_trusted(repo_owner, repo_name, owner_name_branch, trust_repo=trust_repo)
    if verbose:
        sys.stderr.write(f"Using cache found in {repo_dir}\n")
    return repo_dir


def _hub_module(repo_dir: str):
    with _add_to_sys_path(repo_dir):
        return _import_module(MODULE_HUBCONF, os.path.join(repo_dir, MODULE_HUBCONF))


def list(
    github: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo: Any = "check",
    verbose: bool = True,
) -> _builtin_list:
    """The public callables of the cached repo's hubconf.py."""
    repo_dir = _get_cache_or_reload(github, force_reload, trust_repo, verbose=verbose, skip_validation=skip_validation)
    hub_module = _hub_module(repo_dir)
    return [f for f in dir(hub_module) if callable(getattr(hub_module, f)) and not f.startswith("_")]


def help(
    github: str, model: str, force_reload: bool = False, skip_validation: bool = False, trust_repo: Any = "check"
) -> str | None:
    """The docstring of entrypoint `model` of the cached repo's hubconf.py."""
    repo_dir = _get_cache_or_reload(github, force_reload, trust_repo, verbose=True, skip_validation=skip_validation)
    return _load_entry_from_hubconf(_hub_module(repo_dir), model).__doc__


def _load_local(hubconf_dir: str, model: str, *args, **kwargs) -> Any:
    with _add_to_sys_path(hubconf_dir):
        hub_module = _import_module(MODULE_HUBCONF, os.path.join(hubconf_dir, MODULE_HUBCONF))
        entry = _load_entry_from_hubconf(hub_module, model)
        return entry(*args, **kwargs)


def load(
    repo_or_dir: str,
    model: str,
    *args,
    source: str = "github",
    trust_repo: Any = "check",
    force_reload: bool = False,
    verbose: bool = True,
    skip_validation: bool = False,
    **kwargs,
) -> Any:
    """Call entrypoint `model` of a hubconf.py: in directory `repo_or_dir` (source='local') or in the cached
    GitHub repo 'owner/repo[:ref]' (source='github'), with `*args, **kwargs`."""
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        repo_or_dir = _get_cache_or_reload(
            repo_or_dir, force_reload, trust_repo, verbose=verbose, skip_validation=skip_validation
        )
    return _load_local(repo_or_dir, model, *args, **kwargs)
