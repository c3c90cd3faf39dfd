"""Reading the many date forms a CMS leaves behind, writing the two forms feeds need.

parse_date() reads one documented set of forms (README, "The record format",
"Dates"), and refuses everything it cannot read for certain:

- ISO 8601 / RFC 3339 in all its variants is read by a strict regular expression,
  never by a free parser, so the site's `dayfirst` never applies to it;
- anything else goes to python-dateutil's free parser, but only after the value
  has been checked (it holds nothing but the pieces of a date) and rewritten so
  that nothing in it is guessed: a four-digit year first means year-month-day,
  `GMT+3` means three hours ahead of UTC, a zone name is looked up in the fixed
  table zones.ZONE_NAMES (never in the machine's zone, never replaced by the site's),
  and a missing year, month or day, or a two-digit year, is refused instead of
  being taken from the clock. No warning of the library escapes: it becomes a
  DateError.

The result is always aware, with a fixed offset (datetime.timezone) and whole seconds.
"""

from __future__ import annotations

import os
import re
import warnings
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from syndicate.errors import UsageError
from syndicate.patterns import lazy
from syndicate.zones import ZoneError, named_zone, offset_zone, shown_offset

# Dates outside these years are refused: they are typing slips, and every format and
# reader can represent the dates inside them, in any offset and in UTC.
EARLIEST_YEAR = 1800
LATEST_YEAR = 8999

EXPECTED = "expected e.g. '2014-08-06T14:30:00+03:00' or '06.08.2014'"


class DateError(ValueError):
    """A date that cannot be read; the message says what was expected."""


def _named_zone(name: str, value: str) -> tzinfo:
    try:
        return named_zone(name)
    except ZoneError as error:
        raise DateError(f"{value!r}: {error}") from None


def _offset_zone(offset: timedelta, value: str) -> timezone:
    try:
        return offset_zone(offset)
    except ZoneError as error:
        raise DateError(f"{value!r}: {error}") from None


def site_timezone(name: str) -> tzinfo:
    """The named IANA zone; raises DateError for a name the zone database lacks.

    Only names in the zone database are accepted: not a file path, not a POSIX TZ
    string, and never the machine's own zone.
    """
    if isinstance(name, str) and _IANA_NAME.fullmatch(name):
        try:
            return ZoneInfo(name)
        except (ValueError, KeyError, OSError):
            pass
    raise DateError(f"unknown timezone {name!r} (expected an IANA name such as 'Europe/Minsk')")


# ---------------------------------------------------------------------------------------
# ISO 8601 / RFC 3339

_ISO = lazy(
    r"""
    (?P<year>\d{4})
    (?: -(?P<month>\d{2})-(?P<day>\d{2})          # 2014-08-06
      | -W(?P<week>\d{2})-(?P<weekday>\d)         # 2014-W32-3
      | -(?P<yearday>\d{3})                       # 2014-218
      | (?P<bmonth>\d{2})(?P<bday>\d{2})          # 20140806
      | W(?P<bweek>\d{2})(?P<bweekday>\d)         # 2014W323
      | (?P<byearday>\d{3})                       # 2014218
    )
    (?: [Tt\ ] (?P<hour>\d{2})
        (?: :(?P<minute>\d{2}) (?: :(?P<second>\d{2}) (?:[.,](?P<fraction>\d+))? )?
          | (?P<bminute>\d{2}) (?: (?P<bsecond>\d{2}) (?:[.,](?P<bfraction>\d+))? )?
        )?
    )?
    \ ?
    (?: (?P<utc>[Zz]|UTC|GMT|UT)
      | (?P<sign>[+-])(?P<offset_hours>\d{2})
        (?: :?(?P<offset_minutes>\d{2}) (?: :(?P<offset_seconds>\d{2}) )? )?
    )?
    """,
    re.VERBOSE | re.ASCII,
)


def _read_iso(match: re.Match[str], value: str) -> tuple[datetime, tzinfo | None]:
    """The local time and zone (None: none written) of an ISO 8601 match."""
    g = match.groupdict()
    year = int(g["year"])
    try:
        if g["month"] or g["bmonth"]:
            day = date(year, int(g["month"] or g["bmonth"]), int(g["day"] or g["bday"]))
        elif g["week"] or g["bweek"]:
            day = date.fromisocalendar(year, int(g["week"] or g["bweek"]), int(g["weekday"] or g["bweekday"]))
        else:
            number = int(g["yearday"] or g["byearday"])
            day = date(year, 1, 1) + timedelta(days=number - 1)
            if not 1 <= number or day.year != year:
                raise ValueError(f"day {number} is not in the year {year}")
    except (ValueError, OverflowError) as error:
        raise DateError(f"{value!r} is not a real date ({error}); {EXPECTED}") from None

    hour = int(g["hour"] or 0)
    minute = int(g["minute"] or g["bminute"] or 0)
    second = int(g["second"] or g["bsecond"] or 0)
    fraction = g["fraction"] or g["bfraction"] or ""
    if second == 60:
        raise DateError(_leap_second(value))
    if hour == 24 and minute == second == 0 and not fraction.strip("0"):
        try:
            local = datetime.combine(day, datetime.min.time()) + timedelta(days=1)  # end of that day
        except OverflowError:
            raise DateError(f"{value!r} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR}") from None
    elif hour > 23 or minute > 59 or second > 59:
        raise DateError(f"{value!r} has no such time of day (hours go to 23, minutes and seconds to 59; "
                        f"24:00:00 is the end of the day); {EXPECTED}")
    else:
        local = datetime(day.year, day.month, day.day, hour, minute, second)  # any fraction dropped

    if g["utc"]:
        return local, timezone.utc
    if not g["sign"]:
        return local, None
    minutes, seconds = int(g["offset_minutes"] or 0), int(g["offset_seconds"] or 0)
    if minutes > 59 or seconds > 59:
        raise DateError(f"{value!r} has an offset with more than 59 minutes or seconds; {EXPECTED}")
    offset = timedelta(hours=int(g["offset_hours"]), minutes=minutes, seconds=seconds)
    return local, _offset_zone(-offset if g["sign"] == "-" else offset, value)


def _leap_second(value: str) -> str:
    return (f"{value!r} has a leap second (:60), which the feed formats cannot carry; "
            "write :59 of that minute")


# ---------------------------------------------------------------------------------------
# Everything else: checked and rewritten, then python-dateutil's free parser

_LEAP_SECOND = lazy(r"(?<!\d)\d{1,2}:\d{2}:60(?!\d)")
# GMT+3, UTC-05:00, GMT+5:30, UTC +3: hours ahead of (or behind) UTC, as people mean it;
# python-dateutil reads them the POSIX way round (GMT+3 as 3 hours behind).
_UTC_PLUS = lazy(r"(?<![A-Za-z])(?:UTC|GMT|UT)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?(?!\d)", re.IGNORECASE)
# A zone database name (no path, no POSIX TZ string).
_IANA_NAME = lazy(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z][A-Za-z0-9_+-]*)*", re.ASCII)
# RFC 9557 / java.time: '...+03:00[Europe/Minsk]'; CMSes: '... Europe/Minsk'.
_ZONE_SUFFIX = lazy(
    r"(?P<rest>.*?\S)"
    r"(?:\s?\[!?(?P<bracketed>[^\[\]]+)\]|\s(?P<spaced>[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z][A-Za-z0-9_+-]*)+))",
    re.ASCII,
)
# A comment or a name after a numeric offset, as in RFC 2822's '+0300 (MSK)' or Go's
# '+0300 MSK': the offset wins, the rest is dropped.
_OFFSET_THEN_NAME = lazy(
    r"(?P<offset>\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s?[+-]\d{2}:?\d{2})\s?(?:\([^()]*\)|[A-Z]{2,5})$")
# 'EST+5', 'CET-1', 'Z+03:00': a name with an offset after it reads two ways (POSIX counts west).
_NAME_THEN_OFFSET = lazy(r"(?<![A-Za-z])(?P<name>[A-Za-z]{1,5})\s?[+-]\s?\d")
# A military zone letter after a time; python-dateutil would read 'A' and 'P' as AM/PM.
_MILITARY_LETTER = lazy(r"\d:\d{2}(?::\d{2})?\s?(?P<letter>[A-Y])$")
# A four-digit year first (in the date): year-month-day, whatever the site's dayfirst says; also
# YYYYMMDDhhmm[ss], which python-dateutil would read day first too.
_YEAR_FIRST = lazy(
    r"(?<![\d.,:/+-])(?P<year>\d{4})(?:[-/. ]{1,2}(?P<month>\d{1,2})[-/. ]{1,2}(?P<day>\d{1,2})"
    r"|(?P<bmonth>\d{2})(?P<bday>\d{2})(?:(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})?)?)(?![\d:])",
    re.ASCII,
)
# Any other run of seven digits or more (a Unix time, a date without separators
# elsewhere than first): python-dateutil would guess.
_LONG_NUMBER = lazy(r"(?<![\d.,])\d{7,}")
_OFFSET_MINUTES = lazy(r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s?[+-]\d{2}:?(?P<minutes>\d{2})(?!\d)")
_WORD = lazy(r"[A-Za-z]+")
_AM_PM = lazy(r"(?<![A-Za-z])([AaPp])\.\s?[Mm]\.(?!\w)")
# The pieces a date handed to python-dateutil may consist of: it would otherwise
# make a date of nearly anything ('5t8t2014', a six-digit number as a time).
_PIECE = lazy(
    r"""
      \d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[AaPp][Mm])?    # 14:30, 14:30:00.5, 2:30pm
    | \d{4}-\d{2}-\d{2}(?:[Tt](?=\d))?                      # a year-first date, made ISO above
    | [\s,./-]+                                              # separators
    | \+\d{1,2}(?::?\d{2})?                                  # +3, +0300, +03:00 (- is a separator)
    | (?:\d{1,2}h(?:\d{2})? | \d{1,2}(?:st|nd|rd|th)? | \d{4})(?!\d)   # 14h30, 6, 6th, 2014
    | \(?[A-Za-z]+\)?                                         # words, checked against _free_form().words
    """,
    re.VERBOSE | re.ASCII,
)
# Times and offsets, to find the first number of the date itself.
_NOT_DATE_NUMBERS = lazy(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?|[+-]\d+(?::\d{2})?|\d{1,2}h\d*")

# Two defaults that differ in year, month and day (leap years, days 1 and 15 so that
# a weekday lands on different days): a field that differs between the two parses
# was not in the text. Both are midnight: a date without a time is midnight.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2004, 2, 15))


class _TwoDigitYear(Exception):
    """Raised out of python-dateutil (not a ValueError, which it would swallow)."""


class _FreeForm(NamedTuple):
    parser: Any  # a dateutil.parser.parser
    words: set[str]  # the words a date may hold
    weekdays: dict[str, int]  # weekday names and their numbers (Monday is 0)
    not_zones: set[str]  # words that are not zone names


@cache
def _free_form() -> _FreeForm:
    """python-dateutil's parser and the English names it knows, made on first use: only dates
    in free forms need them, and checking a feed file should not wait for dateutil to load."""
    from dateutil import parser as date_parser

    class _ParserInfo(date_parser.parserinfo):
        """python-dateutil's English names, but no two-digit years: it would complete
        them from the clock (the century within 50 years of today)."""

        def convertyear(self, year: int, century_specified: bool = False) -> int:
            if year < 100 and not century_specified:
                raise _TwoDigitYear
            return year

    names = {name.lower() for names in date_parser.parserinfo.MONTHS + date_parser.parserinfo.WEEKDAYS
             for name in names}
    return _FreeForm(
        parser=date_parser.parser(_ParserInfo()),
        words=names | {"am", "pm", "at", "on", "of", "the", "z"},
        weekdays={name.lower(): number for number, names in enumerate(date_parser.parserinfo.WEEKDAYS)
                  for name in names},
        not_zones=names | {"am", "pm", "a", "p", "m", "t", "at", "on", "of", "and"},
    )


def _read_other(value: str, dayfirst: bool) -> tuple[datetime, tzinfo | None]:
    """The local time and zone of a value that is not plain ISO 8601."""
    text = " ".join(value.split())
    if _LEAP_SECOND.search(text):
        raise DateError(_leap_second(value))

    zone: tzinfo | None = None
    suffix = _ZONE_SUFFIX.fullmatch(text)
    if suffix:
        text, zone = suffix["rest"], _iana_zone(suffix["bracketed"] or suffix["spaced"], value)

    text = _UTC_PLUS.sub(lambda m: f"{m[1]}{int(m[2]):02d}:{m[3] or '00'}", text)
    text = _OFFSET_THEN_NAME.sub(lambda m: m["offset"], text)
    for found in _NAME_THEN_OFFSET.finditer(text):
        if found["name"].lower() not in _free_form().not_zones:
            raise DateError(f"{value!r}: a zone name followed by an offset ({found[0]}...) reads two ways "
                            "(POSIX counts hours west of UTC); write only the offset, e.g. '+03:00'")
    letter = _MILITARY_LETTER.search(text)
    if letter:
        _named_zone(letter["letter"], value)  # raises; AM/PM are written 'AM', 'PM', 'a.m.', 'p.m.'
    for found in _OFFSET_MINUTES.finditer(text):
        if int(found["minutes"]) > 59:
            raise DateError(f"{value!r} has an offset with more than 59 minutes; {EXPECTED}")

    ymd = None
    year_first = _YEAR_FIRST.search(text)
    if year_first:
        g = year_first.groupdict()
        ymd = int(g["year"]), int(g["month"] or g["bmonth"]), int(g["day"] or g["bday"])
        try:
            date(*ymd)
        except ValueError as error:
            raise DateError(f"{value!r} is not a real date (read as year-month-day: {error}); {EXPECTED}") from None
        clock = f"T{g['hour']}:{g['minute']}" + (f":{g['second']}" if g["second"] else "") if g["hour"] else ""
        text = f"{text[:year_first.start()]}{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}{clock}{text[year_first.end():]}"
    number = _LONG_NUMBER.search(text)
    if number:
        raise DateError(f"cannot read {value!r} as a date ({number[0]} is not a date); {EXPECTED}")

    iso = _ISO.fullmatch(text)
    if iso:
        local, written = _read_iso(iso, value)
    else:
        local, written = _read_free(text, value, dayfirst=dayfirst, ymd=ymd)

    if zone is None:
        return local, written
    if written is None:
        return local, zone
    # Both an offset and a zone name: they must agree (either side of a DST change).
    offset = written.utcoffset(local)
    if any(zone.utcoffset(local.replace(fold=fold)) == offset for fold in (0, 1)):
        return local, written
    raise DateError(f"{value!r}: the offset {shown_offset(offset)} is not the offset of "
                    f"{suffix['bracketed'] or suffix['spaced']} at that time; write one of the two")


def _iana_zone(name: str, value: str) -> tzinfo:
    if re.fullmatch(r"Etc/GMT[+-]\d+", name, re.IGNORECASE):
        raise DateError(f"{value!r}: {name} counts hours west of UTC (POSIX); write a numeric offset instead")
    try:
        return site_timezone(name)
    except DateError:
        raise DateError(f"{value!r}: unknown zone {name!r} (expected an IANA name such as 'Europe/Minsk' "
                        "or a numeric offset)") from None


def _read_free(text: str, value: str, *, dayfirst: bool,
               ymd: tuple[int, int, int] | None) -> tuple[datetime, tzinfo | None]:
    """TEXT read by python-dateutil, its zone names resolved by zones.ZONE_NAMES, no field guessed."""
    text = _AM_PM.sub(lambda m: m[1].upper() + "M", text)
    free_form = _free_form()
    position = 0
    while position < len(text):
        piece = _PIECE.match(text, position)
        word = piece[0].strip("()") if piece else ""
        if not piece or (word.isalpha() and word.lower() not in free_form.words and not (word.isupper() and len(word) <= 5)):
            shown = piece[0] if piece else text[position:].split()[0]
            raise DateError(f"cannot read {value!r} as a date ({shown!r} is not part of a date); {EXPECTED}")
        position = piece.end()

    def zone(name: str | None, offset: int | None) -> tzinfo | None:
        # python-dateutil calls this for every parse; a numeric offset wins over a name.
        if offset is not None:
            return _offset_zone(timedelta(seconds=offset), value)
        return None if name is None else _named_zone(name, value)

    # A date whose first number is a four-digit year is year-month-day, like ISO 8601.
    first = re.search(r"\d+", _NOT_DATE_NUMBERS.sub(" ", text))
    year_first = ymd is not None or (first is not None and len(first[0]) == 4)

    parsed = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            for default in _DEFAULTS:
                parsed.append(free_form.parser.parse(text, default=default, dayfirst=dayfirst and not year_first,
                                            yearfirst=year_first, tzinfos=zone))
        except DateError:
            raise
        except _TwoDigitYear:
            raise DateError(f"{value!r} has a two-digit year; expected a four-digit year, "
                            "e.g. '06.08.2014'") from None
        except (ValueError, OverflowError) as error:
            raise DateError(f"cannot read {value!r} as a date ({error}); {EXPECTED}") from None
    if caught:
        raise DateError(f"cannot read {value!r} as a date ({caught[0].message}); {EXPECTED}")

    first, second = parsed
    missing = [field for field in ("year", "month", "day") if getattr(first, field) != getattr(second, field)]
    if missing:
        fields = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
        raise DateError(f"{value!r} has no {fields}; expected a full date such as '2014-08-06'")
    if ymd is not None and (first.year, first.month, first.day) != ymd:
        raise DateError(f"{value!r} is not a year-month-day date; {EXPECTED}")
    for word in _WORD.findall(text):
        weekday = free_form.weekdays.get(word.lower())
        if weekday is not None and weekday != first.weekday():
            raise DateError(f"{value!r} says {word} but {first:%d %B %Y} is a {first:%A}; "
                            "one of the two is wrong")
    return first.replace(tzinfo=None), first.tzinfo


# ---------------------------------------------------------------------------------------

def parse_date(value: str, *, dayfirst: bool, default_zone: tzinfo) -> datetime:
    """VALUE read as the README's "Dates" table says; a value without a zone is in DEFAULT_ZONE.

    DAYFIRST decides the ambiguous numeric forms only: with it, '06.08.2014' is
    6 August 2014; ISO 8601 and a leading four-digit year are always year first.
    Returns an aware datetime with a fixed offset and whole seconds; raises DateError
    (quoting VALUE and saying what was expected) for anything it cannot read for certain.
    """
    if not isinstance(value, str) or not value.strip():
        raise DateError(f"expected a date string, got {value!r}")
    match = _ISO.fullmatch(value.strip())
    local, zone = _read_iso(match, value) if match else _read_other(value, dayfirst)
    if not EARLIEST_YEAR <= local.year <= LATEST_YEAR:
        raise DateError(f"{value!r} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR}")
    # Every writer (and feedgen) serialises what it is given: give it a whole-second
    # instant with an offset every date format can write.
    return _fixed(local.replace(tzinfo=default_zone if zone is None else zone))


def _fixed(moment: datetime) -> datetime:
    """The same instant with a fixed offset, so output never depends on a zone database.

    An offset with seconds (local mean time before 1900 in many zones) cannot be
    written in RFC 822 or RFC 3339, so such an instant is given in UTC.
    """
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"{moment!r} has no zone")
    if offset.seconds % 60 or offset.microseconds:
        return moment.astimezone(timezone.utc).replace(microsecond=0)
    return moment.astimezone(timezone.utc if not offset else timezone(offset)).replace(microsecond=0)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc822(moment: datetime) -> str:
    """RFC 822 (as updated by RFC 1123: four-digit year), in UTC with the zone 'GMT'.

    GMT is what the RSS Best Practices Profile recommends, and what every reader
    understands (the W3C Feed Validator warns about offsets such as +0545). Names
    of days and months are English whatever the process locale is.
    """
    moment = _fixed(moment).astimezone(timezone.utc)
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
        f"{moment:%H:%M:%S} GMT"
    )


def rfc3339(moment: datetime) -> str:
    """RFC 3339 date-time with the original offset ('Z' for UTC), seconds precision."""
    text = _fixed(moment).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def build_time() -> datetime:
    """The moment an export is made: SOURCE_DATE_EPOCH when set, else the clock.

    Only the entry points of export and stats call this (to decide whether an
    embargo has lifted); no writer does. A bad SOURCE_DATE_EPOCH is a UsageError.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, "
                             f"got {epoch!r}") from None
    return datetime.now(timezone.utc)


_RFC822 = lazy(
    r"(?P<weekday>Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<day>\d{2}) "
    r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<year>\d{4}) "
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2}) (?:GMT|[+-]\d{2}(?P<offset_minutes>\d{2}))",
    re.ASCII,
)
_RFC3339 = lazy(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII)


def is_rfc822(text: str) -> bool:
    """Whether TEXT is an RFC 822 date as feeds should carry it: weekday, four-digit
    year, seconds, and 'GMT' (what this tool writes) or a numeric zone; the weekday
    must be the date's."""
    match = _RFC822.fullmatch(text)
    if not match or int(match["offset_minutes"] or 0) > 59:
        return False
    try:
        moment = datetime(int(match["year"]), _MONTHS.index(match["month"]) + 1, int(match["day"]),
                          int(match["hour"]), int(match["minute"]), int(match["second"]))
    except ValueError:
        return False
    return _DAYS[moment.weekday()] == match["weekday"]


def is_rfc3339(text: str) -> bool:
    """Whether TEXT is an RFC 3339 date-time, which always carries a zone."""
    if not _RFC3339.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
