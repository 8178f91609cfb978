"""`migrator inspect --scaffold` on real JSON exports: the mapping and the content model
tables it writes load together, and the mapping turns every record into a payload."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from shared_data import REALDATA, needs_realdata

from migrator.cli import cli
from migrator.mapping import Mapping, Payload, load_mapping
from migrator.records import Record
from migrator.sources import open_source

ROOT = Path(__file__).resolve().parents[2]
REAL = REALDATA / "json"
GATSBY = REAL / "contentful-starter-gatsby-blog--export.json"
EMPLOYEES = REAL / "sanity-import--employees.ndjson"
REFERENCES = REAL / "sanity-import--references.ndjson"
STRAPI = REAL / "strapi-import-export-entries--data-create.json"
BLOGGER = REAL / "ghost-migrate--blogger-api-response.json"
WP_POST = REAL / "ghost-migrate--wp-rest-api-single-post.json"
MGJSON = REAL / "ghost-migrate--mgjson-single-post-author.json"
SAMPLE = ROOT / "migrator" / "samples" / "contentful.json"  # two locales: en-US, es

pytestmark = [
    pytest.mark.timeout(60),
    needs_realdata(REAL),
]


def invoke(*args: str):
    return CliRunner().invoke(cli, ["inspect", *args], catch_exceptions=False)


@dataclass
class Scaffolded:
    text: str
    mapping: Mapping
    payloads: dict[str, Payload]


def scaffold(
    tmp_path: Path, export: Path, kind: str, *options: str, locales: tuple[str, ...] = ("en",)
) -> Scaffolded:
    """Scaffold KIND, add its tables to a content model, load the mapping against it and
    compile every record of the export; a RecordError fails the test."""
    out, tables = tmp_path / "mapping.toml", tmp_path / "tables.toml"
    result = invoke(str(export), *options, "--scaffold", kind, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (
        invoke(str(export), *options, "--scaffold", kind, "--model-out", str(tables)).exit_code == 0
    )
    available = ", ".join(f'"{code}"' for code in locales)
    (tmp_path / "content-model.toml").write_text(
        f'[locales]\ndefault = "{locales[0]}"\navailable = [{available}]\n\n'
        + tables.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    mapping = load_mapping(out)  # its model = "content-model.toml", beside it
    to_payload = mapping.compile()
    source = open_source(mapping.source_format, mapping.default_source, **mapping.source_options)
    payloads: dict[str, Payload] = {}
    for item in source.records():
        assert isinstance(item, Record), item
        payload = to_payload(item)
        if payload is not None:
            payloads[item.identity] = payload
    assert payloads
    return Scaffolded(out.read_text(encoding="utf-8"), mapping, payloads)


# --- Contentful --------------------------------------------------------------------------


def test_contentful_type_with_a_slug_becomes_a_page_type(tmp_path: Path) -> None:
    done = scaffold(tmp_path, GATSBY, "blogPost")
    assert done.mapping.target.kind == "page" and done.mapping.target.name == "blog_post"
    assert done.mapping.source_options == {
        "content_types": ["blogPost"],
        "locale_map": {"en-US": "en"},
    }
    assert len(done.payloads) == 3
    page = done.payloads["31TNnjHlfaGUoMOwU0M2og"]
    assert page.slug == "automate-with-webhooks"
    body = page.body
    assert body["title"] == "Automate with webhooks" and body["status"] == "published"
    fields = body["fields"]
    assert fields["title"] == "Automate with webhooks"
    assert fields["hero_image"].startswith("https://images.contentful.com/28p9vvm1oxuw/")
    assert fields["body"].startswith("<h2>What are webhooks?</h2>")  # Rich Text → HTML
    assert fields["description"].startswith("<p>Webhooks notify you")
    assert fields["publish_date"] == "2017-05-12T00:00:00+02:00"
    assert fields["tags"] == "javascript"
    # The link to a person is a reference, left commented out until `person` exists.
    assert "# author = " in done.text and "author" not in fields
    assert "Author (link to `person` entries)" in done.text


def test_contentful_type_without_a_slug_becomes_a_collection(tmp_path: Path) -> None:
    done = scaffold(tmp_path, GATSBY, "person")
    target = done.mapping.target
    assert (target.kind, target.name, target.lookup_field) == ("collection", "person", "source_id")
    (item,) = done.payloads.values()
    assert item.lookup == ("source_id", "15jwOBqpxqSAOy2eOO4S0m")
    fields = item.body["fields"][0]
    assert fields["name"] == "John Doe" and fields["company"] == "ACME"
    assert fields["short_bio"] == "<p>Research and recommendations for modern stack websites.</p>"
    assert fields["image"].startswith("https://images.contentful.com/")
    assert fields["email"] == "john@doe.com"
    # One [fields] line per field of the content type, named after its id.
    names = [f["id"] for f in _content_type(GATSBY, "person")["fields"]]
    assert set(done.mapping.fields) == {"source_id", *(_snake(n) for n in names)}


def test_contentful_with_two_locales_maps_each(tmp_path: Path) -> None:
    done = scaffold(tmp_path, SAMPLE, "article", locales=("en", "es"))
    assert set(done.mapping.locales) == {"es"}
    # Only the localized fields get a line per locale; the others are copied.
    assert set(done.mapping.locales["es"]) == {"title", "summary", "body"}
    raw = _entries(SAMPLE)
    translated = next(
        e
        for e in raw
        if e["sys"]["contentType"]["sys"]["id"] == "article" and "es" in e["fields"]["title"]
    )
    page = done.payloads[translated["sys"]["id"]]
    fields = page.body["fields"]
    assert fields["en"]["title"] == translated["fields"]["title"]["en-US"].strip()
    assert fields["es"]["title"] == translated["fields"]["title"]["es"].strip()
    assert fields["es"]["hero_image"] == fields["en"]["hero_image"]  # not localized


def test_contentful_unknown_type_lists_the_types() -> None:
    result = invoke(str(GATSBY), "--scaffold", "post")
    assert result.exit_code == 2
    assert "no content type 'post'" in result.output and "blogPost, person" in result.output


# --- Sanity, Strapi, generic JSON --------------------------------------------------------


def test_sanity_type_becomes_a_collection(tmp_path: Path) -> None:
    done = scaffold(tmp_path, EMPLOYEES, "employee")
    assert done.mapping.target.name == "employee"
    assert sorted(done.payloads) == ["espen", "pk"]
    item = done.payloads["espen"]
    assert item.lookup == ("source_id", "espen")
    assert item.body["fields"] == [{"source_id": "espen", "name": "Espen"}]


def test_sanity_references_are_written_as_reference_comments(tmp_path: Path) -> None:
    done = scaffold(tmp_path, REFERENCES, "mock")
    assert '# author = { from = "author"' in done.text
    assert '# author = { type = "reference", to = "collection:author" }' in done.text
    assert done.payloads["normal-ref"].body["fields"][0]["title"] == "Normal reference"


def test_strapi_type_with_translations(tmp_path: Path) -> None:
    done = scaffold(tmp_path, STRAPI, "restaurant", locales=("en", "fr"))
    assert done.mapping.source_options == {"default_locale": "en", "media_fields": ["logo"]}
    assert sorted(done.payloads) == ["restaurant:1", "restaurant:2"]
    fields = done.payloads["restaurant:1"].body["fields"][0]
    assert fields["en"]["name"] == "Dubillot Brasserie" and fields["en"]["rating"] == 5
    assert fields["fr"]["name"] == "Brasserie Dubillot"
    assert fields["fr"]["description"] == "Incroyable restaurant"
    logo = "https://storage.googleapis.com/gtv-videos-bucket/sample/images/BigBuckBunny.jpg"
    assert fields["en"]["logo"] == fields["fr"]["logo"] == logo  # an upload id, made its URL
    # Not translated yet: the French name is the main entry's.
    assert done.payloads["restaurant:2"].body["fields"][0]["fr"]["name"] == "Martin Brasserie"
    # Relations are ids of other entries: reference comments.
    assert "# utensils = " in done.text and "many = true" in done.text


def test_strapi_uid_works_as_the_kind(tmp_path: Path) -> None:
    done = scaffold(tmp_path, STRAPI, "api::restaurant-owner.restaurant-owner")
    assert done.mapping.target.name == "restaurant_owner"
    assert done.payloads["restaurant-owner:1"].body["fields"][0] == {
        "source_id": "1",
        "name": "Charles",
    }


def test_json_records_of_one_type(tmp_path: Path) -> None:
    done = scaffold(tmp_path, BLOGGER, "blogger#post")
    assert done.mapping.source_options == {"records_path": "[*]", "key": "id", "kind_path": "kind"}
    assert done.mapping.target.name == "blogger_post"
    fields = done.payloads["1234563682306064159"].body["fields"][0]
    assert fields["title"] == "Lorem" and fields["content"] == "Lorem content"
    assert fields["published"] == "2017-06-20T00:32:00-04:00"
    assert fields["author_display_name"] == "Important Author &amp; Co."
    assert fields["labels"] == "books, This & That, Good &amp; Bad"


def test_json_object_with_a_slug_becomes_a_page(tmp_path: Path) -> None:
    done = scaffold(tmp_path, WP_POST, "$")
    assert done.mapping.target.kind == "page"
    (page,) = done.payloads.values()
    assert page.slug == "my-awesome-post" and page.body["title"] == "My Awesome Post"
    assert page.body["fields"]["content_rendered"].startswith("<h2><strong>This is my strong")


def test_ndjson_lines_of_one_type(tmp_path: Path) -> None:
    done = scaffold(tmp_path, EMPLOYEES, "employee", "--format", "ndjson")
    assert done.mapping.source_options == {"key": "_id", "kind_path": "_type"}
    assert done.payloads["pk"].body["fields"][0] == {"source_id": "pk", "name": "Per-Kristian"}


@pytest.mark.parametrize(
    ("export", "options", "listed"),
    [
        (EMPLOYEES, (), "no document type 'nope'"),
        (STRAPI, (), "(content types: restaurant, restaurant-owner, utensil-maker)"),
        (BLOGGER, (), "(record kinds: [*], blogger#post)"),
        # A top-level object that only wraps lists of records is not one itself.
        (MGJSON, (), "(record kinds: posts[*], users[*])"),
        (EMPLOYEES, ("--format", "ndjson"), "(record kinds: record, employee)"),
    ],
)
def test_unknown_kind_is_a_usage_error_listing_the_kinds(
    export: Path, options: tuple[str, ...], listed: str
) -> None:
    result = invoke(str(export), *options, "--scaffold", "nope")
    assert result.exit_code == 2
    assert listed in result.output


# --- what the scaffold says --------------------------------------------------------------


def test_the_mapping_ends_with_its_content_model_tables(tmp_path: Path) -> None:
    printed = invoke(str(GATSBY), "--scaffold", "person")
    tables = tmp_path / "tables.toml"
    assert invoke(str(GATSBY), "--scaffold", "person", "--model-out", str(tables)).exit_code == 0
    text = printed.output
    assert "the ButterCMS collection `person`" in text
    block = text[text.index("# ---- The content model") :].splitlines()[1:]
    assert "\n".join(line.removeprefix("# ") for line in block) + "\n" == tables.read_text()
    model = tomllib.loads(tables.read_text())
    assert model["collections"]["person"]["fields"]["short_bio"] == {
        "type": "wysiwyg",
        "required": True,
    }
    assert model["collections"]["person"]["fields"]["image"] == {"type": "media"}


def test_model_out_needs_a_format_that_has_one(tmp_path: Path) -> None:
    sample = ROOT / "migrator" / "samples" / "wordpress.xml"
    result = invoke(str(sample), "--scaffold", "post", "--model-out", str(tmp_path / "m.toml"))
    assert result.exit_code == 2 and "no --model-out" in result.output


def _content_type(path: Path, type_id: str) -> dict:
    types = json.loads(path.read_text(encoding="utf-8"))["contentTypes"]
    return next(t for t in types if t["sys"]["id"] == type_id)


def _entries(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["entries"]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
