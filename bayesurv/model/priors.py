"""Prior distributions as objects, and the named prior sets.

A :class:`PriorSet` holds one prior per role.  Users pick a named set
(``"default"``, ``"skeptical"``, ``"enthusiastic"``, ``"vague"``) and override roles by name::

    bs.ChangePoint(near=13, priors={"log_hr": bs.priors.Normal(0, 0.5)})
    bs.PiecewiseExponential(cuts=[13], priors="skeptical")

Roles
-----
log_hr
    Treatment log hazard ratio (treated vs reference) in every period (before and after a
    change-point alike).
baseline_level
    Log baseline hazard of the first baseline piece, *relative to the crude event rate* of the
    data (total events / total person-time), which makes the prior invariant to the time unit.
    Set ``baseline_centre`` to a log rate (per time unit) to centre it there instead, e.g. for
    simulation-based calibration, where the prior must not depend on the data.
baseline_step
    Change of the log baseline hazard from one baseline piece to the next: the smoothing
    prior between neighbours (a random walk).
covariate
    Log hazard ratio per standard deviation of each covariate: the model centres each
    covariate and divides it by its SD in the data, so a change of unit (age in days instead
    of years) does not change the prior's meaning or the answer.  ``fit.covariate_effects()``
    reports the HR per SD and per unit.

What the named sets imply for the treatment HR (per period):

============  ======================  ===========  ===========  ====================
set           log HR prior            P(HR < 0.5)  P(HR > 1)    central 95% of HR
============  ======================  ===========  ===========  ====================
default       Normal(0, 1)            0.244        0.50         0.14 - 7.1
skeptical     Normal(0, 0.421)        0.05         0.50         0.44 - 2.3
enthusiastic  Normal(log 0.5, 0.421)  0.50         0.05         0.22 - 1.1
vague         Normal(0, 10)           0.47         0.50         (flat in practice)
============  ======================  ===========  ===========  ====================

The skeptical sd is ``log(2) / 1.645`` so that P(HR < 0.5) = 5%; the enthusiastic set is its
mirror image, centred on the hoped-for HR of 0.5 with P(HR > 1) = 5% (Spiegelhalter,
Freedman & Parmar, J R Stat Soc A 1994;157:357-416).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
from scipy import stats

from bayesurv.base.checks import check_finite_number
from bayesurv.base.exceptions import PriorError

__all__ = ["Normal", "PriorSet", "get_prior_set", "named_prior_sets"]

SKEPTICAL_SD = float(np.log(2.0) / stats.norm.ppf(0.95))
# Every prior here is on a log scale (log HR, log hazard).  Beyond these bounds a prior is
# not a belief but a numerical accident: exp(30) is 10^13, and a sigma of 100 already puts
# HRs of 10^85 inside the central 95%; below 1e-6 a prior is a point mass and the sampler's
# step size collapses.
MAX_LOG_SCALE_MEAN = 30.0
SIGMA_RANGE = (1e-6, 100.0)


@dataclass(frozen=True)
class Normal:
    """Normal prior with mean ``mu`` and standard deviation ``sigma`` (> 0).

    Examples
    --------
    >>> Normal(0, 0.5).prob_below(np.log(0.5))  # P(HR < 0.5) for a log-HR prior
    0.0828...
    """

    mu: float = 0.0
    sigma: float = 1.0

    def __post_init__(self):
        mu = check_finite_number(self.mu, "mu", "Normal prior", PriorError)
        sigma = check_finite_number(self.sigma, "sigma", "Normal prior", PriorError)
        if sigma <= 0:
            raise PriorError(f"Normal prior: sigma must be > 0, got {sigma:g}")
        if abs(mu) > MAX_LOG_SCALE_MEAN:
            raise PriorError(f"Normal prior: mu = {mu:g} is on the log scale (a factor of "
                             f"exp({mu:g})); use |mu| <= {MAX_LOG_SCALE_MEAN:g}")
        low, high = SIGMA_RANGE
        if not low <= sigma <= high:
            raise PriorError(f"Normal prior: sigma = {sigma:g} on the log scale is outside "
                             f"{low:g} to {high:g}, where sampling stays numerically sound "
                             "(the 'vague' set uses 10)")
        object.__setattr__(self, "mu", mu)
        object.__setattr__(self, "sigma", sigma)

    def create(self, name: str, *, shift: float = 0.0, **kwargs):
        """Create the PyMC variable (inside a model context).

        Examples
        --------
        >>> import pymc as pm
        >>> with pm.Model() as model:
        ...     log_hr = Normal(0, 0.5).create("log_hr", shift=1.0)
        >>> log_hr.name, model.initial_point()["log_hr"]  # the shift moves the mean
        ('log_hr', array(1.))
        """
        import pymc as pm

        return pm.Normal(name, mu=self.mu + shift, sigma=self.sigma, **kwargs)

    def logpdf(self, x):
        """Log density at ``x`` (numpy).

        Examples
        --------
        >>> round(float(Normal(0, 1).logpdf(0.0)), 4)  # -log(sqrt(2 pi))
        -0.9189
        """
        return stats.norm.logpdf(x, self.mu, self.sigma)

    def prob_below(self, x: float) -> float:
        """P(value < x).

        Examples
        --------
        >>> Normal(0, 1).prob_below(0.0)
        0.5
        """
        return float(stats.norm.cdf(x, self.mu, self.sigma))

    def interval(self, mass: float = 0.95) -> tuple[float, float]:
        """Central interval holding ``mass`` of the prior.

        Examples
        --------
        >>> lo, hi = Normal(0, 1).interval(0.95)  # on the log HR scale
        >>> round(float(np.exp(lo)), 2), round(float(np.exp(hi)), 1)
        (0.14, 7.1)
        """
        lo, hi = stats.norm.interval(mass, self.mu, self.sigma)
        return float(lo), float(hi)

    def describe(self) -> str:
        """Short text such as ``"Normal(0, 1)"``.

        Examples
        --------
        >>> Normal(np.log(0.5), 0.25).describe()
        'Normal(-0.6931, 0.25)'
        """
        return f"Normal({self.mu:.4g}, {self.sigma:.4g})"


@dataclass(frozen=True)
class PriorSet:
    """One prior per role; see the module docstring for the roles.

    Examples
    --------
    >>> ps = PriorSet.named("skeptical").override({"covariate": Normal(0, 0.5)})
    >>> ps.log_hr.describe()
    'Normal(0, 0.4214)'
    """

    name: str = "default"
    log_hr: Normal = Normal(0.0, 1.0)
    baseline_level: Normal = Normal(0.0, 2.0)
    baseline_step: Normal = Normal(0.0, 1.0)
    covariate: Normal = Normal(0.0, 1.0)
    baseline_centre: float | None = None

    def __post_init__(self):
        if self.baseline_centre is not None:
            centre = check_finite_number(self.baseline_centre, "baseline_centre", "PriorSet",
                                         PriorError)
            if abs(centre) > MAX_LOG_SCALE_MEAN:
                raise PriorError(f"PriorSet: baseline_centre = {centre:g} is a log rate per "
                                 f"time unit; use |baseline_centre| <= {MAX_LOG_SCALE_MEAN:g}")
            object.__setattr__(self, "baseline_centre", centre)

    def centre(self, crude_log_rate: float) -> float:
        """Where ``baseline_level`` is centred: the crude rate or ``baseline_centre``.

        Examples
        --------
        >>> PriorSet().centre(-5.0), PriorSet(baseline_centre=-3.0).centre(-5.0)
        (-5.0, -3.0)
        """
        return crude_log_rate if self.baseline_centre is None else self.baseline_centre

    @classmethod
    def named(cls, name: str) -> PriorSet:
        """One of the named sets: ``default``, ``skeptical``, ``enthusiastic``, ``vague``.

        Examples
        --------
        >>> PriorSet.named("enthusiastic").log_hr.describe()
        'Normal(-0.6931, 0.4214)'
        """
        sets = named_prior_sets()
        if name not in sets:
            raise PriorError(f"unknown prior set {name!r}; choose one of {sorted(sets)}")
        return sets[name]

    def override(self, overrides: Mapping[str, object]) -> PriorSet:
        """A copy with some roles replaced; unknown role names are errors.

        Examples
        --------
        >>> ps = PriorSet.named("default").override({"log_hr": Normal(0, 0.5)})
        >>> ps.name, ps.log_hr.describe(), ps.baseline_step.describe()
        ('default (modified)', 'Normal(0, 0.5)', 'Normal(0, 1)')
        """
        roles = self.roles()
        overrides = dict(overrides)
        centre = overrides.pop("baseline_centre", self.baseline_centre)
        for key, value in overrides.items():
            if key not in roles:
                raise PriorError(f"unknown prior role {key!r}; roles are {roles}")
            if not isinstance(value, Normal):
                raise PriorError(f"prior for {key!r} must be a bayesurv.model.priors.Normal, "
                                 f"got {value!r}")
        changed = overrides or centre != self.baseline_centre
        name = f"{self.name} (modified)" if changed else self.name
        return replace(self, name=name, baseline_centre=centre, **overrides)

    @staticmethod
    def roles() -> list[str]:
        """Names of the roles a user can override.

        Examples
        --------
        >>> PriorSet.roles()
        ['log_hr', 'baseline_level', 'baseline_step', 'covariate']
        """
        return [f.name for f in fields(PriorSet) if f.name not in ("name", "baseline_centre")]

    def to_dict(self) -> dict:
        """JSON-friendly description (stored in saved fits).

        Examples
        --------
        >>> d = PriorSet.named("default").to_dict()
        >>> d["name"], d["log_hr"]
        ('default', {'mu': 0.0, 'sigma': 1.0})
        """
        out = {"name": self.name, "baseline_centre": self.baseline_centre}
        for role in self.roles():
            prior = getattr(self, role)
            out[role] = {"mu": prior.mu, "sigma": prior.sigma}
        return out

    @classmethod
    def from_dict(cls, values: Mapping) -> PriorSet:
        """Inverse of :meth:`to_dict`.

        Examples
        --------
        >>> ps = PriorSet.named("skeptical")
        >>> PriorSet.from_dict(ps.to_dict()) == ps
        True
        """
        kwargs = {role: Normal(**values[role]) for role in cls.roles() if role in values}
        return cls(name=str(values.get("name", "custom")),
                   baseline_centre=values.get("baseline_centre"), **kwargs)

    def table(self) -> list[tuple[str, str]]:
        """(role, description) pairs, for reports.

        Examples
        --------
        >>> rows = PriorSet.named("skeptical").table()
        >>> rows[0], rows[-1]
        (('log_hr', 'Normal(0, 0.4214)'), ('baseline centre', 'crude event rate'))
        """
        rows = [(role, getattr(self, role).describe()) for role in self.roles()]
        centre = ("crude event rate" if self.baseline_centre is None
                  else f"log rate {self.baseline_centre:.4g}")
        return [*rows, ("baseline centre", centre)]


def named_prior_sets() -> dict[str, PriorSet]:
    """The named prior sets, keyed by name.

    Examples
    --------
    >>> {name: s.log_hr.describe() for name, s in named_prior_sets().items()}["skeptical"]
    'Normal(0, 0.4214)'
    """
    return {
        "default": PriorSet("default"),
        "skeptical": PriorSet("skeptical", log_hr=Normal(0.0, SKEPTICAL_SD)),
        "enthusiastic": PriorSet("enthusiastic", log_hr=Normal(float(np.log(0.5)), SKEPTICAL_SD)),
        "vague": PriorSet("vague", log_hr=Normal(0.0, 10.0), baseline_level=Normal(0.0, 10.0),
                          baseline_step=Normal(0.0, 10.0), covariate=Normal(0.0, 10.0)),
    }


def get_prior_set(priors) -> PriorSet:
    """Resolve what a user passed as ``priors=``.

    Parameters
    ----------
    priors : None, str, dict or PriorSet
        ``None`` for the default set, a set name, a dict of role overrides applied to the
        default set (a ``"set"`` key picks another base set), or a :class:`PriorSet`.

    Returns
    -------
    PriorSet

    Examples
    --------
    >>> ps = get_prior_set({"set": "skeptical", "covariate": Normal(0, 0.5)})
    >>> ps.name, ps.covariate.describe()
    ('skeptical (modified)', 'Normal(0, 0.5)')
    """
    if priors is None:
        return PriorSet.named("default")
    if isinstance(priors, PriorSet):
        return priors
    if isinstance(priors, str):
        return PriorSet.named(priors)
    if isinstance(priors, Mapping):
        overrides = dict(priors)
        base = PriorSet.named(str(overrides.pop("set", "default")))
        return base.override(overrides)
    raise PriorError(f"priors must be None, a set name, a dict of overrides or a PriorSet, "
                     f"got {type(priors).__name__}")
