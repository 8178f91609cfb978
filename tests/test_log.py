import io

import orjson
import pytest
import structlog

from migrator import log
from migrator.config import normal_base, read_token, target_slug
from migrator.errors import ConfigError
from tests.fresh_python import in_fresh_python


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


def test_only_the_secret_is_replaced_and_the_sentence_stays_whole():
    message = (
        "ButterCMS refused the token (401: Invalid token.). Writes need the account's write "
        "token (Settings → API Tokens → Write API token), not the read token"
    )
    assert log.redact_text(message) == message
    assert log.redact_text("token: 12 retries left") == "token: 12 retries left"
    assert log.redact_text("the read token 2 times") == "the read token 2 times"
    assert log.redact_text("GET /v2/posts/?auth_token=abc&x=1") == (
        "GET /v2/posts/?auth_token=[REDACTED]&x=1"
    )
    assert log.redact_text("sent Token 9f8e7d6c5b4a") == "sent Token [REDACTED]"


def test_a_registered_token_is_redacted_wherever_it_appears():
    token = "plain7-looking-kestrel"  # nothing marks it as a token
    text = f"answer quoted {token} and https://x.test/?auth_token={token}&a=1 ({token})"
    assert token in log.redact_text(text), "unknown to the patterns"
    log.register_secret(token)
    assert log.redact_text(text) == (
        "answer quoted [REDACTED] and https://x.test/?auth_token=[REDACTED]&a=1 ([REDACTED])"
    )


def test_a_token_read_from_a_file_or_the_environment_is_registered(tmp_path, monkeypatch):
    (tmp_path / "t").write_text("file3-token-osprey\n")
    assert read_token("X_TOKEN", tmp_path / "t", what="write") == "file3-token-osprey"
    monkeypatch.setenv("X_TOKEN", " env9-value-plover ")
    assert read_token("X_TOKEN", None, what="read") == "env9-value-plover"
    assert log.redact_text("file3-token-osprey / env9-value-plover") == "[REDACTED] / [REDACTED]"
    monkeypatch.setenv("X_TOKEN", "tab\tin-it-5")
    with pytest.raises(ConfigError, match="read token in X_TOKEN holds a space") as caught:
        read_token("X_TOKEN", None, what="read")
    assert "in-it-5" not in str(caught.value)


def test_tracebacks_in_log_lines_and_printed_output_are_redacted():
    log.register_secret("trace5-secret-wren")
    out = io.StringIO()
    log.configure(json=True, stream=out)
    try:
        raise ValueError("server said trace5-secret-wren is bad")
    except ValueError:
        structlog.get_logger().exception("boom")
    event = orjson.loads(out.getvalue())
    assert "server said [REDACTED] is bad" in event["exception"]
    printed = io.StringIO()
    log.RedactedStream(printed).write("echo trace5-secret-wren!\n")  # type: ignore[arg-type]
    assert printed.getvalue() == "echo [REDACTED]!\n"


def test_credentials_in_the_api_base_never_name_the_state_folder_or_the_binding():
    base = "https://me:cred2-in-url-finch@API.ButterCMS.com/v2/"
    assert target_slug(base) == "api.buttercms.com"
    assert normal_base(base) == "https://api.buttercms.com/v2"


def test_token_looking_keys_in_dumps_are_redacted():
    dump = "{'write_token': 'abc1', \"auth_token\": \"xyz\", 'password': 'hunter2'} tokens: 3"
    assert log.redact_text(dump) == (
        "{'write_token': '[REDACTED]', \"auth_token\": \"[REDACTED]\", 'password': '[REDACTED]'}"
        " tokens: 3"
    )


def test_structlog_loads_only_when_a_line_at_a_shown_level_is_logged(tmp_path):
    """Start-up (issue 14): lines below the level cost no structlog import; the first line
    shown loads it, and is the same redacted JSON line as ever."""
    probe = (
        "import io, sys\n"
        "from migrator import log\n"
        "out = io.StringIO()\n"
        "log.configure(json=True, level='warning', stream=out)\n"
        "logger = log.get_logger('migrator.test', stage='probe')\n"
        "logger.info('hidden', write_token='w-secret-1')\n"
        "logger.bind(attempt=1).debug('hidden too')\n"
        "assert 'structlog' not in sys.modules and 'rich' not in sys.modules\n"
        "logger.bind(attempt=2).warning('shown', note='Token w-secret-2')\n"
        "logger.info('filtered by structlog now')\n"
        "assert 'structlog' in sys.modules\n"
        "sys.stdout.write(out.getvalue())\n"
    )
    lines = in_fresh_python(probe).splitlines()
    assert len(lines) == 1, lines
    event = orjson.loads(lines[0])
    assert event["event"] == "shown" and event["level"] == "warning"
    assert (event["stage"], event["attempt"]) == ("probe", 2)
    assert event["note"] == "Token [REDACTED]" and "w-secret" not in lines[0]


def test_utf8_lines_are_redacted_as_their_text_is(monkeypatch):
    """``redact_utf8`` (the JSON-lines files) gives what ``redact_text`` gives, also where
    only ``str.lower()`` finds the trigger (a Kelvin sign K lowers to k, İ to i)."""
    for name, empty in (("_secrets", set()), ("_longest_first", ()), ("_longest_first_utf8", ())):
        monkeypatch.setattr(log, name, empty)  # these secrets are this test's only
    log.register_secret("utf8-sécret-heron")
    log.register_secret("ACTE")  # also inside "[REDACTED]": replaced once, not again
    texts = [
        '{"body":"<p>plain text, nothing to hide</p>"}',
        '{"reason":"GET /v2/posts/?auth_token=abc123&x=1"}',
        '{"reason":"sent Token 9f8e7d6c5b4a", "n": "ACTE"}',
        '{"a":"to\u212aen=abcdef1"}',  # Kelvin sign: "token=" once lowered
        '{"a":"SECRET: h\u0130dden99"}',
        '{"a":"api_\u212aey: zz9zz9"}',
        '{"a":"quoted utf8-sécret-heron twice utf8-sécret-heron"}',
        '{"a":"ACTE and ACTEACTE, password=abcd"}',
        '{"a":"Bearer abcdef1 \u0130"}',
        "",
    ]
    for text in texts:
        assert log.redact_utf8(text.encode()) == log.redact_text(text).encode(), text
    assert b"heron" not in log.redact_utf8(texts[6].encode())
    assert b"abcdef1" not in log.redact_utf8(texts[3].encode())
