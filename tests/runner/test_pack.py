"""Packed execution: packs are bitwise invisible, and extending a study reuses its cells."""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr

from phasetrans.config import load_study, parse_study
from phasetrans.errors import ConfigError
from phasetrans.runner import run_study, study_status
from phasetrans.runner.cells import pack_cells, plan_cells
from phasetrans.runner.cost import cost_estimate, task_steps
from phasetrans.runner.plan import plan_tasks
from phasetrans.store import part_cells
from tests.runner.helpers import PACKED_STUDY, load_dataset, parts_dir


def _study(
    tmp_path,
    name,
    *,
    pack="auto",
    teachers="[0, 1]",
    alphas="[1.0, 3.0]",
    seeds="[0, 1]",
    seed_block=2,
    extra="",
):
    toml = tmp_path / f"{name}.toml"
    toml.write_text(
        PACKED_STUDY.format(
            name=name,
            pack=pack,
            teachers=teachers,
            alphas=alphas,
            seeds=seeds,
            seed_block=seed_block,
            extra=extra,
        )
    )
    return load_study(toml)


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    """2 teacher seeds x 2 alpha x 2 student seeds x 2 methods, one task per seed block."""
    study = _study(tmp_path_factory.mktemp("off"), "small", pack="off")
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok and len(report.computed) == 16
    return study, load_dataset(report.output)


@pytest.mark.parametrize("max_members", [None, 3, 5])
def test_packed_equals_unpacked_bitwise(tmp_path, unpacked, max_members):
    """Packs of any size (which changes which cells share one) give the same bits."""
    study_off, expected = unpacked
    extra = "" if max_members is None else f"max_members = {max_members}"
    study = _study(tmp_path, "small", extra=extra)
    assert study.hash == study_off.hash  # pack and max_members are out of the hash
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok
    parts = sorted(parts_dir(study).glob("*.nc"))
    if max_members is not None:
        sizes = [len(part_cells(p)) for p in parts]
        assert max(sizes) <= max_members
    xr.testing.assert_identical(load_dataset(report.output), expected)


def test_extending_a_study_reuses_every_cell(tmp_path, unpacked):
    _, expected = unpacked
    small = _study(tmp_path, "grow", teachers="[0]", alphas="[3.0]", seeds="[0]")
    first = run_study(small, scheduler="sync", progress=False)
    assert len(first.computed) == 2
    before = {p.name: p.stat().st_mtime_ns for p in parts_dir(small).glob("*.nc")}
    # add a teacher seed, an alpha and a student seed
    grown = _study(tmp_path, "grow")
    status = study_status(grown)
    assert len(status.done) == 2 and len(status.pending) == 14
    report = run_study(grown, scheduler="sync", progress=False)
    assert report.ok and len(report.skipped) == 2 and len(report.computed) == 14
    after = {p.name: p.stat().st_mtime_ns for p in parts_dir(grown).glob("*.nc")}
    assert all(after[name] == stamp for name, stamp in before.items())  # untouched
    xr.testing.assert_identical(load_dataset(report.output), expected)
    # a rerun computes nothing; a lost part is recomputed alone (a kill loses only its pack)
    assert run_study(grown, scheduler="sync", progress=False).computed == []
    lost = sorted(parts_dir(grown).glob("*.nc"))[0]
    cells = part_cells(lost)
    lost.unlink()
    again = run_study(grown, scheduler="sync", progress=False)
    assert sorted(again.computed) == sorted(cells)
    xr.testing.assert_identical(load_dataset(again.output), expected)


def test_packs_are_a_function_of_cells_and_cap(tmp_path):
    study = _study(tmp_path, "plan")
    cells = plan_cells(study, device="cpu")
    a = pack_cells(cells, max_members=3, workers=2)
    b = pack_cells(list(cells), max_members=3, workers=2)
    assert [t.key for t in a] == [t.key for t in b]
    assert len(a) >= 4 and all(len(t.cells) <= 3 for t in a)
    assert sorted(c.key for t in a for c in t.cells) == sorted(c.key for c in cells)
    # each pack holds one method; its blocks share teacher and data
    for task in a:
        assert len({c.spec.training for c in task.cells}) == 1
        assert task.spec.members == len(task.cells)


def test_pack_auto_needs_the_member_step():
    text = PACKED_STUDY.format(
        name="x",
        pack="auto",
        teachers="[0]",
        alphas="[1.0]",
        seeds="[0]",
        seed_block=1,
        extra="",
    ).replace('step = "member"', 'step = "fast"')
    with pytest.raises(ConfigError, match="member"):
        parse_study(text)
    mixed = PACKED_STUDY.format(
        name="x",
        pack="off",
        teachers="[0]",
        alphas="[1.0]",
        seeds="[0]",
        seed_block=1,
        extra="",
    ).replace('step = "member"', 'step = "fast"', 1)
    with pytest.raises(ConfigError, match="member"):
        parse_study(mixed)


def test_status_estimates_a_packed_study_from_its_packs(tmp_path):
    """The time left of a cell-planned study comes from the parts holding its cells."""
    study = _study(tmp_path, "cost", teachers="[0]", seeds="[0, 1, 2]")
    cells = plan_tasks(study, seed_block=1)
    assert cost_estimate(study, cells, []).rate is None
    assert run_study(study, scheduler="sync", progress=False).ok
    parts = sorted(parts_dir(study).glob("*.nc"))
    assert 1 < len(parts) < len(cells)  # packs, not one part a cell
    seconds = 0.0
    for path in parts:
        with xr.open_dataset(path) as part:
            seconds += float(part.attrs["seconds"])
    steps = sum(task_steps(c.spec) for c in cells)
    # methods x seeds x epochs x batches (n_train 12 and 36 in batches of 8: 2 and 5)
    assert steps == 2 * 3 * 12 * (2 + 5)
    estimate = cost_estimate(study, cells, study_status(study).done)
    assert estimate.rate == pytest.approx(seconds / steps)
    assert estimate.steps == steps and estimate.steps_left == 0
    # a larger study, nothing computed yet, estimated from this one's packs
    grown = _study(tmp_path, "cost_grown", teachers="[0, 1]", seeds="[0, 1, 2]")
    grown_cells = plan_tasks(grown, seed_block=1)
    reference = (study, plan_tasks(study), [])  # blocks of 2 seeds: cells are re-planned
    later = cost_estimate(grown, grown_cells, [], reference=reference)
    assert later.rate == pytest.approx(seconds / steps)
    assert later.steps_left == later.steps == 2 * steps
    assert "worker-hours left" in later.summary()


def test_padded_packs_of_widths_and_input_dims_equal_unpacked(tmp_path):
    """Two widths and two input dims pack together (padded) and give the bits of pack off."""

    def study(name, pack):
        text = PACKED_STUDY.format(
            name=name,
            pack=pack,
            teachers="[0]",
            alphas="[1.0, 3.0]",
            seeds="[0, 1]",
            seed_block=2,
            extra="max_members = 64",
        )
        text = text.replace("input_dim = 6", "input_dim = [5, 6]")
        text = text.replace("widths = [4]", "widths = [3, 4]")
        path = tmp_path / f"{name}.toml"
        path.write_text(text)
        return load_study(path)

    off = run_study(study("off", "off"), scheduler="sync", progress=False)
    packed_study = study("auto", "auto")
    cells = plan_cells(packed_study, device="cpu")
    packs = pack_cells(cells, max_members=64, workers=1)
    assert len(packs) == 2  # one per method, holding both widths and both input dims
    assert all(p.spec.padded for p in packs)
    shapes = {(b.width, b.teacher.input_dim) for b in packs[0].spec.blocks}
    assert shapes == {(3, 5), (3, 6), (4, 5), (4, 6)}
    on = run_study(packed_study, scheduler="sync", progress=False)
    assert on.ok and len(list(parts_dir(packed_study).glob("*.nc"))) == 2
    xr.testing.assert_identical(load_dataset(on.output), load_dataset(off.output))


def test_quick_study_packs_its_four_widths_into_one_ensemble_per_method():
    """With the member step and pack = "auto" on one worker, widths 16-128 share a pack."""
    text = (Path(__file__).parents[2] / "studies" / "quick.toml").read_text()
    for method in ("spectral", "direct"):
        text = text.replace(f"[training.{method}]", f'[training.{method}]\nstep = "member"')
    study = parse_study(text.replace("[run]", '[run]\npack = "auto"'))
    packs = pack_cells(plan_cells(study, device="cpu"), workers=1)
    assert sorted(p.spec.blocks[0].training for p in packs) == ["direct", "spectral"]
    for p in packs:
        assert p.spec.padded and p.spec.members == 16
        assert sorted(b.width for b in p.spec.blocks) == [16, 32, 64, 128]


def test_a_failed_packs_cells_count_as_failed_then_rerun(tmp_path, unpacked, monkeypatch):
    """status names the cells of a pack that failed as failed (not pending), until a rerun."""
    import phasetrans.backend.task as backend_task

    _, expected = unpacked
    study = _study(tmp_path, "small", extra="max_members = 4")
    real = backend_task.run_pack

    def failing(pack):
        if any(block.training == "direct" and block.teacher.seed == 1 for block in pack.blocks):
            raise RuntimeError("injected failure of one pack")
        return real(pack)

    monkeypatch.setattr(backend_task, "run_pack", failing)
    report = run_study(study, scheduler="sync", progress=False)
    assert not report.ok and report.failed
    status = study_status(study)
    failed = set(status.failed)
    assert failed and not status.pending
    assert all(key.startswith("direct_t") for key in failed)
    assert len(status.done) + len(failed) == 16
    monkeypatch.setattr(backend_task, "run_pack", real)
    again = run_study(study, scheduler="sync", progress=False)
    assert again.ok and sorted(again.computed) == sorted(failed)
    assert not study_status(study).failed
    xr.testing.assert_identical(load_dataset(again.output), expected)
