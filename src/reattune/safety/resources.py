"""Help lines per locale, read from ``reattune/data/safety/resources.toml`` (or an operator's
own file of the same shape)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

from reattune.errors import SettingsError
from reattune.safety.findings import Domain, SafetyLevel

__all__ = ["Resource", "ResourceBook", "load_resources", "resources_for"]


@dataclass(frozen=True, slots=True)
class Resource:
    """One place to get help: a name, how to reach it, the domains it serves."""

    name: str
    contact: str
    how: str
    domains: frozenset[Domain]
    emergency: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "contact": self.contact,
            "how": self.how,
            "domains": sorted(d.value for d in self.domains),
            "emergency": self.emergency,
        }


@dataclass(frozen=True, slots=True)
class ResourceBook:
    default: str
    checked: str
    locales: dict[str, tuple[str, tuple[Resource, ...]]]

    def locale(self, code: str | None) -> tuple[str, tuple[str, tuple[Resource, ...]]]:
        """The locale's code, name and resources; an unknown code falls back to ``INTL``
        (local emergency number and an international directory), never to nothing."""
        key = (code or self.default).upper()
        if key in self.locales:
            return key, self.locales[key]
        fallback = "INTL" if "INTL" in self.locales else self.default
        return fallback, self.locales[fallback]


def _parse(data: dict[str, Any], origin: str) -> ResourceBook:
    try:
        default = str(data.get("default", "US")).upper()
        checked = str(data.get("checked", ""))
        raw = dict(data["locale"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingsError(
            "resource file has no [locale.XX] tables", file=origin, expected="[locale.US] …"
        ) from exc
    locales: dict[str, tuple[str, tuple[Resource, ...]]] = {}
    for code, table in raw.items():
        items: list[Resource] = []
        try:
            for _i, r in enumerate(table.get("resource", [])):
                domains = frozenset(Domain(str(d)) for d in r["domains"])
                items.append(
                    Resource(
                        name=str(r["name"]),
                        contact=str(r["contact"]),
                        how=str(r.get("how", r["contact"])),
                        domains=domains,
                        emergency=bool(r.get("emergency", False)),
                    )
                )
            name = str(table.get("name", code))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SettingsError(
                f"locale {code}: resource #{len(items) + 1} is incomplete ({exc})",
                file=origin,
                expected="name, contact, domains (crisis/ipv) for each [[locale.XX.resource]]",
            ) from exc
        if not any(r.emergency for r in items):
            raise SettingsError(
                f"locale {code} lists no emergency number",
                file=origin,
                expected="one resource with emergency = true",
            )
        locales[str(code).upper()] = (name, tuple(items))
    if default not in locales:
        raise SettingsError(f"the default locale {default} is not defined", file=origin)
    return ResourceBook(default, checked, locales)


@cache
def _shipped() -> ResourceBook:
    origin = "reattune/data/safety/resources.toml"
    text = (
        importlib_resources.files("reattune.data.safety")
        .joinpath("resources.toml")
        .read_text("utf-8")
    )
    return _parse(tomllib.loads(text), origin)


def load_resources(path: Path | str | None = None) -> ResourceBook:
    """The shipped resource book, or an operator's file of the same shape."""
    if path is None:
        return _shipped()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except OSError as exc:
        raise SettingsError(f"cannot read the resource file ({exc.strerror})", file=str(p)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"the resource file is not valid TOML ({exc})", file=str(p)) from exc
    return _parse(data, str(p))


def resources_for(
    locale: str | None,
    domains: Iterable[Domain],
    level: SafetyLevel,
    book: ResourceBook | None = None,
) -> tuple[Resource, ...]:
    """The resources to show: the emergency number first when the level is an emergency,
    then the lines serving the domains found, then the emergency number (always listed)."""
    _, (_, items) = (book or load_resources()).locale(locale)
    wanted = set(domains)
    emergency = [r for r in items if r.emergency]
    lines = [r for r in items if not r.emergency and r.domains & wanted]
    if level >= SafetyLevel.EMERGENCY:
        return (*emergency, *lines)
    return (*lines, *emergency)
