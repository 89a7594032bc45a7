"""The integration tests' `local` fixture (one fresh stack per scenario: about half a second)."""

from tests.integration.conftest import local

__all__ = ["local"]
