"""`teacher.width` (one h_T): `teacher_width` a scalar coordinate; `widths`: a dimension."""

from __future__ import annotations

import numpy as np
import pytest

from phasetrans.cli import main as cli_main
from phasetrans.config import load_study
from phasetrans.errors import ConfigError
from phasetrans.runner import plan_tasks, run_study
from phasetrans.store import read_dataset
from phasetrans.summary import format_summary


def test_width_and_widths_plan_the_same_tasks_and_give_the_same_numbers(tmp_path, tiny_study):
    listed = load_study(tiny_study(tmp_path / "a", name="listed"))
    single = load_study(
        tiny_study(tmp_path / "b", name="single", teacher={"widths": None, "width": 4})
    )
    assert single.teacher.widths == [4] and single.teacher.width == 4
    assert listed.teacher.width is None
    assert [t.task_hash for t in plan_tasks(single)] == [t.task_hash for t in plan_tasks(listed)]

    a = read_dataset(run_study(listed, scheduler="sync", progress=False).output, load=True)
    b = read_dataset(run_study(single, scheduler="sync", progress=False).output, load=True)
    assert a.sizes["teacher_width"] == 1
    assert "teacher_width" not in b.dims and int(b["teacher_width"]) == 4
    for name in ("test_mse", "dimension", "teacher_recovered", "overlap"):
        np.testing.assert_array_equal(a[name].squeeze("teacher_width").values, b[name].values)
    # the faces read the scalar form as they read the dimension
    rows = [
        [
            line
            for line in format_summary(ds).splitlines()
            if line.startswith(("spectral", "direct"))
        ]
        for ds in (a, b)
    ]
    assert len(rows[0]) == 4 and rows[0] == rows[1]
    out = tmp_path / "b" / "data" / "single.nc"
    assert cli_main(["info", str(out)]) == 0
    assert cli_main(["topology", str(out), "--out", str(tmp_path / "topology")]) == 0
    assert len(list((tmp_path / "topology").glob("*hT=4*.png"))) >= 3


def test_width_and_widths_together_are_refused(tmp_path, tiny_study):
    path = tiny_study(tmp_path, teacher={"widths": [4], "width": 4})
    with pytest.raises(ConfigError, match=r"teacher\.width .* or teacher\.widths"):
        load_study(path)
