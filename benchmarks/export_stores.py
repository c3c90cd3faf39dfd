"""Export time and peak memory: a directory store (baseline) against SQLite, and an incremental no-op.

    python benchmarks/export_stores.py [--articles 20000] [--sections 10]

Each export runs in its own process (peak RSS is per process). Printed as ratios
measured in this one run, against the directory-store baseline; exits 1 when a
ratio is below its floor. Not a test: these machines are noisy, so the floors
are far below what a quiet machine shows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus  # noqa: E402

FORMATS = ["rss", "atom", "jsonfeed", "newsml"]
# Floors: SQLite must export at least this many times faster than a directory store of the
# same articles, and an export with nothing changed this many times faster than a full one.
SQLITE_SPEEDUP_FLOOR = 3.0
NOOP_SPEEDUP_FLOOR = 1.5

# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report its parent's peak.
RUN = """
import json, sys, time
from syndicate import api
config, out, store = sys.argv[1], sys.argv[2], sys.argv[3]
started = time.perf_counter()
report = api.export(config, out_dir=out, store=store, formats=%r)
seconds = time.perf_counter() - started
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "rendered": report.rendered, "peak_mib": peak / 1024}))
""" % FORMATS


def _export(config: Path, out: Path, store: str) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, str(config), str(out), store],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--sections", type=int, default=10)
    arguments = parser.parse_args()

    from syndicate import api

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = write_corpus(root, articles=arguments.articles, sections=arguments.sections)
        started = time.perf_counter()
        api.import_records([root / "store"], into=root / "news.db", config_path=config)
        imported = time.perf_counter() - started

        directory = _export(config, root / "out-directory", str(root / "store"))
        sqlite = _export(config, root / "out-sqlite", str(root / "news.db"))
        noop = _export(config, root / "out-sqlite", str(root / "news.db"))
        same = subprocess.run(["diff", "-r", str(root / "out-directory"), str(root / "out-sqlite")],
                              capture_output=True).returncode == 0

    sqlite_speedup = directory["seconds"] / sqlite["seconds"]
    noop_speedup = sqlite["seconds"] / noop["seconds"]
    feeds = arguments.sections + 1
    print(f"{arguments.articles} articles, {feeds} feeds x {len(FORMATS)} formats; import into SQLite {imported:.1f}s")
    print(f"directory store (baseline): {directory['seconds']:6.2f}s  peak {directory['peak_mib']:6.0f} MiB")
    print(f"SQLite store:               {sqlite['seconds']:6.2f}s  peak {sqlite['peak_mib']:6.0f} MiB  "
          f"speed-up x{sqlite_speedup:.1f} (floor x{SQLITE_SPEEDUP_FLOOR})")
    print(f"SQLite, nothing changed:    {noop['seconds']:6.2f}s  rendered {noop['rendered']} files  "
          f"speed-up x{noop_speedup:.1f} over a full export (floor x{NOOP_SPEEDUP_FLOOR})")
    print(f"outputs byte-identical: {same}")
    ok = same and noop["rendered"] == 0 and sqlite_speedup >= SQLITE_SPEEDUP_FLOOR and noop_speedup >= NOOP_SPEEDUP_FLOOR
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
