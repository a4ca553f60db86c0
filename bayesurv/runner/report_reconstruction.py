"""The report's words on a fit pooled over reconstructions of digitized curves."""

from __future__ import annotations

from bayesurv.base.formatting import markdown_table
from bayesurv.inference.fit import Fit
from bayesurv.inference.reconstruction_share import reconstruction_note

__all__ = ["reconstruction_caption", "reconstruction_section"]


def reconstruction_section(fit: Fit) -> list[str]:
    """Markdown lines: how many reconstructions were pooled and the share of each log HR's
    posterior variance due to the reconstruction (nothing for a fit of one data set).

    Examples
    --------
    >>> reconstruction_section(fit)
    []
    """
    if fit.reconstructions is None:
        return []
    record = fit.sampler_settings
    share = fit.reconstruction_share()
    return ["## Reconstruction uncertainty", "",
            f"The model was fitted to each of {fit.reconstructions} plausible reconstructions "
            "of the patient rows (digitizing noise on the curve points, censorings placed at "
            "random within each risk-table interval) and the posteriors were pooled with equal "
            f"weights ({record['chains']} chains x {record['draws']} "
            "draws each). Every posterior table and figure of this report is of the pooled "
            "posterior; the frequentist comparison and the reconstruction diagnostics above "
            "are of the single reconstruction. Share of each log HR's posterior variance "
            "due to the reconstruction (between reconstructions over total, law of total "
            "variance):", "",
            markdown_table(share, floatfmt=".3f"), "",
            "Leave-one-out model comparison is not offered for reconstructed patients: it "
            "would be over-optimistic.", ""]


def reconstruction_caption(caption: str | None, fit: Fit) -> str | None:
    """A figure caption with the reconstruction note added for a pooled fit.

    Examples
    --------
    >>> reconstruction_caption("Synthetic data.", fit)
    'Synthetic data.'
    """
    note = reconstruction_note(fit.idata)
    if note is None:
        return caption
    note = note[0].upper() + note[1:] + "."
    return note if not caption else f"{caption} {note}"
