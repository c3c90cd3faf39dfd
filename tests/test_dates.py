from datetime import datetime, timedelta, timezone

import pytest

from syndicate.dates import DateError, is_rfc822, is_rfc3339, parse_date, rfc822, rfc3339, site_timezone

MINSK = site_timezone("Europe/Minsk")


def test_day_first_date_without_zone_is_in_the_site_zone():
    moment = parse_date("06.08.2014", dayfirst=True, default_zone=MINSK)
    assert (moment.year, moment.month, moment.day) == (2014, 8, 6)
    assert moment.utcoffset() == timedelta(hours=3)
    assert rfc3339(moment) == "2014-08-06T00:00:00+03:00"
    assert rfc822(moment) == "Wed, 06 Aug 2014 00:00:00 +0300"


def test_month_first_when_the_site_says_so():
    moment = parse_date("06.08.2014", dayfirst=False, default_zone=MINSK)
    assert (moment.month, moment.day) == (6, 8)


@pytest.mark.parametrize("text", ["2021-06-03T10:00:00+03:00", "2021-06-03 10:00", "2021-06-03"])
def test_iso_dates_are_never_read_day_first(text):
    moment = parse_date(text, dayfirst=True, default_zone=MINSK)
    assert (moment.month, moment.day) == (6, 3)


def test_an_explicit_zone_wins_over_the_site_zone():
    moment = parse_date("2014-08-06T10:00:00Z", dayfirst=True, default_zone=MINSK)
    assert rfc3339(moment) == "2014-08-06T10:00:00Z"
    assert rfc822(moment) == "Wed, 06 Aug 2014 10:00:00 +0000"


@pytest.mark.parametrize("text", ["yesterday-ish", "32.13.2014", "", "2014-02-30"])
def test_unreadable_dates_raise_with_the_value(text):
    with pytest.raises(DateError):
        parse_date(text, dayfirst=True, default_zone=MINSK)


def test_unknown_zone_name_is_refused():
    with pytest.raises(DateError, match="Mars/Olympus"):
        site_timezone("Mars/Olympus")


def test_format_checkers_accept_what_we_write_and_refuse_the_rest():
    moment = datetime(2024, 2, 29, 23, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))
    assert is_rfc822(rfc822(moment)) and rfc822(moment).endswith("-0530")
    assert is_rfc3339(rfc3339(moment))
    assert not is_rfc822("Thu, 29 Feb 2024 23:05:00 GMT")  # we always write numeric zones
    assert not is_rfc822("29 Feb 2024 23:05:00 +0000")
    assert not is_rfc3339("2024-02-29T23:05:00")  # no zone
    assert not is_rfc3339("2024-02-30T23:05:00Z")
