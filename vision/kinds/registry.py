"""The registry of exercise kinds: from the name a protocol file gives to the kind's behaviour.

Contract: ``kind_named(name)`` returns the registered ``ExerciseKind`` or raises ``ProtocolError`` naming
the kinds there are; ``kind_names()`` lists them. ``register(kind)`` adds a kind (a name already taken by
another kind is refused); ``unregister(name)`` takes one away again. The built-in kinds (tempo, eccentric,
isometric) are registered on import. Adding a kind is a module with an ``ExerciseKind`` subclass and one
``register`` call: nothing else in calfcheck changes.
"""

from __future__ import annotations

import re

from vision.errors import ProtocolError
from vision.kinds.base import ExerciseKind
from vision.kinds.isometric import ISOMETRIC
from vision.kinds.tempo import ECCENTRIC, TEMPO

_KINDS: dict[str, ExerciseKind] = {k.name: k for k in (TEMPO, ECCENTRIC, ISOMETRIC)}
BUILTIN_KINDS = tuple(_KINDS)
# A kind's name is stored with each training session (a 16-character column) and typed into protocol files.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,15}$")


def register(kind: ExerciseKind) -> ExerciseKind:
    if not NAME_PATTERN.match(kind.name or ""):
        raise ValueError(f"an exercise kind's name is 1-16 lower-case letters, digits or '-' (got {kind.name!r})")
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"an exercise kind called '{kind.name}' is already registered")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    if name in BUILTIN_KINDS:
        raise ValueError(f"'{name}' is a built-in kind")
    _KINDS.pop(name, None)


def kind_names() -> tuple[str, ...]:
    return tuple(_KINDS)


def kind_named(name: str) -> ExerciseKind:
    try:
        return _KINDS[str(name)]
    except KeyError:
        raise ProtocolError(f"unknown exercise kind '{name}'; use one of {', '.join(_KINDS)}") from None
