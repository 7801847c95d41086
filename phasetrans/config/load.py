"""Reading a study: TOML text or file → validated :class:`~phasetrans.config.study.Study`."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from pydantic import ValidationError

from phasetrans.config.bounds import check_study_bounds
from phasetrans.config.messages import describe_error
from phasetrans.config.study import Study
from phasetrans.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["load_study", "parse_study"]


def parse_study(text: str, *, source: str = "<study>", allow_large: bool = False) -> Study:
    """Parse and validate a study from TOML text.

    Parameters
    ----------
    text : str
        TOML document.
    source : str
        Name used in error messages (usually the file path).
    allow_large : bool
        Lift the bounds of :mod:`phasetrans.config.bounds` (``--allow-large``).

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
    # warnings about a valid study wait until it is valid: a refused study is one line
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            study = Study.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{source}: {describe_error(exc.errors()[0], data)}") from None
        try:
            check_study_bounds(study, allow_large=allow_large)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}", field=exc.field, value=exc.value) from None
    for warning in caught:
        warnings.warn(warning.message, warning.category, stacklevel=2)
    return study.model_copy(update={"source": text})


def load_study(path: str | Path, *, allow_large: bool = False) -> Study:
    """Read and validate a study TOML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The study file.
    allow_large : bool
        Lift the bounds of :mod:`phasetrans.config.bounds` (``--allow-large``).

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
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the study file ({exc.strerror})", field="study", value=path
        ) from None
    study = parse_study(text, source=str(path), allow_large=allow_large)
    return study.model_copy(update={"base_dir": path.resolve().parent})
