from tests.engine.conftest import options  # noqa: F401  (RunOptions for fast runs)
