"""Parts verified, not trusted: a damaged chunk is found, moved aside and recomputed."""

from __future__ import annotations

import shutil

import pytest
import xarray as xr

from phasetrans.config import load_study
from phasetrans.runner import plan_tasks, run_study, study_status
from phasetrans.store import CORRUPT, part_cells, part_hash, read_dataset, write_dataset
from tests.runner.helpers import (
    PACKED_STUDY,
    assert_same_dataset,
    corrupt_chunk,
    load_dataset,
    parts_dir,
    run_cli,
)

#: A study planned by cells (``step = "member"``), packed: 2 methods x 2 alpha x 3 seeds.
CELLS = PACKED_STUDY.format(
    name="cells",
    teachers="[0]",
    alphas="[1.0, 3.0]",
    seeds="[0, 1, 2]",
    pack="auto",
    seed_block=2,
    extra="max_members = 4",
)


def test_parts_carry_checksums_and_keep_their_values(reference):
    import netCDF4

    part = sorted(parts_dir(reference.study).glob("*.nc"))[0]
    with netCDF4.Dataset(part) as nc:
        variables = [*nc.variables.values(), *nc["weights"].variables.values()]
        filters = {v.name: v.filters() for v in variables if v.ndim >= 1 and v.dtype != str}
    assert {"test_mse", "w1", "width", "seed"} <= set(filters)
    assert all(f and f["fletcher32"] for f in filters.values()), filters


def test_checksums_change_no_number(tmp_path):
    """The shipped quick dataset (written without checksums), rewritten with them, is identical."""
    from phasetrans.data import sample_path

    shipped = read_dataset(sample_path("quick"), load=True)
    rewritten = read_dataset(write_dataset(shipped, tmp_path / "quick.nc"), load=True)
    xr.testing.assert_identical(rewritten, shipped)
    for name, var in shipped.variables.items():
        if var.dtype.kind != "O":  # object arrays hold pointers
            assert var.values.tobytes() == rewritten[name].values.tobytes(), name


def test_a_corrupt_chunk_is_found_moved_aside_and_recomputed(reference, copied):
    toml, study = copied
    key = plan_tasks(study)[3].key
    part = parts_dir(study) / f"{key}.nc"
    damaged_bytes = (corrupt_chunk(part), part.read_bytes())
    assert part_hash(part, verify=False) == plan_tasks(study)[3].task_hash  # header intact
    assert part_hash(part) is None  # its data do not read back

    status = study_status(study)
    assert key in status.pending and key not in status.done
    assert status.corrupt == [key]

    result = run_cli("run", str(toml), "--scheduler", "sync", "--no-progress")
    lines = result.stderr.splitlines()
    assert result.returncode == 0, lines
    moved = parts_dir(study) / CORRUPT / f"{key}.nc"
    said = [line for line in lines if "unreadable part" in line]
    assert len(said) == 1 and key in said[0] and str(moved.parent) in said[0]
    assert moved.read_bytes() == damaged_bytes[1]  # kept aside, as it was
    assert part_hash(part) == plan_tasks(study)[3].task_hash
    assert study_status(study).done == [t.key for t in plan_tasks(study)]
    assert_same_dataset(study.output_path, reference.dataset)


@pytest.fixture(scope="module")
def cells_reference(tmp_path_factory):
    """The cells study, run once uninterrupted."""
    toml = tmp_path_factory.mktemp("cells") / "cells.toml"
    toml.write_text(CELLS)
    study = load_study(toml)
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok and len(report.computed) == 12
    return study, load_dataset(report.output)


def test_a_corrupt_pack_is_recomputed_as_the_same_pack(cells_reference, tmp_path, runner_log):
    study, expected = cells_reference
    toml = tmp_path / "cells.toml"
    toml.write_text(CELLS)
    again = load_study(toml)
    shutil.copytree(parts_dir(study), parts_dir(again))
    packs = sorted(parts_dir(again).glob("*.nc"))
    assert len(packs) >= 3  # more than one pack: the damaged one must be rebuilt exactly
    victim = packs[1]
    members = part_cells(victim)
    assert members and len(members) < 12
    corrupt_chunk(victim)
    assert part_cells(victim) is None and part_cells(victim, verify=False) == members

    messages: list[str] = []
    runner_log(messages.append)
    report = run_study(again, scheduler="sync", progress=False)
    assert report.ok and sorted(report.computed) == sorted(members)
    assert part_cells(victim) == members  # the same pack, under the same name
    assert (parts_dir(again) / CORRUPT / victim.name).exists()
    assert sum("unreadable part" in m for m in messages) == 1
    assert sorted(p.name for p in parts_dir(again).glob("*.nc")) == [p.name for p in packs]
    xr.testing.assert_identical(load_dataset(report.output), expected)


def test_status_reads_a_part_back_once_until_it_changes(copied):
    """The memo of verified parts: a part read back once is trusted while its size,
    modification time and inode stay; any change makes status read it again."""
    import json
    import os

    from phasetrans.store import VERIFIED_MEMO

    _, study = copied
    keys = [t.key for t in plan_tasks(study)]
    assert study_status(study).done == keys
    memo = json.loads((parts_dir(study) / VERIFIED_MEMO).read_text())
    assert sorted(memo) == sorted(f"{k}.nc" for k in keys)

    first, second = (parts_dir(study) / f"{k}.nc" for k in keys[:2])
    stamp = first.stat()
    corrupt_chunk(first)  # in place: same size and inode; its time put back
    os.utime(first, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert study_status(study).done == keys  # trusted: the memo says it read back
    corrupt_chunk(second)  # a new modification time: read back again, found damaged
    status = study_status(study)
    assert status.corrupt == [keys[1]] and keys[1] in status.pending
