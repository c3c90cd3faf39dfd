"""The zone names dates may carry: a fixed table, never the machine's zone or the site's.

RFC 822's own names, then common abbreviations that name one offset only; any
other name (IST, AST, military letters other than Z, ...) is refused, saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from types import MappingProxyType

# Real zones lie within UTC-12:00 .. UTC+14:00; an offset beyond +-14:00 is a slip,
# and some readers (and writers) refuse it.
MAX_OFFSET = timedelta(hours=14)


class ZoneError(ValueError):
    """A zone name or offset that cannot be used; the message says why."""


def _hm(hours: int, minutes: int = 0) -> timedelta:
    return timedelta(hours=hours, minutes=minutes if hours >= 0 else -minutes)


#: The only zone names parse_date() reads: name -> (offset, meaning). RFC 822's own
#: names first, then common abbreviations that name one offset only. Any other name
#: (IST, AST, military letters other than Z, ...) is refused.
ZONE_NAMES: Mapping[str, tuple[timedelta, str]] = MappingProxyType({
    # RFC 822 section 5.1
    "UT": (_hm(0), "Universal Time"),
    "GMT": (_hm(0), "Greenwich Mean Time"),
    "Z": (_hm(0), "Zulu (UTC)"),
    "EST": (_hm(-5), "US Eastern Standard"),
    "EDT": (_hm(-4), "US Eastern Daylight"),
    "CST": (_hm(-6), "US Central Standard"),
    "CDT": (_hm(-5), "US Central Daylight"),
    "MST": (_hm(-7), "US Mountain Standard"),
    "MDT": (_hm(-6), "US Mountain Daylight"),
    "PST": (_hm(-8), "US Pacific Standard"),
    "PDT": (_hm(-7), "US Pacific Daylight"),
    # Common unambiguous abbreviations
    "UTC": (_hm(0), "Coordinated Universal Time"),
    "WET": (_hm(0), "Western European"),
    "WEST": (_hm(1), "Western European Summer"),
    "BST": (_hm(1), "British Summer Time"),
    "CET": (_hm(1), "Central European"),
    "CEST": (_hm(2), "Central European Summer"),
    "MET": (_hm(1), "Middle European"),
    "MEST": (_hm(2), "Middle European Summer"),
    "EET": (_hm(2), "Eastern European"),
    "EEST": (_hm(3), "Eastern European Summer"),
    "MSK": (_hm(3), "Moscow (+04:00 from 27 March 2011 to 26 October 2014)"),
    "MSD": (_hm(4), "Moscow Summer"),
    "HST": (_hm(-10), "Hawaii"),
    "AKST": (_hm(-9), "Alaska Standard"),
    "AKDT": (_hm(-8), "Alaska Daylight"),
    "NST": (_hm(-3, 30), "Newfoundland Standard"),
    "NDT": (_hm(-2, 30), "Newfoundland Daylight"),
    "JST": (_hm(9), "Japan"),
    "KST": (_hm(9), "Korea"),
    "HKT": (_hm(8), "Hong Kong"),
    "SGT": (_hm(8), "Singapore"),
    "PHT": (_hm(8), "Philippines"),
    "WIB": (_hm(7), "Western Indonesia"),
    "ICT": (_hm(7), "Indochina"),
    "PKT": (_hm(5), "Pakistan"),
    "NPT": (_hm(5, 45), "Nepal"),
    "AEST": (_hm(10), "Australian Eastern Standard"),
    "AEDT": (_hm(11), "Australian Eastern Daylight"),
    "ACST": (_hm(9, 30), "Australian Central Standard"),
    "ACDT": (_hm(10, 30), "Australian Central Daylight"),
    "AWST": (_hm(8), "Australian Western"),
    "NZST": (_hm(12), "New Zealand Standard"),
    "NZDT": (_hm(13), "New Zealand Daylight"),
    "EAT": (_hm(3), "East Africa"),
    "CAT": (_hm(2), "Central Africa"),
    "WAT": (_hm(1), "West Africa"),
    "SAST": (_hm(2), "South Africa Standard"),
    "ART": (_hm(-3), "Argentina"),
    "BRT": (_hm(-3), "Brasília"),
})

# Names that are common but name several offsets: refused with the reason.
_AMBIGUOUS_NAMES = {
    "IST": "India +05:30, Irish Standard +01:00 or Israel +02:00",
    "AST": "Atlantic -04:00 or Arabia +03:00",
    "ADT": "Atlantic Daylight -03:00 or Arabia Daylight +04:00",
    "SST": "Samoa -11:00 or Singapore +08:00",
    "GST": "Gulf +04:00 or South Georgia -02:00",
    "BDT": "Bangladesh +06:00 or British Double Summer +02:00",
    "ECT": "Ecuador -05:00 or Eastern Caribbean -04:00",
}


class _MoscowTime(tzinfo):
    """MSK: +03:00, except from 27 March 2011 to 26 October 2014, when Moscow kept
    +04:00 all year and still called it MSK."""

    _START = datetime(2011, 3, 27, 2)
    _END = datetime(2014, 10, 26, 2)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is not None and self._START <= dt.replace(tzinfo=None) < self._END:
            return _hm(4)
        return _hm(3)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "MSK"


_MOSCOW = _MoscowTime()


def named_zone(name: str) -> tzinfo:
    """The zone NAME stands for, from ZONE_NAMES; ZoneError for any other name."""
    key = name.upper()
    if key == "MSK":
        return _MOSCOW
    if key in ZONE_NAMES:
        return offset_zone(ZONE_NAMES[key][0])
    if key in _AMBIGUOUS_NAMES:
        reason = f"is ambiguous ({_AMBIGUOUS_NAMES[key]})"
    elif len(key) == 1:
        reason = "is a military zone letter, which RFC 1123 (5.2.14) says cannot be relied on"
    else:
        reason = "is not in the table of zone names this tool reads"
    raise ZoneError(f"zone name {name!r} {reason}; write a numeric offset instead, "
                    "e.g. '+03:00', or one of the names listed in the README")


def offset_zone(offset: timedelta) -> timezone:
    """A fixed zone for OFFSET, refused beyond +-14:00."""
    if abs(offset) > MAX_OFFSET:
        raise ZoneError(f"offset {shown_offset(offset)} is outside ±14:00, the range of real zones")
    return timezone.utc if not offset else timezone(offset)


def shown_offset(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
