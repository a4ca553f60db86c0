"""Data shipped with bayesurv.

* :func:`shi2021_published`: the hazard ratios published by Shi et al. (2021),
  doi:10.1007/s12072-021-10199-2, and :func:`to_treated_vs_reference` to put them in
  bayesurv's orientation (treated vs reference).
* :func:`shi2021`: a **synthetic** cohort calibrated to that article's published summaries;
  it is not the trial's patients (their data are not public).
* :func:`mgus2`: a public illness-death data set (real patients; R survival's ``mgus2``,
  Kyle et al., N Engl J Med 2002).
"""

from bayesurv.datasets.mgus2 import mgus2
from bayesurv.datasets.shi2021 import shi2021, shi2021_published, to_treated_vs_reference

__all__ = ["mgus2", "shi2021", "shi2021_published", "to_treated_vs_reference"]
