"""The one switch the dispatcher consults: the active compile observer (None outside compile).

Kept in its own tiny module so the eager hot path pays a single attribute read for it."""

observer = None
