"""What each HTTP answer means, read from a real local server: 403 is not a bad token."""

from __future__ import annotations

import pytest

from migrator.butter import AuthFailed, Forbidden, LookupRefused, Rejected, Retrier

from .conftest import FAST, client, status

pytestmark = pytest.mark.anyio
MULTIPLE = {"detail": "Multiple pages found."}
BAD_FILTER = {"detail": "Invalid filter field: bio"}


async def test_a_403_on_a_lookup_is_a_configuration_error_naming_the_field(scripted, session):
    server = scripted([status(403, BAD_FILTER)])
    butter = client(server, session)
    with pytest.raises(LookupRefused, match="by their 'bio' field") as caught:
        await butter.find_items("team_members", ("bio", "x"))
    assert caught.value.exit_code == 2, "a configuration error, not a stopped run (3)"
    assert "token" not in str(caught.value)
    assert server.received == ["GET"]


async def test_a_403_on_a_write_fails_that_record_only(scripted, session):
    server = scripted([status(403, MULTIPLE)])
    butter = client(server, session)
    with pytest.raises(Forbidden, match="403: Multiple pages found"):
        await Retrier(FAST).call(lambda: butter.create("page", {"slug": "a"}), idempotent=False)
    assert not isinstance(Forbidden("x"), AuthFailed)


async def test_a_401_on_a_read_names_the_read_token(scripted, session):
    server = scripted([status(401, {"detail": "Invalid token."})])
    with pytest.raises(AuthFailed, match=r"refused the read token .*BUTTER_READ_TOKEN"):
        await client(server, session).find("post", None, slug="a", lookup=None)


async def test_a_401_on_a_write_names_the_write_token(scripted, session):
    server = scripted([status(401, {"detail": "Invalid token."})])
    with pytest.raises(AuthFailed, match="BUTTER_WRITE_TOKEN"):
        await client(server, session).create("post", {"slug": "a"})


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"published": ["Setting the publication date is not supported."]}, True),
        ({"detail": "Unknown field: published"}, True),
        ({"error": "'published' cannot be set on create"}, True),
        ({"detail": "Invalid token."}, False),
        ({"title": ["This field is required."]}, False),
        ({"detail": "unpublished posts cannot be scheduled"}, False),  # another word
        ({"detail": "published-at is read only"}, False),
    ],
)
async def test_a_400_naming_a_field_is_told_apart(scripted, session, body, names):
    server = scripted([status(400, body)])
    with pytest.raises(Rejected) as caught:
        await client(server, session).create("post", {"title": "a", "slug": "a"})
    assert caught.value.names_field("published") is names
