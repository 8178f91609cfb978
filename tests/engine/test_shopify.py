"""`migrator run mappings/shopify_products.toml` on a Shopify product export, end to end
into the emulator: one page per Handle with all its variants and images, a re-run that
sends nothing, and rows of a product that are not consecutive reported, not merged."""

from __future__ import annotations

import csv
from pathlib import Path

import anyio
import orjson
import pytest

from tests.engine.conftest import MIGRATOR, cli_env, writes

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "mappings" / "shopify_products.toml"
EXPORT = ROOT / "tests" / "cases" / "shopify-products.csv"


def run(source: Path, tmp_path: Path, base_url: str, media_host: str, *extra: str):
    return anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "run", str(MAPPING), "--source", str(source),
         "--ledger", str(tmp_path / "shopify.ledger.sqlite"), "--no-progress",
         "--rate", "500", "--settle-delay", "0.2", "--settle-timeout", "0.6",
         "--var", f"media_host={media_host}", *extra],
        env=cli_env(base_url),
        check=False,
    )  # fmt: skip


def export_rows(path: Path = EXPORT) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("realistic", [False, True], ids=["kind", "realistic"])
async def test_products_arrive_whole_and_a_rerun_sends_nothing(
    make_emulator, mirror, tmp_path, realistic
):
    # Realistic: writes applied late and out of order, reads cached, locales required.
    emulator = await make_emulator(realistic=realistic, seed=5)
    # No canary there: reading back through a stale cache takes seconds (other tests
    # cover it); what matters here is that Butter applies every product whole.
    settle = ("--canary", "0") if realistic else ()
    host, fetched = mirror
    done = await run(EXPORT, tmp_path, emulator.base_url, host, *settle)
    out = " ".join(done.stdout.decode().split())
    assert done.returncode == 0, out + done.stderr.decode()
    assert "19 rows grouped by 'Handle' into 5 records" in out
    await emulator.settle()
    state = emulator.state()
    assert state["failures"] == []
    products = state["pages"]["product"]
    handles = list(dict.fromkeys(row["Handle"] for row in export_rows()))
    assert sorted(products) == sorted(handles) and len(products) == 5

    # The product of six rows arrived with its six variants, in file order.
    apron_rows = [row for row in export_rows() if row["Handle"] == "linen-apron"]
    apron = products["linen-apron"]["fields"]["en"]
    assert products["linen-apron"]["name"] == "Linen Apron"
    assert [v["sku"] for v in apron["variants"]] == [r["Variant SKU"] for r in apron_rows]
    got = [(v["option1"], v["option2"], v["price"], v["inventory"]) for v in apron["variants"]]
    assert got == [
        (r["Option1 Value"], r["Option2 Value"], float(r["Variant Price"]),
         int(r["Variant Inventory Qty"]))
        for r in apron_rows
    ]  # fmt: skip
    assert (apron["option1_name"], apron["option2_name"]) == ("Colour", "Size")
    assert apron["vendor"] == "Fennel & Fig" and apron["tags"] == "apron, gift, linen"
    # Its four images, with their alt text, downloaded into the media library.
    assert [i["alt"] for i in apron["images"]] == [r["Image Alt Text"] for r in apron_rows[:4]]
    assert all(i["image"].startswith("https://cdn.buttercms.com/") for i in apron["images"])
    assert "/s/files/1/0612/3456/7890/products/apron-pocket.jpg" in fetched
    # Image-only rows made images, not variants.
    pan = products["cast-iron-pan"]["fields"]["en"]
    assert (len(pan["variants"]), len(pan["images"])) == (2, 4)
    assert products["cast-iron-pan"]["status"] == "draft"

    sent = len(writes(state))
    again = await run(EXPORT, tmp_path, emulator.base_url, host, *settle)
    assert again.returncode == 0, again.stdout.decode()
    await emulator.settle()
    assert len(writes(emulator.state())) == sent  # nothing changed: nothing sent
    summary = " ".join(again.stdout.decode().split())
    assert "unchanged (skipped, no API call) │ 5 │" in summary
    assert "API calls spent (writes + reads) │ 0 + 0 │" in summary


async def test_rows_of_a_product_that_are_not_consecutive_are_reported(emulator, mirror, tmp_path):
    host, _ = mirror
    # The mug's row (line 9) moved below the pan's first row (line 10): the pan's
    # other rows now come after another product.
    lines = EXPORT.read_text(encoding="utf-8").splitlines(keepends=True)
    moved = [*lines[:8], lines[9], lines[8], *lines[10:]]
    source = tmp_path / "products.csv"
    source.write_text("".join(moved), encoding="utf-8")
    done = await run(source, tmp_path, emulator.base_url, host)
    out = " ".join(done.stdout.decode().split())
    assert done.returncode == 1, out
    assert "19 rows grouped by 'Handle' into 6 records" in out
    assert "│ invalid input (not sent) │ 1 │" in out
    assert "rows with Handle 'cast-iron-pan' again at lines 11-13" in out
    await emulator.settle()
    products = emulator.state()["pages"]["product"]
    # The pan's first run (now line 9) went as one product; the mug is whole.
    assert sorted(products) == sorted(
        ["linen-apron", "cast-iron-pan", "enamel-mug", "gift-card", "cafe-blend"]
    )
    assert len(products["cast-iron-pan"]["fields"]["en"]["variants"]) == 1
    (failure,) = [
        orjson.loads(line)
        for line in (tmp_path / "shopify.failures.jsonl").read_bytes().split(b"\n")
        if line
    ]
    assert failure["identity"] == "cast-iron-pan"
    assert failure["reason"] == (
        "rows with Handle 'cast-iron-pan' again at lines 11-13, after other records; its "
        "first rows are at line 9. The rows of one record must be consecutive: sort the "
        "file by Handle (these rows were not merged or sent)"
    )
