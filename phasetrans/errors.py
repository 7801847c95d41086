"""Exceptions and warnings raised by phasetrans."""

from __future__ import annotations

__all__ = ["ConfigError", "PhasetransWarning", "StudyError"]


class PhasetransWarning(UserWarning):
    """Warning issued by phasetrans itself (the test suite turns it into an error)."""


class ConfigError(ValueError):
    """A study file or argument is invalid.

    The message is one line naming the field, the value and what is allowed.
    """


class StudyError(RuntimeError):
    """A study cannot run or be combined (lock held, stale parts, failed tasks)."""
