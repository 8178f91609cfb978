"""Every shared real-world JSON export is read, or its problems reported, by some source.

Counts are checked against an independent count: ``json.load`` (or a line split) of the
same small file in the test, counting the same objects the source should turn into records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from shared_data import REALDATA as SHARED
from shared_data import needs_realdata

from migrator.errors import RecordError
from migrator.records import Record
from migrator.sources import open_source

REALDATA = SHARED / "json"
pytestmark = needs_realdata(REALDATA)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def contentful_entries(path: Path) -> int:
    return len(_load(path).get("entries", []))


def ghost_posts(path: Path) -> int:
    doc = _load(path)
    data = doc["db"][0]["data"] if "db" in doc else doc.get("data", doc)
    return len(data.get("posts", [])) + len(data.get("pages", []))


def top_list(path: Path) -> int:
    doc = _load(path)
    return len(doc) if isinstance(doc, list) else 1


def mg_posts(path: Path) -> int:
    return len(_load(path)["posts"])


def strapi_groups(path: Path) -> int:
    # One record per api:: entry, localizations joined: count entries minus linked ones.
    data = _load(path)["data"]
    total = 0
    for uid, entries in data.items():
        if not uid.startswith("api::"):
            continue
        seen: set[str] = set()
        for key, entry in entries.items():
            if key in seen:
                continue
            seen.add(key)
            seen.update(str(i) for i in entry.get("localizations") or ())
            total += 1
    return total


# file → (format, options, expected records counted independently, expected errors)
Counter = Callable[[Path], int]
CASES: dict[str, tuple[str, dict[str, Any], Counter | int, int]] = {
    "contentful-import--custom-editor-interface.json": ("contentful", {}, contentful_entries, 0),
    "contentful-import--mock-content-file.json": ("contentful", {}, contentful_entries, 0),
    "contentful-import--space-with-downloaded-assets.json": (
        "contentful",
        {},
        contentful_entries,
        0,
    ),
    "contentful-starter-gatsby-blog--export.json": ("contentful", {}, contentful_entries, 0),
    "ghost-migrate--blogger-api-response.json": ("json", {"key": "id"}, top_list, 0),
    "ghost-migrate--ghost-content-api-posts.json": ("ghost", {}, ghost_posts, 0),
    "ghost-migrate--ghost-export-db-wrapped.json": ("ghost", {}, ghost_posts, 0),
    "ghost-migrate--ghost-export-flat.json": ("ghost", {}, ghost_posts, 0),
    **{
        f"ghost-migrate--mgjson-{name}.json": (
            "json",
            {"records_path": "posts[*]", "key": "url"},
            mg_posts,
            0,
        )
        for name in (
            "multi-post-only",
            "single-post-author-bad-email",
            "single-post-author-long-slug",
            "single-post-author",
            "single-post-only-long-meta",
            "single-post-only-meta",
            "single-post-only",
            "single-post-with-bad-tag-order",
            "single-post-with-empty-tag",
        )
    },
    **{
        f"ghost-migrate--wp-rest-api-{name}.json": ("json", {"key": "id"}, top_list, 0)
        for name in (
            "co-authors-post",
            "single-cpt-post",
            "single-page",
            "single-post-with-html-in-title",
            "single-post",
        )
    },
    # Sanity: 32 lines, two repeated ids at the end.
    "sanity-import--duplicate-ids.ndjson": ("sanity", {}, 30, 2),
    "sanity-import--employees.ndjson": ("sanity", {}, 2, 0),
    "sanity-import--invalid-id-format.ndjson": ("sanity", {}, 3, 0),  # warned, read
    "sanity-import--invalid-id.ndjson": ("sanity", {}, 2, 1),  # numeric _id
    "sanity-import--invalid-json.ndjson": ("sanity", {}, 2, 1),  # line 3
    "sanity-import--missing-asset-type.ndjson": ("sanity", {}, 3, 0),  # warned
    "sanity-import--missing-type.ndjson": ("sanity", {}, 2, 1),
    "sanity-import--references.ndjson": ("sanity", {}, 6, 0),
    "sanity-import--replacement-char.ndjson": ("sanity", {}, 3, 0),  # warned
    "sanity-import--system-documents.ndjson": ("sanity", {}, 3, 0),  # 5 system docs skipped
    "sanity-import--unkeyed.ndjson": ("sanity", {}, 2, 0),
    "sanity-import--valid-but-missing-ids.ndjson": ("sanity", {}, 3, 0),  # warned
    "strapi-import-export-entries--data-create.json": ("strapi", {}, strapi_groups, 0),
    "strapi-import-export-entries--data-update.json": ("strapi", {}, strapi_groups, 0),
}


def test_every_shared_json_file_has_a_case() -> None:
    files = {p.name for p in REALDATA.iterdir() if p.is_file()}
    assert files == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_shared_file_is_read_or_its_problems_reported(name: str) -> None:
    fmt, options, expected, errors = CASES[name]
    path = REALDATA / name
    items = list(open_source(fmt, path, **options).records())
    records = [i for i in items if isinstance(i, Record)]
    problems = [i for i in items if isinstance(i, RecordError)]
    want = expected(path) if callable(expected) else expected
    assert len(records) == want, [str(p) for p in problems]
    assert len(problems) == errors, [str(p) for p in problems]
    for p in problems:  # every problem says where
        assert p.line is not None or (p.file and "@" in p.file)
    assert len({r.identity for r in records}) == len(records)


def test_sanity_lines_of_the_problems() -> None:
    def errors(name: str) -> list[tuple[int | None, str]]:
        items = open_source("sanity", REALDATA / name).records()
        return [(e.line, e.reason) for e in items if isinstance(e, RecordError)]

    assert errors("sanity-import--invalid-json.ndjson") == [
        (3, "not valid JSON: unexpected character, expected a string key at column 2")
    ]
    assert errors("sanity-import--missing-type.ndjson") == [(3, "the document has no _type")]
    assert errors("sanity-import--duplicate-ids.ndjson") == [
        (31, "duplicate _id, first seen at line 2"),
        (32, "duplicate _id, first seen at line 1"),
    ]
    assert errors("sanity-import--invalid-id.ndjson") == [
        (2, "_id must be a non-empty string, got 123")
    ]
