"""Options of a directive (`key: value` lines), each with its type and limits, checked in one place."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _


class OptionError(ValueError):
    """A value that does not fit its option; the message is in the reader's language."""


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]
    default: str

    def parse(self, text: str) -> str:
        if text not in self.values:
            raise OptionError(_("use one of: %(values)s") % {"values": ", ".join(self.values)})
        return text


@dataclass(frozen=True)
class Number:
    minimum: float
    maximum: float
    default: float | int
    integer: bool = True

    def parse(self, text: str) -> float | int:
        try:
            value = int(text) if self.integer else float(text.replace(",", "."))
        except ValueError:
            raise OptionError(_("write a whole number") if self.integer else _("write a number")) from None
        if not self.minimum <= value <= self.maximum:
            raise OptionError(_("must be between %(low)s and %(high)s") % {"low": self.minimum, "high": self.maximum})
        return value


@dataclass(frozen=True)
class Flag:
    default: bool

    def parse(self, text: str) -> bool:
        lowered = text.lower()
        if lowered in ("true", "on", "yes"):
            return True
        if lowered in ("false", "off", "no"):
            return False
        raise OptionError(_("use true or false"))


@dataclass(frozen=True)
class NameOrId:
    """A named reference (`latest`, `active`, `cat`...) or the id of a row."""

    names: tuple[str, ...]
    default: str

    def parse(self, text: str) -> str | int:
        if text in self.names:
            return text
        if text.isdigit() and int(text) > 0:
            return int(text)
        raise OptionError(_("use %(names)s or an id") % {"names": ", ".join(self.names)})


@dataclass(frozen=True)
class Name:
    """A name the author picks from the data (a layer of the model); unknown names show up when it draws."""

    default: str

    def parse(self, text: str) -> str:
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]{0,63}", text):
            return text
        raise OptionError(_("use a name of letters, digits, “_” and “.”"))


Option = Choice | Number | Flag | NameOrId | Name


def parse_options(spec: dict[str, Option], given: dict[str, str]) -> tuple[dict, list[str]]:
    """(values with defaults filled in, problems): unknown keys and bad values are problems."""
    values = {key: option.default for key, option in spec.items()}
    problems = []
    for key, text in given.items():
        if key not in spec:
            known = ", ".join(spec) or _("none")
            problems.append(_("unknown option “%(key)s” (options: %(known)s)") % {"key": key, "known": known})
            continue
        try:
            values[key] = spec[key].parse(text)
        except OptionError as error:
            problems.append(_("option “%(key)s”: %(problem)s") % {"key": key, "problem": error})
    return values, problems
