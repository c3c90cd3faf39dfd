"""A sharded export: one export of the whole site against its slowest shard of N, plus `index`.

    python benchmarks/export_shards.py [--articles 3000] [--sections 8] [--shards 3] [--paging month|N|none]

The synthetic store (corpus.py) is imported into SQLite, every feed archived by month (or in
pages of N, or not at all). The whole site is exported once into an empty directory; then each
shard of N into an empty directory of its own, one after another, each in its own process (as
each would run on a machine of its own); then the shards' directories are copied into one and
indexed. The merged tree must be byte for byte the whole export's. The ratio is what N machines
gain: the whole export's time over the slowest shard's plus the index's, all measured in this
one run; exits 1 when it is below its floor or the trees differ.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus  # noqa: E402

# Three machines must export the example corpus at least this many times faster than one.
SHARDED_SPEEDUP_FLOOR = 1.2
RUN = """
import json, sys, time
from syndicate import api
started = time.perf_counter()
report = api.export(sys.argv[1], out_dir=sys.argv[2], store=sys.argv[3], shard=sys.argv[4] or None)
print(json.dumps({"seconds": time.perf_counter() - started, "rendered": report.rendered, "feeds": report.feeds}))
"""


def _export(config: Path, out: Path, store: str, shard: str = "") -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, str(config), str(out), store, shard],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--sections", type=int, default=8)
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--paging", default="month")
    arguments = parser.parse_args()

    from syndicate import api

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = write_corpus(root, articles=arguments.articles, sections=arguments.sections)
        if arguments.paging != "none":
            paging = '"month"' if arguments.paging == "month" else str(int(arguments.paging))
            text = config.read_text(encoding="utf-8").replace("[site]\n", f"[site]\narchive = {paging}\n", 1)
            config.write_text(text, encoding="utf-8")
        store = str(root / "news.db")
        api.import_records([root / "store"], into=store, config_path=config)

        whole = _export(config, root / "whole", store)
        count = arguments.shards
        shards = [_export(config, root / f"shard-{n}", store, f"{n}/{count}") for n in range(1, count + 1)]
        merged = root / "merged"
        for n in range(1, count + 1):
            shutil.copytree(root / f"shard-{n}", merged, dirs_exist_ok=True)
        started = time.perf_counter()
        api.index_shards(config, out_dir=merged)
        indexed = time.perf_counter() - started
        same = _tree(merged) == _tree(root / "whole")

    slowest = max(shard["seconds"] for shard in shards)
    speedup = whole["seconds"] / (slowest + indexed)
    print(f"{arguments.articles} articles, {whole['feeds']} feeds, archive {arguments.paging}: "
          f"{whole['rendered']} files")
    print(f"whole export           {whole['seconds']:7.2f}s")
    for n, shard in enumerate(shards, 1):
        print(f"shard {n}/{count}  {shard['feeds']:2d} feeds {shard['seconds']:7.2f}s  {shard['rendered']} files")
    print(f"index                  {indexed:7.2f}s")
    met = speedup >= SHARDED_SPEEDUP_FLOOR
    print(f"{count} machines: {speedup:.2f}x the whole export (slowest shard + index; floor "
          f"{SHARDED_SPEEDUP_FLOOR}x): {'met' if met else 'NOT MET'}; merged tree byte-identical: {same}")
    return 0 if met and same else 1


if __name__ == "__main__":
    sys.exit(main())
