"""Shared machinery of the value models: input checks, row collapsing, optimisation, JSON persistence.

A fit is optimised on log-parameters (all parameters are positive) with L-BFGS-B. Customers with
identical inputs are collapsed into one weighted row first (as lifetimes' ``weights``), so the cost
of a fit depends on the number of distinct (frequency, recency, T) triples, not on customers.
Fits are saved as JSON (model name, format version, parameters, log-likelihood, data fingerprint) and
checked on load; never pickled.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from scipy.optimize import minimize

from onefold.errors import ConvergenceError, InputError, Location, NotFittedError
from onefold.value._columns import check_values, first_bad_row

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
PARAM_RANGE = (1e-6, 1e6)
"""Fitted parameters outside this range mean the likelihood has no interior optimum (degenerate data)."""
ArrayLike = Any


def as_array(values: ArrayLike, name: str) -> np.ndarray:
    """1-D float64 array of finite, non-negative values; errors name the column and first bad row."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"expected numbers ({exc})", location=Location(field=name)) from exc
    arr = np.atleast_1d(arr)
    check_values(arr, name)
    return arr


def check_rfm(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (frequency, recency, T) as the BG/NBD and Pareto/NBD likelihoods require."""
    x, tx, t = as_array(frequency, "frequency"), as_array(recency, "recency"), as_array(T, "T")
    x, tx, t = np.broadcast_arrays(x, tx, t)
    if x.size == 0:
        raise InputError("no customers", location=Location(field="frequency"), remedy="the input is empty")
    checks = [
        (tx > t + 1e-9, "recency", "recency is greater than T"),
        ((x == 0) & (tx > 0), "recency", "recency must be 0 when frequency is 0"),
        ((x > 0) & (t <= 0), "T", "T must be positive for a repeat customer"),
        (x != np.floor(x), "frequency", "frequency must be a whole number"),
    ]
    for bad, name, problem in checks:
        if bad.any():
            raise InputError(
                f"{problem} for {int(bad.sum())} customer(s); the first is here",
                location=Location(row=first_bad_row(bad), field=name),
            )
    return x, tx, t


def collapse(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Distinct rows of the stacked columns, their counts, and the inverse index back to the input.

    Each column is factorised on its own (1-D sorts are fast), the codes are combined into one
    integer key in mixed radix, and that key is made unique: far faster than ``np.unique(axis=0)``.
    """
    n = columns[0].shape[0]
    key = np.zeros(n, dtype=np.int64)
    uniques = []
    radix = 1
    for col in columns:
        vals, inv = np.unique(col, return_inverse=True)
        if radix * len(vals) >= 2**62:  # key would overflow: compress what we have so far
            _, key = np.unique(key, return_inverse=True)
            radix = int(key.max()) + 1
        key = key * len(vals) + inv.reshape(-1)
        radix *= len(vals)
        uniques.append(vals)
    _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return [np.asarray(col)[first] for col in columns], counts.astype(np.float64), inverse.reshape(-1)


def fingerprint(*columns: np.ndarray) -> str:
    """SHA-256 of the data a model was fitted on (order-sensitive), to check a saved fit on reload."""
    digest = hashlib.sha256()
    for col in columns:
        digest.update(np.ascontiguousarray(col, dtype=np.float64).tobytes())
    return digest.hexdigest()


class FittedModel:
    """Base of BetaGeo, ParetoNBD and GammaGamma: parameters, fit state, persistence.

    Args:
        penalizer: L2 penalty on the parameters (lifetimes' ``penalizer_coef``); 0 is plain maximum
            likelihood. A small value (0.001) helps when the fit does not converge.
    """

    name: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]

    def __init__(self, *, penalizer: float = 0.0) -> None:
        if penalizer < 0:
            raise InputError("penalizer must be >= 0", location=Location(field="penalizer"))
        self.penalizer = penalizer
        self.params_: dict[str, float] | None = None
        self.log_likelihood_: float | None = None
        self.converged_: bool = False
        self.fingerprint_: str | None = None
        self.n_: int = 0

    # -- fitted state -------------------------------------------------------------------------
    @property
    def params(self) -> dict[str, float]:
        if self.params_ is None:
            raise NotFittedError(
                f"{self.name} has no parameters yet", remedy=f"call {self.name}().fit(...) or {self.name}.load(path)"
            )
        return dict(self.params_)

    @property
    def log_likelihood(self) -> float:
        self.params  # noqa: B018 - raises NotFittedError
        assert self.log_likelihood_ is not None
        return self.log_likelihood_

    def _p(self) -> tuple[float, ...]:
        params = self.params
        return tuple(params[n] for n in self.param_names)

    def __repr__(self) -> str:
        if self.params_ is None:
            return f"{self.name}(not fitted)"
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{self.name}({inner}, log_likelihood={self.log_likelihood_:.2f})"

    # -- predictions on distinct rows ---------------------------------------------------------
    def _expected(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        """E[Y(t) | x, t_x, T] on already validated, distinct rows (models that predict purchases)."""
        raise NotImplementedError(f"{self.name} does not predict purchases")

    def _by_distinct_rows(self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Validate, collapse identical (x, t_x, T, t) rows, evaluate ``_expected`` once per row kind."""
        self.params  # noqa: B018 - raises NotFittedError before any work
        x, tx, t_ = check_rfm(frequency, recency, T)
        x, tx, t_, tt = np.broadcast_arrays(x, tx, t_, as_array(t, "t"))
        (ux, utx, uT, ut), _, inverse = collapse(x, tx, t_, tt)
        return np.asarray(self._expected(ut, ux, utx, uT)[inverse])

    # -- optimisation -------------------------------------------------------------------------
    def _optimise(
        self,
        neg_ll: Callable[[np.ndarray], tuple[float, np.ndarray] | float],
        *,
        n_obs: float,
        jac: bool,
        x0: np.ndarray | None = None,
    ) -> np.ndarray:
        """Minimise the mean negative log-likelihood over log-parameters; returns the parameters.

        ``neg_ll(log_params)`` returns the summed negative log-likelihood (and its gradient with
        respect to the log-parameters when ``jac``).
        """
        pen = self.penalizer

        def objective(theta: np.ndarray) -> Any:
            with np.errstate(all="ignore"):
                res = neg_ll(theta)
            params = np.exp(theta)
            if jac:
                value, grad = res  # type: ignore[misc]
                value = value / n_obs + pen * float(params @ params)
                grad = grad / n_obs + 2 * pen * params * params
                if not np.isfinite(value):
                    return 1e300, np.zeros_like(theta)
                return value, grad
            value = float(res) / n_obs + pen * float(params @ params)  # type: ignore[arg-type]
            return value if np.isfinite(value) else 1e300

        start = np.zeros(len(self.param_names)) if x0 is None else x0
        res = minimize(objective, start, jac=jac, method="L-BFGS-B", options={"maxiter": 2000})
        grad = res.jac if jac else None
        ok = bool(np.isfinite(res.fun)) and res.fun < 1e299 and (
            res.success or (grad is not None and float(np.max(np.abs(grad))) < 1e-4)
        )
        if not ok:
            raise ConvergenceError(
                f"{self.name} fit did not converge ({res.message})",
                remedy="check the input summary (frequency/recency/T units), or set penalizer=0.001",
            )
        params = np.exp(res.x)
        if np.any(params < PARAM_RANGE[0]) or np.any(params > PARAM_RANGE[1]):
            found = ", ".join(f"{k}={v:.3g}" for k, v in zip(self.param_names, params, strict=True))
            raise ConvergenceError(
                f"{self.name} parameters ran off to a boundary ({found}): the data shows no heterogeneity "
                "the model can estimate",
                remedy="check the summary (are frequency, recency and T all equal?), or set penalizer=0.001",
            )
        self.converged_ = True
        log.debug("%s fit: %s iterations, %s", self.name, res.nit, res.message)
        return params

    def _fit_rfm(self, loglik: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray],
                 frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Self:
        """Fit an (x, t_x, T) model from its per-row ``loglik(params, x, tx, T)``, numerical gradients."""
        x, tx, t = check_rfm(frequency, recency, T)
        (ux, utx, ut), w, _ = collapse(x, tx, t)

        def neg_ll(theta: np.ndarray) -> float:
            return -float(loglik(np.exp(theta), ux, utx, ut) @ w)

        params = self._optimise(neg_ll, n_obs=float(w.sum()), jac=False)
        self._set_fit(params, float(loglik(params, ux, utx, ut) @ w), int(x.size), fingerprint(x, tx, t))
        return self

    def _set_fit(self, params: np.ndarray, log_likelihood: float, n: int, fp: str) -> None:
        self.params_ = {k: float(v) for k, v in zip(self.param_names, params, strict=True)}
        self.log_likelihood_ = float(log_likelihood)
        self.n_ = n
        self.fingerprint_ = fp

    # -- persistence --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "format_version": FORMAT_VERSION,
            "params": self.params,
            "log_likelihood": self.log_likelihood,
            "n_customers": self.n_,
            "penalizer": self.penalizer,
            "data_fingerprint": self.fingerprint_,
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))

    @classmethod
    def load(cls, path: str | Path, *, expect_fingerprint: str | None = None) -> Self:
        """Load a JSON fit; rejects another model's file, a newer format, or (when given) other data."""
        where = Location(source=str(path))
        try:
            doc = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read fit ({exc})", location=where) from exc
        if doc.get("model") != cls.name:
            raise InputError(f"this file holds a {doc.get('model')!r} fit, not {cls.name}", location=where)
        if doc.get("format_version") != FORMAT_VERSION:
            raise InputError(f"unsupported fit format {doc.get('format_version')!r}", location=where)
        if expect_fingerprint is not None and doc.get("data_fingerprint") != expect_fingerprint:
            raise InputError(
                "the fit was made on different data", location=where, remedy="refit on the current data"
            )
        params = doc.get("params", {})
        if set(params) != set(cls.param_names) or not all(
            isinstance(v, int | float) and v > 0 for v in params.values()
        ):
            raise InputError(f"parameters must be positive numbers {cls.param_names}", location=where)
        model = cls(penalizer=float(doc.get("penalizer", 0.0)))
        model._set_fit(
            np.array([params[n] for n in cls.param_names], dtype=np.float64),
            float(doc["log_likelihood"]),
            int(doc.get("n_customers", 0)),
            str(doc.get("data_fingerprint")),
        )
        model.converged_ = True
        return model
