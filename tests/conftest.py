import pytest


@pytest.fixture(autouse=True)
def _reset_structlog():
    import structlog

    yield
    structlog.reset_defaults()


@pytest.fixture
def anyio_backend():
    # aiohttp runs on asyncio only.
    return "asyncio"
