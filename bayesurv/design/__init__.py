"""Trial design: simulate two-arm trials with delayed treatment effects and find the power of
log-rank, weighted log-rank, MaxCombo, RMST and landmark Cox tests, and of the Bayesian
decision rule of a bayesurv model calibrated under the null.

Examples
--------
>>> import bayesurv as bs
>>> sc = bs.design.Scenario(control_hazard=[0.03], hazard_ratio=[1.0, 0.6], hr_cuts=[13])
>>> sc.survival([12], "treatment").round(3).tolist()
[0.698]
"""

from bayesurv.design.accrual import Accrual
from bayesurv.design.bayes import BayesRule
from bayesurv.design.group_sequential import boundaries
from bayesurv.design.scenario import PosteriorScenario, Scenario
from bayesurv.design.search import SampleSize, power_curve, sample_size
from bayesurv.design.simulate import DesignResult, calibrate, simulate

__all__ = ["Accrual", "BayesRule", "DesignResult", "PosteriorScenario", "SampleSize",
           "Scenario", "boundaries", "calibrate", "power_curve", "sample_size", "simulate"]
