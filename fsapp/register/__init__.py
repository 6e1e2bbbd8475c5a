"""The case register an admin shapes in YAML: departments, categories (deadline, public, custom fields) and the
Q&A guide. See :mod:`fsapp.register.loader` (reading, FILE:LINE errors) and :mod:`fsapp.register.apply`."""

from fsapp.register.apply import apply_register, sync_register
from fsapp.register.loader import Register, RegisterError, load_register

__all__ = ["Register", "RegisterError", "apply_register", "load_register", "sync_register"]
