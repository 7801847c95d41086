"""One error vocabulary for every layer of phasetrans.

Every error is a :class:`PhasetransError`; its message is one line naming the
offending field or argument, the value and what is allowed. The command line
maps the classes to exit codes without reading the message text:

=====================  ==========================================  =========
class                  raised for                                  CLI exit
=====================  ==========================================  =========
:class:`ConfigError`   a study file or a command-line option       2
:class:`StudyError`    a study that cannot run or combine          2
:class:`DataError`     a file that is not a readable study         2
:class:`AnalysisInputError`  an analysis input with the wrong      2
                       dims, coordinates or values
=====================  ==========================================  =========

:class:`PhasetransWarning` is issued for things that do not stop the work but
change what it means: unconverged fits, failed bootstrap resamples, diverged
students excluded from an average.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AnalysisInputError",
    "ConfigError",
    "DataError",
    "PhasetransError",
    "PhasetransWarning",
    "StudyError",
]


class PhasetransError(Exception):
    """Base class of every phasetrans error.

    Parameters
    ----------
    message : str
        One line: the field or argument, the value, what is allowed.
    field : str, optional
        The offending field, argument or option (``"training.spectral.epochs"``,
        ``"size_dim"``, ``"--nu"``), when there is one.
    value : object, optional
        The offending value.
    """

    def __init__(self, message: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


class ConfigError(PhasetransError, ValueError):
    """A study file or an option is invalid."""


class StudyError(PhasetransError, RuntimeError):
    """A study cannot run or be combined (lock held, stale parts, failed tasks)."""


class DataError(PhasetransError, OSError):
    """A file is missing, unreadable, or not a phasetrans study dataset."""


class AnalysisInputError(PhasetransError, ValueError):
    """An analysis input has the wrong dimensions, coordinates or values."""


class PhasetransWarning(UserWarning):
    """Warning issued by phasetrans itself (the test suite turns it into an error)."""
