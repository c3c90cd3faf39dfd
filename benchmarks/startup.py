"""Start-up time: `syndicate --help` and `syndicate validate` of one file, against importing typer alone.

    python benchmarks/startup.py [--repeat 15] [--limit 2.0]

`--help` and `validate` of an RSS file and of a JSON Feed file are held to LIMIT: a valid JSON
file is checked by the compiled schemas, without importing jsonschema.

Each command runs in a new process REPEAT times, interleaved with `python -c "import typer"`
so that both see the same machine; the best (shortest) wall time of each is kept, as the one
least disturbed by other work. The ratios are against `import typer` measured in this one run.
Exits 1 when a ratio is above LIMIT. The commands run this checkout's src/, whatever copy of
syndicate is installed, from compiled bytecode as an installed copy does (kept in a temporary
directory, for typer too, so that PYTHONDONTWRITEBYTECODE does not make the checkout's
modules compile on every run). Not a test: these machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "examples" / "syndicate.toml"


def _environment(bytecode: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment["PYTHONPYCACHEPREFIX"] = str(bytecode)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), environment.get("PYTHONPATH")]))
    # What a terminal would not change: the help of a wide one takes no longer to print.
    environment.setdefault("COLUMNS", "100")
    return environment


def _seconds(command: list[str], environment: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=environment, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--limit", type=float, default=2.0)
    arguments = parser.parse_args()
    # The console script beside this Python, as a user runs it (`python -m` adds runpy's imports).
    script = shutil.which("syndicate", path=os.path.dirname(sys.executable))
    syndicate = [script] if script else [sys.executable, "-m", "syndicate"]

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "feeds"
        environment = _environment(Path(folder) / "bytecode")
        subprocess.run([*syndicate, "export", "-c", str(EXAMPLE_CONFIG), "-o", str(out), "--quiet",
                        "-f", "rss", "-f", "jsonfeed", "-s", "society"], env=environment, check=True)
        commands = {
            'python -c "import typer"': [sys.executable, "-c", "import typer"],
            "syndicate --help": [*syndicate, "--help"],
            "syndicate validate society/rss.xml": [*syndicate, "validate", "--quiet",
                                                   str(out / "society" / "rss.xml")],
            "syndicate validate society/feed.json": [*syndicate, "validate", "--quiet",
                                                     str(out / "society" / "feed.json")],
        }
        held = set(list(commands)[1:])
        for command in commands.values():  # compiles what each imports
            _seconds(command, environment)
        best = {name: float("inf") for name in commands}
        for _ in range(arguments.repeat):
            for name, command in commands.items():
                best[name] = min(best[name], _seconds(command, environment))

    baseline_name = next(iter(commands))
    baseline = best[baseline_name]
    print(f"best of {arguments.repeat} runs, Python {sys.version.split()[0]}, {' '.join(syndicate)}")
    print(f"{baseline_name:<40} {baseline * 1000:7.0f} ms")
    over = []
    for name in list(commands)[1:]:
        ratio = best[name] / baseline
        note = "" if name in held else "  (not held to the limit)"
        print(f"{name:<40} {best[name] * 1000:7.0f} ms  x{ratio:.2f}{note}")
        if name in held and ratio > arguments.limit:
            over.append(name)
    if over:
        print(f"above x{arguments.limit:g} of import typer: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
