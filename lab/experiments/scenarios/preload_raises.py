"""A module that fails while it is imported with something other than ImportError."""

raise ZeroDivisionError("preload_raises fails at import")
