"""Numba kernels for SGP4 and SDP4 propagation (jitted functions only).

Variable names follow Vallado et al. (2006), AIAA 2006-6753, so that the code
reads against the paper. The public wrapper is :mod:`kuiper.sgp4`, which
imports this module lazily. Everything one kernel calls is in this file.

Near-Earth kernel (``sgp4_near_earth``), laid out so that LLVM vectorizes it:

* per-satellite constants are a struct of arrays ``consts[N_CONST, n_sat]``
  (one contiguous row per constant), hoisted once by ``kuiper.sgp4``;
* ``prange`` runs over satellites; each satellite walks the time grid in
  chunks of ``TIME_CHUNK`` steps, and each stage of the algorithm (secular and
  long-period terms, Kepler's equation, short-period terms) is an inner loop
  over the chunk's time steps with no calls and only select-able branches,
  so the per-satellite constants are loop invariants and the states are
  written out as one contiguous run per satellite;
* sine and cosine are inlined polynomials (libm calls would stop
  vectorization): Cody-Waite reduction by pi/2 in three parts and the
  fdlibm minimax polynomials on [-pi/4, pi/4], accurate to about 1 ulp;
* Kepler's equation runs masked, so every time step does exactly the
  iterations Vallado's loop would do, and the chunk stops when all converged;
* ``atan2`` is avoided: ``su`` only enters through ``sin(su)`` and
  ``cos(su)``, which follow from ``sinu``, ``cosu`` and the short-period
  correction by the angle-sum identity; divisions sharing a stage share one
  reciprocal.

Deep-space kernel (``sgp4_deep_space``): scalar, one satellite per ``prange``
iteration, libm trigonometry, Vallado's ``dpper`` and ``dspace`` (with the
resonance integrator's state carried from one time to the next as the
reference ``Satrec`` carries it).

Error codes are those of Vallado's ``sgp4``: 1 mean eccentricity out of
range, 2 mean motion not positive, 4 semi-latus rectum negative (positions
and velocities NaN), 6 the satellite has decayed (positions still given).
"""

from __future__ import annotations

import numpy as np

from ._jit import njit, prange

# ---------------------------------------------------------------------------
# Rows of the per-satellite constant table (filled by kuiper.sgp4).

CONST_ROWS = (
    "jdsatepoch",
    "jdsatepochF",
    "mo",
    "mdot",
    "argpo",
    "argpdot",
    "nodeo",
    "nodedot",
    "nodecf",
    "cc1",
    "cc4",
    "cc5",
    "t2cof",
    "omgcof",
    "xmcof",
    "eta",
    "delmo",
    "sinmao",
    "d2",
    "d3",
    "d4",
    "t3cof",
    "t4cof",
    "t5cof",
    "bstar",
    "no_unkozai",
    "ao",
    "ecco",
    "sinio",
    "cosio",
    "inclo",
    "aycof",
    "xlcof",
    "con41",
    "x1mth2",
    "x7thm1",
    "j2",
    "xke",
    "inv_xke",
    "radiusearthkm",
    "vkmpersec",
)
(
    C_JDSATEPOCH,
    C_JDSATEPOCHF,
    C_MO,
    C_MDOT,
    C_ARGPO,
    C_ARGPDOT,
    C_NODEO,
    C_NODEDOT,
    C_NODECF,
    C_CC1,
    C_CC4,
    C_CC5,
    C_T2COF,
    C_OMGCOF,
    C_XMCOF,
    C_ETA,
    C_DELMO,
    C_SINMAO,
    C_D2,
    C_D3,
    C_D4,
    C_T3COF,
    C_T4COF,
    C_T5COF,
    C_BSTAR,
    C_NO_UNKOZAI,
    C_AO,
    C_ECCO,
    C_SINIO,
    C_COSIO,
    C_INCLO,
    C_AYCOF,
    C_XLCOF,
    C_CON41,
    C_X1MTH2,
    C_X7THM1,
    C_J2,
    C_XKE,
    C_INV_XKE,
    C_RADIUSEARTHKM,
    C_VKMPERSEC,
) = range(len(CONST_ROWS))
N_CONST = len(CONST_ROWS)

# Rows of the per-block scratch table.
(
    S_AXNL,
    S_AYNL,
    S_U,
    S_EO1,
    S_SINEO1,
    S_COSEO1,
    S_ACTIVE,
    S_AM,
    S_SQRTAM,
    S_NM,
    S_NODEP,
    S_ERR,
    S_RX,
    S_RY,
    S_RZ,
    S_VX,
    S_VY,
    S_VZ,
) = range(18)
N_SCRATCH = 18

# Time steps per pass of the vectorized stages: a multiple of the vector
# width whose scratch (N_SCRATCH x TIME_CHUNK doubles) stays in L1.
TIME_CHUNK = 128

TWOPI = 2.0 * np.pi
X2O3 = 2.0 / 3.0
INV_TWOPI = 1.0 / TWOPI
MINUTES_PER_DAY = 1440.0
KEPLER_TOL = 1.0e-12
KEPLER_MAX_ITER = 10

# pi/2 in three parts of 33 bits (fdlibm's pio2_1, pio2_2, pio2_3): k * part
# is exact for |k| < 2**20, i.e. |x| below about 1.6e6 rad.
TWO_OVER_PI = 6.36619772367581382433e-01
PIO2_1 = 1.57079632673412561417e00
PIO2_2 = 6.07710050630396597660e-11
PIO2_3 = 2.02226624871116645580e-21
# Minimax coefficients for sin and cos on [-pi/4, pi/4] (fdlibm k_sin.c, k_cos.c).
S1 = -1.66666666666666324348e-01
S2 = 8.33333333332248946124e-03
S3 = -1.98412698298579493134e-04
S4 = 2.75573137070700676789e-06
S5 = -2.50507602534068634195e-08
S6 = 1.58969099521155010221e-10
C1 = 4.16666666666666019037e-02
C2 = -1.38888888888741095749e-03
C3 = 2.48015872894767294178e-05
C4 = -2.75573143513906633035e-07
C5 = 2.08757232129817482790e-09
C6 = -1.13596475577881948265e-11


@njit(inline="always")
def sincos(x):
    """``(sin(x), cos(x))`` as straight-line arithmetic that LLVM can vectorize.

    Accurate to about 1 ulp for |x| < 1.6e6 rad; NaN in, NaN out.
    """
    k = np.floor(x * TWO_OVER_PI + 0.5)
    r = ((x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3
    z = r * r
    s = r + r * z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))))
    c = 1.0 - 0.5 * z + z * z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))))
    q = k - 4.0 * np.floor(k * 0.25)  # quadrant 0..3
    odd = (q == 1.0) | (q == 3.0)
    sin_x = c if odd else s
    cos_x = s if odd else c
    if q >= 2.0:
        sin_x = -sin_x
    if (q == 1.0) | (q == 2.0):
        cos_x = -cos_x
    return sin_x, cos_x


@njit(inline="always")
def fmod_twopi(x):
    """``fmod(x, 2 pi)``: same sign as x, to within an ulp of x."""
    return x - TWOPI * np.trunc(x * INV_TWOPI)


@njit(inline="always")
def _secular_and_long_period(c, k, jd, fr, s, i):
    """Secular gravity and drag, then long-period periodics (Vallado's ``sgp4``, first half)."""
    if True:
        t = (jd - c[C_JDSATEPOCH, k]) * MINUTES_PER_DAY + (
            fr - c[C_JDSATEPOCHF, k]
        ) * MINUTES_PER_DAY
        # secular gravity and atmospheric drag
        xmdf = c[C_MO, k] + c[C_MDOT, k] * t
        argpdf = c[C_ARGPO, k] + c[C_ARGPDOT, k] * t
        nodedf = c[C_NODEO, k] + c[C_NODEDOT, k] * t
        t2 = t * t
        nodem = nodedf + c[C_NODECF, k] * t2
        tempa = 1.0 - c[C_CC1, k] * t
        tempe = c[C_BSTAR, k] * c[C_CC4, k] * t
        templ = c[C_T2COF, k] * t2
        # the isimp != 1 terms; their coefficients are zero when isimp == 1,
        # which leaves every quantity bit-for-bit as Vallado's branch does
        delomg = c[C_OMGCOF, k] * t
        sinxmdf, cosxmdf = sincos(xmdf)
        delmtemp = 1.0 + c[C_ETA, k] * cosxmdf
        delm = c[C_XMCOF, k] * (delmtemp * delmtemp * delmtemp - c[C_DELMO, k])
        temp = delomg + delm
        mm = xmdf + temp
        argpm = argpdf - temp
        t3 = t2 * t
        t4 = t3 * t
        tempa = tempa - c[C_D2, k] * t2 - c[C_D3, k] * t3 - c[C_D4, k] * t4
        sinmm, cosmm = sincos(mm)
        tempe = tempe + c[C_BSTAR, k] * c[C_CC5, k] * (sinmm - c[C_SINMAO, k])
        templ = templ + c[C_T3COF, k] * t3 + t4 * (c[C_T4COF, k] + t * c[C_T5COF, k])

        nm = c[C_NO_UNKOZAI, k]
        em = c[C_ECCO, k]
        err = 0.0
        if nm <= 0.0:
            err = 2.0
        am = c[C_AO, k] * tempa * tempa  # ao = (xke / no_unkozai)**(2/3)
        sqrt_am = np.sqrt(am)
        am32 = am * sqrt_am  # am**1.5
        em = em - tempe
        if (err == 0.0) & ((em >= 1.0) | (em < -0.001)):
            err = 1.0
        if em < 1.0e-6:
            em = 1.0e-6
        mm = mm + c[C_NO_UNKOZAI, k] * templ
        xlm = mm + argpm + nodem
        nodem = fmod_twopi(nodem)
        argpm = fmod_twopi(argpm)
        xlm = fmod_twopi(xlm)
        mm = fmod_twopi(xlm - argpm - nodem)

        # long-period periodics (near-Earth: ep, argpp, nodep, mp are em, argpm, nodem, mm)
        sinargpp, cosargpp = sincos(argpm)
        axnl = em * cosargpp
        a1me2 = am * (1.0 - em * em)
        # one division for two: nm = xke / am**1.5 and temp = 1 / (am (1 - em**2))
        inv = 1.0 / (am32 * a1me2)
        nm = c[C_XKE, k] * (a1me2 * inv)
        temp = am32 * inv
        aynl = em * sinargpp + temp * c[C_AYCOF, k]
        xl = mm + argpm + nodem + temp * c[C_XLCOF, k] * axnl
        u = fmod_twopi(xl - nodem)

        s[S_AXNL, i] = axnl
        s[S_AYNL, i] = aynl
        s[S_U, i] = u
        s[S_EO1, i] = u
        s[S_ACTIVE, i] = 1.0
        s[S_AM, i] = am
        s[S_SQRTAM, i] = sqrt_am
        s[S_NM, i] = nm
        s[S_NODEP, i] = nodem
        s[S_ERR, i] = err


@njit(inline="always")
def _kepler_pass(s, i):
    """One pass of Vallado's Kepler loop for satellite ``i``, masked; 1.0 if it goes on."""
    if True:
        if True:
            active = s[S_ACTIVE, i]
            eo1 = s[S_EO1, i]
            axnl = s[S_AXNL, i]
            aynl = s[S_AYNL, i]
            sineo1, coseo1 = sincos(eo1)
            tem5 = 1.0 - coseo1 * axnl - sineo1 * aynl
            tem5 = (s[S_U, i] - aynl * coseo1 + axnl * sineo1 - eo1) / tem5
            if tem5 >= 0.95:
                tem5 = 0.95
            if tem5 <= -0.95:
                tem5 = -0.95
            go = active != 0.0
            if go:
                s[S_SINEO1, i] = sineo1
                s[S_COSEO1, i] = coseo1
                s[S_EO1, i] = eo1 + tem5
            still = go & (np.abs(tem5) >= KEPLER_TOL)
            s[S_ACTIVE, i] = 1.0 if still else 0.0
            return 1.0 if still else 0.0


@njit(inline="always")
def _short_period(c, k, s, i):
    """Short-period periodics and the unit vectors to r, v (Vallado's ``sgp4``, second half)."""
    if True:
        axnl = s[S_AXNL, i]
        aynl = s[S_AYNL, i]
        sineo1 = s[S_SINEO1, i]
        coseo1 = s[S_COSEO1, i]
        am = s[S_AM, i]
        nm = s[S_NM, i]
        err = s[S_ERR, i]

        ecose = axnl * coseo1 + aynl * sineo1
        esine = axnl * sineo1 - aynl * coseo1
        el2 = axnl * axnl + aynl * aynl
        pl = am * (1.0 - el2)
        if (err == 0.0) & (pl < 0.0):
            err = 4.0
        rl = am * (1.0 - ecose)
        betal = np.sqrt(1.0 - el2)
        # one division for 1 / rl, 1 / pl and 1 / (1 + betal)
        rl_pl = rl * pl
        opb = 1.0 + betal
        inv = 1.0 / (rl_pl * opb)
        inv_rl = pl * opb * inv
        inv_pl = rl * opb * inv
        sqrt_am = s[S_SQRTAM, i]
        rdotl = sqrt_am * esine * inv_rl
        rvdotl = sqrt_am * betal * inv_rl  # sqrt(pl) = sqrt(am) betal
        temp = esine * (rl_pl * inv)
        am_rl = am * inv_rl
        sinu = am_rl * (sineo1 - aynl - axnl * temp)
        cosu = am_rl * (coseo1 - axnl + aynl * temp)
        sin2u = (cosu + cosu) * sinu
        cos2u = 1.0 - 2.0 * sinu * sinu
        temp = inv_pl
        temp1 = 0.5 * c[C_J2, k] * temp
        temp2 = temp1 * temp

        con41 = c[C_CON41, k]
        x1mth2 = c[C_X1MTH2, k]
        cosip = c[C_COSIO, k]
        sinip = c[C_SINIO, k]
        inv_xke = c[C_INV_XKE, k]
        mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u
        # su = atan2(sinu, cosu) - dsu, used only through its sine and cosine
        dsu = 0.25 * temp2 * c[C_X7THM1, k] * sin2u
        xnode = s[S_NODEP, i] + 1.5 * temp2 * cosip * sin2u
        xinc = c[C_INCLO, k] + 1.5 * temp2 * cosip * sinip * cos2u
        mvt = rdotl - nm * temp1 * x1mth2 * sin2u * inv_xke
        rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) * inv_xke

        # sinu**2 + cosu**2 == 1 to rounding, so (sinu, cosu) stand for
        # (sin, cos) of atan2(sinu, cosu) without normalizing
        sindsu, cosdsu = sincos(dsu)
        sinsu = sinu * cosdsu - cosu * sindsu
        cossu = cosu * cosdsu + sinu * sindsu
        snod, cnod = sincos(xnode)
        sini, cosi = sincos(xinc)
        xmx = -snod * cosi
        xmy = cnod * cosi
        ux = xmx * sinsu + cnod * cossu
        uy = xmy * sinsu + snod * cossu
        uz = sini * sinsu
        vx = xmx * cossu - cnod * sinsu
        vy = xmy * cossu - snod * sinsu
        vz = sini * cossu

        mr = mrt * c[C_RADIUSEARTHKM, k]
        vkmpersec = c[C_VKMPERSEC, k]
        if (err == 0.0) & (mrt < 1.0):
            err = 6.0
        bad = (err != 0.0) & (err != 6.0)
        s[S_RX, i] = np.nan if bad else mr * ux
        s[S_RY, i] = np.nan if bad else mr * uy
        s[S_RZ, i] = np.nan if bad else mr * uz
        s[S_VX, i] = np.nan if bad else vkmpersec * (mvt * ux + rvdot * vx)
        s[S_VY, i] = np.nan if bad else vkmpersec * (mvt * uy + rvdot * vy)
        s[S_VZ, i] = np.nan if bad else vkmpersec * (mvt * uz + rvdot * vz)
        s[S_ERR, i] = err


@njit(parallel=True)
def sgp4_near_earth(consts, jd, fr, rows, e_out, r_teme_km, v_teme_km_s):
    """Propagate near-Earth satellites over split Julian dates (UTC), in place.

    Parameters
    ----------
    consts : float64 array (N_CONST, n_sat)
        Per-satellite constants, rows named by ``CONST_ROWS``.
    jd, fr : float64 arrays (n_time,)
        Split UTC Julian dates.
    rows : int64 array (n_sat,)
        Row of the output arrays that each satellite writes.
    e_out : uint8 array (n_out, n_time)
        SGP4 error codes (written).
    r_teme_km, v_teme_km_s : float64 arrays (n_out, n_time, 3)
        TEME position (km) and velocity (km/s) (written).

    Notes
    -----
    Hoots & Roehrich (1980), Spacetrack Report #3; Vallado et al. (2006),
    AIAA 2006-6753.
    """
    n_sat = consts.shape[1]
    n_time = jd.shape[0]
    for k in prange(n_sat):
        row = rows[k]
        s = np.empty((N_SCRATCH, TIME_CHUNK))
        for j0 in range(0, n_time, TIME_CHUNK):
            n = min(TIME_CHUNK, n_time - j0)
            for i in range(n):
                _secular_and_long_period(consts, k, jd[j0 + i], fr[j0 + i], s, i)
            for _ktr in range(KEPLER_MAX_ITER):
                n_active = 0.0
                for i in range(n):
                    n_active += _kepler_pass(s, i)
                if n_active == 0.0:
                    break
            for i in range(n):
                _short_period(consts, k, s, i)
            for i in range(n):
                j = j0 + i
                r_teme_km[row, j, 0] = s[S_RX, i]
                r_teme_km[row, j, 1] = s[S_RY, i]
                r_teme_km[row, j, 2] = s[S_RZ, i]
                v_teme_km_s[row, j, 0] = s[S_VX, i]
                v_teme_km_s[row, j, 1] = s[S_VY, i]
                v_teme_km_s[row, j, 2] = s[S_VZ, i]
                e_out[row, j] = np.uint8(s[S_ERR, i])


# ---------------------------------------------------------------------------
# Deep space (period >= 225 min): SDP4's lunar-solar periodics (dpper) and
# resonance integration (dspace), one satellite at a time. These records are
# few (about 5 % of the catalog); the kernel is scalar, with libm trigonometry.

DEEP_ROWS = (
    "jdsatepoch",
    "jdsatepochF",
    "mo",
    "mdot",
    "argpo",
    "argpdot",
    "nodeo",
    "nodedot",
    "nodecf",
    "cc1",
    "cc4",
    "t2cof",
    "bstar",
    "no_unkozai",
    "ecco",
    "inclo",
    "j2",
    "j3oj2",
    "xke",
    "radiusearthkm",
    "vkmpersec",
    "gsto",
    "afspc",
    # dpper
    "e3",
    "ee2",
    "peo",
    "pgho",
    "pho",
    "pinco",
    "plo",
    "se2",
    "se3",
    "sgh2",
    "sgh3",
    "sgh4",
    "sh2",
    "sh3",
    "si2",
    "si3",
    "sl2",
    "sl3",
    "sl4",
    "xgh2",
    "xgh3",
    "xgh4",
    "xh2",
    "xh3",
    "xi2",
    "xi3",
    "xl2",
    "xl3",
    "xl4",
    "zmol",
    "zmos",
    # dspace
    "irez",
    "d2201",
    "d2211",
    "d3210",
    "d3222",
    "d4410",
    "d4422",
    "d5220",
    "d5232",
    "d5421",
    "d5433",
    "dedt",
    "del1",
    "del2",
    "del3",
    "didt",
    "dmdt",
    "dnodt",
    "domdt",
    "xfact",
    "xlamo",
)
(
    D_JDSATEPOCH,
    D_JDSATEPOCHF,
    D_MO,
    D_MDOT,
    D_ARGPO,
    D_ARGPDOT,
    D_NODEO,
    D_NODEDOT,
    D_NODECF,
    D_CC1,
    D_CC4,
    D_T2COF,
    D_BSTAR,
    D_NO_UNKOZAI,
    D_ECCO,
    D_INCLO,
    D_J2,
    D_J3OJ2,
    D_XKE,
    D_RADIUSEARTHKM,
    D_VKMPERSEC,
    D_GSTO,
    D_AFSPC,
    D_E3,
    D_EE2,
    D_PEO,
    D_PGHO,
    D_PHO,
    D_PINCO,
    D_PLO,
    D_SE2,
    D_SE3,
    D_SGH2,
    D_SGH3,
    D_SGH4,
    D_SH2,
    D_SH3,
    D_SI2,
    D_SI3,
    D_SL2,
    D_SL3,
    D_SL4,
    D_XGH2,
    D_XGH3,
    D_XGH4,
    D_XH2,
    D_XH3,
    D_XI2,
    D_XI3,
    D_XL2,
    D_XL3,
    D_XL4,
    D_ZMOL,
    D_ZMOS,
    D_IREZ,
    D_D2201,
    D_D2211,
    D_D3210,
    D_D3222,
    D_D4410,
    D_D4422,
    D_D5220,
    D_D5232,
    D_D5421,
    D_D5433,
    D_DEDT,
    D_DEL1,
    D_DEL2,
    D_DEL3,
    D_DIDT,
    D_DMDT,
    D_DNODT,
    D_DOMDT,
    D_XFACT,
    D_XLAMO,
) = range(len(DEEP_ROWS))
N_DEEP = len(DEEP_ROWS)

# dpper: solar and lunar mean motions (rad/min) and eccentricities.
ZNS = 1.19459e-5
ZES = 0.01675
ZNL = 1.5835218e-4
ZEL = 0.05490
# dspace: resonance phase constants (rad), Earth rotation (rad/min), steps (min).
FASX2 = 0.13130908
FASX4 = 2.8843198
FASX6 = 0.37448087
G22 = 5.7686396
G32 = 0.95240898
G44 = 1.8014998
G52 = 1.0508330
G54 = 4.4108898
RPTIM = 4.37526908801129966e-3
STEPP = 720.0
STEPN = -720.0
STEP2 = 259200.0
TEMP4 = 1.5e-12


@njit
def _dpper(d, k, t, ep, inclp, nodep, argpp, mp):
    """Lunar-solar periodics (Vallado's ``dpper``, init == 'n'); returns the updated elements."""
    # solar terms
    zm = d[D_ZMOS, k] + ZNS * t
    zf = zm + 2.0 * ZES * np.sin(zm)
    sinzf = np.sin(zf)
    f2 = 0.5 * sinzf * sinzf - 0.25
    f3 = -0.5 * sinzf * np.cos(zf)
    ses = d[D_SE2, k] * f2 + d[D_SE3, k] * f3
    sis = d[D_SI2, k] * f2 + d[D_SI3, k] * f3
    sls = d[D_SL2, k] * f2 + d[D_SL3, k] * f3 + d[D_SL4, k] * sinzf
    sghs = d[D_SGH2, k] * f2 + d[D_SGH3, k] * f3 + d[D_SGH4, k] * sinzf
    shs = d[D_SH2, k] * f2 + d[D_SH3, k] * f3
    # lunar terms
    zm = d[D_ZMOL, k] + ZNL * t
    zf = zm + 2.0 * ZEL * np.sin(zm)
    sinzf = np.sin(zf)
    f2 = 0.5 * sinzf * sinzf - 0.25
    f3 = -0.5 * sinzf * np.cos(zf)
    sel = d[D_EE2, k] * f2 + d[D_E3, k] * f3
    sil = d[D_XI2, k] * f2 + d[D_XI3, k] * f3
    sll = d[D_XL2, k] * f2 + d[D_XL3, k] * f3 + d[D_XL4, k] * sinzf
    sghl = d[D_XGH2, k] * f2 + d[D_XGH3, k] * f3 + d[D_XGH4, k] * sinzf
    shll = d[D_XH2, k] * f2 + d[D_XH3, k] * f3

    pe = ses + sel
    pinc = sis + sil
    pl = sls + sll
    pgh = sghs + sghl
    ph = shs + shll
    pe = pe - d[D_PEO, k]
    pinc = pinc - d[D_PINCO, k]
    pl = pl - d[D_PLO, k]
    pgh = pgh - d[D_PGHO, k]
    ph = ph - d[D_PHO, k]
    inclp = inclp + pinc
    ep = ep + pe
    sinip = np.sin(inclp)
    cosip = np.cos(inclp)
    afspc = d[D_AFSPC, k] != 0.0
    if inclp >= 0.2:
        ph = ph / sinip
        pgh = pgh - cosip * ph
        argpp = argpp + pgh
        nodep = nodep + ph
        mp = mp + pl
    else:
        # Lyddane's modification for low inclination
        sinop = np.sin(nodep)
        cosop = np.cos(nodep)
        alfdp = sinip * sinop
        betdp = sinip * cosop
        dalf = ph * cosop + pinc * cosip * sinop
        dbet = -ph * sinop + pinc * cosip * cosop
        alfdp = alfdp + dalf
        betdp = betdp + dbet
        nodep = np.fmod(nodep, TWOPI)
        if nodep < 0.0 and afspc:
            nodep = nodep + TWOPI
        xls = mp + argpp + cosip * nodep
        dls = pl + pgh - pinc * nodep * sinip
        xls = xls + dls
        xnoh = nodep
        nodep = np.arctan2(alfdp, betdp)
        if nodep < 0.0 and afspc:
            nodep = nodep + TWOPI
        if np.abs(xnoh - nodep) > np.pi:
            if nodep < xnoh:
                nodep = nodep + TWOPI
            else:
                nodep = nodep - TWOPI
        mp = mp + pl
        argpp = xls - mp - cosip * nodep
    return ep, inclp, nodep, argpp, mp


@njit
def _dspace(d, k, t, state, em, argpm, inclm, mm, nodem):
    """Resonance effects (Vallado's ``dspace``), integrating from ``state``.

    ``state`` is (atime, xli, xni, xndt, xldot, xnddt, valid). Returns
    ``(em, argpm, inclm, mm, nodem, nm)`` and updates ``state`` in place as
    Vallado's Satrec does, so successive times continue the 720-minute steps
    instead of restarting at epoch; the dot terms at ``atime`` are kept too
    (``valid`` = 1), since every time in the same step needs the same ones.
    """
    no = d[D_NO_UNKOZAI, k]
    irez = d[D_IREZ, k]
    theta = np.fmod(d[D_GSTO, k] + t * RPTIM, TWOPI)
    em = em + d[D_DEDT, k] * t
    inclm = inclm + d[D_DIDT, k] * t
    argpm = argpm + d[D_DOMDT, k] * t
    nodem = nodem + d[D_DNODT, k] * t
    mm = mm + d[D_DMDT, k] * t
    nm = no
    if irez == 0.0:
        return em, argpm, inclm, mm, nodem, nm

    atime = state[0]
    xli = state[1]
    xni = state[2]
    if atime == 0.0 or t * atime <= 0.0 or np.abs(t) < np.abs(atime):
        atime = 0.0
        xni = no
        xli = d[D_XLAMO, k]
        state[6] = 0.0
    delt = STEPP if t > 0.0 else STEPN
    ft = 0.0
    xndt = 0.0
    xldot = 0.0
    xnddt = 0.0
    while True:
        if state[6] != 0.0:
            # the dot terms at (atime, xli, xni) are those of the previous time
            xndt = state[3]
            xldot = state[4]
            xnddt = state[5]
        elif irez != 2.0:
            # near-synchronous (1-day) resonance
            del1 = d[D_DEL1, k]
            del2 = d[D_DEL2, k]
            del3 = d[D_DEL3, k]
            xndt = (
                del1 * np.sin(xli - FASX2)
                + del2 * np.sin(2.0 * (xli - FASX4))
                + del3 * np.sin(3.0 * (xli - FASX6))
            )
            xldot = xni + d[D_XFACT, k]
            xnddt = (
                del1 * np.cos(xli - FASX2)
                + 2.0 * del2 * np.cos(2.0 * (xli - FASX4))
                + 3.0 * del3 * np.cos(3.0 * (xli - FASX6))
            )
            xnddt = xnddt * xldot
        else:
            # near half-day resonance
            xomi = d[D_ARGPO, k] + d[D_ARGPDOT, k] * atime
            x2omi = xomi + xomi
            x2li = xli + xli
            xndt = (
                d[D_D2201, k] * np.sin(x2omi + xli - G22)
                + d[D_D2211, k] * np.sin(xli - G22)
                + d[D_D3210, k] * np.sin(xomi + xli - G32)
                + d[D_D3222, k] * np.sin(-xomi + xli - G32)
                + d[D_D4410, k] * np.sin(x2omi + x2li - G44)
                + d[D_D4422, k] * np.sin(x2li - G44)
                + d[D_D5220, k] * np.sin(xomi + xli - G52)
                + d[D_D5232, k] * np.sin(-xomi + xli - G52)
                + d[D_D5421, k] * np.sin(xomi + x2li - G54)
                + d[D_D5433, k] * np.sin(-xomi + x2li - G54)
            )
            xldot = xni + d[D_XFACT, k]
            xnddt = (
                d[D_D2201, k] * np.cos(x2omi + xli - G22)
                + d[D_D2211, k] * np.cos(xli - G22)
                + d[D_D3210, k] * np.cos(xomi + xli - G32)
                + d[D_D3222, k] * np.cos(-xomi + xli - G32)
                + d[D_D5220, k] * np.cos(xomi + xli - G52)
                + d[D_D5232, k] * np.cos(-xomi + xli - G52)
                + 2.0
                * (
                    d[D_D4410, k] * np.cos(x2omi + x2li - G44)
                    + d[D_D4422, k] * np.cos(x2li - G44)
                    + d[D_D5421, k] * np.cos(xomi + x2li - G54)
                    + d[D_D5433, k] * np.cos(-xomi + x2li - G54)
                )
            )
            xnddt = xnddt * xldot
        state[3] = xndt
        state[4] = xldot
        state[5] = xnddt
        state[6] = 1.0
        if np.abs(t - atime) >= STEPP:
            xli = xli + xldot * delt + xndt * STEP2
            xni = xni + xndt * delt + xnddt * STEP2
            atime = atime + delt
            state[6] = 0.0
        else:
            ft = t - atime
            break
    state[0] = atime
    state[1] = xli
    state[2] = xni
    nm = xni + xndt * ft + xnddt * ft * ft * 0.5
    xl = xli + xldot * ft + xndt * ft * ft * 0.5
    if irez != 1.0:
        mm = xl - 2.0 * nodem + 2.0 * theta
    else:
        mm = xl - nodem - argpm + theta
    dndt = nm - no
    nm = no + dndt
    return em, argpm, inclm, mm, nodem, nm


@njit
def _sdp4(d, k, t, state, out):
    """Deep-space state at ``t`` minutes since epoch into ``out[0:6]``; returns the error code."""
    xmdf = d[D_MO, k] + d[D_MDOT, k] * t
    argpdf = d[D_ARGPO, k] + d[D_ARGPDOT, k] * t
    nodedf = d[D_NODEO, k] + d[D_NODEDOT, k] * t
    argpm = argpdf
    mm = xmdf
    t2 = t * t
    nodem = nodedf + d[D_NODECF, k] * t2
    tempa = 1.0 - d[D_CC1, k] * t
    tempe = d[D_BSTAR, k] * d[D_CC4, k] * t
    templ = d[D_T2COF, k] * t2
    # deep space always takes the simplified drag branch (isimp == 1)
    no_unkozai = d[D_NO_UNKOZAI, k]
    xke = d[D_XKE, k]
    j3oj2 = d[D_J3OJ2, k]
    em = d[D_ECCO, k]
    inclm = d[D_INCLO, k]
    em, argpm, inclm, mm, nodem, nm = _dspace(d, k, t, state, em, argpm, inclm, mm, nodem)

    if nm <= 0.0:
        return 2
    am = (xke / nm) ** X2O3 * tempa * tempa
    nm = xke / am**1.5
    em = em - tempe
    if em >= 1.0 or em < -0.001:
        return 1
    if em < 1.0e-6:
        em = 1.0e-6
    mm = mm + no_unkozai * templ
    xlm = mm + argpm + nodem
    nodem = np.fmod(nodem, TWOPI)
    argpm = np.fmod(argpm, TWOPI)
    xlm = np.fmod(xlm, TWOPI)
    mm = np.fmod(xlm - argpm - nodem, TWOPI)

    ep, xincp, nodep, argpp, mp = _dpper(d, k, t, em, inclm, nodem, argpm, mm)
    if xincp < 0.0:
        xincp = -xincp
        nodep = nodep + np.pi
        argpp = argpp - np.pi
    if ep < 0.0 or ep > 1.0:
        return 3

    # long-period periodics, with coefficients of the perturbed inclination
    sinip = np.sin(xincp)
    cosip = np.cos(xincp)
    aycof = -0.5 * j3oj2 * sinip
    if np.abs(cosip + 1.0) > 1.5e-12:
        xlcof = -0.25 * j3oj2 * sinip * (3.0 + 5.0 * cosip) / (1.0 + cosip)
    else:
        xlcof = -0.25 * j3oj2 * sinip * (3.0 + 5.0 * cosip) / TEMP4
    axnl = ep * np.cos(argpp)
    temp = 1.0 / (am * (1.0 - ep * ep))
    aynl = ep * np.sin(argpp) + temp * aycof
    xl = mp + argpp + nodep + temp * xlcof * axnl

    # Kepler's equation
    u = np.fmod(xl - nodep, TWOPI)
    eo1 = u
    tem5 = 9999.9
    ktr = 1
    sineo1 = 0.0
    coseo1 = 0.0
    while np.abs(tem5) >= KEPLER_TOL and ktr <= KEPLER_MAX_ITER:
        sineo1 = np.sin(eo1)
        coseo1 = np.cos(eo1)
        tem5 = 1.0 - coseo1 * axnl - sineo1 * aynl
        tem5 = (u - aynl * coseo1 + axnl * sineo1 - eo1) / tem5
        if np.abs(tem5) >= 0.95:
            tem5 = 0.95 if tem5 > 0.0 else -0.95
        eo1 = eo1 + tem5
        ktr = ktr + 1

    # short-period periodics
    ecose = axnl * coseo1 + aynl * sineo1
    esine = axnl * sineo1 - aynl * coseo1
    el2 = axnl * axnl + aynl * aynl
    pl = am * (1.0 - el2)
    if pl < 0.0:
        return 4
    rl = am * (1.0 - ecose)
    rdotl = np.sqrt(am) * esine / rl
    rvdotl = np.sqrt(pl) / rl
    betal = np.sqrt(1.0 - el2)
    temp = esine / (1.0 + betal)
    sinu = am / rl * (sineo1 - aynl - axnl * temp)
    cosu = am / rl * (coseo1 - axnl + aynl * temp)
    su = np.arctan2(sinu, cosu)
    sin2u = (cosu + cosu) * sinu
    cos2u = 1.0 - 2.0 * sinu * sinu
    temp = 1.0 / pl
    temp1 = 0.5 * d[D_J2, k] * temp
    temp2 = temp1 * temp
    cosisq = cosip * cosip
    con41 = 3.0 * cosisq - 1.0
    x1mth2 = 1.0 - cosisq
    x7thm1 = 7.0 * cosisq - 1.0
    mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u
    su = su - 0.25 * temp2 * x7thm1 * sin2u
    xnode = nodep + 1.5 * temp2 * cosip * sin2u
    xinc = xincp + 1.5 * temp2 * cosip * sinip * cos2u
    mvt = rdotl - nm * temp1 * x1mth2 * sin2u / xke
    rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) / xke

    sinsu = np.sin(su)
    cossu = np.cos(su)
    snod = np.sin(xnode)
    cnod = np.cos(xnode)
    sini = np.sin(xinc)
    cosi = np.cos(xinc)
    xmx = -snod * cosi
    xmy = cnod * cosi
    ux = xmx * sinsu + cnod * cossu
    uy = xmy * sinsu + snod * cossu
    uz = sini * sinsu
    vx = xmx * cossu - cnod * sinsu
    vy = xmy * cossu - snod * sinsu
    vz = sini * cossu
    mr = mrt * d[D_RADIUSEARTHKM, k]
    vkmpersec = d[D_VKMPERSEC, k]
    out[0] = mr * ux
    out[1] = mr * uy
    out[2] = mr * uz
    out[3] = vkmpersec * (mvt * ux + rvdot * vx)
    out[4] = vkmpersec * (mvt * uy + rvdot * vy)
    out[5] = vkmpersec * (mvt * uz + rvdot * vz)
    if mrt < 1.0:
        return 6
    return 0


@njit(parallel=True)
def sgp4_deep_space(deep, jd, fr, rows, e_out, r_teme_km, v_teme_km_s):
    """Propagate deep-space satellites (SDP4) over split UTC Julian dates, in place.

    Parameters
    ----------
    deep : float64 array (N_DEEP, n_sat)
        Per-satellite constants, rows named by ``DEEP_ROWS``.
    jd, fr : float64 arrays (n_time,)
        Split UTC Julian dates.
    rows : int64 array (n_sat,)
        Row of the output arrays that each satellite writes.
    e_out : uint8 array (n_out, n_time)
        SGP4 error codes (written).
    r_teme_km, v_teme_km_s : float64 arrays (n_out, n_time, 3)
        TEME position (km) and velocity (km/s) (written).

    Notes
    -----
    Hoots & Roehrich (1980), Spacetrack Report #3 (SDP4); Vallado et al.
    (2006), AIAA 2006-6753 (``dpper``, ``dspace``, the Lyddane choice and the
    integrator fixes).
    """
    n_sat = deep.shape[1]
    n_time = jd.shape[0]
    for k in prange(n_sat):
        row = rows[k]
        state = np.zeros(7)  # atime = 0: restart at epoch
        out = np.empty(6)
        for j in range(n_time):
            t = (jd[j] - deep[D_JDSATEPOCH, k]) * MINUTES_PER_DAY + (
                fr[j] - deep[D_JDSATEPOCHF, k]
            ) * MINUTES_PER_DAY
            err = _sdp4(deep, k, t, state, out)
            e_out[row, j] = np.uint8(err)
            bad = err != 0 and err != 6
            for q in range(3):
                r_teme_km[row, j, q] = np.nan if bad else out[q]
                v_teme_km_s[row, j, q] = np.nan if bad else out[q + 3]
