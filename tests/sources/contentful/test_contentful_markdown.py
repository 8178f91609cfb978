"""Contentful long text edited as Markdown arrives as HTML, not raw Markdown: the
``markdown`` transform, and the scaffold choosing it from the export's editor interface.

No real export in the shared data has a Markdown field (the Gatsby starter's are Rich
Text), so the real mock-content-file export is given one: a Text field ``about`` whose
editor interface control is ``widgetId: "markdown"``, as Contentful writes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shared_data import REALDATA, needs_realdata

from migrator.mapping.transforms import TRANSFORMS
from tests.inspect.test_scaffold_json import scaffold

MOCK = REALDATA / "json" / "contentful-import--mock-content-file.json"
GATSBY = REALDATA / "json" / "contentful-starter-gatsby-blog--export.json"
ABOUT = "## Python\n\n| year | what |\n|---|---|\n| 1991 | 0.9 |\n\n<script>alert(1)</script> *fun*"


def test_markdown_renders_commonmark_and_tables_and_escapes_html() -> None:
    markdown = TRANSFORMS["markdown"]
    out = markdown(ABOUT)
    assert out.startswith("<h2>Python</h2>\n<table>")
    assert "<td>1991</td>" in out and "<em>fun</em>" in out
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert markdown("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>"


def test_markdown_html_option_keeps_html_through_html_clean() -> None:
    out = TRANSFORMS["markdown"]('<b onclick="x()">bold</b> <script>alert(1)</script>', html=True)
    assert out == "<p><b>bold</b> </p>"


def with_markdown_field(tmp_path: Path, widget: str | None) -> Path:
    export = json.loads(MOCK.read_text(encoding="utf-8"))
    (ctype,) = export["contentTypes"]
    ctype["fields"].append({"id": "about", "name": "About", "type": "Text", "localized": False})
    if widget is not None:
        (interface,) = export["editorInterfaces"]
        interface["controls"].append({"fieldId": "about", "widgetId": widget})
    for entry in export["entries"]:
        entry["fields"]["about"] = {"en-US": ABOUT}
    path = tmp_path / "space.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    return path


@needs_realdata(MOCK)
@pytest.mark.parametrize("widget", ["markdown", None])  # none: Contentful's default
def test_scaffold_renders_a_markdown_field_to_html(tmp_path: Path, widget: str | None) -> None:
    """Before: ``about = { ..., transforms = ["strip"] }``, a long_text of raw Markdown."""
    done = scaffold(tmp_path, with_markdown_field(tmp_path, widget), "skill")
    assert 'transforms = ["markdown"]' in done.text
    assert "About (Text edited as Markdown: rendered to HTML)" in done.text
    assert 'about = { type = "wysiwyg" }' in done.text
    (payload,) = done.payloads.values()
    (fields,) = payload.body["fields"]  # a collection item
    about = fields["about"]
    assert about.startswith("<h2>Python</h2>\n<table>") and "<script>" not in about


@needs_realdata(MOCK)
def test_scaffold_leaves_a_multiple_line_field_plain(tmp_path: Path) -> None:
    done = scaffold(tmp_path, with_markdown_field(tmp_path, "multipleLine"), "skill")
    assert 'transforms = ["markdown"]' not in done.text
    assert 'about = { type = "long_text" }' in done.text
