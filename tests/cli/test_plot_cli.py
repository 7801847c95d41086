import numpy as np
from matplotlib.image import imread

from phasetrans.cli import main as cli


def test_plot_writes_three_nonblank_pngs(tmp_path, tiny_study, capsys):
    study = tiny_study(tmp_path, training={"spectral": {"epochs": 5}, "direct": {"epochs": 5}})
    assert cli(["run", str(study), "--scheduler", "sync", "--no-progress"]) == 0
    out_dir = tmp_path / "figs"
    assert cli(["plot", str(tmp_path / "data" / "tiny.nc"), "--out", str(out_dir)]) == 0
    for name in ("pruning_curves", "dimension", "training_loss"):
        image = imread(out_dir / f"plot-{name}-hT=4.png")
        assert image.shape[0] > 300 and image.shape[1] > 400
        assert np.std(image[..., :3]) > 0.05  # something was drawn
    assert f"wrote {out_dir / 'plot-dimension-hT=4.png'}" in capsys.readouterr().out


def test_plot_bad_teacher_width_is_one_clear_error(tmp_path, tiny_study, capsys):
    study = tiny_study(tmp_path, training={"spectral": {"epochs": 2}, "direct": {"epochs": 2}})
    assert cli(["run", str(study), "--scheduler", "sync", "--no-progress"]) == 0
    code = cli(["plot", str(tmp_path / "data" / "tiny.nc"), "--teacher-width", "99"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--teacher-width = 99" in err and "(4)" in err
