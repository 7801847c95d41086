"""Study files: TOML → validated, immutable :class:`Study` spec with a stable hash.

A study file names the teacher, the data, the students (widths, seeds,
methods), per-method training settings, the pruning threshold and how to run.
Every table rejects unknown keys; every bad value raises one
:class:`~phasetrans.errors.ConfigError` whose one-line message names the
field, the value and what is allowed. Defaults are the reference setup of the
paper (Giambagli et al., NeurIPS 2023).

Example
-------
.. code-block:: toml

    name = "quick"
    [teacher]
    widths = [8]
    [students]
    widths = [16, 32]
    seeds = [0, 1, 2, 3]
    methods = ["spectral", "direct"]
    [training.spectral]
    epochs = 300
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from phasetrans.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "METHOD_DEFAULTS",
    "DataSpec",
    "PruningSpec",
    "RunSpec",
    "StudentsSpec",
    "Study",
    "TeacherSpec",
    "TrainingSpec",
    "load_study",
    "parse_study",
]

Method = Literal["spectral", "direct", "group_lasso"]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]

#: Per-method training defaults (the authors' configuration; the group-lasso
#: coefficient is ours, the paper has no such baseline).
METHOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "spectral": {"lr": 0.005, "batch_size": 300},
    "direct": {"lr": 0.002, "batch_size": 500},
    "group_lasso": {"lr": 0.002, "batch_size": 500, "group_lasso": 1e-3},
}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeacherSpec(_Spec):
    """The teacher network(s): one study may scan several teacher widths ``h_T``."""

    kind: Literal["regression", "classification"] = "regression"
    input_dim: PositiveInt = 10
    widths: Annotated[list[PositiveInt], Field(min_length=1)] = [20]
    hidden2: PositiveInt = 20
    seed: NonNegativeInt = 0

    _unique = field_validator("widths")(lambda v: _unique_sorted(v))


class DataSpec(_Spec):
    """Training and test sets drawn from ``N(0, I_d)`` and labelled by the teacher."""

    n_train: PositiveInt = 10_000
    n_test: PositiveInt = 10_000
    seed: NonNegativeInt = 1
    shuffle_seed: NonNegativeInt = 2


class StudentsSpec(_Spec):
    """Student widths, seeds (one student per seed) and training methods."""

    widths: Annotated[list[PositiveInt], Field(min_length=1)]
    seeds: Annotated[list[NonNegativeInt], Field(min_length=1)]
    methods: Annotated[list[Method], Field(min_length=1)] = ["spectral", "direct"]
    train_lambda_in: bool = False

    _unique = field_validator("widths", "seeds")(lambda v: _unique_sorted(v))

    @field_validator("methods")
    @classmethod
    def _methods_unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("must not repeat a method")
        return v


class TrainingSpec(_Spec):
    """Training settings of one method (Adam, Keras-style L2 ``c · Σ x²``)."""

    lr: Annotated[float, Field(gt=0)] = 0.005
    batch_size: PositiveInt = 300
    epochs: NonNegativeInt = 2000
    l2_eigenvalues: Annotated[float, Field(ge=0)] = 5e-4
    l2_eigenvectors: Annotated[float, Field(ge=0)] = 0.01
    l2_dense: Annotated[float, Field(ge=0)] = 0.0
    group_lasso: Annotated[float, Field(ge=0)] = 0.0
    log_every: PositiveInt = 10


class PruningSpec(_Spec):
    """Effective-dimension threshold on ``r_i / max r``."""

    threshold: Annotated[float, Field(gt=0, lt=1)] = 0.05


class RunSpec(_Spec):
    """How the study runs.

    ``seed_block`` (seeds per task) and ``retries`` do not change the numbers;
    ``dtype``, ``device`` and ``threads`` (torch threads per task) do, at
    least at the last bit.
    """

    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["float32", "float64"] = "float32"
    seed_block: PositiveInt = 8
    retries: NonNegativeInt = 1
    threads: PositiveInt = 1


class Study(_Spec):
    """A validated study; build it with :func:`load_study` or :func:`parse_study`.

    Attributes
    ----------
    name : str
        Study name; the dataset defaults to ``data/<name>.nc``.
    training : dict of str to TrainingSpec
        One entry for every method in ``students.methods``: the method's
        defaults (:data:`METHOD_DEFAULTS`) updated by the file's
        ``[training.<method>]`` table.
    source : str
        The TOML text the study was read from (stored in the dataset).
    """

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    output: str | None = None
    teacher: TeacherSpec = TeacherSpec()
    data: DataSpec = DataSpec()
    students: StudentsSpec
    training: dict[Method, TrainingSpec] = {}
    pruning: PruningSpec = PruningSpec()
    run: RunSpec = RunSpec()
    source: str = Field(default="", exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _fill_training(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        students = data.get("students")
        methods = (
            students.get("methods", ["spectral", "direct"]) if isinstance(students, dict) else []
        )
        given = data.get("training", {})
        if not isinstance(given, dict):
            return data
        training = {}
        for method in [*methods, *given]:
            if not isinstance(method, str) or method in training:
                continue
            table = given.get(method, {})
            if isinstance(table, dict):
                training[method] = {**METHOD_DEFAULTS.get(method, {}), **table}
            else:
                training[method] = table
        return {**data, "training": training}

    @model_validator(mode="after")
    def _training_matches_methods(self) -> Study:
        extra = set(self.training) - set(self.students.methods)
        if extra:
            raise ValueError(
                f"[training.{sorted(extra)[0]}] given but students.methods is "
                f"{self.students.methods}; remove the table or add the method"
            )
        return self

    @property
    def output_path(self) -> Path:
        """Where the combined dataset goes (``data/<name>.nc`` unless ``output`` is set)."""
        return Path(self.output) if self.output else Path("data") / f"{self.name}.nc"

    def content(self) -> dict[str, Any]:
        """The part of the spec that determines the numbers (what the hash covers).

        Excludes ``name``, ``description``, ``output`` and the ``run`` settings that
        only change how the work is scheduled (``seed_block``, ``retries``);
        ``threads`` stays in, since the thread count changes float reductions.
        """
        dump = self.model_dump(mode="json", exclude={"name", "description", "output", "source"})
        dump["run"] = {"dtype": self.run.dtype, "threads": self.run.threads}
        return dump

    @property
    def hash(self) -> str:
        """Stable 16-hex-digit SHA-256 of :meth:`content` (canonical JSON)."""
        text = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _unique_sorted(values: list[int]) -> list[int]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return sorted(values)


def _describe(error: dict[str, Any], data: Any) -> str:
    """One line for pydantic's first error: field, value, what is allowed."""
    loc = [str(p) for p in error["loc"]]
    kind = error["type"]
    parts: list[str] = []
    for p in loc:
        if p.isdigit() and parts:
            parts[-1] += f"[{p}]"
        else:
            parts.append(p)
    field = ".".join(parts) or "<study>"
    if kind == "extra_forbidden":
        owner = _model_at(loc[:-1])
        allowed = ", ".join(owner.model_fields) if owner else "see the documentation"
        return f"unknown key {field!r}; allowed keys here: {allowed}"
    if kind == "missing":
        return f"{field} is required but missing"
    value = error.get("input")
    msg = error["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if not loc:
        return msg
    if loc[-1] == "[key]":
        field = field.removesuffix(".[key]")
        return f"{field} is not allowed: {msg[0].lower()}{msg[1:]}"
    return f"{field} = {value!r} is invalid: {msg[0].lower()}{msg[1:]}"


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Study
    for i, key in enumerate(loc):
        if model is None:
            return None
        if model is Study and key == "training":
            return TrainingSpec if len(loc) == i + 2 else None
        info = model.model_fields.get(key)
        if info is None:
            return None
        ann = info.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return model


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
        raise ConfigError(f"{source}: {_describe(exc.errors()[0], data)}") from None
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
    return parse_study(path.read_text(), source=str(path))
