"""Exercise kinds as plug-ins: ``ExerciseKind`` (what differs between kinds), the built-in kinds and the
registry (``kind_named``, ``register``). See ``vision.kinds.base`` for the contract."""

from vision.kinds.base import ExerciseKind
from vision.kinds.registry import kind_named, kind_names, register, unregister

__all__ = ["ExerciseKind", "kind_named", "kind_names", "register", "unregister"]
