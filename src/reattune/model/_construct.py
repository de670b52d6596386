"""Fast construction of the model's frozen dataclasses, for parsers' hot loops.

A frozen dataclass's ``__init__`` stores each field with ``object.__setattr__`` (a global
lookup and a call per field) and then runs ``__post_init__``: about 2 µs for a ``Message``,
as much as the rest of parsing one WhatsApp line. ``positional_constructor(cls)`` returns a
callable taking every field positionally, in declaration order, that stores the fields as
plain slot writes on an instance of a private subclass (same slots, ordinary
``__setattr__``, object's ``__init__``, so that calling it makes an empty instance) and then
sets the instance's class to ``cls`` — about 0.3 µs. What it returns is an ordinary, frozen
instance of ``cls``, equal to one built by ``cls(...)``.

It does *not* run ``__post_init__``: callers guarantee what it would check (a
``Message`` timestamp that is timezone-aware, a ``Turn`` with one span per message).
"""

from __future__ import annotations

import dataclasses
from typing import Any


def positional_constructor(cls: type[Any], *, nested: tuple[str, type[Any]] | None = None) -> Any:
    """A function ``(field_1, …, field_n) -> cls`` that skips ``__post_init__`` (see above).

    ``cls`` must be a ``@dataclass(frozen=True, slots=True)`` class whose fields are all
    ``init`` fields (checked here, once). With ``nested=(name, inner)``, the field ``name`` is
    made in the same call from ``inner``'s fields, given in its place (each parameter named
    ``name_field``): one call instead of two for an object that holds another."""
    names = _fields(cls)
    params = list(names)
    builders: dict[str, Any] = {"builder": _builder(cls), "cls": cls}
    head = ""
    if nested is not None:
        name, inner = nested
        inner_names = _fields(inner)
        at = params.index(name)
        params[at : at + 1] = [f"{name}_{n}" for n in inner_names]
        builders.update(inner_builder=_builder(inner), inner_cls=inner)
        head = (
            f"    {name} = inner_builder()\n"
            + "".join(f"    {name}.{n} = {name}_{n}\n" for n in inner_names)
            + f"    {name}.__class__ = inner_cls\n"
        )
    if {"self", "builder", "cls", "inner_builder", "inner_cls"} & set(params):
        raise TypeError(f"{cls.__name__} has a field named like a name the constructor uses")
    # A plain function rather than the builder's ``__init__``: calling a class with a Python
    # ``__init__`` costs more than calling a function that makes the object itself.
    body = "".join(f"    self.{n} = {n}\n" for n in names)
    source = (
        f"def new_{cls.__name__}({', '.join(params)}):\n"
        f"{head}    self = builder()\n{body}    self.__class__ = cls\n    return self\n"
    )
    namespace: dict[str, Any] = dict(builders)
    exec(source, namespace)  # the same technique dataclasses itself uses
    return namespace[f"new_{cls.__name__}"]


def _fields(cls: type[Any]) -> list[str]:
    params = dataclasses.fields(cls)
    slots = getattr(cls, "__slots__", None)
    names = [f.name for f in params]
    if slots is None or tuple(slots) != tuple(names) or not all(f.init for f in params):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass of init fields only")
    return names


def _builder(cls: type[Any]) -> type[Any]:
    """A subclass of ``cls`` with the same slots and object's ``__init__``, ``__setattr__``
    and ``__delattr__`` (so that calling it takes no arguments and CPython uses its generic,
    fast attribute store for the slots)."""
    return type(
        f"_{cls.__name__}Builder",
        (cls,),
        {
            "__slots__": (),
            "__module__": cls.__module__,
            "__qualname__": f"_{cls.__qualname__}Builder",
            "__init__": object.__init__,
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
        },
    )
