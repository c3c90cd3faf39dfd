"""The layout of a SQLite store (syndicate.store.sqlite) and the statements it runs: its tables,
indexes and upgrades, and each query as text (the driver, sqlite3, is that module's alone)."""

from __future__ import annotations

from syndicate.model import WITHDRAWN
from syndicate.store import FeedQuery

APPLICATION_ID = 0x53594E44  # "SYND", in the database header (PRAGMA application_id)
# 1: syndicate 0.1's articles and article_sections, without metadata; 2: without expires (read
# as it is, every record unexpired: build.is_public says when one has; an import upgrades it).
# 3 keeps a syndicate that does not fill `expires` from writing a stale one.
SCHEMA_VERSION = 3
READABLE_VERSIONS = (2, 3)
OLD_TABLES = frozenset({"articles", "article_sections"})
TABLES = OLD_TABLES | {"metadata"}
CREATE_TABLES = (
    """CREATE TABLE articles (
    id            TEXT PRIMARY KEY,
    record        TEXT NOT NULL,
    section       TEXT NOT NULL,
    published     TEXT NOT NULL,
    updated       TEXT NOT NULL,
    status        TEXT NOT NULL,
    embargo_until TEXT,
    checked       TEXT,
    expires       TEXT
)""",
    """CREATE TABLE article_sections (
    section       TEXT NOT NULL,
    id            TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    published     TEXT NOT NULL,
    status        TEXT NOT NULL,
    embargo_until TEXT,
    expires       TEXT,
    PRIMARY KEY (section, id)
)""",
    "CREATE INDEX article_sections_latest ON article_sections (section, published DESC, id)",
    "CREATE INDEX articles_latest ON articles (published DESC, id)",
)
# The section rows of one article, for an upsert that replaces it (the primary key leads with section).
SECTIONS_BY_ID = "article_sections_id"
CREATE_SECTIONS_BY_ID = f"CREATE INDEX IF NOT EXISTS {SECTIONS_BY_ID} ON article_sections (id)"
# The record as checked on import (syndicate.checked), so that an export need not check it again.
# A store made before the column existed gets it from the first import into it (the layout
# stays 2: a reader that does not know it never selects it, and a record replaced by such a
# writer no longer matches its checked form's digest).
CHECKED = "checked"
ADD_CHECKED = f"ALTER TABLE articles ADD COLUMN {CHECKED} TEXT"
# When a record leaves every feed; a store of layout 2 gets the columns from the first import into it.
EXPIRES = "expires"
ADD_EXPIRES = tuple(f"ALTER TABLE {table} ADD COLUMN {EXPIRES} TEXT" for table in ("articles", "article_sections"))
# Withdrawn stories by updated date (tombstones), and the expiries to come: small parts of a
# large store, each found through a partial index (a query's WHERE repeats the index's).
WITHDRAWN_STATUS = "status IN ({})".format(", ".join(f"'{status}'" for status in WITHDRAWN))
UPGRADE_INDEXES = (
    CREATE_SECTIONS_BY_ID,
    f"CREATE INDEX IF NOT EXISTS articles_withdrawn ON articles (updated DESC, id) WHERE {WITHDRAWN_STATUS}",
    "CREATE INDEX IF NOT EXISTS articles_expires ON articles (expires, status, embargo_until) "
    "WHERE expires IS NOT NULL",
)
CREATE_METADATA = """CREATE TABLE metadata (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    store_id  TEXT NOT NULL,
    changes   INTEGER NOT NULL
)"""
# The versions ledger (syndicate.versions): per item id, the version an export published, the digest
# of what partners see of it, and when that version was made. Written apart from the records: it
# changes neither the change counter nor a record.
VERSIONS = "versions"
CREATE_VERSIONS = f"""CREATE TABLE IF NOT EXISTS {VERSIONS} (
    id      TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    digest  TEXT NOT NULL,
    created TEXT NOT NULL
)"""
# Never a lower version over a higher one: an entry an export kept in its OUT while the store was
# busy may come after another export raised the same item (syndicate.export.run._keep_versions).
KEEP_VERSION = (f"INSERT INTO {VERSIONS} (id, version, digest, created) VALUES (?, ?, ?, ?) ON CONFLICT (id) "
                "DO UPDATE SET version = excluded.version, digest = excluded.digest, created = excluded.created "
                f"WHERE excluded.version >= {VERSIONS}.version")

# An upsert of a batch, in one transaction: the counter, which ids the store holds already, their
# section rows removed, the articles inserted or replaced, their section rows inserted. Each
# statement finds its rows through an index (upsert_plans() shows how SQLite runs them).
BUMP_CHANGES = "UPDATE metadata SET changes = changes + 1 WHERE singleton = 1"
HELD = "SELECT id FROM articles WHERE id IN ({marks})"
DELETE_SECTIONS = "DELETE FROM article_sections WHERE id = ?"
UPSERT_ARTICLE = (
    "INSERT INTO articles (id, record, section, published, updated, status, embargo_until, checked, expires) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record, "
    "section = excluded.section, published = excluded.published, updated = excluded.updated, "
    "status = excluded.status, embargo_until = excluded.embargo_until, checked = excluded.checked, "
    "expires = excluded.expires")
INSERT_SECTION = ("INSERT INTO article_sections (section, id, published, status, embargo_until, expires) "
                  "VALUES (?, ?, ?, ?, ?, ?)")

# {public}: the rows public AS_OF (public() below).
LATEST_IN_SECTION = """
SELECT a.id, a.record, {checked} FROM article_sections AS s JOIN articles AS a ON a.id = s.id
WHERE s.section = :section AND {public}
ORDER BY s.published DESC, s.id LIMIT :limit
"""
LATEST_OF_SITE = """
SELECT id, record, {checked} FROM articles WHERE {public}
ORDER BY published DESC, id LIMIT :limit
"""
# Every public record, oldest first: the reverse of the latest-N order (archive pages, read as
# the cursor advances). The indexes on (published DESC, id) serve it read backwards.
OLDEST_IN_SECTION = """
SELECT a.id, a.record, {checked} FROM article_sections AS s JOIN articles AS a ON a.id = s.id
WHERE s.section = :section AND {public}
ORDER BY s.published, s.id DESC
"""
OLDEST_OF_SITE = """
SELECT id, record, {checked} FROM articles WHERE {public}
ORDER BY published, id DESC
"""
WITHDRAWN_SINCE = f"""
SELECT id, record, {{checked}} FROM articles WHERE {WITHDRAWN_STATUS} AND updated >= :since
ORDER BY updated DESC, id
"""
# Still under embargo at :as_of (and, {unexpired}, not expired by then), newest first: for partners
# that take embargoed stories early (README "Partner profiles").
EMBARGOED = """
SELECT id, record, {checked} FROM articles
WHERE status = 'embargoed' AND (embargo_until IS NULL OR embargo_until > :as_of){unexpired}
ORDER BY published DESC, id
"""

# For stats: the embargoes not lifted by :as_of.
STILL_EMBARGOED = "status = 'embargoed' AND (embargo_until IS NULL OR embargo_until > :as_of)"
# For held_back: the first expiry after :as_of of a record public then or once its embargo lifts,
# and the first withdrawn story updated after :since (its tombstone window ends first).
NEXT_EXPIRY = """
SELECT min(expires) FROM articles WHERE expires > :as_of
  AND (status = 'published' OR (status = 'embargoed' AND embargo_until < expires))
"""
FIRST_TOMBSTONE = f"SELECT min(updated) FROM articles WHERE {WITHDRAWN_STATUS} AND updated > :since"


def public(alias: str = "", *, expiring: bool = True) -> str:
    """The condition on a row (of table ALIAS) that it is public as of :as_of: published, or
    embargoed with the embargo lifted, and not expired (build.is_public says the same). Without
    EXPIRING (a store of layout 2, without the column) every record is taken as unexpired."""
    t = f"{alias}." if alias else ""
    condition = f"({t}status = 'published' OR ({t}status = 'embargoed' AND {t}embargo_until <= :as_of))"
    return condition + (f" AND ({t}{EXPIRES} IS NULL OR {t}{EXPIRES} > :as_of)" if expiring else "")


# Drafts and records still under embargo, from the narrow section rows (one per section of an article);
# the first lift of a record that has not expired by then ({shown}: of a store with `expires`).
HELD_BACK = """
SELECT COUNT(DISTINCT CASE WHEN status = 'draft' THEN id END),
       COUNT(DISTINCT CASE WHEN status = 'embargoed' AND embargo_until > :as_of THEN id END),
       MIN(CASE WHEN status = 'embargoed' AND embargo_until > :as_of{shown} THEN embargo_until END)
FROM article_sections WHERE status != 'published'
"""
SHOWN_WHEN_LIFTED = f" AND ({EXPIRES} IS NULL OR {EXPIRES} > embargo_until)"


def latest_query(query: FeedQuery, *, checked: str = CHECKED, expiring: bool = True) -> str:
    """The latest-N query of QUERY; CHECKED: the column of checked forms, or NULL for a store without it;
    EXPIRING: whether the store has the expires column."""
    if query.section is None:
        return LATEST_OF_SITE.format(checked=checked, public=public(expiring=expiring))
    return LATEST_IN_SECTION.format(checked=checked, public=public("s", expiring=expiring))
