"""A module whose own import fails with ImportError (a dependency that is not installed)."""

import no_such_module_forklab  # noqa: F401
