"""Choices a model makes from its data, fixed once for several data sets.

A model's defaults look at the data: the baseline pieces sit at event-time quantiles, a
change-point grid keeps the candidates with events on both sides.  When one model is fitted
to K reconstructions of the same curves and their posteriors are pooled
(:mod:`bayesurv.inference.pooled`), every fit must have the same parameters and the same
shapes (one compiled model serves them all), so these choices are made once:
:meth:`Pinning.pinned` returns a copy of the model with them fixed.
"""

from __future__ import annotations

import copy

from bayesurv.model.arrays import resolve_baseline

__all__ = ["Pinning"]


class Pinning:
    """The :meth:`pinned` step of every model kind (a mix-in of
    :class:`~bayesurv.model.kind.HazardModel`; a kind with its own data-dependent choices
    extends it)."""

    def pinned(self, datas):
        """A copy of this model whose data-dependent choices are the same for every data
        set of ``datas``: the baseline cuts are those chosen on the first data set (its
        default cuts unless the model gives its own), a single piece when there are none.

        Examples
        --------
        >>> model = bs.PiecewiseExponential(cuts=[13])
        >>> model.pinned([data]).baseline.tolist(), model.baseline
        ([4.03, 6.94, 11.8, 13.0, 27.7, 42.5, 50.3], None)
        """
        other = copy.copy(self)
        cuts = resolve_baseline(datas[0], self.baseline, keep=self.baseline_keeps())
        other.baseline = cuts if cuts.size else 1
        return other
