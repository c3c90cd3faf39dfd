"""Reading the many date forms a CMS leaves behind, writing the two forms feeds need."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone, tzinfo

from dateutil import parser as date_parser
from dateutil import tz as date_tz


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")


# Dates outside these years are refused: they are typing slips, and every format and
# reader can represent the dates inside them, in any offset and in UTC.
EARLIEST_YEAR = 1800
LATEST_YEAR = 8999


class DateError(ValueError):
    """A date that cannot be read; the message says what was expected."""


def site_timezone(name: str) -> tzinfo:
    """The named IANA zone; raises DateError for a name the zone database lacks."""
    zone = date_tz.gettz(name)
    if zone is None:
        raise DateError(f"unknown timezone {name!r} (expected an IANA name such as 'Europe/Minsk')")
    return zone


def parse_date(value: str, *, dayfirst: bool, default_zone: tzinfo) -> datetime:
    """Parse VALUE as python-dateutil does; a value without a zone is in DEFAULT_ZONE.

    DAYFIRST decides the ambiguous forms: with it, '06.08.2014' is 6 August 2014.
    """
    if not isinstance(value, str) or not value.strip():
        raise DateError(f"expected a date string, got {value!r}")
    try:
        # ISO 8601 first: dateutil's dayfirst would read 2021-06-03 as 6 March.
        if _ISO_DATE.match(value.strip()):
            parsed = date_parser.isoparse(value.strip())
        else:
            parsed = date_parser.parse(value, dayfirst=dayfirst)
    except (ValueError, OverflowError) as error:
        raise DateError(
            f"cannot read {value!r} as a date ({error}); expected e.g. '2014-08-06T10:00:00+03:00' "
            "or '06.08.2014'"
        ) from None
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise DateError(f"{value!r} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_zone)
    elif parsed.utcoffset() is None:
        raise DateError(f"the zone of {value!r} has no UTC offset")
    # Every writer (and feedgen) serialises what it is given: give it a whole-second
    # instant with an offset every date format can write.
    return _fixed(parsed).replace(microsecond=0)


def _fixed(moment: datetime) -> datetime:
    """The same instant with a fixed offset, so output never depends on a zone database.

    An offset with seconds (local mean time before 1900 in many zones) cannot be
    written in RFC 822 or RFC 3339, so such an instant is given in UTC.
    """
    offset = moment.utcoffset()
    if offset is None:
        return moment
    if offset.seconds % 60 or offset.microseconds:
        return moment.astimezone(timezone.utc)
    return moment.astimezone(timezone(offset))


def rfc822(moment: datetime) -> str:
    """RFC 822 (as updated by RFC 1123: four-digit year) with a numeric zone, as RSS 2.0 asks.

    Names of days and months are English whatever the process locale is.
    """
    moment = _fixed(moment)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return (
        f"{days[moment.weekday()]}, {moment.day:02d} {months[moment.month - 1]} {moment.year:04d} "
        f"{moment:%H:%M:%S} {moment:%z}"
    )


def rfc3339(moment: datetime) -> str:
    """RFC 3339 date-time with the original offset ('Z' for UTC), seconds precision."""
    moment = _fixed(moment).replace(microsecond=0)
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def build_time() -> datetime:
    """The moment an export is made: SOURCE_DATE_EPOCH when set, else the clock.

    Only the export's entry point calls this (to decide whether an embargo has
    lifted); no writer does.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except ValueError:
            raise DateError(f"SOURCE_DATE_EPOCH must be an integer, got {epoch!r}") from None
    return datetime.now(timezone.utc)


_RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def is_rfc822(text: str) -> bool:
    """Whether TEXT is an RFC 822 date as this tool writes it: four-digit year, numeric zone."""
    if not _RFC822.match(text):
        return False
    try:
        datetime.strptime(text[5:-6], "%d %b %Y %H:%M:%S")
    except ValueError:
        return False
    return True


def is_rfc3339(text: str) -> bool:
    """Whether TEXT is an RFC 3339 date-time, which always carries a zone."""
    if not _RFC3339.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
