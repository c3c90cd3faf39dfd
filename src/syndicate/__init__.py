"""syndicate: turn a newsroom's article store into validated syndication feeds."""

from syndicate.errors import ConfigError, InvalidRecords, Problem, SyndicateError

__all__ = [
    "ConfigError",
    "InvalidRecords",
    "Problem",
    "SyndicateError",
    "export",
    "import_records",
    "index_shards",
    "store_stats",
    "validate",
]
__version__ = "0.5.0"
# The name it is installed under from a package index (`pip install syndicate-feeds`).
DISTRIBUTION = "syndicate-feeds"

_FROM_API = {"export", "import_records", "index_shards", "store_stats", "validate"}


def __getattr__(name: str):
    # The library's functions are looked up on first use, so that importing the package
    # (as the command does before parsing its arguments) loads none of the modules behind them.
    if name in _FROM_API:
        from syndicate import api

        return getattr(api, name)
    raise AttributeError(f"module 'syndicate' has no attribute {name!r}")
