r"""The teacher's own pruning curve: the zero-parameter reference for the students'.

A student's pruning curve (``test_mse`` over ``retained``) keeps its top-``n``
hidden nodes by importance and measures the test MSE against the teacher.  The
same operation applied to the teacher itself — the paper's regression teacher
``y = Σ_k relu(Σ_i relu(x · w1[:, i]) w2[i, k])`` — keeps its top-``n`` first
hidden nodes and measures the MSE of the pruned teacher against the full one.
It has no trained parameter, so it says what pruning costs the *function*
being learnt: a student that has become the teacher (claim 3 of the paper)
prunes like it.

Node importance of the teacher, :func:`teacher_importance`:

- ``"incoming"``: :math:`\|w_1[:, i]\|_2 \sqrt{h_T}`, the analogue of the
  students' :math:`r_i = |\lambda_i| \|\phi_{\cdot i}\|_2 \sqrt{W}` (the norm of
  the node's incoming effective weights, rescaled by the width);
- ``"path"``: :math:`\|w_1[:, i]\|_2 \|w_2[i, :]\|_2`, the incoming norm times
  the outgoing one, unchanged by the ReLU rescaling
  :math:`w_1[:, i] \to c\,w_1[:, i]`, :math:`w_2[i, :] \to w_2[i, :]/c` that
  leaves the function unchanged.

:func:`teacher_pruning_curve` also takes ``rule="greedy"``: no node norm, but
backward elimination on inputs drawn apart from the test inputs (repeatedly
drop the node whose removal raises the MSE least), an estimate of the best
order, to tell a bad ranking rule from a function that is costly to prune.

The analysis layer never imports torch: the curve is computed with numpy on
fresh inputs ``x ~ N(0, I_d)`` (the distribution of every study's test set).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr

from phasetrans.errors import AnalysisInputError

__all__ = [
    "TEACHER_CURVE_RULES",
    "TEACHER_IMPORTANCE_RULES",
    "teacher_importance",
    "teacher_pruning_curve",
]

#: Importance rules of the teacher's nodes (see the module docstring).
TEACHER_IMPORTANCE_RULES: tuple[str, ...] = ("incoming", "path")
#: Orders of :func:`teacher_pruning_curve`: the importance rules and greedy elimination.
TEACHER_CURVE_RULES: tuple[str, ...] = (*TEACHER_IMPORTANCE_RULES, "greedy")

_INPUT, _NODE, _HIDDEN2, _RETAINED = "input", "teacher_node", "hidden2", "retained"

#: Test inputs per chunk of the sweep (bounds the ``(chunk, h_T + 1, h2)`` buffer).
_CHUNK = 2048


def _check_rule(rule: str, allowed: tuple[str, ...] = TEACHER_IMPORTANCE_RULES) -> None:
    if rule not in allowed:
        raise AnalysisInputError(
            f"rule: {rule!r} is not allowed; use one of {', '.join(allowed)}",
            field="rule",
            value=rule,
        )


def _check_weights(w1: xr.DataArray, w2: xr.DataArray) -> None:
    for name, da, dims in (("w1", w1, (_INPUT, _NODE)), ("w2", w2, (_NODE, _HIDDEN2))):
        if not isinstance(da, xr.DataArray):
            raise AnalysisInputError(
                f"{name} is a {type(da).__name__}; allowed: xarray.DataArray", field=name, value=da
            )
        missing = [d for d in dims if d not in da.dims]
        if missing:
            raise AnalysisInputError(
                f"{name}: lacks dimension(s) {', '.join(missing)}; it needs {', '.join(dims)} "
                f"(it has {', '.join(map(str, da.dims))})",
                field=name,
                value=tuple(map(str, da.dims)),
            )
    if w1.sizes[_NODE] != w2.sizes[_NODE]:
        raise AnalysisInputError(
            f"w1 has {w1.sizes[_NODE]} teacher nodes and w2 {w2.sizes[_NODE]}; they must agree",
            field="w2",
            value=w2.sizes[_NODE],
        )


def teacher_importance(
    w1: xr.DataArray, w2: xr.DataArray, rule: Literal["incoming", "path"] = "incoming"
) -> xr.DataArray:
    r"""Importance of every first-hidden node of a teacher.

    Parameters
    ----------
    w1 : xarray.DataArray
        ``(..., input, teacher_node)`` first-layer weights (a study's ``teacher_w1``).
    w2 : xarray.DataArray
        ``(..., teacher_node, hidden2)`` second-layer weights (``teacher_w2``).
    rule : {"incoming", "path"}
        ``"incoming"``: :math:`\|w_1[:, i]\|_2\sqrt{h_T}` (the students' rule);
        ``"path"``: :math:`\|w_1[:, i]\|_2\|w_2[i, :]\|_2`.

    Returns
    -------
    xarray.DataArray
        ``(..., teacher_node)``; NaN for a padded node (NaN weights), and
        :math:`h_T` counts the finite nodes of each teacher.

    Raises
    ------
    AnalysisInputError
        (field ``rule``, ``w1`` or ``w2``) for an unknown rule, a missing
        dimension or node counts that disagree.
    """
    _check_rule(rule)
    _check_weights(w1, w2)
    incoming = np.sqrt((w1.astype(float) ** 2).sum(_INPUT, skipna=False))
    if rule == "incoming":
        width = incoming.notnull().sum(_NODE)
        out = incoming * np.sqrt(width)
    else:
        out = incoming * np.sqrt((w2.astype(float) ** 2).sum(_HIDDEN2, skipna=False))
    out.name = "teacher_importance"
    out.attrs = {"rule": rule}
    return out


def _greedy_order(w1: np.ndarray, w2: np.ndarray, nodes: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``nodes`` in keep-first order by backward elimination on the inputs ``x``."""
    parts = np.maximum(x @ w1[:, nodes], 0.0)[:, :, None] * w2[nodes][None]  # (b, k, h2)
    full = np.maximum(parts.sum(axis=1), 0.0).sum(axis=-1)
    remaining, removed = list(range(len(nodes))), []
    while remaining:
        pre = parts[:, remaining].sum(axis=1)  # (b, h2)
        out = np.maximum(pre[:, None] - parts[:, remaining], 0.0).sum(axis=-1)  # (b, k)
        cost = ((out - full[:, None]) ** 2).mean(axis=0)
        removed.append(remaining.pop(int(np.argmin(cost))))
    return nodes[removed[::-1]]


def _sweep(w1: np.ndarray, w2: np.ndarray, order: np.ndarray, x: np.ndarray) -> np.ndarray:
    """MSE of the teacher with its first ``n`` nodes of ``order`` kept, ``n = 0 … len(order)``."""
    w1s, w2s = w1[:, order], w2[order, :]
    sq = np.zeros(len(order) + 1)
    for start in range(0, x.shape[0], _CHUNK):
        h1 = np.maximum(x[start : start + _CHUNK] @ w1s, 0.0)  # (b, k)
        pre = np.zeros((h1.shape[0], len(order) + 1, w2s.shape[1]))
        np.cumsum(h1[:, :, None] * w2s[None], axis=1, out=pre[:, 1:])
        out = np.maximum(pre, 0.0).sum(axis=-1)  # (b, k + 1)
        sq += ((out - out[:, -1:]) ** 2).sum(axis=0)
    return sq / x.shape[0]


def teacher_pruning_curve(
    w1: xr.DataArray,
    w2: xr.DataArray,
    *,
    rule: Literal["incoming", "path", "greedy"] = "incoming",
    n_test: int = 10_000,
    seed: int = 0,
) -> xr.DataArray:
    r"""Test MSE of the teacher with only its top-``n`` first-hidden nodes kept, for all ``n``.

    Parameters
    ----------
    w1 : xarray.DataArray
        ``(..., input, teacher_node)`` first-layer weights (a study's ``teacher_w1``).
    w2 : xarray.DataArray
        ``(..., teacher_node, hidden2)`` second-layer weights (``teacher_w2``).
    rule : {"incoming", "path", "greedy"}
        The node importance, see :func:`teacher_importance` (larger is kept
        first, ties by node index), or ``"greedy"``: backward elimination on
        ``n_test`` further inputs drawn after the test inputs.
    n_test : int
        Test inputs ``x ~ N(0, I_d)``; the same inputs serve every teacher.
    seed : int
        Seed of the test inputs (:func:`numpy.random.default_rng`).

    Returns
    -------
    xarray.DataArray
        ``(..., retained)`` with ``retained = 0 … h_T``: the mean over the
        test inputs of :math:`(y_n(x) - y(x))^2`, where :math:`y_n` is the
        teacher with its ``n`` most important nodes kept (the others'
        outgoing weights set to 0).  ``retained = h_T`` gives 0;
        ``retained = 0`` gives :math:`E[y^2]`, the MSE of predicting the
        output offset of the empty network (0: the teacher has no bias).
        NaN where ``retained`` exceeds a teacher's width (padded nodes).

    Raises
    ------
    AnalysisInputError
        (field ``rule``, ``w1``, ``w2``, ``n_test`` or ``seed``) for an
        unknown rule, a missing dimension, node counts that disagree, or a
        non-positive ``n_test``.

    Notes
    -----
    With the nodes in importance order :math:`\sigma`, the second layer's
    pre-activation with ``n`` nodes kept is the cumulative sum
    :math:`\sum_{m<n} \mathrm{relu}(x \cdot w_1[:, \sigma_m])\, w_2[\sigma_m, :]`,
    so every ``n`` costs one pass, as in the students' sweep
    (:func:`phasetrans.backend.prune.pruning_sweep`).
    """
    if not isinstance(n_test, int | np.integer) or isinstance(n_test, bool) or n_test < 1:
        raise AnalysisInputError(
            f"n_test: {n_test!r} is not allowed; use a positive integer",
            field="n_test",
            value=n_test,
        )
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise AnalysisInputError(
            f"seed: {seed!r} is not allowed; use an integer >= 0", field="seed", value=seed
        )
    _check_rule(rule, TEACHER_CURVE_RULES)
    importance = teacher_importance(w1, w2, "incoming" if rule == "greedy" else rule)
    other = [str(d) for d in importance.dims if d != _NODE]
    w1v = w1.astype(float).transpose(*other, _INPUT, _NODE, missing_dims="ignore")
    w2v = w2.astype(float).transpose(*other, _NODE, _HIDDEN2, missing_dims="ignore")
    w1v, w2v = (da.broadcast_like(importance.isel({_NODE: 0}, drop=True)) for da in (w1v, w2v))
    w1v = w1v.transpose(*other, _INPUT, _NODE).values
    w2v = w2v.transpose(*other, _NODE, _HIDDEN2).values
    imp = importance.transpose(*other, _NODE).values
    width = imp.shape[-1]
    rng = np.random.default_rng(int(seed))
    x = rng.standard_normal((int(n_test), w1v.shape[-2]))
    x_order = rng.standard_normal((int(n_test), w1v.shape[-2])) if rule == "greedy" else None
    mse = np.full((*imp.shape[:-1], width + 1), np.nan)
    for index in np.ndindex(*imp.shape[:-1]):
        finite = np.flatnonzero(np.isfinite(imp[index]))
        order = finite[np.argsort(-imp[index][finite], kind="stable")]
        if x_order is not None:
            order = _greedy_order(w1v[index], w2v[index], finite, x_order)
        mse[(*index, slice(0, len(order) + 1))] = _sweep(w1v[index], w2v[index], order, x)
    coords = {name: c for name, c in importance.coords.items() if _NODE not in c.dims}
    out = xr.DataArray(
        mse, dims=[*other, _RETAINED], coords={**coords, _RETAINED: np.arange(width + 1)}
    )
    out.name = "teacher_test_mse"
    out.attrs = {
        "long_name": "test MSE of the teacher with its top-n first hidden nodes kept",
        "rule": rule,
        "n_test": int(n_test),
        "seed": int(seed),
    }
    return out
