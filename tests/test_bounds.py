"""Study validation refuses what cannot be right or cannot fit: no clamping, fixed bounds.

A cell of an ``alpha`` sweep with no training example, or two alphas with one
``n_train``, is refused naming the cell; sizes, counts and budgets have the
documented bounds of :mod:`phasetrans.config.bounds`, lifted by
``--allow-large``; seeds fit in 64 bits and floats are finite whatever the flag.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.cli import main as cli
from phasetrans.config import bounds, parse_study
from phasetrans.errors import ConfigError

BASE = """
name = "t"
[teacher]
widths = [4]
input_dim = 10
[students]
widths = [8]
seeds = [0, 1]
methods = ["spectral"]
"""


def _refused(text: str, *, allow_large: bool = False) -> str:
    with pytest.raises(ConfigError) as info:
        parse_study(text, allow_large=allow_large)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_alpha_that_rounds_to_no_example_is_refused_naming_the_cell():
    message = _refused(BASE + "[data]\nalpha = [1e-6, 2e-6, 1e-3]\n")
    # round(1e-6 * 10 * 4) = 0: the cell is named, and the smallest alpha that works
    assert "data.alpha = 1e-06" in message
    assert "input_dim = 10, h_T = 4" in message and "alpha > 0.0125" in message


def test_alphas_with_one_n_train_are_refused_naming_them():
    # 1.0 and 1.01 give round(40.0) = round(40.4) = 40 at N = 10, h_T = 4
    message = _refused(BASE + "[data]\nalpha = [1.0, 1.01, 2.0]\n")
    assert "1.0, 1.01 give the same n_train = 40" in message
    assert "input_dim = 10, h_T = 4" in message
    # 1.0 and 1.02 (n_train 40 and 41) are distinct cells
    assert parse_study(BASE + "[data]\nalpha = [1.0, 1.02]\n").data.alpha == [1.0, 1.02]


def test_alpha_realised_is_stored_beside_the_nominal_alpha():
    from phasetrans.store.schema import COORD_ATTRS, annotate, with_n_train

    ds = xr.Dataset(coords={"alpha": [0.33, 1.0], "input_dim": [10, 20], "teacher_width": [4]})
    out = annotate(with_n_train(ds))
    # n_train = round(0.33 * 40) = 13 -> alpha 0.325; round(0.33 * 80) = 26 -> 0.325
    assert out.n_train.dims == ("alpha", "input_dim", "teacher_width")
    assert out.n_train.values[:, :, 0].tolist() == [[13, 26], [40, 80]]
    assert out.alpha_realised.dims == out.n_train.dims
    np.testing.assert_allclose(out.alpha_realised.values[:, :, 0], [[0.325, 0.325], [1.0, 1.0]])
    assert out.alpha_realised.attrs["long_name"] == COORD_ATTRS["alpha_realised"][0]


@pytest.mark.parametrize(
    ("field", "text", "bound"),
    [
        (
            "teacher.widths",
            "[teacher]\nwidths = [1000000000]\n[students]\nwidths = [1000000000]\n",
            bounds.MAX_WIDTH,
        ),
        ("students.widths", "[students]\nwidths = [8, 100000]\n", bounds.MAX_WIDTH),
        ("teacher.hidden2", "[teacher]\nhidden2 = 100000\n", bounds.MAX_WIDTH),
        ("teacher.input_dim", "[teacher]\ninput_dim = 1000000000000\n", bounds.MAX_INPUT_DIM),
        ("data.n_train", "[data]\nn_train = 1000000000\n", bounds.MAX_N_TRAIN),
        ("data.n_test", "[data]\nn_test = 1000000000000\n", bounds.MAX_N_TEST),
        ("data.alpha", "[data]\nalpha = 1000000.0\n", bounds.MAX_N_TRAIN),
        ("run.threads", "[run]\nthreads = 100000\n", bounds.MAX_THREADS),
        ("training.spectral.epochs", "[training.spectral]\nepochs = 1000000000000\n", None),
        ("training.spectral.steps", "[training.spectral]\nsteps = 1000000000000\n", None),
        ("training.spectral.samples", "[training.spectral]\nsamples = 10000000000000\n", None),
        ("record.checkpoints", "[record]\ncheckpoints = 100000\n", bounds.MAX_CHECKPOINTS),
    ],
)
def test_sizes_and_budgets_have_bounds_that_allow_large_lifts(field, text, bound):
    study = _merge(BASE, text)
    message = _refused(study)
    assert message.startswith(f"<study>: {field} = ") and "is too large" in message
    assert "--allow-large" in message
    if bound is not None:
        assert f"at most {bound:,}" in message
    assert parse_study(study, allow_large=True).name == "t"


def test_seed_lists_and_cells_are_bounded():
    seeds = list(range(bounds.MAX_SEEDS + 1))
    message = _refused(BASE.replace("seeds = [0, 1]", f"seeds = {seeds}"))
    assert "students.seeds = [0, 1, 2" in message and f"its length is {len(seeds):,}" in message
    # 3 widths x 1000 seeds x 400 l2 values x 1 method = 1.2 M cells > MAX_CELLS
    many = BASE.replace("widths = [8]", "widths = [8, 9, 10]").replace(
        "seeds = [0, 1]", f"seeds = {list(range(1000))}"
    )
    l2 = [i / 1000 for i in range(400)]
    message = _refused(many + f"[training.spectral]\nl2_eigenvalues = {l2}\n")
    assert "1,200,000 cells" in message and "--allow-large" in message


@pytest.mark.parametrize(
    "text",
    [
        "[teacher]\nseed = 18446744073709551616\n",
        "[data]\nseed = 18446744073709551616\n",
        "[data]\nshuffle_seed = 18446744073709551616\n",
    ],
)
def test_seeds_fit_in_64_bits_even_with_allow_large(text):
    message = _refused(_merge(BASE, text), allow_large=True)
    assert "18446744073709551616" in message and "18446744073709551615" in message
    assert parse_study(_merge(BASE, text.replace("551616", "551615"))).name == "t"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("training.spectral.lr", "[training.spectral]\nlr = inf\n"),
        ("training.spectral.l2_eigenvalues", "[training.spectral]\nl2_eigenvalues = inf\n"),
        ("training.spectral.l2_eigenvalues", "[training.spectral]\nl2_eigenvalues = [0.1, inf]\n"),
        ("training.spectral.stop.tol", "[training.spectral]\nstop = {patience = 2, tol = inf}\n"),
        ("data.alpha", "[data]\nalpha = inf\n"),
        ("pruning.threshold", "[pruning]\nthreshold = inf\n"),
        ("pruning.threshold", "[pruning]\nthreshold = nan\n"),
        ("students.init_q", "[teacher]\nkind = 'committee'\n[students]\ninit_q = inf\n"),
    ],
)
def test_every_float_refuses_inf_and_nan(field, text):
    message = _refused(_merge(BASE, text), allow_large=True)
    assert field in message
    assert "finite" in message and "less than 1" not in message


def test_batches_per_epoch_above_a_cells_training_set_is_refused_by_status(tmp_path, capsys):
    # alpha 0.5 at N = 10, h_T = 4: n_train = 20 < 25 batches (refused when cells are planned)
    path = tmp_path / "bpe.toml"
    extra = "[data]\nalpha = [0.5, 2.0]\n[training.spectral]\nbatches_per_epoch = 25\n"
    path.write_text(_merge(BASE, extra))
    assert cli(["status", str(path), "--allow-large"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "batches_per_epoch = 25" in err[0]
    assert "only 20 training examples" in err[0]


def test_status_refuses_a_huge_study_in_one_line_and_allow_large_lifts_it(tmp_path, capsys):
    path = tmp_path / "big.toml"
    path.write_text(_merge(BASE, "[training.spectral]\nepochs = 1000000000000\n"))
    assert cli(["status", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "training.spectral.epochs = 1000000000000" in err
    assert cli(["status", str(path), "--allow-large"]) == 0
    assert "pending" in capsys.readouterr().out


def test_a_refused_study_is_one_line_even_when_it_would_warn(tmp_path, capsys):
    # students narrower than the teacher warn; a refused study says only why it is refused
    path = tmp_path / "narrow.toml"
    path.write_text(_merge(BASE, "[teacher]\nwidths = [16]\n[run]\nthreads = 100000\n"))
    assert cli(["status", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "run.threads" in err[0]


def test_run_bounds_workers(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text(BASE)
    assert cli(["run", str(path), "--workers", "100000"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert (
        len(err) == 1
        and f"--workers = 100000 is too large: allowed: at most {bounds.MAX_THREADS}" in err[0]
    )


def test_every_bound_is_in_the_documented_table():
    names = [n for n in bounds.__all__ if n.startswith("MAX_")]
    assert len(names) >= 15
    for name in names:
        assert f":data:`{name}`" in bounds.__doc__, name


def _merge(base: str, extra: str) -> str:
    """``base`` with the tables of ``extra`` merged in (a table given in both is joined)."""
    import re

    tables: dict[str, list[str]] = {}
    order: list[str] = []
    for text in (base, extra):
        current = ""
        for line in text.strip().splitlines():
            header = re.fullmatch(r"\[(.+)\]", line.strip())
            if header:
                current = header.group(1)
                if current not in tables:
                    tables[current], _ = [], order.append(current)
                continue
            tables.setdefault(current, [])
            if current not in order:
                order.insert(0, current)
            key = line.split("=")[0].strip()
            tables[current] = [x for x in tables[current] if x.split("=")[0].strip() != key]
            tables[current].append(line)
    out = []
    for name in order:
        if name:
            out.append(f"[{name}]")
        out.extend(tables[name])
    return "\n".join(out) + "\n"
