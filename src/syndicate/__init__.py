"""syndicate: turn a newsroom's article store into validated syndication feeds."""

from syndicate.api import export, import_records, store_stats, validate
from syndicate.errors import ConfigError, InvalidRecords, Problem, SyndicateError

__all__ = [
    "ConfigError",
    "InvalidRecords",
    "Problem",
    "SyndicateError",
    "export",
    "import_records",
    "store_stats",
    "validate",
]
__version__ = "0.2.0"
