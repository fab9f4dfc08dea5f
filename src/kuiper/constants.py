"""Physical constants. Every name ends in its unit.

SGP4 must use WGS72 (Vallado et al. 2006, AIAA 2006-6753, sec. "Constants");
geodetic output uses WGS84.
"""

# WGS72, as SGP4 requires (Spacetrack Report #3; Vallado et al. 2006).
WGS72_MU_KM3_S2 = 398600.8
WGS72_RADIUS_KM = 6378.135
WGS72_J2 = 0.001082616
WGS72_J3 = -0.00000253881
WGS72_J4 = -0.00000165597

# WGS84, for geodetic latitude, longitude and height.
WGS84_RADIUS_KM = 6378.137
WGS84_FLATTENING = 1.0 / 298.257223563

MINUTES_PER_DAY = 1440.0
SECONDS_PER_DAY = 86400.0
# Julian date of the Unix epoch, 1970-01-01T00:00:00 UTC.
JD_UNIX_EPOCH = 2440587.5
