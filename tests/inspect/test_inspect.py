"""`migrator inspect`: the summary of a real export, and scaffolded mappings that load."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from shared_data import REALDATA, needs_realdata

from migrator.cli import cli
from migrator.mapping import load_mapping
from migrator.model import load_content_model

ROOT = Path(__file__).resolve().parents[2]
THEME = REALDATA / "wxr" / "wpimporter--theme-unit-test-data.xml"
SAMPLE = ROOT / "migrator" / "samples" / "wordpress.xml"
MODEL = ROOT / "mappings" / "content-model.toml"
pytestmark = pytest.mark.timeout(60)


def invoke(*args: str):
    result = CliRunner().invoke(cli, ["inspect", *args], catch_exceptions=False)
    return result


@needs_realdata(THEME)
def test_json_summary_of_the_theme_unit_test_data() -> None:
    result = invoke(str(THEME), "--json")
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.output)
    raw = THEME.read_bytes()
    types = Counter(m.decode() for m in re.findall(rb"<wp:post_type>\s*(?:<!\[CDATA\[)?(\w+)", raw))
    counts = {k: v["count"] for k, v in summary["post_types"].items()}
    # Menu items repeat ids in this file; inspect counts each id once.
    assert counts["post"] == types["post"] and counts["page"] == types["page"]
    assert counts["attachment"] == types["attachment"]
    assert summary["format"] == "wxr" and summary["wxr_version"] == "1.2"
    assert summary["items"] == len(re.findall(rb"<item>", raw))
    assert summary["taxonomies"]["category"] > 0 and summary["taxonomies"]["post_tag"] > 0
    assert "_thumbnail_id" in summary["meta_keys"]["post"]
    assert summary["authors"] and all(a["login"] for a in summary["authors"])
    assert summary["comments"] == len(re.findall(rb"<wp:comment>", raw))
    assert "wpthemetestdata.files.wordpress.com" in summary["attachment_hosts"]
    assert summary["post_types"]["post"]["statuses"]["publish"] > 0


def test_rich_output_names_the_sections() -> None:
    result = invoke(str(SAMPLE))
    assert result.exit_code == 0
    for word in ("post_types", "portfolio", "meta_keys", "authors", "attachment_hosts"):
        assert word in result.output


def test_help_ends_with_an_example() -> None:
    result = invoke("--help")
    assert result.output.rstrip().splitlines()[-1].strip().startswith("migrator inspect")


@pytest.mark.parametrize("kind", ["post", "portfolio"])
def test_scaffold_writes_a_mapping_that_loads(tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.toml"
    result = invoke(str(SAMPLE), "--scaffold", kind, "--out", str(out))
    assert result.exit_code == 0, result.output
    mapping = load_mapping(out, model=load_content_model(MODEL))
    assert mapping.source_format == "wxr" and mapping.filter.kinds == (kind,)
    assert mapping.target.kind == ("post" if kind == "post" else "collection")
    assert '# client = { from = "meta.client"' in out.read_text() or kind == "post"


def test_scaffold_of_an_unknown_type_is_a_usage_error() -> None:
    result = invoke(str(SAMPLE), "--scaffold", "product")
    assert result.exit_code == 2
    assert "no 'product' items" in result.output and "portfolio" in result.output


def test_csv_is_detected_and_described() -> None:
    path = ROOT / "migrator" / "samples" / "team_members.csv"
    result = invoke(str(path), "--json")
    summary = orjson.loads(result.output)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = sum(1 for row in csv.reader(fh) if any(row)) - 1
    assert summary["format"] == "csv" and summary["rows"] == rows
    assert summary["delimiter"] == "," and "email" in summary["columns"]
    assert summary["columns"]["email"]["samples"]


def test_csv_scaffold_loads(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Name,E-mail\nAda,ada@example.com\n", encoding="utf-8")
    out = tmp_path / "m.toml"
    assert invoke(str(path), "--scaffold", "team", "--out", str(out)).exit_code == 0
    text = out.read_text()
    assert 'e_mail = { from = "E-mail"' in text and 'collection = "team"' in text


def test_an_unknown_format_asks_for_format(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x00\x01\x02")
    result = CliRunner().invoke(cli, ["inspect", str(path)])
    assert result.exit_code != 0
    assert "give --format" in str(result.exception) + result.output


def test_permalink_shapes_and_internal_links_help_write_links_rules() -> None:
    result = invoke(str(SAMPLE), "--json")
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.output)
    shapes = summary["permalinks"]
    host = "bakery.example.com"
    # The live posts' dated permalinks; the trashed one's link keeps its old slug.
    assert shapes["post"][f"{host}/%year%/%monthnum%/%postname%/"] == 5
    assert shapes["page"] == {f"{host}/%postname%/": 1, f"{host}/%parent%/%postname%/": 1}
    assert shapes["portfolio"] == {f"{host}/portfolio/%postname%/": 2}
    assert shapes["attachment"] == {f"{host}/%year%/%monthnum%/%parent%/%postname%/": 3}
    # Links in the content to the site itself: counted independently from the file.
    raw = SAMPLE.read_text(encoding="utf-8")
    hrefs = re.findall(rf'href="https?://{re.escape(host)}[^"]*"', raw)
    assert summary["internal_links"]["links"] == len(hrefs) > 0
