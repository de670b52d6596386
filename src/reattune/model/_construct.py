"""Fast construction of the model's frozen dataclasses, for parsers' hot loops.

A frozen dataclass's ``__init__`` stores each field with ``object.__setattr__`` (a global
lookup and a call per field) and then runs ``__post_init__``: about 2 µs for a ``Message``,
as much as the rest of parsing one WhatsApp line. ``positional_constructor(cls)`` returns a
callable taking every field positionally, in declaration order, that stores the fields as
plain slot writes on an instance of a private subclass (same slots, ordinary
``__setattr__``) and then sets the instance's class to ``cls`` — about 0.3 µs. What it
returns is an ordinary, frozen instance of ``cls``, equal to one built by ``cls(...)``.

It does *not* run ``__post_init__``: callers guarantee what it would check (a
``Message`` timestamp that is timezone-aware, a ``Turn`` with one span per message).
"""

from __future__ import annotations

import dataclasses
from typing import Any


def positional_constructor(cls: type[Any]) -> Any:
    """A function ``(field_1, …, field_n) -> cls`` that skips ``__post_init__`` (see above).

    ``cls`` must be a ``@dataclass(frozen=True, slots=True)`` class whose fields are all
    ``init`` fields (checked here, once)."""
    params = dataclasses.fields(cls)
    slots = getattr(cls, "__slots__", None)
    names = [f.name for f in params]
    if slots is None or tuple(slots) != tuple(names) or not all(f.init for f in params):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass of init fields only")
    body = "".join(f"    self.{n} = {n}\n" for n in names)
    source = f"def __init__(self, {', '.join(names)}):\n{body}    self.__class__ = cls\n"
    namespace: dict[str, Any] = {}
    exec(source, {"cls": cls}, namespace)  # the same technique dataclasses itself uses
    builder = type(
        f"_{cls.__name__}Builder",
        (cls,),
        {
            "__slots__": (),
            "__module__": cls.__module__,
            "__qualname__": f"_{cls.__qualname__}Builder",
            # Both, so that CPython uses its generic (fast) attribute store for the slots.
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
            "__init__": namespace["__init__"],
        },
    )
    return builder
