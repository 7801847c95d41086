"""The ``.pt`` accessor: phasetrans analyses as methods of a study Dataset in Jupyter.

Registered when :mod:`phasetrans` is imported. Every method only forwards to a
plain function of :mod:`phasetrans.analysis`, :mod:`phasetrans.summary` or
:mod:`phasetrans.plots`, so the same analyses work on data from anywhere.  The
slice a collapse or fit takes when not told (training, widths, swept values,
window, bootstrap) comes from :mod:`phasetrans.analysis.defaults`, the same
place the command line takes it from: ``ds.pt.collapse()`` and ``phasetrans
collapse DATA.nc`` give the same numbers.

Examples
--------
>>> import phasetrans
>>> ds = phasetrans.open_study("data/quick.nc")  # doctest: +SKIP
>>> ds.pt.summary()  # doctest: +SKIP
>>> ds.pt.describe("teacher_recovered")  # mean ± s.e. of the teacher means  # doctest: +SKIP
>>> ds.pt.collapse(fix={"zeta": 0})  # doctest: +SKIP
>>> ds.pt.collapse("teacher_recovered", size="input_dim", control="alpha")  # doctest: +SKIP
>>> ds.pt.fit(model="exponential")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import xarray as xr

from phasetrans.accessor.slicing import (
    check_value,
    curve_slice,
    merge_given,
    require_seeds,
    slice_of,
)
from phasetrans.analysis.defaults import BOOTSTRAP, SEED
from phasetrans.analysis.describe import describe
from phasetrans.analysis.matching import COSINE_MATCH
from phasetrans.analysis.observables import OBSERVABLES, student_variable
from phasetrans.analysis.progress import wanted
from phasetrans.errors import AnalysisInputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from phasetrans.analysis.exponents import ModelComparison, TransitionFit
    from phasetrans.analysis.scaling import CollapseResult
    from phasetrans.analysis.transition import TransitionResult

__all__ = ["StudyAccessor"]


@xr.register_dataset_accessor("pt")
class StudyAccessor:
    """Forwarding methods on a phasetrans study dataset (``ds.pt.<method>``)."""

    def __init__(self, ds: xr.Dataset) -> None:
        self._ds = ds

    def summary(self) -> xr.Dataset:
        """Dimension and test MSE around h_T per (training, teacher width, width).

        See :func:`phasetrans.summary.summarize`.
        """
        from phasetrans.summary import summarize

        return summarize(self._ds)

    def describe(
        self,
        variable: str = "dimension",
        spread: str = "se",
        *,
        keep_replicates: bool = False,
        n_resamples: int = BOOTSTRAP,
        seed: int = SEED,
    ) -> xr.Dataset:
        """Mean ± error over the disorder of an observable or a per-student variable.

        ``variable`` is a key of
        :data:`phasetrans.analysis.observables.OBSERVABLES` or a data variable
        of the study, read with diverged students left out
        (:func:`phasetrans.analysis.observables.student_variable`); the rest is
        :func:`phasetrans.analysis.describe.describe` (same arguments), whose
        ``attrs["spread"]`` says what the error is.
        """
        if variable in OBSERVABLES:
            da = OBSERVABLES[variable](self._ds)
        else:
            da = student_variable(self._ds, variable)
        return describe(
            da, spread, keep_replicates=keep_replicates, n_resamples=n_resamples, seed=seed
        )

    def dimension(self, training: str | None = None) -> xr.DataArray:
        """Effective dimension, the mean of :meth:`describe` (optionally of one training).

        With several teachers it is the mean of the teacher means; diverged
        students are left out.
        """
        dim = self.describe("dimension")["mean"]
        if training is None:
            return dim
        check_value(dim, "training", training)
        return dim.sel(training=training) if "training" in dim.dims else dim

    def observable(self, name: str = "delta_mse") -> xr.DataArray:
        """An observable (see :data:`phasetrans.analysis.observables.OBSERVABLES`).

        Raises
        ------
        AnalysisInputError
            (a ``ValueError``) for an unknown name.
        """
        if name not in OBSERVABLES:
            raise AnalysisInputError(
                f"observable={name!r}; allowed: {list(OBSERVABLES)}", field="observable", value=name
            )
        return OBSERVABLES[name](self._ds)

    def collapse_input(
        self,
        observable: str = "delta_mse",
        *,
        size: str = "width",
        control: str = "shift",
        training: str | None = None,
        teacher_width: int | None = None,
        width: int | None = None,
        at: Mapping[str, object] | None = None,
    ) -> xr.DataArray:
        """The ``(size, control, [teacher_seed], seed)`` array of the slice, defaults filled in.

        See :func:`phasetrans.analysis.defaults.default_slice` and
        :func:`phasetrans.analysis.collapse_input.collapse_array` (same arguments).
        """
        given = merge_given(
            {"training": training, "teacher_width": teacher_width, "width": width}, at
        )
        return slice_of(self._ds, observable, size, control, given)

    def collapse(
        self,
        observable: str = "delta_mse",
        *,
        size: str = "width",
        control: str = "shift",
        training: str | None = None,
        teacher_width: int | None = None,
        width: int | None = None,
        at: Mapping[str, object] | None = None,
        x_window: tuple[float, float] | None = None,
        fix: Mapping[str, float] | None = None,
        x_c: float | None = None,
        nu: float | None = None,
        zeta: float | None = None,
        corrections: bool = False,
        bootstrap: int = BOOTSTRAP,
        seed: int = SEED,
        min_overlap: float = 0.2,
        workers: int = 1,
        progress: bool | None = None,
    ) -> CollapseResult:
        """Finite-size-scaling collapse of one slice of the study, as ``phasetrans collapse``.

        Parameters
        ----------
        observable, size, control, training, teacher_width, width, at
            The slice (see :meth:`collapse_input`); what is not given comes
            from :mod:`phasetrans.analysis.defaults` (spectral, the widest
            width, the first value of every other swept dimension), and the
            teachers and students stay as the (two-level) bootstrap samples.
        x_window : (float, float), optional
            Control range used; default :math:`[-h_T, h_T]` for ``shift``,
            :math:`[-1, 1]` for ``ratio``, every value for a coordinate
            control (pass ``(-inf, inf)`` to use every pruning value).
        fix, x_c, nu, zeta, corrections, bootstrap, seed, min_overlap, workers
            As for :func:`phasetrans.analysis.scaling.collapse`; ``bootstrap``
            and ``seed`` default to the command line's (100 and 0).
        progress : bool, optional
            A bar over the bootstrap resamples; by default shown in Jupyter
            only (:func:`phasetrans.analysis.progress.wanted`).

        Returns
        -------
        CollapseResult
        """
        from phasetrans.analysis.collapse_input import control_dim, sample_dims
        from phasetrans.analysis.defaults import default_window
        from phasetrans.analysis.scaling import collapse

        da = self.collapse_input(
            observable,
            size=size,
            control=control,
            training=training,
            teacher_width=teacher_width,
            width=width,
            at=at,
        )
        require_seeds(da)
        return collapse(
            da,
            size,
            control_dim(control),
            sample_dim=sample_dims(da),
            fix=fix,
            x_window=x_window if x_window is not None else default_window(da),
            x_c=x_c,
            nu=nu,
            zeta=zeta,
            corrections=corrections,
            bootstrap=bootstrap,
            seed=seed,
            min_overlap=min_overlap,
            workers=workers,
            progress=wanted(progress),
        )

    def fit(
        self,
        observable: str = "delta_mse",
        *,
        model: str = "power",
        size: str = "width",
        control: str = "shift",
        training: str | None = None,
        teacher_width: int | None = None,
        width: int | None = None,
        at: Mapping[str, object] | None = None,
        side: str = "below",
        x_c: float = 0.0,
        window: float | tuple[float, float] | None = None,
        bootstrap: int = BOOTSTRAP,
        seed: int = SEED,
        vary_x_c: bool = False,
    ) -> TransitionFit:
        """Fit one transition model to one curve of the study, as ``phasetrans fit --model``.

        The curve is one size of :meth:`collapse_input`'s slice: the value of
        ``size`` given (``width=`` with ``size="width"``, or ``at={size: v}``),
        else the largest.  ``window`` defaults as :meth:`collapse`'s
        ``x_window``; the other arguments are those of
        :func:`phasetrans.analysis.exponents.fit_transition`.
        """
        from phasetrans.analysis.collapse_input import sample_dims
        from phasetrans.analysis.exponents import fit_transition

        given = merge_given(
            {"training": training, "teacher_width": teacher_width, "width": width}, at
        )
        curve, cdim, default = curve_slice(self._ds, observable, size, control, given)
        return fit_transition(
            curve,
            cdim,
            model=model,
            side=side,
            window=window if window is not None else default,
            bootstrap=bootstrap,
            seed=seed,
            x_c=x_c,
            sample_dim=sample_dims(curve),
            vary_x_c=vary_x_c,
        )

    def compare(
        self,
        observable: str = "delta_mse",
        *,
        models: Sequence[str] = ("power", "exponential", "step"),
        criterion: str = "aic",
        size: str = "width",
        control: str = "shift",
        training: str | None = None,
        teacher_width: int | None = None,
        width: int | None = None,
        at: Mapping[str, object] | None = None,
        side: str = "below",
        x_c: float = 0.0,
        window: float | tuple[float, float] | None = None,
        bootstrap: int = BOOTSTRAP,
        seed: int = SEED,
        progress: bool | None = None,
    ) -> ModelComparison:
        """Fit several models to one curve and rank them, as ``phasetrans fit`` (``--model all``).

        Arguments as :meth:`fit`, plus ``models`` and ``criterion`` of
        :func:`phasetrans.analysis.exponents.compare_models`; ``progress`` is a
        bar over the models, by default shown in Jupyter only.  One line in a
        notebook: ``ds.pt.compare()``; ``comparison["power"]`` is one model's fit.
        """
        from phasetrans.analysis.collapse_input import sample_dims
        from phasetrans.analysis.exponents import compare_models

        given = merge_given(
            {"training": training, "teacher_width": teacher_width, "width": width}, at
        )
        curve, cdim, default = curve_slice(self._ds, observable, size, control, given)
        return compare_models(
            curve,
            cdim,
            models=models,
            criterion=criterion,
            side=side,
            window=window if window is not None else default,
            bootstrap=bootstrap,
            seed=seed,
            x_c=x_c,
            sample_dim=sample_dims(curve),
            progress=wanted(progress),
        )

    def transition(
        self,
        order: str | None = None,
        *,
        control: str = "alpha",
        size: str = "input_dim",
        training: str | None = None,
        at: Mapping[str, object] | None = None,
        levels: Sequence[float] = (0.2, 0.5, 0.8),
        fix: Mapping[str, float] | None = None,
        corrections: bool | None = None,
        bootstrap: int | None = None,
        collapse_bootstrap: int | None = None,
        systematics_bootstrap: int | None = None,
        systematics: bool = True,
        seed: int = 0,
    ) -> TransitionResult:
        """The transition analysis of one order parameter, as ``phasetrans transition``.

        See :func:`phasetrans.analysis.transition.transition` (same arguments;
        ``bootstrap`` defaults to the command line's).
        """
        from phasetrans.analysis.transition import transition
        from phasetrans.analysis.transition.analysis import BOOTSTRAP

        return transition(
            self._ds,
            order,
            control=control,
            size=size,
            training=training,
            at=at,
            levels=levels,
            fix=fix,
            corrections=corrections,
            bootstrap=BOOTSTRAP if bootstrap is None else bootstrap,
            collapse_bootstrap=collapse_bootstrap,
            systematics_bootstrap=systematics_bootstrap,
            systematics=systematics,
            seed=seed,
        )

    def topology(
        self,
        *,
        retained: str | int | xr.DataArray = "dimension",
        training: str | Sequence[str] | None = None,
        threshold: float = COSINE_MATCH,
        normalize: str = "max",
        n_points: int = 200,
    ) -> xr.Dataset:
        """Teacher–student topology metrics.

        See :func:`phasetrans.analysis.topology.compare_topology`.
        """
        from phasetrans.analysis.topology import compare_topology

        return compare_topology(
            self._ds,
            retained=retained,
            training=training,
            threshold=threshold,
            normalize=normalize,  # type: ignore[arg-type]
            n_points=n_points,
        )

    def plot_pruning_curves(
        self,
        *,
        teacher_width: int | None = None,
        training: str | Sequence[str] | None = None,
        xmax: float | None = None,
        ax: Axes | Sequence[Axes] | None = None,
    ) -> Figure:
        """Figure of test MSE against retained nodes.

        See :func:`phasetrans.plots.pruning.plot_pruning_curves`.
        """
        from phasetrans.plots.pruning import plot_pruning_curves

        return plot_pruning_curves(
            self._ds, teacher_width=teacher_width, training=training, xmax=xmax, ax=ax
        )
