"""An export: select each feed's records from one store snapshot, render what changed, publish.

The steps, one module each, in the order run.export() takes them:

  select.py    each feed's latest records, read from one snapshot of the store, which stays
               open while the archive pages stream from it
  pages.py     the archive pages (syndicate.archives), made as the store's records stream by
  render.py    every file rendered where its inputs changed and checked, one at a time;
               index.opml
  manifest.py  OUT/manifest.json: what each file was rendered from (so an unchanged feed is
               not rendered again) and the store state it was made from (never back in time)
  publish.py   each changed file staged as it is rendered, then all put in place together,
               all or nothing, under OUT's lock

Incremental: OUT/manifest.json records, per file, the hash of its inputs (the
Feed it was rendered from, the format and syndicate's version) and of its bytes.
A feed whose inputs and file are as the manifest says is not rendered again;
a file whose bytes are unchanged is not rewritten (same bytes, same mtime).
With check=True nothing is written: the report lists the files that would change.

Never back in time: an export holds OUT's lock from before it reads the store
until its last write, and the manifest records the store state it was made from
(StoreState); an export that reads an older state of the same store than the
published one (a restored backup, a lagging replica) is refused unless forced.
"""

from __future__ import annotations

from syndicate.export.manifest import MANIFEST, OlderThanPublished
from syndicate.export.render import INDEX
from syndicate.export.run import ExportReport, chosen_formats, export

__all__ = ["INDEX", "MANIFEST", "ExportReport", "OlderThanPublished", "chosen_formats", "export"]
