"""The writes that ButterCMS's official SDKs send, replayed byte for byte against the emulator.

Only two SDKs write: PHP (ButterCMS/buttercms-php 3.1.0, src/ButterCMS/ButterCMS.php) and
Ruby (ButterCMS/buttercms-ruby 2.4, lib/buttercms-ruby.rb and lib/buttercms/butter_resource.rb).
The Go, Python and JavaScript SDKs only read. The SDKs themselves are not run here: neither
installs from a registry this project reaches (Composer's, RubyGems), and the Ruby one's
writes cannot run on Ruby 3 as published (they call ``URI.encode``, removed in Ruby 3.0,
and ActiveSupport's ``String#constantize``). So each class below builds the request exactly
as its SDK's source does (method, path, headers, body encoding, and what the SDK does with
the answer), cited per method. These replays were checked once against the real SDKs (PHP
8.2 with Guzzle 7.4, Ruby 3.1 with the shim in docs/emulator-writes.md): byte for byte the
same requests, and the same answers from the emulator.

Every test checks the answer the SDK's user gets, then what the read API shows afterwards;
a refusal must leave no trace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from migrator.emulator import Emulator
from migrator.emulator.config import Realism

from ..conftest import Butter, member, page_fields

pytestmark = pytest.mark.anyio

WRITE_TOKEN = "w-token"
READ_TOKEN = "r-token"


@dataclass
class Sent:
    """One SDK call: every HTTP answer it got (the PHP SDK may send twice)."""

    statuses: list[int]
    body: Any  # the last answer's JSON (None for an empty body)
    headers: Any

    @property
    def status(self) -> int:
        return self.statuses[-1]


async def _send(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    data: bytes | None,
    headers: dict[str, str],
) -> tuple[int, Any, Any]:
    async with session.request(
        method, url, data=data, headers=headers, allow_redirects=False
    ) as resp:
        raw = await resp.read()
        # Both SDKs json-decode every answer but a PHP delete's: it must be JSON.
        return resp.status, json.loads(raw) if raw else None, resp.headers


def php_json(value: Any) -> bytes:
    """PHP's json_encode() with Guzzle's default flags (none): ``/`` escaped as ``\\/`` and
    every non-ASCII character as ``\\uXXXX``; an empty PHP array is ``[]``."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


class PhpSdk:
    """ButterCMS\\ButterCMS::request() in src/ButterCMS/ButterCMS.php."""

    def __init__(self, session: aiohttp.ClientSession, emu: Emulator, write_token: str):
        self.session = session
        # getenv('API_BASE_URL') ?: 'https://api.buttercms.com/v2/', then . $url
        self.root = emu.base_url + "/"
        self.headers = {
            # The write client's defaults, set in __construct().
            "X-Butter-Client": "PHP/3.0.1",
            "Accept-Encoding": "gzip",
            "Authorization": f"Token {write_token}",
            "User-Agent": "GuzzleHttp/7",
        }

    async def request(self, method: str, url: str, data: dict[str, Any]) -> Sent:
        # array_filter(['query' => [], 'json' => $data]) drops an empty $data: no body and
        # no Content-Type at all. Otherwise Guzzle's 'json' option encodes it.
        headers = dict(self.headers)
        body = None
        if data:
            body = php_json(data)
            headers["Content-Type"] = "application/json"
        statuses = []
        # maxRetryCount = 1: any failed answer but a 404 is sent once more.
        for _ in range(2):
            status, parsed, resp_headers = await _send(
                self.session, method, self.root + url, body, headers
            )
            statuses.append(status)
            if status < 400 or status == 404:
                break
        return Sent(statuses, parsed, resp_headers)

    # Each method below is the SDK's function of the same name.
    async def create_page(self, params: dict[str, Any]) -> Sent:
        return await self.request("POST", "pages/", params)

    async def update_page(self, slug: str, params: dict[str, Any]) -> Sent:
        return await self.request("PATCH", f"pages/*/{slug}/", params)

    async def create_post(self, params: dict[str, Any]) -> Sent:
        return await self.request("POST", "posts/", params)

    async def update_post(self, slug: str, params: dict[str, Any]) -> Sent:
        return await self.request("PATCH", f"posts/{slug}/", params)

    async def create_collection_item(self, key: str, params: dict[str, Any]) -> Sent:
        return await self.request("POST", "content/", {**params, "key": key})

    async def update_collection_item(self, key: str, item_id: int, params: dict[str, Any]) -> Sent:
        return await self.request("PATCH", f"content/{key}/{item_id}/", params)

    async def delete_collection_item(self, key: str, item_id: int) -> Sent:
        return await self.request("DELETE", f"content/{key}/{item_id}/", {})


class RubyBadRequest(Exception):
    """ButterCMS::BadRequest, with the message write_api_request builds from the 400."""


class RubyNotFound(Exception):
    """ButterCMS::NotFound, with the 404's ``detail``."""


class RubySdk:
    """ButterCMS.write_api_request in lib/buttercms-ruby.rb, reached through
    ButterResource.create / .update (lib/buttercms/butter_resource.rb)."""

    def __init__(self, session: aiohttp.ClientSession, emu: Emulator):
        self.session = session
        self.origin = emu.url  # @api_url's host and port; its path is /v2

    async def write(self, path: str, options: dict[str, Any]) -> Sent:
        query = dict(options)
        token = query.pop("auth_token", None) or WRITE_TOKEN
        write_type = query.pop("method", None) or "Post"
        # "#{@api_url.path}#{URI.encode(path)}": URI::UNSAFE escaped, "/" and "*" kept.
        url = self.origin + "/v2" + quote(path, safe="-_.!~*'();/?:@&=+$,[]")
        headers = {
            "Accept-Encoding": "gzip;q=1.0,deflate;q=0.6,identity;q=0.3",  # Net::HTTP's own
            "User-Agent": "ButterCMS/Ruby 2.4",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Authorization": f"Token {token}",
        }
        # request.body = query.except(:auth_token).to_json: compact, UTF-8 as is.
        body = json.dumps(query, ensure_ascii=False, separators=(",", ":")).encode()
        status, parsed, resp_headers = await _send(
            self.session, write_type.upper(), url, body, headers
        )
        # Only 404 and 400 raise; any other answer is JSON.parse'd and returned.
        if status == 404:
            raise RubyNotFound(parsed["detail"])
        if status == 400:
            if isinstance(parsed, list):
                raise RubyBadRequest(" ".join(parsed))
            raise RubyBadRequest(" ".join(f"{k}: {_ruby_inspect(v)}" for k, v in parsed.items()))
        return Sent([status], parsed, resp_headers)

    # ButterResource.create: options[:method] = 'Post', POST to self.endpoint.
    async def create(self, resource_path: str, options: dict[str, Any]) -> Sent:
        return await self.write(resource_path, {**options, "method": "Post"})

    # ButterResource.update: 'Patch'; pages go to patch_endpoint ("/pages/*/#{id}/"),
    # everything else to endpoint(id) ("#{resource_path}#{id}/").
    async def update(self, resource_path: str, id: str | int, options: dict[str, Any]) -> Sent:
        if "/pages/" in resource_path:
            path = f"{resource_path}*/{id}/"
        else:
            path = f"{resource_path}{id}/"
        return await self.write(path, {**options, "method": "Patch"})


def _ruby_inspect(value: Any) -> str:
    # "#{v}" of a parsed JSON value: an Array of Strings reads as its JSON.
    return json.dumps(value, ensure_ascii=False, separators=(", ", "=>"))


@pytest.fixture
def php(session: aiohttp.ClientSession, emulator: Emulator) -> PhpSdk:
    return PhpSdk(session, emulator, WRITE_TOKEN)


@pytest.fixture
def ruby(session: aiohttp.ClientSession, emulator: Emulator) -> RubySdk:
    return RubySdk(session, emulator)


PENDING = {"status": "pending"}
BODY_HTML = '<p>Caf\u00e9 \u2013 see <a href="https://example.com/a/b">this</a></p>'


async def _page(butter: Butter, slug: str, **params: str) -> Any:
    return await butter.read(f"/pages/landing_page/{slug}/", preview="1", **params)


def _no_trace(emu: Emulator) -> None:
    state = emu.state()
    assert state["counters"].get("accepted", 0) == 0
    assert state["failures"] == [] and state["pending"] == []
    assert state["pages"] == {} and state["posts"] == {} and state["collections"] == {}


# ---------------------------------------------------------------------------------- PHP


async def test_php_create_page_is_accepted_and_read_back(php, butter, content_model):
    # createPage(): POST pages/ with the params as JSON, slashes and accents escaped.
    fields = page_fields(content_model, headline="\u00dcbersicht", body=BODY_HTML)
    params = {
        "title": "\u00dcber uns",
        "slug": "uber-uns",
        "page_type": "landing_page",
        "status": "published",
        "fields": fields,
    }
    sent = await php.create_page(params)
    assert (sent.statuses, sent.body) == ([202], PENDING)  # new WriteResponse(['status' => ...])
    await butter.emu.settle()
    page = await butter.read("/pages/landing_page/uber-uns/")
    assert page.status == 200
    assert page.body["data"]["name"] == "\u00dcber uns"
    assert page.body["data"]["fields"]["headline"] == "\u00dcbersicht"
    assert page.body["data"]["fields"]["body"] == BODY_HTML
    assert butter.emu.state()["requests"][0] == {
        "method": "POST",
        "path": "/v2/pages/",
        "status": 202,
    }


async def test_php_update_page_patches_through_the_star_path(php, butter, content_model):
    await php.create_page(
        {
            "title": "Home",
            "slug": "home",
            "page_type": "landing_page",
            "fields": page_fields(content_model),
        }
    )
    # updatePage($slug, $params): PATCH pages/*/<slug>/, a partial update.
    sent = await php.update_page("home", {"status": "published", "fields": {"summary": "New"}})
    assert (sent.statuses, sent.body) == ([202], PENDING)
    await butter.emu.settle()
    page = await butter.read("/pages/landing_page/home/")  # published now: no preview
    assert page.status == 200
    assert page.body["data"]["fields"]["summary"] == "New"
    assert page.body["data"]["fields"]["headline"] == "Hello"  # left alone


async def test_php_update_page_without_params_sends_no_body_and_is_accepted(
    php, butter, content_model
):
    await php.create_page(
        {
            "title": "Home",
            "slug": "home",
            "page_type": "landing_page",
            "fields": page_fields(content_model, summary="Kept"),
        }
    )
    await butter.emu.settle()
    # updatePage('home'): $params = [] is filtered out, so the PATCH has no body and no
    # Content-Type. DRF reads an empty body as {}: an update that changes nothing.
    sent = await php.update_page("home", {})
    assert (sent.statuses, sent.body) == ([202], PENDING)
    await butter.emu.settle()
    page = await _page(butter, "home")
    assert page.body["data"]["fields"]["summary"] == "Kept"
    assert butter.emu.state()["failures"] == []


async def test_php_posts_create_then_update(php, butter):
    # createPost(): POST posts/.
    sent = await php.create_post(
        {
            "title": "Hello / world",
            "slug": "hello-world",
            "status": "published",
            "author": {"email": "grace@example.com"},
            "categories": ["Caf\u00e9s"],
            "tags": ["news"],
            "body": BODY_HTML,
        }
    )
    assert (sent.statuses, sent.body) == ([202], PENDING)
    # updatePost($slug, $params): PATCH posts/<slug>/.
    sent = await php.update_post("hello-world", {"title": "Hello again"})
    assert (sent.statuses, sent.body) == ([202], PENDING)
    await butter.emu.settle()
    post = (await butter.read("/posts/hello-world/")).body["data"]
    assert post["title"] == "Hello again" and post["body"] == BODY_HTML
    assert post["author"]["slug"] == "grace-hopper"
    assert [c["name"] for c in post["categories"]] == ["Caf\u00e9s"]
    assert [t["name"] for t in post["tags"]] == ["news"]


async def _php_member(php: PhpSdk, butter: Butter, content_model, name: str) -> int:
    # createCollectionItem($key, $params): POST content/ with 'key' added to the params.
    sent = await php.create_collection_item(
        "team_members",
        {"status": "published", "fields": [member(content_model, name=name)]},
    )
    assert (sent.statuses, sent.body) == ([202], PENDING)
    await butter.emu.settle()
    items = (await butter.read("/content/team_members/")).body["data"]["team_members"]
    return next(item["meta"]["id"] for item in items if item["name"] == name)


async def test_php_collection_item_create_update_delete(php, butter, content_model):
    item_id = await _php_member(php, butter, content_model, "Ada")
    # updateCollectionItem($key, $id, $params): PATCH content/<key>/<id>/, fields an object.
    sent = await php.update_collection_item(
        "team_members", item_id, {"fields": {"position": "Engineer"}}
    )
    assert (sent.statuses, sent.body) == ([202], PENDING)
    await butter.emu.settle()
    items = (await butter.read("/content/team_members/")).body["data"]["team_members"]
    assert [(i["name"], i["position"]) for i in items] == [("Ada", "Engineer")]

    # deleteCollectionItem($key, $id): DELETE content/<key>/<id>/; 204, the SDK returns true.
    sent = await php.delete_collection_item("team_members", item_id)
    assert (sent.statuses, sent.body) == ([204], None)
    items = (await butter.read("/content/team_members/")).body["data"]["team_members"]
    assert items == []
    # Deleting it again: 404 with Butter's detail, and PHP does not retry a 404.
    again = await php.delete_collection_item("team_members", item_id)
    assert (again.statuses, again.body) == ([404], {"detail": "Not found."})


async def test_php_item_update_with_the_create_shape_fails_in_the_background(
    php, butter, content_model
):
    item_id = await _php_member(php, butter, content_model, "Ada")
    # A list of fields (the create's shape) where an update takes one object: accepted,
    # then refused by the queue, as Butter validates after the 202.
    sent = await php.update_collection_item(
        "team_members", item_id, {"fields": [{"position": "Engineer"}]}
    )
    assert (sent.statuses, sent.body) == ([202], PENDING)
    await butter.emu.settle()
    [failure] = butter.emu.state()["failures"]
    assert failure["path"] == f"/v2/content/team_members/{item_id}/"
    assert "fields: expected an object, got list" in failure["reason"]
    items = (await butter.read("/content/team_members/")).body["data"]["team_members"]
    assert items[0]["position"] == ""


async def test_php_refusals_are_sent_twice_and_leave_no_trace(session, butter, emulator):
    php = PhpSdk(session, emulator, WRITE_TOKEN)
    # No title or slug: Butter's documented 400; the SDK retries it once (not a 404).
    sent = await php.create_page({"page_type": "landing_page", "fields": {}})
    assert sent.statuses == [400, 400]
    assert sent.body == {
        "title": ["You must specify a page title."],
        "slug": ["You must specify a page slug."],
    }
    # The read token where the write token belongs: answered as no token at all.
    reader = PhpSdk(session, emulator, READ_TOKEN)
    sent = await reader.create_post({"title": "T", "slug": "t"})
    assert sent.statuses == [401, 401]
    assert sent.body == {"detail": "Authentication credentials were not provided"}
    assert sent.headers["WWW-Authenticate"] == "Token"
    await emulator.settle()
    _no_trace(emulator)
    assert (await butter.read("/posts/t/")).status == 404


async def test_php_and_ruby_cannot_send_the_locale_a_localised_account_needs(
    make_emulator, session, content_model
):
    # Neither SDK puts ?locale= on a write (PHP passes no query; Ruby puts every option in
    # the body), so in an account with locales a single-locale page create fails later.
    emu = await make_emulator(realism=Realism(require_locale=True))
    php, ruby, butter = (
        PhpSdk(session, emu, WRITE_TOKEN),
        RubySdk(session, emu),
        Butter(session, emu),
    )
    single = {"title": "Home", "slug": "home", "page_type": "landing_page", "status": "published"}
    sent = await php.create_page({**single, "fields": page_fields(content_model)})
    assert sent.statuses == [202]
    sent = await ruby.create(
        "/pages/", {**single, "locale": "es", "fields": page_fields(content_model)}
    )
    assert sent.statuses == [202]
    await emu.settle()
    failures = emu.state()["failures"]
    assert len(failures) == 2
    assert all("?locale= query parameter" in f["reason"] for f in failures)
    assert (await butter.read("/pages/landing_page/home/")).status == 404
    # The multi-locale form needs no query parameter: it works from either SDK.
    fields = {
        "en": page_fields(content_model, headline="Hello"),
        "es": page_fields(content_model, headline="Hola"),
    }
    assert (await php.create_page({**single, "fields": fields})).statuses == [202]
    await emu.settle()
    es = await butter.read("/pages/landing_page/home/", locale="es")
    assert es.body["data"]["fields"]["headline"] == "Hola"


# ---------------------------------------------------------------------------------- Ruby


async def test_ruby_post_create_and_update_as_its_readme_shows(ruby, butter):
    # ButterCMS::Post.create({slug: 'blog-slug', title: 'blog-title'}) (README.md).
    sent = await ruby.create("/posts/", {"slug": "blog-slug", "title": "blog-title"})
    assert (sent.status, sent.body) == (202, PENDING)
    # ButterCMS::Post.update('blog-slug', {title: 'blog-title-v2'}): PATCH /v2/posts/blog-slug/.
    sent = await ruby.update("/posts/", "blog-slug", {"title": "blog-title-v2"})
    assert (sent.status, sent.body) == (202, PENDING)
    await butter.emu.settle()
    # No status: a draft, seen with preview=1; no author: the organisation owner.
    assert (await butter.read("/posts/blog-slug/")).status == 404
    post = (await butter.read("/posts/blog-slug/", preview="1")).body["data"]
    assert post["title"] == "blog-title-v2" and post["status"] == "draft"
    assert post["author"]["slug"] == "ada-lovelace"
    assert [r["method"] for r in butter.emu.state()["requests"][:2]] == ["POST", "PATCH"]


async def test_ruby_page_create_with_page_type_dashed_and_update(ruby, butter, content_model):
    # ButterCMS::Page.create({..., "page-type": ...}) as the README spells it.
    sent = await ruby.create(
        "/pages/",
        {
            "slug": "page-slug",
            "title": "page-title",
            "status": "published",
            "page-type": "landing_page",
            "fields": page_fields(content_model, headline="Caf\u00e9"),
        },
    )
    assert (sent.status, sent.body) == (202, PENDING)
    # ButterCMS::Page.update('page-slug', {...}): PATCH /v2/pages/*/page-slug/.
    sent = await ruby.update(
        "/pages/", "page-slug", {"status": "published", "fields": {"summary": "test meta title"}}
    )
    assert (sent.status, sent.body) == (202, PENDING)
    await butter.emu.settle()
    page = (await butter.read("/pages/landing_page/page-slug/")).body["data"]
    assert page["fields"]["headline"] == "Caf\u00e9"
    assert page["fields"]["summary"] == "test meta title"
    assert butter.emu.state()["requests"][1]["path"] == "/v2/pages/*/page-slug/"


async def test_ruby_page_create_with_only_some_fields_fails_in_the_background(ruby, butter):
    # The README's Page.create sends one field; Butter needs every key of the page type.
    sent = await ruby.create(
        "/pages/",
        {
            "slug": "page-slug",
            "title": "page-title",
            "page-type": "landing_page",
            "fields": {"headline": "only this"},
        },
    )
    assert (sent.status, sent.body) == (202, PENDING)
    await butter.emu.settle()
    [failure] = butter.emu.state()["failures"]
    assert "fields.summary: missing" in failure["reason"]
    assert (await _page(butter, "page-slug")).status == 404


async def test_ruby_bad_request_raises_with_every_field_message(ruby, butter):
    # write_api_request turns a 400 into ButterCMS::BadRequest "k: v k: v".
    with pytest.raises(RubyBadRequest) as refused:
        await ruby.create("/posts/", {"slug": "x", "status": "live"})
    assert str(refused.value) == (
        'title: ["This field is required."] status: ["\\"live\\" is not a valid choice."]'
    )
    await butter.emu.settle()
    _no_trace(butter.emu)


async def test_ruby_content_create_and_update_by_item_path(ruby, butter, content_model):
    # ButterCMS::Content.create({key:, status:, fields: [...]}): POST /v2/content/.
    sent = await ruby.create(
        "/content/",
        {"key": "team_members", "status": "published", "fields": [member(content_model)]},
    )
    assert (sent.status, sent.body) == (202, PENDING)
    await butter.emu.settle()
    [item] = (await butter.read("/content/team_members/")).body["data"]["team_members"]
    item_id = item["meta"]["id"]

    # Content.update(id, ...) goes to endpoint(id) = /v2/content/<id>/: no such write
    # (the key is missing). DRF's 405 lists what the path takes; Ruby raises nothing.
    sent = await ruby.update("/content/", item_id, {"fields": {"position": "CTO"}})
    assert sent.status == 405
    assert sent.body == {"detail": 'Method "PATCH" not allowed.'}
    assert sent.headers["Allow"] == "GET, HEAD"
    # With "key/id" as the id the path is Butter's item path and the update applies.
    sent = await ruby.update(
        "/content/", f"team_members/{item_id}", {"fields": {"position": "CTO"}}
    )
    assert (sent.status, sent.body) == (202, PENDING)
    await butter.emu.settle()
    [item] = (await butter.read("/content/team_members/")).body["data"]["team_members"]
    assert item["position"] == "CTO"
    assert butter.emu.state()["failures"] == []


async def test_ruby_update_of_a_missing_post_is_accepted_then_fails(ruby, butter):
    # Butter checks the target in its queue: the 202 comes first, the post never appears.
    sent = await ruby.update("/posts/", "no-such-post", {"title": "x"})
    assert (sent.status, sent.body) == (202, PENDING)
    await butter.emu.settle()
    [failure] = butter.emu.state()["failures"]
    assert failure["reason"] == "post not found: no-such-post"
    assert (await butter.read("/posts/no-such-post/", preview="1")).status == 404


# ------------------------------------------------------------ Butter's docs, no SDK method


async def test_post_delete_as_butter_documents_it(butter, php):
    # No SDK has deletePost; Butter's reference: DELETE /v2/posts/<slug>/ → 204, no body.
    await php.create_post({"title": "T", "slug": "gone", "status": "published"})
    await butter.emu.settle()
    deleted = await butter.call("DELETE", "/posts/gone/")
    assert (deleted.status, deleted.body) == (204, None)
    assert (await butter.read("/posts/gone/")).status == 404
    again = await butter.call("DELETE", "/posts/gone/")
    assert (again.status, again.body) == (404, {"detail": "Not found."})


async def test_pages_cannot_be_deleted(butter, php, content_model):
    await php.create_page(
        {
            "title": "H",
            "slug": "home",
            "page_type": "landing_page",
            "fields": page_fields(content_model),
        }
    )
    await butter.emu.settle()
    refused = await butter.call("DELETE", "/pages/*/home/")
    assert (refused.status, refused.body) == (405, {"detail": 'Method "DELETE" not allowed.'})
    assert refused.headers["Allow"] == "GET, PUT, PATCH, HEAD"
    assert (await _page(butter, "home")).status == 200


async def test_bodies_that_are_not_json(butter, session, emulator):
    url = emulator.base_url + "/pages/"
    auth = {"Authorization": f"Token {WRITE_TOKEN}"}
    page = b'{"title": "T", "slug": "t", "page_type": "landing_page"}'
    # curl -d without -H 'Content-Type: application/json' sends a form: DRF parses it, and
    # the JSON text becomes one field name, so nothing required is there.
    form = {**auth, "Content-Type": "application/x-www-form-urlencoded"}
    async with session.post(url, data=page, headers=form) as resp:
        assert resp.status == 400
        assert await resp.json() == {
            "title": ["You must specify a page title."],
            "slug": ["You must specify a page slug."],
            "page_type": ["This field is required."],
        }
    # A form with the right names passes the door (its values are strings, so fields fail
    # later, as a string is no object).
    async with session.post(
        url, data={"title": "T", "slug": "t", "page_type": "landing_page"}, headers=auth
    ) as resp:
        assert (resp.status, await resp.json()) == (202, PENDING)
    # Multipart too (DRF's third parser); a file part is no text field.
    multipart = aiohttp.FormData()
    multipart.add_field("title", "T")
    multipart.add_field("slug", b"t", filename="slug.txt")
    async with session.post(url, data=multipart, headers=auth) as resp:
        assert resp.status == 400
        assert await resp.json() == {
            "slug": ["You must specify a page slug."],
            "page_type": ["This field is required."],
        }
    # Any other type: 415, naming the header as sent.
    async with session.post(url, data=page, headers={**auth, "Content-Type": "text/plain"}) as resp:
        assert resp.status == 415
        assert await resp.json() == {"detail": 'Unsupported media type "text/plain" in request.'}
    await emulator.settle()
    state = emulator.state()
    assert state["counters"]["accepted"] == 1 and state["pages"] == {}
    [failure] = state["failures"]
    assert "fields: required" in failure["reason"]


async def test_collection_create_on_the_key_path_is_not_allowed(butter, content_model):
    # Butter's bulk-operations guide posts items to /v2/content/<key>/, but the recorded
    # Allow header of that path is "GET, HEAD, OPTIONS": the reference's /v2/content/ it is.
    refused = await butter.write(
        "POST", "/content/team_members/", {"status": "published", "fields": member(content_model)}
    )
    assert (refused.status, refused.body) == (405, {"detail": 'Method "POST" not allowed.'})
    assert refused.headers["Allow"] == "GET, HEAD"
    await butter.emu.settle()
    _no_trace(butter.emu)
