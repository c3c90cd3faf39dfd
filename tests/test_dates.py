import re
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dateutil import parser as dateutil_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.dates import (
    DateError,
    is_rfc822,
    is_rfc3339,
    parse_date,
    rfc822,
    rfc3339,
    site_timezone,
)
from syndicate.zones import ZONE_NAMES

from tests.conftest import examples

MINSK = site_timezone("Europe/Minsk")
README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_table(header: str) -> list[list[str]]:
    """The rows of the table with HEADER in the README's "### Dates" section, as cells."""
    section = README.read_text(encoding="utf-8").partition("\n### Dates\n")[2].partition("\n## ")[0]
    lines = section.splitlines()
    if header not in lines:
        return []
    rows = []
    for line in lines[lines.index(header) + 2:]:  # after the |---| line
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def _code(cell: str) -> str:
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"expected one `code` value in the README cell {cell!r}"
    return match[1]


DATE_ROWS = _readme_table("| form | example | instant |")
REFUSED_ROWS = _readme_table("| refused | example |")
ZONE_ROWS = _readme_table("| offset | names |")


def _parse(text: str, dayfirst: bool = True) -> datetime:
    return parse_date(text, dayfirst=dayfirst, default_zone=MINSK)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- The README's tables are what the code does -------------------------------------------

def test_the_readme_documents_the_date_forms():
    assert len(DATE_ROWS) >= 15, "the README's date table ('### Dates', '| form | example | instant |') is missing"
    assert len(REFUSED_ROWS) >= 5 and len(ZONE_ROWS) >= 10
    assert all(len(row) == 3 for row in DATE_ROWS), [row for row in DATE_ROWS if len(row) != 3]


@pytest.mark.parametrize(("form", "example", "instant"), DATE_ROWS, ids=[row[1] for row in DATE_ROWS])
def test_each_documented_form_reads_as_its_instant(form, example, instant):
    moment = _parse(_code(example))
    assert rfc3339(moment) == _code(instant), form  # the offset kept, too
    assert moment == _instant(_code(instant))
    assert isinstance(moment.tzinfo, timezone) and moment.microsecond == 0


@pytest.mark.parametrize(("why", "examples"), REFUSED_ROWS, ids=[row[1] for row in REFUSED_ROWS])
def test_each_documented_refusal_is_refused(why, examples):
    for example in re.findall(r"`([^`]+)`", examples):
        with pytest.raises(DateError) as refused:
            _parse(example)
        assert repr(example) in str(refused.value), why


def test_the_readme_zone_table_is_the_code_table():
    documented = {}
    for offset, names in ZONE_ROWS:
        for name, meaning in re.findall(r"`([A-Z]+)` ([^`]+?)(?:, |$)", names):
            documented[name] = (offset, meaning)
    assert documented == {name: (datetime(2000, 1, 1, tzinfo=timezone(offset)).isoformat()[19:], meaning)
                          for name, (offset, meaning) in ZONE_NAMES.items()}


# --- ISO 8601 is never read day first -----------------------------------------------------

@pytest.mark.parametrize("text", [
    "2014-08-06 14:30:00 +05:45", "2014-08-06T14:30:00 UTC", "20140806T143000Z", "2014-08-06T14:30:00.5 +01:00",
    "2014-08-06 14:30", "2014-08-06", "2014/08/06 14:30", "2014.08.06", "2014 08 06", "2014-8-6 2:30 PM",
    "2014 - 08 - 06", "2014./08/06", "20140806143000", "201408061430 EST", "Wed 2014-08-06 14:30", "2014, 8 6",
])
@pytest.mark.parametrize("dayfirst", [True, False])
def test_iso_and_year_first_dates_are_never_read_day_first(text, dayfirst):
    moment = _parse(text, dayfirst)
    assert (moment.year, moment.month, moment.day) == (2014, 8, 6)


def test_dayfirst_decides_the_all_numeric_forms():
    assert rfc3339(_parse("06.08.2014", dayfirst=True)) == "2014-08-06T00:00:00+03:00"
    assert rfc3339(_parse("06.08.2014", dayfirst=False)) == "2014-06-08T00:00:00+03:00"
    assert rfc3339(_parse("06/08/2014 14:30", dayfirst=False)) == "2014-06-08T14:30:00+03:00"


def test_the_iso_path_does_not_use_dateutil(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("python-dateutil called for an ISO 8601 date")

    monkeypatch.setattr(dateutil_parser.parser, "parse", refuse)
    monkeypatch.setattr(dateutil_parser, "isoparse", refuse)
    for text in ("2014-08-06T14:30:00+03:00", "2014-08-06 14:30", "20140806T143000Z", "2014-08-06",
                 "2014-08-06 14:30:00.123456+05", "2014-W32-3", "2014-218T14:30Z"):
        assert _parse(text).date().isoformat() == "2014-08-06"


def test_an_explicit_zone_wins_over_the_site_zone():
    moment = _parse("2014-08-06T10:00:00Z")
    assert rfc3339(moment) == "2014-08-06T10:00:00Z"
    assert rfc822(moment) == "Wed, 06 Aug 2014 10:00:00 GMT"


def test_moscow_time_kept_plus_four_hours_from_2011_to_2014():
    assert rfc3339(_parse("2011-03-27 01:59 MSK")) == "2011-03-27T01:59:00+03:00"
    assert rfc3339(_parse("2011-03-27 03:00 MSK")) == "2011-03-27T03:00:00+04:00"
    assert rfc3339(_parse("2014-10-26 01:30 MSK")) == "2014-10-26T01:30:00+04:00"
    assert rfc3339(_parse("2014-10-26 02:00 MSK")) == "2014-10-26T02:00:00+03:00"
    assert rfc3339(_parse("2010-07-01 12:00 MSD")) == "2010-07-01T12:00:00+04:00"


@pytest.mark.parametrize("name", sorted(ZONE_NAMES))
def test_every_zone_name_in_the_table_is_read(name):
    moment = _parse(f"2020-01-15 12:00 {name}")
    assert moment.utcoffset() == ZONE_NAMES[name][0]


def test_a_numeric_offset_wins_over_a_name():
    assert rfc3339(_parse("Wed, 06 Aug 2014 14:30:00 +0300 (EST)")) == "2014-08-06T14:30:00+03:00"
    assert rfc3339(_parse("2014-08-06 14:30:00 +0300 MSK")) == "2014-08-06T14:30:00+03:00"


def test_an_offset_with_seconds_gives_the_instant_in_utc():
    moment = _parse("1850-06-01")  # Minsk was at local mean time, +01:50:16
    assert rfc3339(moment) == "1850-05-31T22:09:44Z"


# --- Refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("2014", "has no month or day"),
    ("August 2014", "has no day; expected a full date such as '2014-08-06'"),
    ("2014-08", "has no day"),
    ("6 August", "has no year"),
    ("14:30", "has no year, month or day"),
    ("Wednesday August 2014", "has no day"),
    ("06.08.14", "two-digit year"),
    ("2014-08-06 14:30 IST", "'IST' is ambiguous"),
    ("2014-08-06 14:30 AST", "'AST' is ambiguous"),
    ("2014-08-06 14:30 XYZT", "'XYZT' is not in the table"),
    ("Wed, 06 Aug 2014 14:30:00 A", "military"),
    ("Wed, 06 Aug 2014 02:30:00 P", "military"),
    ("2014-08-06 14:30 EST+5", "reads two ways"),
    ("2014-08-06T14:30:00Z+03:00", "reads two ways"),
    ("2020-01-01T00:00:00-19:21", "offset -19:21 is outside ±14:00, the range of real zones"),
    ("Wed, 01 Jan 2020 00:00:00 +1500", "offset +15:00 is outside ±14:00"),
    ("2020-01-01 00:00 GMT+15", "offset +15:00 is outside ±14:00"),
    ("2014-08-06T14:30:00+03:75", "more than 59 minutes"),
    ("2016-12-31T23:59:60Z", "leap second"),
    ("Sat, 31 Dec 2016 23:59:60 GMT", "leap second"),
    ("2014-08-06T24:00:01Z", "no such time"),
    ("2014-08-06T25:00Z", "no such time"),
    ("2014-02-30", "not a real date"),
    ("2014/13/06", "not a real date"),
    ("2014-W54-1", "not a real date"),
    ("2014-366", "not a real date"),
    ("32.13.2014", "cannot read"),
    ("the day after tomorrow", "cannot read"),
    ("1407325800", "cannot read"),
    ("2014080614", "cannot read"),
    ("5t8t2014", "cannot read"),
    ("06063 06 Aug", "'06063' is not part of a date"),
    ("the 31st of Smarch", "'Smarch' is not part of a date"),
    ("Tue, 06 Aug 2014 14:30:00 GMT", "says Tue but 06 August 2014 is a Wednesday"),
    ("2014-08-06T14:30:00+03:00[Europe/Berlin]", "not the offset of Europe/Berlin"),
    ("2014-08-06 14:30 Mars/Olympus", "unknown zone 'Mars/Olympus'"),
    ("2014-08-06 14:30 Etc/GMT+3", "west of UTC"),
    ("0001-01-01", "outside the years 1800-8999"),
    ("9999-12-31T24:00:00Z", "outside the years 1800-8999"),
])
def test_refusals_quote_the_value_and_say_why(text, message):
    with pytest.raises(DateError) as refused:
        _parse(text)
    assert repr(text) in str(refused.value)
    assert message in str(refused.value)


@pytest.mark.parametrize("value", ["", "   ", None, 20140806])
def test_a_missing_or_non_string_date_is_refused(value):
    with pytest.raises(DateError, match="expected a date string"):
        _parse(value)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.sampled_from([*"0123456789 :-+./,TZWtz()[]", "Aug", "Wed, ", "GMT", "UTC", "MSK", "IST", "PM",
                                 " Europe/Minsk", "2014", "24", "60", "\u00a0", "\x00", "é"]), max_size=12).map("".join),
       st.booleans())
def test_any_text_is_a_date_or_a_date_error(text, dayfirst):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            moment = parse_date(text, dayfirst=dayfirst, default_zone=MINSK)
        except DateError:
            return
    assert isinstance(moment.tzinfo, timezone) and moment.microsecond == 0


def test_no_library_warning_escapes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for text in ("2014-08-06 14:30 XYZT", "2014-08-06 14:30 IST", "6 Aug 2014 14:30 BRST", "14:30 Q",
                     "2014-08-06 14:30 Europe/Nowhere", "06.08.2014 14:30 ZZZ"):
            with pytest.raises(DateError):
                _parse(text)


# --- Neither the clock nor the machine's zone matters -------------------------------------

def test_the_clock_does_not_matter():
    time_machine = pytest.importorskip("time_machine")
    texts = ["06.08.2014", "6 August 2014 14:30", "Wed, 06 Aug 2014 14:30:00 EST", "2014-08-06"]
    results = []
    for now in (datetime(2001, 2, 3, 4, 5, tzinfo=timezone.utc), datetime(2087, 11, 30, 23, 59, tzinfo=timezone.utc)):
        with time_machine.travel(now, tick=False):
            results.append([rfc3339(_parse(text)) for text in texts])
            with pytest.raises(DateError, match="has no day"):
                _parse("August 2014")
            with pytest.raises(DateError, match="two-digit year"):
                _parse("06.08.14")
    assert results[0] == results[1] == ["2014-08-06T00:00:00+03:00", "2014-08-06T14:30:00+03:00",
                                        "2014-08-06T14:30:00-05:00", "2014-08-06T00:00:00+03:00"]


def test_the_machine_zone_does_not_matter(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        assert "IST" in time.tzname  # python-dateutil alone would read IST as the machine's zone
        with pytest.raises(DateError, match="'IST' is ambiguous"):
            _parse("2014-08-06 14:30 IST")
        assert rfc3339(_parse("2014-08-06 14:30 EST")) == "2014-08-06T14:30:00-05:00"
        assert rfc3339(_parse("06.08.2014 14:30")) == "2014-08-06T14:30:00+03:00"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("name", ["", ":", "/etc/localtime", "GMT+3", "EST5EDT6", "Mars/Olympus", "Europe/../UTC"])
def test_the_site_zone_is_a_zone_database_name(name):
    with pytest.raises(DateError, match="unknown timezone"):
        site_timezone(name)


def test_unknown_zone_name_is_refused():
    with pytest.raises(DateError, match="Mars/Olympus"):
        site_timezone("Mars/Olympus")


# --- Any instant survives every form we read ----------------------------------------------

MOMENTS = st.builds(
    lambda moment, minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31, 23, 59, 59, 999999)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)


def _written(moment: datetime) -> list[tuple[str, datetime]]:
    """MOMENT in every form we read, with the instant each form keeps (what it can carry)."""
    offset = moment.strftime("%z")  # +0545
    colon = f"{offset[:3]}:{offset[3:]}"  # +05:45
    utc = moment.astimezone(timezone.utc)
    seconds = moment.replace(microsecond=0)
    minutes = seconds.replace(second=0)
    hours = minutes.replace(minute=0)
    year, week, weekday = moment.isocalendar()
    clock = f"{moment:%H:%M:%S}.{moment.microsecond:06d}"
    forms = [
        (moment.isoformat(), seconds),
        (moment.isoformat(sep=" "), seconds),
        (moment.isoformat(sep="t"), seconds),
        (f"{moment:%Y-%m-%dT%H:%M:%S}{offset}", seconds),
        (f"{moment:%Y-%m-%d %H:%M:%S} {colon}", seconds),
        (f"{moment:%Y-%m-%d %H:%M:%S},{moment.microsecond:06d} {offset}", seconds),
        (f"{moment:%Y-%m-%dT%H:%M}{colon}", minutes),
        (f"{moment:%Y-%m-%dT%H}{colon}", hours),
        (f"{moment:%Y%m%dT%H%M%S}{offset}", seconds),
        (f"{moment:%Y%m%dT%H%M%S}.{moment.microsecond:06d}{colon}", seconds),
        (f"{year}-W{week:02d}-{weekday}T{clock}{colon}", seconds),
        (f"{moment:%Y-%j}T{clock}{colon}", seconds),
        (f"{utc:%Y-%m-%dT%H:%M:%S}Z", seconds),
        (f"{utc:%Y-%m-%dT%H:%M:%S.%f}z", seconds),
        (f"{utc:%Y%m%dT%H%M%S}Z", seconds),
        (f"{utc:%Y-%m-%d %H:%M:%S} UTC", seconds),
        (f"{utc:%Y-%m-%d %H:%M:%S} GMT", seconds),
        (f"{utc:%Y-%m-%d %H:%M:%S} UT", seconds),
        (f"{moment:%a, %d %b %Y %H:%M:%S} {offset}", seconds),  # RFC 822, numeric zone
        (rfc822(moment), seconds),  # RFC 822 in GMT, as RSS is written
        (f"{moment:%Y/%m/%d %H:%M:%S} {offset}", seconds),
    ]
    if offset.endswith("00"):
        forms.append((f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond:06d}{offset[:3]}", seconds))  # PostgreSQL
    return forms


@settings(max_examples=examples(200), deadline=None)
@given(MOMENTS, st.booleans())
def test_every_form_reads_back_as_the_same_instant(moment, dayfirst):
    for text, kept in _written(moment):
        parsed = parse_date(text, dayfirst=dayfirst, default_zone=MINSK)
        assert parsed == kept, text
        assert parsed.microsecond == 0 and isinstance(parsed.tzinfo, timezone), text
        if not text.endswith(("Z", "z", "UTC", "GMT", " UT")):
            assert parsed.utcoffset() == moment.utcoffset(), text


# --- Writing ------------------------------------------------------------------------------

def test_rss_dates_are_written_in_gmt():
    moment = _parse("06.08.2014")
    assert rfc3339(moment) == "2014-08-06T00:00:00+03:00"
    assert rfc822(moment) == "Tue, 05 Aug 2014 21:00:00 GMT"
    assert rfc822(_parse("2014-08-06 14:30:00 +0545")) == "Wed, 06 Aug 2014 08:45:00 GMT"


def test_writers_refuse_a_moment_without_a_zone():
    with pytest.raises(ValueError):
        rfc822(datetime(2014, 8, 6))
    with pytest.raises(ValueError):
        rfc3339(datetime(2014, 8, 6))


def test_format_checkers_accept_what_we_write_and_refuse_the_rest():
    moment = datetime(2024, 2, 29, 23, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))
    assert rfc822(moment) == "Fri, 01 Mar 2024 04:35:00 GMT"
    assert is_rfc822(rfc822(moment))
    assert is_rfc3339(rfc3339(moment))
    assert is_rfc822("Thu, 29 Feb 2024 23:05:00 +0300")  # numeric zones, as older versions and others write
    assert is_rfc822("Thu, 29 Feb 2024 23:05:00 -0530")
    assert not is_rfc822("29 Feb 2024 23:05:00 +0000")  # no weekday
    assert not is_rfc822("Thu, 29 Feb 24 23:05:00 GMT")  # two-digit year
    assert not is_rfc822("Wed, 29 Feb 2024 23:05:00 GMT")  # not that date's weekday
    assert not is_rfc822("Thu, 30 Feb 2024 23:05:00 GMT")
    assert not is_rfc822("Thu, 29 Feb 2024 23:05:00 +0375")
    assert not is_rfc822("Thu, 29 Feb 2024 23:05:00 GMT\n")
    assert not is_rfc3339("2024-02-29T23:05:00")  # no zone
    assert not is_rfc3339("2024-02-30T23:05:00Z")
