"""torchvision.datasets.utils: integrity checks, archive extraction and argument checks — without the network.

jaxtorch never downloads. The download helpers keep torchvision's "already there? then skip" behaviour: a file
that is present (and matches its MD5 when one is given) is used, an archive that is present is extracted as
torchvision would after downloading it; anything missing raises a RuntimeError saying where to put it.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import pathlib
import tarfile
import zipfile
from typing import IO, Any, Callable, Iterable, TypeVar

__all__ = [
    "calculate_md5",
    "check_md5",
    "check_integrity",
    "download_url",
    "download_and_extract_archive",
    "download_file_from_google_drive",
    "extract_archive",
    "list_dir",
    "list_files",
    "iterable_to_str",
    "verify_str_arg",
]

_NEVER = "jaxtorch never downloads (no network access is attempted)"


def calculate_md5(fpath: str | pathlib.Path, chunk_size: int = 1024 * 1024) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str | pathlib.Path, md5: str, **kwargs: Any) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str | pathlib.Path, md5: str | None = None) -> bool:
    """True when the file exists and, if an MD5 is given, matches it."""
    if not os.path.isfile(fpath):
        return False
    return True if md5 is None else check_md5(fpath, md5)


def download_url(
    url: str,
    root: str | pathlib.Path,
    filename: str | pathlib.Path | None = None,
    md5: str | None = None,
    max_redirect_hops: int = 3,
) -> None:
    """Use `root/filename` if it is already there and verified; jaxtorch never fetches `url`."""
    root = os.path.expanduser(root)
    fpath = os.fspath(os.path.join(root, filename or os.path.basename(url)))
    if check_integrity(fpath, md5):
        return
    state = "does not match its MD5" if os.path.isfile(fpath) else "is not there"
    raise RuntimeError(f"{_NEVER}: {fpath} {state}. Fetch {url} yourself and put it there.")


def download_file_from_google_drive(
    file_id: str, root: str | pathlib.Path, filename: str | pathlib.Path | None = None, md5: str | None = None
) -> None:
    root = os.path.expanduser(root)
    fpath = os.fspath(os.path.join(root, filename or file_id))
    if check_integrity(fpath, md5):
        return
    raise RuntimeError(
        f"{_NEVER}: {fpath} is not there or does not match its MD5. Fetch Google Drive file "
        f"{file_id} yourself and put it there."
    )


def download_and_extract_archive(
    url: str,
    download_root: str | pathlib.Path,
    extract_root: str | pathlib.Path | None = None,
    filename: str | pathlib.Path | None = None,
    md5: str | None = None,
    remove_finished: bool = False,
) -> None:
    """Extract `download_root/filename` if it is already there and verified (never downloads it)."""
    download_root = os.path.expanduser(download_root)
    extract_root = download_root if extract_root is None else extract_root
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


def list_dir(root: str | pathlib.Path, prefix: bool = False) -> list[str]:
    root = os.path.expanduser(root)
    dirs = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, d) for d in dirs] if prefix is True else dirs


def list_files(root: str | pathlib.Path, suffix: str | tuple[str, ...], prefix: bool = False) -> list[str]:
    root = os.path.expanduser(root)
    files = [p for p in os.listdir(root) if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, f) for f in files] if prefix is True else files


# ---------------------------------------------------------------------------------------------------- archives


def _extract_tar(from_path, to_path, compression: str | None) -> None:
    with tarfile.open(from_path, f"r:{compression[1:]}" if compression else "r") as tar:
        tar.extractall(to_path, filter="data")  # no absolute paths, links out of to_path or device files


_ZIP_COMPRESSION = {".bz2": zipfile.ZIP_BZIP2, ".xz": zipfile.ZIP_LZMA}


def _extract_zip(from_path, to_path, compression: str | None) -> None:
    with zipfile.ZipFile(
        from_path, "r", compression=_ZIP_COMPRESSION[compression] if compression else zipfile.ZIP_STORED
    ) as zf:
        zf.extractall(to_path)


_ARCHIVE_EXTRACTORS: dict[str, Callable] = {".tar": _extract_tar, ".zip": _extract_zip}
_OPENERS: dict[str, Callable[..., IO]] = {".bz2": bz2.open, ".gz": gzip.open, ".xz": lzma.open}
_ALIASES = {".tbz": (".tar", ".bz2"), ".tbz2": (".tar", ".bz2"), ".tgz": (".tar", ".gz")}


def _detect_file_type(file: str | pathlib.Path) -> tuple[str, str | None, str | None]:
    """(suffix, archive type, compression) from the file name."""
    suffixes = pathlib.Path(file).suffixes
    if not suffixes:
        raise RuntimeError(
            f"File '{file}' has no suffixes that could be used to detect the archive type and compression."
        )
    suffix = suffixes[-1]
    if suffix in _ALIASES:
        return (suffix, *_ALIASES[suffix])
    if suffix in _ARCHIVE_EXTRACTORS:
        return suffix, suffix, None
    if suffix in _OPENERS:
        if len(suffixes) > 1 and suffixes[-2] in _ARCHIVE_EXTRACTORS:
            return suffixes[-2] + suffix, suffixes[-2], suffix
        return suffix, None, suffix
    valid = sorted(set(_ALIASES) | set(_ARCHIVE_EXTRACTORS) | set(_OPENERS))
    raise RuntimeError(f"Unknown compression or archive type: '{suffix}'.\nKnown suffixes are: '{valid}'.")


def _decompress(from_path, to_path=None, remove_finished: bool = False) -> pathlib.Path:
    suffix, archive_type, compression = _detect_file_type(from_path)
    if not compression:
        raise RuntimeError(f"Couldn't detect a compression from suffix {suffix}.")
    if to_path is None:
        to_path = pathlib.Path(os.fspath(from_path).replace(suffix, archive_type if archive_type is not None else ""))
    with _OPENERS[compression](from_path, "rb") as rfh, open(to_path, "wb") as wfh:
        wfh.write(rfh.read())
    if remove_finished:
        os.remove(from_path)
    return pathlib.Path(to_path)


def extract_archive(
    from_path: str | pathlib.Path, to_path: str | pathlib.Path | None = None, remove_finished: bool = False
) -> str | pathlib.Path:
    """Extract a .tar/.zip (optionally compressed) into to_path, or decompress a .gz/.xz/.bz2 file next to it."""

    def same_kind(p: pathlib.Path) -> str | pathlib.Path:
        return os.fspath(p) if isinstance(from_path, str) else p

    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix, archive_type, compression = _detect_file_type(from_path)
    if not archive_type:
        out = _decompress(
            from_path,
            os.path.join(to_path, os.path.basename(from_path).replace(suffix, "")),
            remove_finished=remove_finished,
        )
        return same_kind(out)
    _ARCHIVE_EXTRACTORS[archive_type](from_path, to_path, compression)
    if remove_finished:
        os.remove(from_path)
    return same_kind(pathlib.Path(to_path))


# ---------------------------------------------------------------------------------------------------- arguments


def iterable_to_str(iterable: Iterable) -> str:
    return "'" + "', '".join(str(item) for item in iterable) + "'"


T = TypeVar("T", str, bytes)


def verify_str_arg(
    value: T, arg: str | None = None, valid_values: Iterable[T] | None = None, custom_msg: str | None = None
) -> T:
    """torchvision's check of a string argument against its allowed values (ValueError otherwise)."""
    if not isinstance(value, str):
        msg = (
            "Expected type str, but got type {type}."
            if arg is None
            else "Expected type str for argument {arg}, but got type {type}."
        )
        raise ValueError(msg.format(type=type(value), arg=arg))
    if valid_values is None:
        return value
    if value not in valid_values:
        msg = (
            custom_msg
            if custom_msg is not None
            else (f"Unknown value '{value}' for argument {arg}. Valid values are {{{iterable_to_str(valid_values)}}}.")
        )
        raise ValueError(msg)
    return value
