import pytest

from phasetrans.config import load_study, parse_study
from phasetrans.errors import ConfigError

BASE = """
name = "t"
[students]
widths = [24, 48]
seeds = [0, 1]
"""


def test_defaults_are_the_paper_setup():
    s = parse_study(BASE)
    assert s.teacher.widths == [20] and s.teacher.input_dim == 10 and s.teacher.hidden2 == 20
    assert s.data.n_train == 10_000 and s.data.n_test == 10_000
    sp, di = s.training["spectral"], s.training["direct"]
    assert (sp.lr, sp.batch_size, sp.epochs) == (0.005, 300, 2000)
    assert (di.lr, di.batch_size) == (0.002, 500)
    assert (sp.l2_eigenvalues, sp.l2_eigenvectors) == (5e-4, 0.01)
    assert s.pruning.threshold == 0.05
    assert str(s.output_path) == "data/t.nc"


def test_partial_training_table_keeps_method_defaults():
    s = parse_study(BASE + "[training.direct]\nepochs = 7\n")
    assert s.training["direct"].epochs == 7
    assert s.training["direct"].lr == 0.002  # default of *direct*, not spectral


def test_hash_is_stable_and_tracks_content():
    a = parse_study(BASE)
    b = parse_study("# a comment\n" + BASE.replace("[24, 48]", "[48, 24]"))  # order-insensitive
    c = parse_study(BASE + "[training.spectral]\nepochs = 5\n")
    d = parse_study(BASE + "[run]\nseed_block = 1\nretries = 3\n")  # scheduling only
    assert a.hash == b.hash == d.hash
    assert a.hash != c.hash
    assert len(a.hash) == 16
    assert a.hash == parse_study(BASE).hash


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        (BASE + "bogus = 1\n", "students.bogus", None),
        (BASE.replace("[24, 48]", "[0, 48]"), "students.widths[0]", "0"),
        (BASE + "[training.spectral]\nepochs = -5\n", "training.spectral.epochs", "-5"),
        (BASE.replace("[0, 1]", "[]"), "students.seeds", "[]"),
        (BASE + 'methods = ["spectral", "lasso"]\n', "students.methods[1]", "'lasso'"),
        (BASE + '[teacher]\nkind = "ranking"\n', "teacher.kind", "'ranking'"),
    ],
    ids=[
        "unknown-key",
        "width-0",
        "negative-epochs",
        "empty-seeds",
        "unknown-method",
        "teacher-kind",
    ],
)
def test_bad_study_files_give_one_line_naming_the_field(tmp_path, text, field, value):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_study(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert field in message
    if value is not None:
        assert f"= {value}" in message
    # says what is allowed
    assert any(w in message for w in ("allowed", "should", "must", "at least"))


def test_unknown_key_lists_allowed_keys():
    with pytest.raises(ConfigError, match=r"allowed keys here: kind, input_dim, widths"):
        parse_study(BASE + "[teacher]\nwidht = 3\n")


def test_training_table_for_unused_method_is_refused():
    with pytest.raises(ConfigError, match=r"\[training.group_lasso\] given"):
        parse_study(BASE + "[training.group_lasso]\nlr = 0.1\n")


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_study("name = ")
    with pytest.raises(FileNotFoundError):
        load_study(tmp_path / "nope.toml")


@pytest.mark.parametrize("name", ["quick", "paper", "classification"])
def test_shipped_studies_are_valid(name):
    from pathlib import Path

    s = load_study(Path(__file__).parents[1] / "studies" / f"{name}.toml")
    assert s.name == name


def test_students_narrower_than_the_teacher_are_warned():
    from phasetrans.errors import PhasetransWarning

    with pytest.warns(PhasetransWarning, match=r"students.widths \[24\] are narrower"):
        parse_study(BASE + "[teacher]\nwidths = [30]\n")


@pytest.mark.parametrize(
    ("value", "shown"),
    [('"2"', "'2'"), ("true", "True"), ("2.5", "2.5")],
    ids=["str", "bool", "float"],
)
def test_epochs_must_be_an_integer(value, shown):
    with pytest.raises(ConfigError, match=f"training.spectral.epochs = {shown} is invalid"):
        parse_study(BASE + f"[training.spectral]\nepochs = {value}\n")


def test_sweep_fields_accept_a_value_or_a_list():
    s = parse_study(
        BASE + "[teacher]\nseeds = [3, 1]\ninput_dim = [20, 10]\n[data]\nalpha = [2, 0.5]\n"
    )
    assert s.sweeps() == {"teacher_seed": [1, 3], "input_dim": [10, 20], "alpha": [0.5, 2.0]}
    assert parse_study(BASE).sweeps() == {}
    with pytest.raises(ConfigError, match=r"give data\.n_train or data\.alpha, not both"):
        parse_study(BASE + "[data]\nalpha = 1.0\nn_train = 100\n")
    with pytest.raises(ConfigError, match=r"give teacher\.seed .* or teacher\.seeds"):
        parse_study(BASE + "[teacher]\nseed = 1\nseeds = [1, 2]\n")
    with pytest.raises(
        ConfigError, match=r"teacher\.input_dim = \[\] is invalid: must be a positive"
    ):
        parse_study(BASE + "[teacher]\ninput_dim = []\n")


def test_device_is_in_the_hash_and_output_is_relative_to_the_study_file(tmp_path):
    assert parse_study(BASE).hash != parse_study(BASE + '[run]\ndevice = "cpu"\n').hash
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "t.toml"
    path.write_text(BASE)
    assert load_study(path).output_path == tmp_path / "sub" / "data" / "t.nc"


def test_studies_run_before_time_control_keep_their_study_and_task_hashes():
    """New fields at their default stay out of the hashes, so existing parts stay valid.

    The hashes were recorded from the code before budgets, online data, checkpoints
    and committee teachers existed.
    """
    from pathlib import Path

    from phasetrans.runner.plan import plan_tasks

    studies = Path(__file__).resolve().parents[1] / "studies"
    quick = load_study(studies / "quick.toml")
    assert quick.hash == "074dd67c10118f1e"
    keys = {t.key: t.task_hash for t in plan_tasks(quick, device="cpu")}
    assert keys["spectral_t8_w128_s0-3"] == "ae2627fec3ede964"
    assert keys["direct_t8_w128_s0-3"] == "dfe0c3b6b3a08a25"
    assert load_study(studies / "specialisation_small.toml").hash == "cefdbc5ca4866c5e"
    explicit = BASE + '[training.spectral]\noptimizer = "adam"\nlr_scaling = "none"\n'
    explicit += "[data]\nonline = false\n[record]\n"
    assert parse_study(explicit).hash == parse_study(BASE).hash
    assert parse_study(BASE + "[record]\ncheckpoints = 4\n").hash != parse_study(BASE).hash


def test_n_train_of_alpha_is_one_rule_for_cells_and_datasets():
    import numpy as np
    import xarray as xr

    from phasetrans.config import n_train_of

    # round half to even, as Python's round(); nothing clamped (validation refuses 0)
    assert [int(n_train_of(a, 1, 1)) for a in (0.5, 1.5, 2.5, 0.01)] == [0, 2, 2, 0]
    for alpha, d, h in [(0.25, 10, 6), (1.5, 5, 3), (2.0, 40, 8), (0.7, 13, 7)]:
        assert int(n_train_of(alpha, d, h)) == round(alpha * d * h)
    alpha = xr.DataArray([0.25, 1.5], dims="alpha")
    dims = xr.DataArray([10, 5], dims="input_dim")
    grid = n_train_of(alpha, dims, 6)
    assert grid.dims == ("alpha", "input_dim") and grid.dtype == np.dtype(int)
    assert grid.values.tolist() == [[15, 8], [90, 45]]


def test_sweeps_come_in_the_one_dataset_order():
    from phasetrans.names import SWEEP_DIMS

    study = parse_study(
        BASE.replace("[students]", "[data]\nalpha = [2.0, 1.0]\n[students]")
        + "[teacher]\nseeds = [3, 1]\ninput_dim = [6, 4]\n"
        + "[training.spectral]\nl2_eigenvalues = [0.1, 0.0]\n"
    )
    sweeps = study.sweeps()
    assert list(sweeps) == [d for d in SWEEP_DIMS if d in sweeps]
    assert sweeps == {
        "teacher_seed": [1, 3],
        "input_dim": [4, 6],
        "alpha": [1.0, 2.0],
        "l2_eigenvalues": [0.0, 0.0005, 0.1],  # the union over the methods
    }


def test_one_name_per_concept_the_study_teachers_and_one_teacher():
    from phasetrans.backend.specs import TeacherSpec
    from phasetrans.config import Study, TeachersSpec

    assert Study.model_fields["teacher"].annotation is TeachersSpec
    assert TeachersSpec is not TeacherSpec
    assert "widths" in TeachersSpec.model_fields  # many teachers: widths and seeds
    assert {"width", "seed"} <= {f for f in TeacherSpec.__dataclass_fields__}  # one teacher
