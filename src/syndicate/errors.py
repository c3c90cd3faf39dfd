"""Domain exceptions. The library raises these; only the CLI turns them into exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class SyndicateError(Exception):
    """Base class for every error a user can act on."""

    # The location of the store the error is about when that store could not be opened, so that
    # the command can say where the location came from (an option, the environment, the config).
    store_location: str | None = None


class ConfigError(SyndicateError):
    """The configuration file is missing, unreadable or inconsistent."""


class UsageError(SyndicateError):
    """Options that contradict each other or name things that do not exist."""


class OutputInvalid(SyndicateError):
    """A file syndicate rendered failed its own checks; nothing was published."""


class RulesBroken(SyndicateError):
    """With export --strict: a partner's files break its platform's rules (syndicate.lint), which
    its profile must be changed to meet; nothing was published."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong with one record: where it is, which record, which field."""

    origin: str  # FILE or FILE:LINE
    record_id: str | None
    field: str
    message: str

    def __str__(self) -> str:
        record = f" id={self.record_id}" if self.record_id is not None else ""
        return f"{self.origin}{record} {self.field}: {self.message}"


class InvalidRecords(SyndicateError):
    """The store holds records that cannot be exported; every problem is listed."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the store:\n{lines}")
