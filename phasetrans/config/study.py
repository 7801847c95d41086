"""The study: every table validated together, its sweeps and its hash."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, model_validator

from phasetrans.config.base import Method, Spec, as_list
from phasetrans.config.data import DataSpec, check_alpha_cells
from phasetrans.config.hashing import drop_new_defaults, stable_hash
from phasetrans.config.run import PruningSpec, RecordSpec, RunSpec
from phasetrans.config.students import DEFAULT_METHODS, StudentsSpec
from phasetrans.config.teacher import TeachersSpec
from phasetrans.config.training import METHOD_DEFAULTS, TrainingSpec, check_online_table
from phasetrans.errors import PhasetransWarning
from phasetrans.names import SWEEP_DIMS

__all__ = ["Study"]


class Study(Spec):
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
    teacher: TeachersSpec = TeachersSpec()
    data: DataSpec = DataSpec()
    students: StudentsSpec
    training: dict[Method, TrainingSpec] = Field(default_factory=dict)
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
            students.get("methods", list(DEFAULT_METHODS)) if isinstance(students, dict) else []
        )
        if not isinstance(methods, list):  # refused by StudentsSpec, with its field
            methods = []
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
                check_online_table(method, table, online)
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
        self._check_training_sets()
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
        for method, spec in self.training.items():
            if spec.stop is not None:
                reasons.append(f"[training.{method}.stop]")
        if reasons:
            raise ValueError(
                f"step = 'member' does not support {', '.join(reasons)}; "
                "use step = 'fast', 'reference' or 'auto'"
            )

    def _check_training_sets(self) -> None:
        """Every ``alpha`` cell has a training set of its own size (no clamping, no twins).

        ``batches_per_epoch`` above a cell's training set is refused when the
        cells are planned (:func:`phasetrans.runner.spec.batch_schedule`), also by ``status``.
        """
        if self.data.online or self.data.alpha is None:
            return
        check_alpha_cells(
            as_list(self.data.alpha), as_list(self.teacher.input_dim), self.teacher.widths
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
                    "only; committee students use step = 'reference', 'auto' or 'member'"
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
        given: dict[str, Any] = {
            "teacher_seed": self.teacher.seeds,
            "input_dim": self.teacher.input_dim,
            "n_train": self.data.n_train,
            "alpha": self.data.alpha,
        }
        out = {d: list(v) for d, v in given.items() if isinstance(v, list)}
        l2 = [t.l2_eigenvalues for t in self.training.values()]
        if any(isinstance(v, list) for v in l2):
            out["l2_eigenvalues"] = sorted({x for v in l2 for x in as_list(v)})
        return {d: out[d] for d in SWEEP_DIMS if d in out}

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
