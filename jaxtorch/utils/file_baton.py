"""torch.utils.file_baton: a lock between processes made of a file that exists while the lock is held."""

from __future__ import annotations

import os
import time
import warnings

__all__ = ["FileBaton"]


class FileBaton:
    """A lock file: `try_acquire()` creates it atomically (False if it already exists), `wait()` sleeps until it is
    gone, `release()` removes it. `warn_after_seconds` makes `wait()` warn once it has waited that long."""

    def __init__(self, lock_file_path: str, wait_seconds: float = 0.1, warn_after_seconds: float | None = None) -> None:
        self.lock_file_path = lock_file_path
        self.wait_seconds = wait_seconds
        self.fd: int | None = None
        self.warn_after_seconds = warn_after_seconds

    def try_acquire(self) -> bool:
        """Create the lock file if nobody holds it; True on success."""
        try:
            self.fd = os.open(self.lock_file_path, os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return False
        return True

    def wait(self) -> None:
        """Sleep in steps of `wait_seconds` until the lock file is removed."""
        start = time.time()
        warned = False
        while os.path.exists(self.lock_file_path):
            time.sleep(self.wait_seconds)
            if self.warn_after_seconds is not None and not warned and time.time() - start > self.warn_after_seconds:
                warnings.warn(
                    f'Waited on lock file "{self.lock_file_path}" for {self.warn_after_seconds} seconds.', stacklevel=2
                )
                warned = True

    def release(self) -> None:
        """Release the lock: close the file and remove it."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        os.remove(self.lock_file_path)
