"""Verify tests reuse the engine tests' RunOptions fixture."""

from tests.engine.conftest import options  # noqa: F401
