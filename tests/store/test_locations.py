"""Store locations are printed without their passwords, whatever the URL looks like."""

import pytest

from syndicate.store import redacted


@pytest.mark.parametrize(("location", "shown"), [
    ("postgresql://editor:s3cret@db.internal:5432/news", "postgresql://editor:***@db.internal:5432/news"),
    ("postgresql://editor:p@ss@db/news", "postgresql://editor:***@db/news"),  # an unescaped '@' in it
    ("postgresql://editor:s3cret@[::1/news", "postgresql://editor:***@[::1/news"),  # not a URL urllib splits
    ("postgresql://db/news?user=editor&password=s3cret&sslmode=require",
     "postgresql://db/news?user=editor&password=***&sslmode=require"),
    ("postgresql://editor@db:5432/news", "postgresql://editor@db:5432/news"),
    ("news.db", "news.db"),
    ("/srv/store", "/srv/store"),
])
def test_a_password_is_never_shown(location: str, shown: str):
    assert redacted(location) == shown
