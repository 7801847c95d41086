"""Reading a study: TOML text or file → validated :class:`~phasetrans.config.study.Study`."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import ValidationError

from phasetrans.config.messages import describe_error
from phasetrans.config.study import Study
from phasetrans.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["load_study", "parse_study"]


def parse_study(text: str, *, source: str = "<study>") -> Study:
    """Parse and validate a study from TOML text.

    Parameters
    ----------
    text : str
        TOML document.
    source : str
        Name used in error messages (usually the file path).

    Returns
    -------
    Study

    Raises
    ------
    ConfigError
        One line ``"<source>: <field> = <value> is invalid: <what is allowed>"``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {describe_error(exc.errors()[0], data)}") from None
    return study.model_copy(update={"source": text})


def load_study(path: str | Path) -> Study:
    """Read and validate a study TOML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The study file.

    Returns
    -------
    Study

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ConfigError
        If it is not a valid study (one line naming the field and value).
    """
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; give a study TOML file", field="study", value=path)
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file; give a study TOML file") from None
    study = parse_study(text, source=str(path))
    return study.model_copy(update={"base_dir": path.resolve().parent})
