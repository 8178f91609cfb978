import io

import orjson
import structlog

from migrator import log


def test_json_logs_never_contain_a_token():
    out = io.StringIO()
    log.configure(json=True, stream=out)
    logger = structlog.get_logger()
    logger.info(
        "request",
        url="http://127.0.0.1/v2/pages/?auth_token=r-secret-1",
        headers={"Authorization": "Token w-secret-2"},
        write_token="w-secret-3",
        note="sent with Token w-secret-4",
    )
    text = out.getvalue()
    for secret in ("r-secret-1", "w-secret-2", "w-secret-3", "w-secret-4"):
        assert secret not in text
    event = orjson.loads(text.splitlines()[0])
    assert event["event"] == "request" and event["level"] == "info"
    assert event["write_token"] == "[REDACTED]"
