"""Fixtures shared with the client integration tests (in-process simulator)."""

from tests.client.conftest import make_sim  # noqa: F401 - re-exported fixture
