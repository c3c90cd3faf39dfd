"""The layout of a PostgreSQL store (syndicate.store.postgres) and the statements it runs: its
tables, indexes and upgrades, and each query as text, with {placeholders} for the identifiers
and optional parts the store fills in (psycopg, the driver, is that module's alone)."""

from __future__ import annotations

import re

from syndicate.model import WITHDRAWN

# 1: syndicate 0.1's syndicate_articles and syndicate_article_sections, in the search path; 2: without
# expires (read as it is, every record unexpired: build.is_public says when one has). 3 keeps a
# syndicate that does not fill `expires` from writing a stale one.
SCHEMA_VERSION = 3
DEFAULT_SCHEMA = "syndicate"
OLD_TABLES = ("syndicate_articles", "syndicate_article_sections")
TABLES = frozenset({"articles", "article_sections", "metadata"})
# An unquoted SQL identifier, as PostgreSQL folds it: what ?schema= accepts.
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# The versions ledger (syndicate.versions): per item id, the version an export published, the digest
# of what partners see of it, and when that version was made. Written apart from the records: it
# changes neither the change counter nor a record. The one table an exporting role writes.
VERSIONS = "versions"
CREATE_VERSIONS = """CREATE TABLE IF NOT EXISTS {schema}.versions (
    id      text COLLATE "C" PRIMARY KEY,
    version integer NOT NULL,
    digest  text NOT NULL,
    created timestamptz NOT NULL
)"""
# Never a lower version over a higher one (as in the SQLite store's).
KEEP_VERSION = ("INSERT INTO {versions} AS kept (id, version, digest, created) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version, digest = excluded.digest, "
                "created = excluded.created WHERE excluded.version >= kept.version")
# Withdrawn stories (tombstones), found through a partial index whose WHERE the queries repeat.
WITHDRAWN_STATUS = "status IN ({})".format(", ".join(f"'{status}'" for status in WITHDRAWN))

CREATE_TABLES = (
    """CREATE TABLE {schema}.articles (
    id            text COLLATE "C" PRIMARY KEY,
    record        jsonb NOT NULL,
    section       text NOT NULL,
    published     timestamptz NOT NULL,
    updated       timestamptz NOT NULL,
    status        text NOT NULL,
    embargo_until timestamptz,
    checked       text,
    checked_record text,
    expires       timestamptz
)""",
    """CREATE TABLE {schema}.article_sections (
    section       text NOT NULL,
    id            text COLLATE "C" NOT NULL REFERENCES {schema}.articles (id) ON DELETE CASCADE,
    published     timestamptz NOT NULL,
    status        text NOT NULL,
    embargo_until timestamptz,
    expires       timestamptz,
    PRIMARY KEY (section, id)
)""",
    "CREATE INDEX article_sections_latest ON {schema}.article_sections (section, published DESC, id)",
    "CREATE INDEX articles_latest ON {schema}.articles (published DESC, id)",
    "CREATE INDEX article_sections_id ON {schema}.article_sections (id)",
    "CREATE INDEX articles_withdrawn ON {schema}.articles (updated DESC, id) WHERE {withdrawn}",
    "CREATE INDEX articles_expires ON {schema}.articles (expires) WHERE expires IS NOT NULL",
    # The versions ledger may have been made beforehand, to grant a reader its use (README).
    CREATE_VERSIONS,
    """CREATE TABLE {schema}.metadata (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    schema_version integer NOT NULL,
    store_id       uuid NOT NULL,
    changes        bigint NOT NULL
)""",
)
# The section rows of one article, for an upsert that replaces it (the primary key leads with section).
SECTIONS_BY_ID = "article_sections_id"
CREATE_SECTIONS_BY_ID = "CREATE INDEX IF NOT EXISTS article_sections_id ON {sections} (id)"

# The record as checked on import (syndicate.checked), so that an export need not check it again,
# and md5(record::text) of the record it was made from, which the server computes as it stores the
# record: a reader takes the checked form only while the record is that one (a record replaced by
# an older syndicate, or by hand, is checked). A store made before the columns existed gets them
# from the first import into it by the tables' owner (the layout version stays 2: a reader that
# does not know them never selects them); until then its records are checked on every export.
CHECKED_COLUMNS = ("checked", "checked_record")
ADD_CHECKED = ("ALTER TABLE {articles} ADD COLUMN IF NOT EXISTS checked text, "
               "ADD COLUMN IF NOT EXISTS checked_record text")
HAS_CHECKED = """
SELECT count(*) = 2 FROM pg_attribute
WHERE attrelid = to_regclass(%s) AND attname IN ('checked', 'checked_record') AND NOT attisdropped
"""
# When a record leaves every feed, and what finds withdrawn stories and expiries to come; a store of
# layout 2 gets them from the first import into it by the tables' owner, with the ledger (another
# role imports without them, and says so).
ADD_EXPIRES = (
    "ALTER TABLE {articles} ADD COLUMN IF NOT EXISTS expires timestamptz",
    "ALTER TABLE {sections} ADD COLUMN IF NOT EXISTS expires timestamptz",
    "CREATE INDEX IF NOT EXISTS articles_withdrawn ON {articles} (updated DESC, id) WHERE {withdrawn}",
    "CREATE INDEX IF NOT EXISTS articles_expires ON {articles} (expires) WHERE expires IS NOT NULL",
    CREATE_VERSIONS,
    f"UPDATE {{metadata}} SET schema_version = {SCHEMA_VERSION}",
)
HAS_COLUMN = """
SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s AND NOT attisdropped)
"""
# A record's checked form, where it was made from the record as it is now.
CHECKED = "CASE WHEN a.checked_record = md5(a.record::text) THEN a.checked END"

# An upsert of a batch, in one transaction; each statement finds its rows through an index, and the
# rows of a batch travel in one pipeline (executemany), not one round trip each.
BUMP_CHANGES = "UPDATE {metadata} SET changes = changes + 1"
HELD = "SELECT id FROM {articles} WHERE id = ANY(%s)"
DELETE_SECTIONS = "DELETE FROM {sections} WHERE id = ANY(%s)"
# {expires_column}, {expires_value} ({expires_typed}: cast), {expires_set}: the expires column, where
# the store has it (last).
UPSERT_ARTICLE = (
    "INSERT INTO {articles} (id, record, section, published, updated, status, embargo_until{expires_column}) "
    "VALUES (%s, %s::jsonb, %s, %s, %s, %s, %s{expires_value}) ON CONFLICT (id) DO UPDATE SET "
    "record = excluded.record, section = excluded.section, published = excluded.published, "
    "updated = excluded.updated, status = excluded.status, embargo_until = excluded.embargo_until{expires_set}")
UPSERT_CHECKED_ARTICLE = (
    "INSERT INTO {articles} (id, record, section, published, updated, status, embargo_until, checked, "
    "checked_record{expires_column}) SELECT v.id, v.record, v.section, v.published, v.updated, v.status, "
    "v.embargo_until, v.checked, CASE WHEN v.checked IS NOT NULL THEN md5(v.record::text) END{expires_column} "
    "FROM (VALUES (%s, %s::jsonb, %s, %s::timestamptz, %s::timestamptz, %s, %s::timestamptz, %s::text"
    "{expires_typed})) AS v (id, record, section, published, updated, status, embargo_until, "
    "checked{expires_column}) ON CONFLICT (id) DO UPDATE SET record = excluded.record, "
    "section = excluded.section, published = excluded.published, updated = excluded.updated, "
    "status = excluded.status, embargo_until = excluded.embargo_until, checked = excluded.checked, "
    "checked_record = excluded.checked_record{expires_set}")
INSERT_SECTION = ("INSERT INTO {sections} (section, id, published, status, embargo_until{expires_column}) "
                  "VALUES (%s, %s, %s, %s, %s{expires_value})")

# Public: published, or embargoed with the embargo lifted, and not expired ({unexpired_s} and
# {unexpired}, where the store has the column; build.is_public says the same).
LATEST_IN_SECTION = """
SELECT a.id, a.record::text, {checked} FROM {sections} AS s JOIN {articles} AS a ON a.id = s.id
WHERE s.section = %(section)s
  AND (s.status = 'published' OR (s.status = 'embargoed' AND s.embargo_until <= %(as_of)s)){unexpired_s}
ORDER BY s.published DESC, s.id LIMIT %(limit)s
"""
LATEST_OF_SITE = """
SELECT a.id, a.record::text, {checked} FROM {articles} AS a
WHERE (status = 'published' OR (status = 'embargoed' AND embargo_until <= %(as_of)s)){unexpired}
ORDER BY published DESC, id LIMIT %(limit)s
"""
# Every public record, oldest first: the reverse of the latest-N order (archive pages, read
# through a server-side cursor as it advances).
OLDEST_IN_SECTION = """
SELECT a.id, a.record::text, {checked} FROM {sections} AS s JOIN {articles} AS a ON a.id = s.id
WHERE s.section = %(section)s
  AND (s.status = 'published' OR (s.status = 'embargoed' AND s.embargo_until <= %(as_of)s)){unexpired_s}
ORDER BY s.published, s.id DESC
"""
OLDEST_OF_SITE = """
SELECT a.id, a.record::text, {checked} FROM {articles} AS a
WHERE (status = 'published' OR (status = 'embargoed' AND embargo_until <= %(as_of)s)){unexpired}
ORDER BY published, id DESC
"""
WITHDRAWN_SINCE = """
SELECT a.id, a.record::text, {checked} FROM {articles} AS a WHERE {withdrawn} AND updated >= %(since)s
ORDER BY updated DESC, id
"""
# Still under embargo at %(as_of)s and not expired by then, newest first: for partners that take
# embargoed stories early (README "Partner profiles").
EMBARGOED = """
SELECT a.id, a.record::text, {checked} FROM {articles} AS a
WHERE status = 'embargoed' AND (embargo_until IS NULL OR embargo_until > %(as_of)s){unexpired}
ORDER BY published DESC, id
"""

# For stats: what an export at %(as_of)s publishes (as above), and the embargoes not lifted by then.
PUBLIC = "(status = 'published' OR (status = 'embargoed' AND embargo_until <= %(as_of)s)){unexpired}"
STILL_EMBARGOED = "status = 'embargoed' AND (embargo_until IS NULL OR embargo_until > %(as_of)s)"
# For held_back: drafts and records still under embargo, from the narrow section rows, with the first
# lift of a record not expired by then ({shown}); the first expiry after %(as_of)s of a record public
# then or once its embargo lifts; the first withdrawn story updated after %(since)s.
HELD_BACK = """
SELECT COUNT(DISTINCT CASE WHEN status = 'draft' THEN id END),
       COUNT(DISTINCT CASE WHEN status = 'embargoed' AND embargo_until > %(as_of)s THEN id END),
       MIN(CASE WHEN status = 'embargoed' AND embargo_until > %(as_of)s{shown} THEN embargo_until END)
FROM {sections} WHERE status <> 'published'
"""
NEXT_EXPIRY = """
SELECT min(expires) FROM {articles} WHERE expires > %(as_of)s
  AND (status = 'published' OR (status = 'embargoed' AND embargo_until < expires))
"""
FIRST_TOMBSTONE = "SELECT min(updated) FROM {articles} WHERE {withdrawn} AND updated > %(since)s"

# What the catalog says about the store's schema and syndicate 0.1's tables: read without locks.
INSPECT = """
SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %(schema)s),
       ARRAY(SELECT c.relname::text FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
             WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1),
       (SELECT n.nspname::text FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE c.oid = to_regclass('syndicate_articles')),
       (SELECT n.nspname::text FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE c.oid = to_regclass('syndicate_article_sections'))
"""
