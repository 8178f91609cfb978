"""Ghost exports (db-wrapped, flat, Content API): posts with tags and authors joined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import REALDATA as SHARED
from shared_data import needs_realdata

from migrator.errors import RecordError, SourceError
from migrator.records import Record
from migrator.sources import GhostSource

REALDATA = SHARED / "json"


def export(posts: list[dict[str, Any]], *, wrapped: bool = True, **tables: Any) -> bytes:
    data = {"posts": posts, "tags": [], "users": [], "posts_tags": [], "posts_authors": []}
    data.update(tables)
    body = {"meta": {"exported_on": 1, "version": "5.0.0"}, "data": data}
    return orjson.dumps({"db": [body]} if wrapped else body)


def read(path: Path) -> tuple[list[Record], list[RecordError]]:
    items = list(GhostSource(path).records())
    return (
        [i for i in items if isinstance(i, Record)],
        [i for i in items if isinstance(i, RecordError)],
    )


def post(i: str, **extra: Any) -> dict[str, Any]:
    return {"id": i, "title": f"T{i}", "slug": f"t{i}", "status": "published", **extra}


@pytest.mark.parametrize("wrapped", [True, False])
def test_joins_tags_authors_and_meta_in_order(tmp_path: Path, wrapped: bool) -> None:
    path = tmp_path / "ghost.json"
    path.write_bytes(
        export(
            [post("p1", html="<p>x</p>"), post("p2", type="page", html="<p>page</p>")],
            wrapped=wrapped,
            tags=[
                {"id": "t1", "name": "News", "slug": "news"},
                {"id": "t2", "name": "#hidden", "slug": "hash-hidden"},
                {"id": "t3", "name": "Tech", "slug": "tech"},
            ],
            users=[{"id": "u1", "name": "Al", "slug": "al", "email": "al@x.test"}],
            posts_tags=[
                {"post_id": "p1", "tag_id": "t3", "sort_order": 2},
                {"post_id": "p1", "tag_id": "t2", "sort_order": 0},
                {"post_id": "p1", "tag_id": "t1", "sort_order": 1},
                {"post_id": "p1", "tag_id": "gone", "sort_order": 3},
            ],
            posts_authors=[{"post_id": "p1", "author_id": "u1", "sort_order": 0}],
            posts_meta=[{"post_id": "p1", "meta_title": "SEO", "feature_image_alt": None}],
        )
    )
    records, errors = read(path)
    assert errors == []
    p1, p2 = records
    assert (p1.kind, p2.kind) == ("post", "page")
    assert p1.location.position == ("db[0].data.posts[0]" if wrapped else "data.posts[0]")
    assert [t["name"] for t in p1.data["tags"]] == ["#hidden", "News", "Tech"]
    assert p1.data["tag_names"] == ["News", "Tech"]
    assert p1.data["primary_tag"] == {"name": "News", "slug": "news", "visibility": "public"}
    assert p1.data["primary_author"] == {"name": "Al", "slug": "al", "email": "al@x.test"}
    assert p1.data["meta_title"] == "SEO" and p1.data["body"] == "<p>x</p>"
    assert p1.warnings == ("linked to tag 'gone', which is not in the export",)
    assert p2.data["authors"] == [] and p2.data["primary_author"] is None


def test_body_from_lexical_when_html_is_missing(tmp_path: Path) -> None:
    lexical = {
        "root": {
            "type": "root",
            "children": [
                {"type": "heading", "tag": "h2", "children": [{"type": "text", "text": "Hi"}]},
                {
                    "type": "paragraph",
                    "children": [
                        {"type": "text", "text": "a<b", "format": 1},
                        {"type": "linebreak"},
                        {
                            "type": "link",
                            "url": "https://x.test",
                            "children": [{"type": "text", "text": "go", "format": 3}],
                        },
                    ],
                },
                {
                    "type": "list",
                    "listType": "bullet",
                    "children": [
                        {"type": "listitem", "children": [{"type": "text", "text": "one"}]}
                    ],
                },
                {"type": "image", "src": "https://x.test/i.png", "alt": "pic"},
                {"type": "product", "productTitle": "Mug"},
            ],
        }
    }
    path = tmp_path / "g.json"
    path.write_bytes(export([post("p", html=None, lexical=orjson.dumps(lexical).decode())]))
    (record,), _ = read(path)
    assert record.data["body"] == (
        '<h2 id="hi">Hi</h2><p><strong>a&lt;b</strong><br>'
        '<a href="https://x.test"><em><strong>go</strong></em></a></p>'
        '<ul><li>one</li></ul><figure class="kg-card kg-image-card">'
        '<img src="https://x.test/i.png" class="kg-image" alt="pic" loading="lazy"></figure>'
    )
    assert record.warnings == ("lexical node 'product' is not supported; left out",)


def test_bad_posts_and_a_truncated_export(tmp_path: Path) -> None:
    text = export([post("a"), post("a"), {"title": "no id"}, post("b"), post("c")]).decode()
    path = tmp_path / "g.json"
    path.write_text(text[: text.index('"id":"c"')], encoding="utf-8")
    records, errors = read(path)
    assert [r.identity for r in records] == ["a", "b"]
    assert [(e.file, e.reason) for e in errors][:2] == [
        (f"{path}@db[0].data.posts[1]", "duplicate post id, first seen at db[0].data.posts[0]"),
        (f"{path}@db[0].data.posts[2]", "the post has no id"),
    ]
    assert errors[2].file is not None and errors[2].file.startswith(f"{path}@byte ")


def test_not_a_ghost_export(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(SourceError, match="not a Ghost export"):
        list(GhostSource(path).records())


@needs_realdata(REALDATA)
def test_sniff_tells_ghost_from_the_other_json_exports() -> None:
    def sniff(name: str) -> bool:
        path = REALDATA / name
        return GhostSource.sniff(path, path.read_bytes()[:65536])

    assert sniff("ghost-migrate--ghost-export-db-wrapped.json")
    assert sniff("ghost-migrate--ghost-export-flat.json")
    assert sniff("ghost-migrate--ghost-content-api-posts.json")
    assert not sniff("ghost-migrate--mgjson-single-post-author.json")
    assert not sniff("contentful-import--mock-content-file.json")
    assert not sniff("strapi-import-export-entries--data-create.json")
    summary = GhostSource(REALDATA / "ghost-migrate--ghost-export-db-wrapped.json").describe()
    assert (summary["records"], summary["tags"], summary["users"]) == (3, 2, 2)
    assert summary["types"]["post"]["fields"]["tag_names"]["count"] == 3


@pytest.mark.parametrize(
    ("site_url", "link", "image"),
    [
        ("", "/hello/", "/content/images/a.jpg"),
        ("https://blog.example.com/", "https://blog.example.com/hello/",
         "https://blog.example.com/content/images/a.jpg"),
    ],
)  # fmt: skip
def test_ghost_url_placeholders_become_the_site_or_site_relative(
    tmp_path: Path, site_url: str, link: str, image: str
) -> None:
    html = '<p><a href="__GHOST_URL__/hello/">hi</a></p>'
    path = tmp_path / "g.json"
    path.write_bytes(
        export([post("p", html=html, feature_image="__GHOST_URL__/content/images/a.jpg")])
    )
    (record,) = list(GhostSource(path, site_url=site_url).records())
    assert isinstance(record, Record)
    assert record.data["body"] == f'<p><a href="{link}">hi</a></p>'
    assert record.data["html"] == f'<p><a href="{link}">hi</a></p>'
    assert record.data["feature_image"] == image


def test_summary_of_a_read(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_bytes(export([post("a"), post("a"), post("b", html=None, lexical="{oops")]))
    source = GhostSource(path)
    list(source.records())
    assert source.stats.summary() == [
        "1 record could not be read",
        "1 record read with warnings",
    ]
