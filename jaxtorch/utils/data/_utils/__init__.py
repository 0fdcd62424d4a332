"""DataLoader internals: collation, worker processes, fetchers."""

from . import collate, worker  # noqa: F401
