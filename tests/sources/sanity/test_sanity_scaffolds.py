"""Scaffolds of linked Sanity types agree: a type other documents reference is scaffolded
as a collection (slug or not), the target the referencing type's scaffold names
(``collection:NAME``); both mappings load against one content model and migrate, the
references resolved.

Before: an author with a slug was scaffolded as a page type `author`, while the post
scaffold referenced ``collection:author``: the two did not load together.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shared_data import REALDATA, needs_realdata

from migrator.mapping import load_mapping
from migrator.model import load_content_model
from tests.sources.sanity.test_sanity_nothing_lost import migrate, scaffolded

ROOT = Path(__file__).resolve().parents[3]
REFERENCES = REALDATA / "json" / "sanity-import--references.ndjson"
POSTS = ROOT / "tests" / "cases" / "json-sanity-posts.ndjson"
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]


def with_author_slug(tmp_path: Path) -> Path:
    """The real references dataset, its author given a slug as Sanity's blog template
    has one (``slug.current``): what made the author scaffold a page type."""
    lines = []
    for line in REFERENCES.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        if doc["_type"] == "author":
            doc["slug"] = {"_type": "slug", "current": "george-r-r-martin"}
        lines.append(json.dumps(doc))
    path = tmp_path / "references.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def targets(mapping: Path) -> tuple[str, str]:
    loaded = load_mapping(mapping)
    return loaded.target.kind, loaded.target.name


@needs_realdata(REFERENCES)
async def test_a_referenced_type_with_a_slug_is_the_collection_referenced(
    make_emulator, tmp_path
) -> None:
    export = with_author_slug(tmp_path)
    authors = scaffolded(tmp_path, export, "author")
    mocks = scaffolded(tmp_path, export, "mock", uncomment="author")
    text = authors.read_text(encoding="utf-8")
    assert 'kind = "collection"\ncollection = "author"' in text
    assert "A collection, since `mock` records reference these" in text
    model_text = (tmp_path / "content-model.toml").read_text(encoding="utf-8")
    assert 'author = { type = "reference", to = "collection:author" }' in model_text

    # Both load against the one content model (the reference's target exists in it).
    assert targets(authors) == ("collection", "author")
    assert targets(mocks) == ("collection", "mock")

    emulator = await make_emulator(model=load_content_model(tmp_path / "content-model.toml"))
    state = tmp_path / "state"
    for mapping in (authors, mocks):
        code, out = await migrate(mapping, state, emulator.base_url)
        assert code == 0, out
        await emulator.settle()
    collections = emulator.state()["collections"]
    (author,) = collections["author"].values()
    assert author["fields"]["en"]["slug"] == "george-r-r-martin"
    by_id = {
        i["fields"]["en"]["source_id"]: i["fields"]["en"] for i in collections["mock"].values()
    }
    assert by_id["normal-ref"]["author"] == author["id"], by_id


async def test_post_and_category_and_author_scaffolds_agree(tmp_path) -> None:
    posts = scaffolded(tmp_path, POSTS, "post", uncomment="(author|categories)")
    categories = scaffolded(tmp_path, POSTS, "category")
    authors = scaffolded(tmp_path, POSTS, "author")  # ada has a slug
    model_text = (tmp_path / "content-model.toml").read_text(encoding="utf-8")
    assert 'to = "collection:category", many = true' in model_text
    assert 'to = "collection:author"' in model_text
    assert targets(categories) == ("collection", "category")
    assert targets(authors) == ("collection", "author")
    assert targets(posts) == ("page", "post")
    assert "page_types.author" not in model_text
