"""Writing and reading bayesurv fit files (NetCDF), whole and in one go.

What a fit file must hold, and the digest written with it, are in
:mod:`bayesurv.inference.fit_file`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import arviz as az

from bayesurv.base.exceptions import FitFileError
from bayesurv.base.output import write_atomically
from bayesurv.inference.fit_file import ATTR_PREFIX, DIGEST_ATTR, content_digest

__all__ = ["read_fit_file", "write_fit_file"]


def write_fit_file(idata, path, notes: Mapping[str, str] | None = None) -> str:
    """Write ``idata`` with ``notes`` (``bayesurv_<key>`` text attributes) and the content
    digest to ``path``, leaving ``idata`` as it was.

    Written beside the target and renamed into place: an interrupted save leaves the
    previous file as it was.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from bayesurv.inference.fit_file import check_fit
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_fit_file(pw_fit.idata, os.path.join(folder, "fit.nc"))
    ...     check_fit(read_fit_file(path)).kind
    'piecewise'
    >>> DIGEST_ATTR in pw_fit.idata.posterior.attrs
    False
    """
    attrs = {ATTR_PREFIX + str(k): str(v) for k, v in (notes or {}).items()}
    groups = {name: idata[name] for name in idata.groups()}
    groups["posterior"] = groups["posterior"].assign_attrs(attrs)
    saved = az.InferenceData(**groups)
    saved.posterior.attrs[DIGEST_ATTR] = content_digest(saved)
    return write_atomically(path, saved.to_netcdf)


def read_fit_file(path):
    """Every group of the NetCDF file at ``path``, read into memory (unchecked).

    The file is closed afterwards, so a fit can be saved over the file it came from.

    Examples
    --------
    >>> read_fit_file("no-such-fit.nc")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.FitFileError: no such file: no-such-fit.nc
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FitFileError(f"no such file: {path}")
    try:
        with az.rc_context({"data.load": "eager"}):
            return az.from_netcdf(path)
    except Exception as exc:  # netCDF/HDF5 raise many unrelated types
        raise FitFileError(f"{path} is not a NetCDF file readable by ArviZ, or it is "
                           f"truncated or damaged ({type(exc).__name__})") from None
