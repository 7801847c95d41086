"""Backend specs for tests, built from the study defaults (one path: the runner's).

The backend's dataclasses take explicit values; the defaults of a study live in
:mod:`phasetrans.config`. These helpers start from
:func:`phasetrans.runner.spec.default_block` and replace the fields a test sets.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from phasetrans.backend.specs import BlockSpec, TeacherSpec, TrainSettings
from phasetrans.runner.spec import default_block


def settings(**overrides: Any) -> TrainSettings:
    """The spectral method's training settings at the study defaults, with ``overrides``."""
    return dataclasses.replace(default_block().settings, **overrides)


def teacher(**overrides: Any) -> TeacherSpec:
    """The default study's teacher, with ``overrides``."""
    return dataclasses.replace(default_block().teacher, **overrides)


def block(**overrides: Any) -> BlockSpec:
    """The default spectral block, with ``overrides`` (``settings``, ``teacher`` as specs)."""
    return dataclasses.replace(default_block(), **overrides)
