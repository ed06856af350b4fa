"""A package a user runs with ``python -m main_guard_package`` (see __main__.py)."""
