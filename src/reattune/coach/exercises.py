"""Self-soothing exercises with timings (``data/coach/protocol.toml``), per role."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from reattune.coach.data import load
from reattune.errors import CoachInputError


class Role(StrEnum):
    """Who is soothing: the partner who steps away, or the one who waits."""

    WITHDRAWER = "withdrawer"
    PURSUER = "pursuer"


def role_of(value: str) -> Role:
    try:
        return Role(value.lower())
    except ValueError:
        raise CoachInputError(
            "unknown role for the exercises", expected="withdrawer or pursuer"
        ) from None


@dataclass(frozen=True, slots=True)
class Step:
    say: str
    seconds: int


@dataclass(frozen=True, slots=True)
class Exercise:
    id: str
    title: str
    roles: tuple[Role, ...]
    steps: tuple[Step, ...]
    rounds: int

    @property
    def seconds(self) -> int:
        return sum(s.seconds for s in self.steps) * self.rounds

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "roles": [r.value for r in self.roles],
            "rounds": self.rounds,
            "seconds": self.seconds,
            "steps": [{"say": s.say, "seconds": s.seconds} for s in self.steps],
        }


@cache
def exercises() -> tuple[Exercise, ...]:
    return tuple(
        Exercise(
            id=e["id"],
            title=e["title"],
            roles=tuple(Role(r) for r in e["roles"]),
            steps=tuple(Step(s["say"], int(s["seconds"])) for s in e["steps"]),
            rounds=int(e["rounds"]),
        )
        for e in load("protocol")["exercise"]
    )


def for_role(role: Role) -> tuple[Exercise, ...]:
    """The exercises that suit ``role``, in the order of the data file."""
    return tuple(e for e in exercises() if role in e.roles)
