"""SGP4 propagation of many satellites over many times, in numba.

``propagate(satrecs, jd, fr)`` returns ``(e, r, v)`` exactly as
``sgp4.api.SatrecArray(satrecs).sgp4(jd, fr)`` does: error codes (uint8) and
TEME position (km) and velocity (km/s), arrays shaped ``(n_sat, n_time, 3)``.
:class:`Propagator` does the same but keeps the per-satellite constants, so
that repeated calls cost only the propagation.

Initialization is python-sgp4's: each ``sgp4.api.Satrec`` has run Vallado's
``sgp4init``, and we read its initialized state (``mdot``, ``argpdot``,
``nodedot``, ``gsto``, the gravity model, the epoch, ``method``). The compiled
``Satrec`` does not expose the rest, so for near-Earth records the
un-Kozai'd mean motion and the drag and periodic coefficients (``cc1``,
``cc4``, ``d2`` ...) are derived from that state here, vectorized, with
Vallado's formulas; for deep-space records (period >= 225 min) python-sgp4's
pure-Python ``sgp4init`` supplies the lunar-solar and resonance coefficients.

Propagation runs in numba kernels written from the published algorithm
(:mod:`kuiper._sgp4_kernels`): a vectorized one for near-Earth records and a
scalar SDP4 one (``dpper``, ``dspace``) for deep-space records.
``Propagator(satrecs, deep_space="reference")`` sends deep-space records to
``sgp4.api.SatrecArray`` instead.

Importing this module imports neither numba nor the kernels; the first
propagation does (and compiles them, or loads them from numba's cache).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

__all__ = ["Propagator", "propagate", "ONE_MM_KM"]

# Accuracy gate against sgp4.api.SatrecArray on real element sets.
ONE_MM_KM = 1.0e-6

# Vector width (float64 lanes) the near-Earth kernel is compiled for. Left to
# itself LLVM picks 4 lanes (256-bit) on AVX-512 machines; 16 lanes (two
# 512-bit registers per operation, which also hides latency) make the kernel
# 2.6x faster there; 1 is a scalar build (benchmarks/RESULTS.md). 0 leaves the
# choice to LLVM. Read when the kernel is first compiled; the numba cache keeps
# whatever was compiled, so clear it (or set KUIPER_NUMBA_CACHE=0) after a change.
VECTOR_WIDTH = int(os.environ.get("KUIPER_SGP4_VECTOR_WIDTH", "16"))

_KERNEL_SIGNATURE = (
    "void(float64[:, ::1], float64[::1], float64[::1], int64[::1],"
    " uint8[:, ::1], float64[:, :, ::1], float64[:, :, ::1])"
)


def _kernels():
    """Import the kernel module and make sure both kernels are compiled (or loaded from cache).

    The kernels are compiled eagerly for their one signature. The near-Earth
    kernel is compiled with LLVM's loop vectorizer told to use
    ``VECTOR_WIDTH`` lanes; that LLVM option is global to the process, so it
    is set and reset inside numba's compiler lock and touches no other
    compilation. A cache hit skips LLVM altogether.
    """
    from . import _sgp4_kernels as K

    if K.sgp4_near_earth.overloads and K.sgp4_deep_space.overloads:
        return K
    import llvmlite.binding as llvm
    from numba.core.compiler_lock import global_compiler_lock

    with global_compiler_lock:
        if not K.sgp4_deep_space.overloads:
            K.sgp4_deep_space.compile(_KERNEL_SIGNATURE)
        if K.sgp4_near_earth.overloads:
            return K
        if not VECTOR_WIDTH:
            K.sgp4_near_earth.compile(_KERNEL_SIGNATURE)
            return K
        llvm.set_option("kuiper", f"-force-vector-width={VECTOR_WIDTH}")
        try:
            with _without_llvm_remarks():
                K.sgp4_near_earth.compile(_KERNEL_SIGNATURE)
        finally:
            llvm.set_option("kuiper", "-force-vector-width=0")
    return K


class _without_llvm_remarks:
    """Drop LLVM's "remark: ... loop not vectorized" lines from file descriptor 2.

    With a forced vector width LLVM reports every loop it leaves scalar (the
    time loop, the Kepler loop with its early exit) straight to the C-level
    stderr. Everything else written there meanwhile is passed on.
    """

    def __enter__(self):
        import sys
        import tempfile

        sys.stderr.flush()
        self._tmp = tempfile.TemporaryFile()
        self._saved = os.dup(2)
        os.dup2(self._tmp.fileno(), 2)
        return self

    def __exit__(self, *exc):
        import sys

        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._tmp.seek(0)
        text = self._tmp.read().decode("utf-8", "replace")
        self._tmp.close()
        kept = [line for line in text.splitlines(True) if not line.startswith("remark: ")]
        if kept:
            sys.stderr.write("".join(kept))
        return False


def _near_earth_constants(satrecs: Sequence) -> dict[str, np.ndarray]:
    """Per-satellite constants of near-Earth SGP4, as float64 arrays (one entry per satrec).

    Reads the state ``sgp4init`` left on each ``Satrec`` and derives the drag and
    periodic coefficients from it.

    Notes
    -----
    The formulas are those of ``sgp4init`` in Vallado et al. (2006), AIAA
    2006-6753 (after Hoots & Roehrich 1980, Spacetrack Report #3), with the
    names used there. Coefficients of the ``isimp != 1`` terms are set to zero
    for ``isimp == 1`` records (perigee below 220 km), which reproduces the
    simplified branch exactly.
    """

    def attr(name):
        return np.array([getattr(s, name) for s in satrecs], dtype=np.float64)

    no_kozai = attr("no_kozai")  # rad/min, as published
    ecco = attr("ecco")
    inclo = attr("inclo")
    argpo = attr("argpo")
    mo = attr("mo")
    bstar = attr("bstar")
    radiusearthkm = attr("radiusearthkm")
    xke = attr("xke")
    j2 = attr("j2")
    j3oj2 = attr("j3oj2")

    x2o3 = 2.0 / 3.0
    temp4 = 1.5e-12
    ss = 78.0 / radiusearthkm + 1.0
    qzms2t = ((120.0 - 78.0) / radiusearthkm) ** 4

    with np.errstate(all="ignore"):
        # initl
        eccsq = ecco * ecco
        omeosq = 1.0 - eccsq
        rteosq = np.sqrt(omeosq)
        cosio = np.cos(inclo)
        cosio2 = cosio * cosio
        # un-Kozai the mean motion (the compiled Satrec does not expose no_unkozai)
        ak = (xke / no_kozai) ** x2o3
        d1 = 0.75 * j2 * (3.0 * cosio2 - 1.0) / (rteosq * omeosq)
        del_ = d1 / (ak * ak)
        adel = ak * (1.0 - del_ * del_ - del_ * (1.0 / 3.0 + 134.0 * del_ * del_ / 81.0))
        del_ = d1 / (adel * adel)
        no_unkozai = no_kozai / (1.0 + del_)
        ao = (xke / no_unkozai) ** x2o3
        sinio = np.sin(inclo)
        po = ao * omeosq
        con42 = 1.0 - 5.0 * cosio2
        con41 = -con42 - cosio2 - cosio2
        posq = po * po
        rp = ao * (1.0 - ecco)

        # sgp4init, near-Earth part
        isimp = rp < (220.0 / radiusearthkm + 1.0)
        sfour = ss.copy()
        qzms24 = qzms2t.copy()
        perige = (rp - 1.0) * radiusearthkm
        low = perige < 156.0
        sfour_low = np.where(perige < 98.0, 20.0, perige - 78.0)
        qzms24 = np.where(low, ((120.0 - sfour_low) / radiusearthkm) ** 4, qzms24)
        sfour = np.where(low, sfour_low / radiusearthkm + 1.0, sfour)
        pinvsq = 1.0 / posq
        tsi = 1.0 / (ao - sfour)
        eta = ao * ecco * tsi
        etasq = eta * eta
        eeta = ecco * eta
        psisq = np.abs(1.0 - etasq)
        coef = qzms24 * tsi**4
        coef1 = coef / psisq**3.5
        cc2 = (
            coef1
            * no_unkozai
            * (
                ao * (1.0 + 1.5 * etasq + eeta * (4.0 + etasq))
                + 0.375 * j2 * tsi / psisq * con41 * (8.0 + 3.0 * etasq * (8.0 + etasq))
            )
        )
        cc1 = bstar * cc2
        cc3 = np.where(ecco > 1.0e-4, -2.0 * coef * tsi * j3oj2 * no_unkozai * sinio / ecco, 0.0)
        x1mth2 = 1.0 - cosio2
        cc4 = (
            2.0
            * no_unkozai
            * coef1
            * ao
            * omeosq
            * (
                eta * (2.0 + 0.5 * etasq)
                + ecco * (0.5 + 2.0 * etasq)
                - j2
                * tsi
                / (ao * psisq)
                * (
                    -3.0 * con41 * (1.0 - 2.0 * eeta + etasq * (1.5 - 0.5 * eeta))
                    + 0.75 * x1mth2 * (2.0 * etasq - eeta * (1.0 + etasq)) * np.cos(2.0 * argpo)
                )
            )
        )
        cc5 = 2.0 * coef1 * ao * omeosq * (1.0 + 2.75 * (etasq + eeta) + eeta * etasq)
        temp1 = 1.5 * j2 * pinvsq * no_unkozai
        xhdot1 = -temp1 * cosio
        omgcof = bstar * cc3 * np.cos(argpo)
        xmcof = np.where(ecco > 1.0e-4, -x2o3 * coef * bstar / eeta, 0.0)
        nodecf = 3.5 * omeosq * xhdot1 * cc1
        t2cof = 1.5 * cc1
        xlcof_den = np.where(np.abs(cosio + 1.0) > 1.5e-12, 1.0 + cosio, temp4)
        xlcof = -0.25 * j3oj2 * sinio * (3.0 + 5.0 * cosio) / xlcof_den
        aycof = -0.5 * j3oj2 * sinio
        delmotemp = 1.0 + eta * np.cos(mo)
        delmo = delmotemp**3
        sinmao = np.sin(mo)
        x7thm1 = 7.0 * cosio2 - 1.0

        cc1sq = cc1 * cc1
        d2 = 4.0 * ao * tsi * cc1sq
        temp = d2 * tsi * cc1 / 3.0
        d3 = (17.0 * ao + sfour) * temp
        d4 = 0.5 * temp * ao * tsi * (221.0 * ao + 31.0 * sfour) * cc1
        t3cof = d2 + 2.0 * cc1sq
        t4cof = 0.25 * (3.0 * d3 + cc1 * (12.0 * d2 + 10.0 * cc1sq))
        t5cof = 0.2 * (
            3.0 * d4 + 12.0 * cc1 * d3 + 6.0 * d2 * d2 + 15.0 * cc1sq * (2.0 * d2 + cc1sq)
        )

    full = ~isimp
    out = {
        "jdsatepoch": attr("jdsatepoch"),
        "jdsatepochF": attr("jdsatepochF"),
        "mo": mo,
        "mdot": attr("mdot"),
        "argpo": argpo,
        "argpdot": attr("argpdot"),
        "nodeo": attr("nodeo"),
        "nodedot": attr("nodedot"),
        "nodecf": nodecf,
        "cc1": cc1,
        "cc4": cc4,
        "cc5": np.where(full, cc5, 0.0),
        "t2cof": t2cof,
        "omgcof": np.where(full, omgcof, 0.0),
        "xmcof": np.where(full, xmcof, 0.0),
        "eta": eta,
        "delmo": delmo,
        "sinmao": sinmao,
        "d2": np.where(full, d2, 0.0),
        "d3": np.where(full, d3, 0.0),
        "d4": np.where(full, d4, 0.0),
        "t3cof": np.where(full, t3cof, 0.0),
        "t4cof": np.where(full, t4cof, 0.0),
        "t5cof": np.where(full, t5cof, 0.0),
        "bstar": bstar,
        "no_unkozai": no_unkozai,
        "ao": ao,
        "ecco": ecco,
        "sinio": sinio,
        "cosio": cosio,
        "inclo": inclo,
        "aycof": aycof,
        "xlcof": xlcof,
        "con41": con41,
        "x1mth2": x1mth2,
        "x7thm1": x7thm1,
        "j2": j2,
        "xke": xke,
        "inv_xke": 1.0 / xke,
        "radiusearthkm": radiusearthkm,
        "vkmpersec": radiusearthkm * xke / 60.0,
        "isimp": isimp.astype(np.float64),
    }
    return out


def _deep_space_constants(satrecs: Sequence) -> dict[str, np.ndarray]:
    """Per-satellite constants of deep-space SGP4 (SDP4), as float64 arrays.

    python-sgp4's own ``sgp4init`` (its pure-Python ``sgp4.model.Satrec``, the
    same algorithm as the compiled one) is rerun on each record's elements,
    because the compiled ``Satrec`` does not expose the lunar-solar and
    resonance coefficients; then the epoch-dependent values are taken from the
    compiled ``Satrec`` itself: its epoch and ``gsto``, with ``xlamo``
    (which contains ``gsto``) shifted to match.

    Notes
    -----
    ``dscom``, ``dpper`` and ``dsinit`` of Vallado et al. (2006), AIAA
    2006-6753; Hoots & Roehrich (1980), Spacetrack Report #3.
    """
    from sgp4.model import Satrec as ModelSatrec
    from sgp4.model import gravity_constants

    from . import _sgp4_kernels as K

    models = []
    for s in satrecs:
        which = next(
            key
            for key, g in enumerate(gravity_constants)
            if g.radiusearthkm == s.radiusearthkm and g.xke == s.xke and g.j2 == s.j2
        )
        m = ModelSatrec()
        m.sgp4init(
            which,
            s.operationmode,
            s.satnum,
            s.jdsatepoch + s.jdsatepochF - 2433281.5,
            s.bstar,
            s.ndot,
            s.nddot,
            s.ecco,
            s.argpo,
            s.inclo,
            s.mo,
            s.no_kozai,
            s.nodeo,
        )
        models.append(m)
    out = {}
    for name in K.DEEP_ROWS:
        if name in ("jdsatepoch", "jdsatepochF", "gsto"):
            out[name] = np.array([getattr(s, name) for s in satrecs], dtype=np.float64)
        elif name == "afspc":
            out[name] = np.array([s.operationmode == "a" for s in satrecs], dtype=np.float64)
        elif name == "vkmpersec":
            out[name] = np.array([m.radiusearthkm * m.xke / 60.0 for m in models])
        else:
            out[name] = np.array([float(getattr(m, name)) for m in models])
    # xlamo = fmod(mo + nodeo [+ nodeo | + argpo] - k gsto): k = 2 half-day, 1 one-day resonance
    gsto_model = np.array([m.gsto for m in models])
    k_theta = np.where(out["irez"] == 2.0, 2.0, np.where(out["irez"] == 1.0, 1.0, 0.0))
    out["xlamo"] = np.fmod(out["xlamo"] + k_theta * (gsto_model - out["gsto"]), 2.0 * np.pi)
    return out


class Propagator:
    """SGP4 for a fixed set of satellites, with the per-satellite constants hoisted once.

    Parameters
    ----------
    satrecs : sequence of sgp4.api.Satrec
        Initialized element sets (``Satrec.twoline2rv`` or ``Satrec.sgp4init``),
        normally WGS72 (``ElementsArray.to_satrecs()``).
    deep_space : {"numba", "reference"}
        Who propagates deep-space records (period >= 225 min): kuiper's numba
        SDP4 kernel (default), or ``sgp4.api.SatrecArray``.

    Notes
    -----
    Near-Earth records run in a vectorized numba kernel, deep-space records
    in a scalar one, both written from Hoots & Roehrich (1980), Spacetrack
    Report #3, and Vallado et al. (2006), AIAA 2006-6753.
    Results agree with ``SatrecArray`` to well under a millimetre, with equal
    error codes.

    Examples
    --------
    >>> prop = Propagator(elements.to_satrecs())  # doctest: +SKIP
    >>> e, r_teme_km, v_teme_km_s = prop.propagate(jd, fr)  # doctest: +SKIP
    """

    def __init__(self, satrecs: Sequence, deep_space: str = "numba"):
        if deep_space not in ("numba", "reference"):
            raise ValueError(f"deep_space must be 'numba' or 'reference', not {deep_space!r}")
        K = _kernels()

        self.satrecs = list(satrecs)
        method = np.array([s.method for s in self.satrecs], dtype="U1")
        self.near_rows = np.flatnonzero(method == "n").astype(np.int64)
        self.deep_rows = np.flatnonzero(method != "n").astype(np.int64)
        near = [self.satrecs[k] for k in self.near_rows]
        table = _near_earth_constants(near)
        self._consts = np.empty((K.N_CONST, len(near)), dtype=np.float64)
        for row, name in enumerate(K.CONST_ROWS):
            self._consts[row] = table[name]
        deep = [self.satrecs[k] for k in self.deep_rows]
        self._deep_array = None
        self._deep = np.empty((K.N_DEEP, len(deep)), dtype=np.float64)
        if deep and deep_space == "reference":
            from sgp4.api import SatrecArray

            self._deep_array = SatrecArray(deep)
        elif deep:
            dtable = _deep_space_constants(deep)
            for row, name in enumerate(K.DEEP_ROWS):
                self._deep[row] = dtable[name]

    @property
    def n_sat(self) -> int:
        return len(self.satrecs)

    def propagate(self, jd, fr, out=None):
        """Propagate every satellite to every time.

        Parameters
        ----------
        jd, fr : array_like, float64, shape (n_time,)
            Split UTC Julian dates (``jd + fr``), as ``sgp4.api`` takes them.
        out : tuple (e, r_teme_km, v_teme_km_s), optional
            Preallocated outputs: uint8 (n_sat, n_time) and float64
            (n_sat, n_time, 3), C-contiguous.

        Returns
        -------
        e : ndarray of uint8, shape (n_sat, n_time)
            SGP4 error code; 0 is success, 6 means decayed (states still
            given), 1-4 give NaN states.
        r_teme_km : ndarray, shape (n_sat, n_time, 3)
            Position in TEME, km.
        v_teme_km_s : ndarray, shape (n_sat, n_time, 3)
            Velocity in TEME, km/s.

        Notes
        -----
        Same meaning as ``sgp4.api.SatrecArray(satrecs).sgp4(jd, fr)``.
        Hoots & Roehrich (1980); Vallado et al. (2006), AIAA 2006-6753.
        """
        K = _kernels()

        jd = np.ascontiguousarray(jd, dtype=np.float64).reshape(-1)
        fr = np.ascontiguousarray(fr, dtype=np.float64).reshape(-1)
        if jd.shape != fr.shape:
            raise ValueError(f"jd and fr differ in shape: {jd.shape} vs {fr.shape}")
        n_time = jd.shape[0]
        shape = (self.n_sat, n_time)
        if out is None:
            e = np.empty(shape, dtype=np.uint8)
            r_teme_km = np.empty(shape + (3,), dtype=np.float64)
            v_teme_km_s = np.empty(shape + (3,), dtype=np.float64)
        else:
            e, r_teme_km, v_teme_km_s = out
            for name, arr, want, dtype in (
                ("e", e, shape, np.uint8),
                ("r_teme_km", r_teme_km, shape + (3,), np.float64),
                ("v_teme_km_s", v_teme_km_s, shape + (3,), np.float64),
            ):
                if arr.shape != want or arr.dtype != dtype or not arr.flags.c_contiguous:
                    raise ValueError(f"out {name} must be C-contiguous {np.dtype(dtype)} {want}")
        if self.near_rows.size and n_time:
            K.sgp4_near_earth(self._consts, jd, fr, self.near_rows, e, r_teme_km, v_teme_km_s)
        if self._deep_array is None and self.deep_rows.size and n_time:
            K.sgp4_deep_space(self._deep, jd, fr, self.deep_rows, e, r_teme_km, v_teme_km_s)
        elif self._deep_array is not None and n_time:
            e_d, r_d, v_d = self._deep_array.sgp4(jd, fr)
            e[self.deep_rows] = e_d
            r_teme_km[self.deep_rows] = r_d
            v_teme_km_s[self.deep_rows] = v_d
        return e, r_teme_km, v_teme_km_s


def propagate(satrecs: Sequence, jd, fr):
    """SGP4 for many satellites and times; same meaning as ``SatrecArray(satrecs).sgp4(jd, fr)``.

    Parameters
    ----------
    satrecs : sequence of sgp4.api.Satrec
        Initialized element sets (WGS72).
    jd, fr : array_like, float64, shape (n_time,)
        Split UTC Julian dates.

    Returns
    -------
    e : ndarray of uint8, shape (n_sat, n_time)
        SGP4 error codes.
    r_teme_km : ndarray, shape (n_sat, n_time, 3)
        TEME position, km.
    v_teme_km_s : ndarray, shape (n_sat, n_time, 3)
        TEME velocity, km/s.

    Notes
    -----
    Hoots & Roehrich (1980), Spacetrack Report #3; Vallado et al. (2006),
    AIAA 2006-6753. See :class:`Propagator` to reuse the constants.
    """
    return Propagator(satrecs).propagate(jd, fr)
