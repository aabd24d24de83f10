"""Scenarios in code: a built-in scenario or a scenario file, extended by parameters, pinned
parameters and timeline events, written as the same TOML overlay a file would hold
(``extends = ...``) and checked by the same parser as the command line's."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Iterable, Mapping, Sequence, Union

from . import _native

Value = Union[float, int, bool, str]
"""A parameter's or a timeline field's value."""

ScenarioLike = Union[str, "os.PathLike[str]", "Scenario"]
"""What every function takes as a scenario: a built-in name, a scenario file or a Scenario."""


def _toml(v: Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)


def _tables(header: str, values: Mapping[str, Value]) -> list[str]:
    """``[header.group]`` tables holding ``group.key = value`` pairs."""
    groups: dict[str, list[str]] = {}
    for key, v in values.items():
        group, _, field = key.partition(".")
        if not field:
            raise ValueError(f"parameter `{key}`: expected group.name (see leapsim.params())")
        groups.setdefault(group, []).append(f"{field} = {_toml(v)}")
    out = []
    for group, lines in groups.items():
        out += ["", f"[{header}{group}]", *lines]
    return out


class Scenario:
    """A scenario: a built-in one (``Scenario("historical")``), a file
    (``Scenario.from_file(path)``) or an overlay built in code (``.extend(...)``).

    Any function that takes a scenario takes a Scenario, a built-in name or a path.
    """

    def __init__(self, source: str | os.PathLike[str] = "historical") -> None:
        """The built-in scenario named ``source`` (see ``leapsim.scenarios()``) or the
        scenario file at path ``source``; checked now (raises ``ScenarioError``)."""
        self._source = os.fspath(source)
        self._base: Scenario | None = None
        self._text: str | None = None
        self.name: str = _native.check(self._source)
        """The scenario's name."""

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Scenario:
        """The scenario file at ``path`` (TOML, as ``leapsim run FILE`` reads it)."""
        return cls(path)

    def extend(
        self,
        name: str,
        description: str | None = None,
        params: Mapping[str, Value] | None = None,
        pinned: Mapping[str, Value] | None = None,
        timeline: Sequence[Mapping[str, Value]] = (),
    ) -> Scenario:
        """A new scenario that starts from this one and changes only what is given.

        Args:
            name: the new scenario's name.
            description: one line saying what it changes.
            params: parameters by dotted key (``{"procurement.rate": 0.3}``); timeline events
                may still change a lever.
            pinned: parameters fixed for the whole run, against the timeline
                (``{"food.mess_halls": False}``): a scenario file's ``[pinned.*]`` tables.
            timeline: events added to the timeline, each a mapping with ``date``
                (``"YYYY-MM"``), ``event`` (``set``, ``communize``, ``split_communes``,
                ``replan``, ``revise``), its fields and a ``label``, as in a scenario file.

        Raises:
            ScenarioError: the overlay does not parse (naming its key).
        """
        lines = [f"name = {_toml(name)}"]
        if description is not None:
            lines.append(f"description = {_toml(description)}")
        lines += _tables("", params or {})
        lines += _tables("pinned.", pinned or {})
        for event in timeline:
            lines += ["", "[[timeline]]", *(f"{k} = {_toml(v)}" for k, v in event.items())]
        child = Scenario.__new__(Scenario)
        child._source, child._base, child._text, child.name = name, self, "\n".join(lines) + "\n", name
        with tempfile.TemporaryDirectory(prefix="leapsim-scenario-") as d:
            child.name = _native.check(child.path(d))
        return child

    def to_toml(self) -> str:
        """The scenario's TOML text: a file's or built-in's ``extends`` line, or the overlay."""
        base = self._base
        if self._text is None or base is None:
            return f"extends = {_toml(self._source)}\n"
        parent = base._source if base._text is None else f"{base.name}.toml"
        return f"extends = {_toml(parent)}\n" + self._text

    def path(self, directory: str | os.PathLike[str]) -> str:
        """What a run reads: the built-in name or the file's path; an overlay built in code is
        written (with the overlays it extends) into ``directory`` first."""
        if self._text is None or self._base is None:
            return self._source
        if self._base._text is not None:
            self._base.path(directory)
        target = Path(directory) / f"{self.name}.toml"
        if self._base._text is None and not self._is_builtin(self._base._source):
            parent = os.path.abspath(self._base._source)
            text = f"extends = {_toml(parent)}\n" + self._text
        else:
            text = self.to_toml()
        target.write_text(text, encoding="utf-8")
        return str(target)

    @staticmethod
    def _is_builtin(name: str) -> bool:
        return any(n == name for n, _ in _native.scenarios())

    def __repr__(self) -> str:
        return f"Scenario({self.name!r})"


def overrides(values: Mapping[str, Value] | Iterable[str] | None) -> list[str]:
    """``set=`` as the command line's ``--set key=value`` strings."""
    if values is None:
        return []
    if isinstance(values, Mapping):
        return [f"{k}={_toml(v) if isinstance(v, bool) else v}" for k, v in values.items()]
    return [str(v) for v in values]
