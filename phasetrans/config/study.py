"""Study files: TOML → validated, immutable :class:`Study` spec with a stable hash.

A study file names the teacher, the data, the students (widths, seeds,
methods), per-method training settings, the pruning threshold and how to run.
Every table rejects unknown keys; every bad value raises one
:class:`~phasetrans.errors.ConfigError` whose one-line message names the
field, the value and what is allowed. Defaults are the reference setup of the
paper (Giambagli et al., NeurIPS 2023).

Sweeps
------
``teacher.seeds``, ``teacher.input_dim``, ``data.n_train`` (or ``data.alpha``)
and ``training.<method>.l2_eigenvalues`` may each be a list instead of a single
value. **A list becomes a dataset dimension named after the field**
(``teacher_seed``, ``input_dim``, ``n_train`` / ``alpha``,
``l2_eigenvalues``), even a list of one; a single value adds no dimension (the
teacher seed, input dimension and ``n_train`` / ``alpha`` are then scalar
coordinates of the dataset). Tasks are the cartesian product of the lists with
the teacher widths, student widths and blocks of student seeds.

Each teacher seed draws its own teacher *and its own data*: with
``teacher.seeds``, the data of teacher seed ``t`` are drawn with the seed
``numpy.random.SeedSequence([data.seed, t]).generate_state(1)[0]``; with the
single-value form ``teacher.seed`` the data seed is ``data.seed`` itself (so
existing studies keep their numbers). With ``data.alpha`` the training-set size
of a cell is ``n_train = round(alpha · input_dim · h_T)`` (examples per teacher
first-layer parameter, so sizes are comparable).

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
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from phasetrans.errors import ConfigError, PhasetransWarning

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "BUDGETS",
    "METHOD_DEFAULTS",
    "DataSpec",
    "PruningSpec",
    "RecordSpec",
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
PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]

#: Per-method training defaults (the authors' configuration; the group-lasso
#: coefficient is ours, the paper has no such baseline).
METHOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "spectral": {"lr": 0.005, "batch_size": 300},
    "direct": {"lr": 0.002, "batch_size": 500},
    "group_lasso": {"lr": 0.002, "batch_size": 500, "group_lasso": 1e-3},
}

#: The budgets of a training run; exactly one is given (``epochs`` by default).
BUDGETS = ("epochs", "steps", "samples")
#: Epochs of a study that gives no budget (the authors' configuration).
DEFAULT_EPOCHS = 2000
#: Initial ``Q_ii = |w_i|² / N`` of committee students (``students.init_q``).
COMMITTEE_INIT_Q = 0.5

#: Sweep dimensions in the order they appear in a dataset (after ``training``).
SWEEP_DIMS = ("teacher_seed", "input_dim", "n_train", "alpha", "l2_eigenvalues")


class _Spec(BaseModel):
    # strict: "2" or true is not an integer; TOML gives every value its own type
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _values(value: Any) -> list[Any]:
    """A sweep field's values: the list itself, or the single value as a list of one."""
    return list(value) if isinstance(value, list) else [value]


def _unique_sorted(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return sorted(values)


def _sweep(value: Any) -> Any:
    return _unique_sorted(value) if isinstance(value, list) else value


class TeacherSpec(_Spec):
    """The teacher network(s): one study may scan several teacher widths ``h_T``.

    ``seed`` (one teacher) or ``seeds`` (a list: the disorder average over
    teachers, dimension ``teacher_seed``); ``input_dim`` may be a list.
    """

    kind: Literal["regression", "classification", "committee"] = "regression"
    input_dim: PositiveInt | Annotated[list[PositiveInt], Field(min_length=1)] = 10
    widths: Annotated[list[PositiveInt], Field(min_length=1)] = [20]
    hidden2: PositiveInt = 20
    seed: NonNegativeInt = 0
    seeds: Annotated[list[NonNegativeInt], Field(min_length=1)] | None = None
    activation: Literal["relu", "erf"] = "relu"
    orthogonal: bool = False

    _unique = field_validator("widths")(lambda v: _unique_sorted(v))
    _sweeps = field_validator("input_dim", "seeds")(lambda v: _sweep(v))

    @model_validator(mode="after")
    def _one_seed_form(self) -> TeacherSpec:
        if self.seeds is not None and "seed" in self.model_fields_set:
            raise ValueError("give teacher.seed (one teacher) or teacher.seeds (a list), not both")
        given = self.model_fields_set
        if self.kind == "committee":
            if "hidden2" in given:
                raise ValueError(
                    "a committee teacher has no second hidden layer: remove teacher.hidden2"
                )
            widest, narrowest = max(self.widths), min(_values(self.input_dim))
            if widest > narrowest:
                raise ValueError(
                    f"a committee teacher needs h_T <= input_dim: widths has {widest} "
                    f"and input_dim has {narrowest}"
                )
        else:
            for name in ("activation", "orthogonal"):
                if name in given:
                    raise ValueError(
                        f"teacher.{name} is for committee teachers (kind = 'committee'), "
                        f"not kind = {self.kind!r}"
                    )
        return self

    @property
    def committee(self) -> bool:
        """True for the soft committee machine ``y = Σ_m g(B_m · x / √N)``."""
        return self.kind == "committee"

    @property
    def seed_values(self) -> list[int]:
        """The teacher seeds of the study (``[seed]`` in the single-value form)."""
        return list(self.seeds) if self.seeds is not None else [self.seed]


class DataSpec(_Spec):
    """Training and test sets drawn from ``N(0, I_d)`` and labelled by the teacher.

    Give ``n_train`` or ``alpha`` (``n_train = round(alpha · input_dim · h_T)``),
    each a number or a list; without either, ``n_train`` is 10 000.
    """

    n_train: PositiveInt | Annotated[list[PositiveInt], Field(min_length=1)] | None = None
    alpha: PositiveFloat | Annotated[list[PositiveFloat], Field(min_length=1)] | None = None
    n_test: PositiveInt = 10_000
    seed: NonNegativeInt = 1
    shuffle_seed: NonNegativeInt = 2
    online: bool = False
    nested: bool | None = None

    _sweeps = field_validator("n_train", "alpha")(lambda v: _sweep(v))

    @model_validator(mode="before")
    @classmethod
    def _train_size(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if data.get("online") is True:
                for name in ("n_train", "alpha", "nested"):
                    if name in data:
                        raise ValueError(
                            f"data.{name} is not allowed with data.online = true: online "
                            "learning draws a fresh batch every step (no training set); "
                            "give the budget as training.<method>.steps or .samples"
                        )
                return data
            if data.get("n_train") is not None and data.get("alpha") is not None:
                raise ValueError("give data.n_train or data.alpha, not both")
            if data.get("n_train") is None and data.get("alpha") is None:
                return {**data, "n_train": 10_000}
        return data


class StudentsSpec(_Spec):
    """Student widths, seeds (one student per seed) and training methods.

    Students of a committee teacher have its form, ``input → (spectral) hidden
    W → readout`` with pre-activations ``w_i · x / √N``: ``readout`` is
    ``"sum"`` (fixed unit weights, the default) or ``"trained"`` (initialised
    at 1), ``activation`` defaults to the teacher's, and ``init_q`` is the
    initial squared norm per input ``Q_ii = |w_i|² / N`` (default
    :data:`COMMITTEE_INIT_Q`), drawn as ``φ ~ N(0, init_q)``. The three are
    refused for the other teacher kinds.
    """

    widths: Annotated[list[PositiveInt], Field(min_length=1)]
    seeds: Annotated[list[NonNegativeInt], Field(min_length=1)]
    methods: Annotated[list[Method], Field(min_length=1)] = ["spectral", "direct"]
    train_lambda_in: bool = False
    readout: Literal["sum", "trained"] | None = None
    activation: Literal["relu", "erf"] | None = None
    init_q: PositiveFloat | None = None

    _unique = field_validator("widths", "seeds")(lambda v: _unique_sorted(v))

    @field_validator("methods")
    @classmethod
    def _methods_unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("must not repeat a method")
        return v


class StopSpec(_Spec):
    """Stop a student once converged (off unless ``[training.<method>.stop]`` is given).

    A member stops when, over the last ``patience`` epochs, its effective
    dimension has not changed and its training loss improved by less than
    ``tol`` (relative).
    """

    patience: PositiveInt
    tol: PositiveFloat = 1e-4


class TrainingSpec(_Spec):
    """Training settings of one method (Adam or SGD, Keras-style L2 ``c · Σ x²``).

    ``l2_eigenvalues`` may be a list (a sweep dimension). ``step`` picks the
    training step: ``reference`` (plain autograd), ``fast`` or ``auto``.

    The budget is exactly one of ``epochs`` (passes over the training set; the
    default, 2000), ``steps`` (optimiser steps) or ``samples`` (examples seen:
    the run lasts the fewest steps that see at least that many). The batch is
    ``batch_size`` (a number, or ``"full"`` for the whole training set) or
    ``batches_per_epoch = k`` (fixed steps per epoch: each epoch's shuffled
    order is split into exactly ``k`` near-equal batches, so every cell of an
    α sweep takes the same number of steps per epoch). ``lr_scaling =
    "inverse_input_dim"`` divides the SGD learning rate by ``N``.
    """

    lr: PositiveFloat = 0.005
    batch_size: PositiveInt | Literal["full"] | None = 300
    epochs: NonNegativeInt | None = 2000
    steps: PositiveInt | None = None
    samples: PositiveInt | None = None
    batches_per_epoch: PositiveInt | None = None
    optimizer: Literal["adam", "sgd"] = "adam"
    lr_scaling: Literal["none", "inverse_input_dim"] = "none"
    l2_eigenvalues: NonNegativeFloat | Annotated[list[NonNegativeFloat], Field(min_length=1)] = 5e-4
    l2_eigenvectors: NonNegativeFloat = 0.01
    l2_dense: NonNegativeFloat = 0.0
    group_lasso: NonNegativeFloat = 0.0
    log_every: PositiveInt = 10
    step: Literal["auto", "fast", "reference", "member"] = "auto"
    stop: StopSpec | None = None

    _sweeps = field_validator("l2_eigenvalues")(lambda v: _sweep(v))

    @model_validator(mode="before")
    @classmethod
    def _one_budget(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        budgets = [k for k in BUDGETS if data.get(k) is not None]
        if len(budgets) > 1:
            raise ValueError(
                f"give one budget of {', '.join(BUDGETS)}; got {' and '.join(budgets)}"
            )
        if not budgets:
            data = {**data, "epochs": DEFAULT_EPOCHS}
        else:
            data = {**data, **{k: data.get(k) for k in BUDGETS}}
        return data

    @model_validator(mode="after")
    def _optimizer_rules(self) -> TrainingSpec:
        if self.optimizer == "adam" and self.lr_scaling != "none":
            raise ValueError(
                f"lr_scaling = {self.lr_scaling!r} applies to optimizer = 'sgd'; under Adam "
                "the step size does not scale with the gradient: use lr_scaling = 'none'"
            )
        if self.optimizer == "sgd" and self.step == "fast":
            raise ValueError("step = 'fast' implements Adam only; use step = 'reference' or 'auto'")
        return self

    @property
    def budget(self) -> tuple[str, int]:
        """``(kind, value)`` of the budget: ``epochs``, ``steps`` or ``samples``."""
        for kind in BUDGETS:
            value = getattr(self, kind)
            if value is not None:
                return kind, value
        raise AssertionError("a validated TrainingSpec has a budget")  # pragma: no cover


class RecordSpec(_Spec):
    """What is recorded during training: ``checkpoints`` in time.

    ``checkpoints = n`` takes ``n`` log-spaced optimiser steps from 1 to the
    budget ``T`` (always with ``T/4``, ``T/2`` and ``T``); a list names the
    steps (``T`` is added). At each, every per-student order parameter is
    stored along the dimension ``time``.
    """

    checkpoints: (
        Annotated[int, Field(ge=3)] | Annotated[list[PositiveInt], Field(min_length=1)] | None
    ) = None

    _sweeps = field_validator("checkpoints")(lambda v: _sweep(v))


class PruningSpec(_Spec):
    """Effective-dimension threshold on ``r_i / max r``."""

    threshold: Annotated[float, Field(gt=0, lt=1)] = 0.05


class RunSpec(_Spec):
    """How the study runs.

    ``seed_block`` (seeds per task) and ``retries`` do not change the numbers;
    ``dtype``, ``device`` and ``threads`` (torch threads per task) do, at
    least at the last bit, and are part of the hash.

    ``pack = "auto"`` trains the students of many cells in one ensemble
    (:mod:`phasetrans.backend.pack`), at most ``max_members`` per task (default:
    a memory model). It needs ``step = "member"`` in every method, the one step
    whose numbers are bitwise independent of the other members, so ``pack`` and
    ``max_members`` stay out of the hash. With ``step = "member"`` every study
    is planned by cells (one student each), whether packed or not.
    """

    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["float32", "float64"] = "float32"
    seed_block: PositiveInt = 8
    retries: NonNegativeInt = 1
    threads: PositiveInt = 1
    pack: Literal["auto", "off"] = "off"
    max_members: PositiveInt | None = None


def _check_online_table(method: str, table: dict[str, Any], online: bool) -> None:
    """With online data the budget is steps or samples, and there are no epochs."""
    if not online:
        return
    for name in ("epochs", "batches_per_epoch", "stop"):
        if name in table:
            raise ValueError(
                f"training.{method}.{name} is not allowed with data.online = true "
                "(no training set, so no epochs): give the budget as steps or samples"
            )
    if "steps" not in table and "samples" not in table:
        raise ValueError(
            f"training.{method} needs a budget with data.online = true: give steps or samples"
        )
    if table.get("batch_size") == "full":
        raise ValueError(
            f"training.{method}.batch_size = 'full' is not allowed with data.online = true "
            "(no training set): give a number"
        )


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
    record: RecordSpec = RecordSpec()
    run: RunSpec = RunSpec()
    source: str = Field(default="", exclude=True)
    base_dir: Path | None = Field(default=None, exclude=True)

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
        online = isinstance(data.get("data"), dict) and data["data"].get("online") is True
        training = {}
        for method in [*methods, *given]:
            if not isinstance(method, str) or method in training:
                continue
            table = given.get(method, {})
            if isinstance(table, dict):
                _check_online_table(method, table, online)
                defaults = dict(METHOD_DEFAULTS.get(method, {}))
                if "batches_per_epoch" in table:
                    if "batch_size" in table:
                        raise ValueError(
                            f"training.{method}: give batch_size or batches_per_epoch, not both"
                        )
                    defaults["batch_size"] = None
                training[method] = {**defaults, **table}
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
        self._check_committee()
        self._check_member_step()
        if self.record.checkpoints is not None:
            for method, spec in self.training.items():
                if spec.stop is not None:
                    raise ValueError(
                        f"[training.{method}.stop] and record.checkpoints: a stopped run "
                        "has no state at its later checkpoints; remove one of them"
                    )
        narrow = [w for w in self.students.widths if w < max(self.teacher.widths)]
        if narrow:
            warnings.warn(
                f"students.widths {narrow} are narrower than the widest teacher "
                f"(h_T = {max(self.teacher.widths)}): those students cannot hold the teacher, "
                "and their pruning curves have no point at retained = h_T",
                PhasetransWarning,
                stacklevel=2,
            )
        return self

    def _check_member_step(self) -> None:
        """``step = "member"`` in all methods or none; ``run.pack = "auto"`` needs it."""
        steps = {method: spec.step for method, spec in self.training.items()}
        member = [m for m, s in steps.items() if s == "member"]
        if member and len(member) != len(self.students.methods):
            other = next(m for m in self.students.methods if steps.get(m) != "member")
            raise ValueError(
                f"training.{member[0]}.step = 'member' but training.{other}.step is not: "
                "a study is planned by cells (step 'member') or by seed blocks, not both"
            )
        if self.run.pack == "auto" and not member:
            raise ValueError(
                "run.pack = 'auto' needs training.<method>.step = 'member' in every method "
                "(the one step whose numbers do not depend on the other students of a pack)"
            )
        if not member:
            return
        reasons = []
        if self.teacher.committee:
            reasons.append("committee students")
        if self.data.online:
            reasons.append("online data")
        for method, spec in self.training.items():
            if spec.optimizer != "adam":
                reasons.append(f"training.{method}.optimizer = {spec.optimizer!r}")
            if spec.stop is not None:
                reasons.append(f"[training.{method}.stop]")
        if reasons:
            raise ValueError(
                f"step = 'member' does not support {', '.join(reasons)}; "
                "use step = 'fast', 'reference' or 'auto'"
            )

    def _check_committee(self) -> None:
        """Committee-only fields are refused elsewhere; committee runs use the reference step."""
        if not self.teacher.committee:
            for name in ("readout", "activation", "init_q"):
                if getattr(self.students, name) is not None:
                    raise ValueError(
                        f"students.{name} is for students of a committee teacher "
                        f"(teacher.kind = 'committee'), not teacher.kind = {self.teacher.kind!r}"
                    )
            return
        for method, spec in self.training.items():
            if spec.step == "fast":
                raise ValueError(
                    f"training.{method}.step = 'fast' implements the two-hidden-layer student "
                    "only; committee students use step = 'reference' or 'auto'"
                )

    @property
    def student_activation(self) -> str:
        """The students' activation: ``students.activation``, else the teacher's."""
        return self.students.activation or self.teacher.activation

    @property
    def output_path(self) -> Path:
        """Where the combined dataset goes.

        ``output`` if given, else ``data/<name>.nc``; a relative path is taken
        from the folder of the study file (:attr:`base_dir`), not from the
        working directory.
        """
        path = Path(self.output) if self.output else Path("data") / f"{self.name}.nc"
        return path if path.is_absolute() or self.base_dir is None else self.base_dir / path

    def sweeps(self) -> dict[str, list[Any]]:
        """The swept fields (given as lists) as ``{dimension: values}``, in dataset order.

        ``l2_eigenvalues`` is the union over the methods that give a list.
        """
        out: dict[str, list[Any]] = {}
        if self.teacher.seeds is not None:
            out["teacher_seed"] = list(self.teacher.seeds)
        if isinstance(self.teacher.input_dim, list):
            out["input_dim"] = list(self.teacher.input_dim)
        if isinstance(self.data.n_train, list):
            out["n_train"] = list(self.data.n_train)
        if isinstance(self.data.alpha, list):
            out["alpha"] = list(self.data.alpha)
        l2 = [t.l2_eigenvalues for t in self.training.values()]
        if any(isinstance(v, list) for v in l2):
            out["l2_eigenvalues"] = sorted({x for v in l2 for x in _values(v)})
        return out

    def content(self) -> dict[str, Any]:
        """The part of the spec that determines the numbers (what the hash covers).

        Excludes ``name``, ``description``, ``output`` and the ``run`` settings that
        only change how the work is scheduled (``seed_block``, ``retries``);
        ``device``, ``dtype`` and ``threads`` stay in, since they change the numbers.
        """
        dump = self.model_dump(
            mode="json", exclude={"name", "description", "output", "source", "base_dir"}
        )
        dump["run"] = {
            "device": self.run.device,
            "dtype": self.run.dtype,
            "threads": self.run.threads,
        }
        return drop_new_defaults(dump)

    @property
    def hash(self) -> str:
        """Stable 16-hex-digit SHA-256 of :meth:`content` (canonical JSON)."""
        return stable_hash(self.content())


#: Fields added after studies had been run, with the value that keeps the old
#: behaviour: left out of the study and task hashes at that value, so that
#: existing parts stay valid (``table.field`` or ``training.*.field``).
NEW_FIELD_DEFAULTS: dict[str, Any] = {
    "teacher.activation": "relu",
    "teacher.orthogonal": False,
    "data.online": False,
    "data.nested": None,
    "students.readout": None,
    "students.activation": None,
    "students.init_q": None,
    "training.*.steps": None,
    "training.*.samples": None,
    "training.*.batches_per_epoch": None,
    "training.*.optimizer": "adam",
    "training.*.lr_scaling": "none",
    "record": {"checkpoints": None},
}
# run.pack and run.max_members are scheduling only: content() leaves them out


def drop_new_defaults(dump: dict[str, Any]) -> dict[str, Any]:
    """``dump`` without the :data:`NEW_FIELD_DEFAULTS` fields that hold their default."""
    out = json.loads(json.dumps(dump))
    for path, default in NEW_FIELD_DEFAULTS.items():
        parts = path.split(".")
        tables = [out]
        for key in parts[:-1]:
            if key == "*":
                tables = [t for table in tables for t in table.values() if isinstance(t, dict)]
            else:
                tables = [table[key] for table in tables if isinstance(table.get(key), dict)]
        for table in tables:
            if parts[-1] in table and table[parts[-1]] == default:
                del table[parts[-1]]
    return out


def stable_hash(content: Any) -> str:
    """16 hex digits of the SHA-256 of ``content`` as canonical JSON."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: What a sweep field (a value or a list) allows, for error messages.
_SWEEP_ALLOWED = {
    "input_dim": "a positive integer or a non-empty list of them",
    "n_train": "a positive integer or a non-empty list of them",
    "alpha": "a positive number or a non-empty list of them",
    "l2_eigenvalues": "a number >= 0 or a non-empty list of them",
}


def _is_union_tag(part: str) -> bool:
    """pydantic names the member of a union it tried (``constrained-int``, ``list[...]``)."""
    return not part.isdigit() and ("[" in part or "-" in part) and part != "[key]"


def _describe(error: dict[str, Any], data: Any) -> str:
    """One line for pydantic's first error: field, value, what is allowed."""
    raw = [str(p) for p in error["loc"]]
    loc = [p for p in raw if not _is_union_tag(p)]
    kind = error["type"]
    parts: list[str] = []
    for p in loc:
        if p.isdigit() and parts:
            parts[-1] += f"[{p}]"
        else:
            parts.append(p)
    field = ".".join(parts) or "<study>"
    names = [p for p in loc if not p.isdigit()]
    if len(loc) != len(raw) and names and names[-1] in _SWEEP_ALLOWED:
        value = _lookup(data, [p for p in loc if not p.isdigit()])
        return f"{field.split('[')[0]} = {value!r} is invalid: must be {_SWEEP_ALLOWED[names[-1]]}"
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
    if isinstance(value, dict):  # a rule across the fields of one table
        return f"{field}: {msg}"
    return f"{field} = {value!r} is invalid: {msg[0].lower()}{msg[1:]}"


def _lookup(data: Any, path: list[str]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


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
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; give a study TOML file", field="study", value=path)
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file; give a study TOML file") from None
    study = parse_study(text, source=str(path))
    return study.model_copy(update={"base_dir": path.resolve().parent})
