"""The exceptions leapsim raises. Their messages are the library's, word for word as the
command line prints them."""

from __future__ import annotations


class LeapsimError(Exception):
    """Base class of leapsim's own exceptions."""


class ScenarioError(LeapsimError, ValueError):
    """A scenario, parameter or input file that cannot be used.

    Attributes:
        file: the file it was read from (``built-in:<name>`` for a built-in scenario,
            ``--set`` for a ``set=`` override, ``--scale``/``--seed`` for those arguments).
        line: the line in that file, when known.
        key: the key at fault (e.g. ``procurement.rate``), when there is one.
    """

    def __init__(self, message: str, file: str, line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.key = key


class InputError(LeapsimError, ValueError):
    """A request that cannot be done as given: an unknown outcome or region, too few runs,
    an output directory that is not leapsim's, another job's work store..."""


class MemoryLimitError(LeapsimError, MemoryError):
    """The runs would need more memory than the process may use (checked before any starts):
    lower the scale or the threads, or raise the limit."""
