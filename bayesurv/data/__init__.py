"""Patient data and the exposure tables built from it (events and person-time per piece)."""

from bayesurv.data.survival_data import SurvivalData

__all__ = ["SurvivalData"]
