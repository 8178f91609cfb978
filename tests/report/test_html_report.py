"""The HTML run report of real runs against the emulator, rendered by headless Chromium:
what a person sees when they open it."""

from __future__ import annotations

import anyio
import pytest
from lxml import html
from PIL import Image

from tests.engine.conftest import cli_env, run_args, team_rows, write_csv
from tests.report.conftest import Browser, text

pytestmark = pytest.mark.anyio
BAD_EMAIL_ROW = 3  # its index in the CSV's rows: line 5 of the file (header on line 1)


def counts(dom: html.HtmlElement) -> dict[str, str]:
    return {
        row.get("data-count"): text(row.xpath("td")[1]) for row in dom.xpath(".//tr[@data-count]")
    }


def series_points(dom: html.HtmlElement, name: str) -> list[tuple[float, float]]:
    (line,) = dom.xpath(f"//svg//polyline[@data-series='{name}']")
    return [tuple(map(float, p.split(","))) for p in line.get("points").split()]


async def test_a_throttled_rerun_with_a_failure_and_a_change(emulator, tmp_path, browser: Browser):
    rows = team_rows(8)
    rows[BAD_EMAIL_ROW][1] = "not-an-email"
    source = write_csv(tmp_path / "team.csv", rows)
    ledger = tmp_path / "team.ledger.sqlite"
    report = tmp_path / "team.report.html"
    env = cli_env(emulator.base_url)
    args = run_args(source, ledger, "--rate", "50")

    first = await anyio.run_process(args, env=env, check=False)
    assert first.returncode == 1, first.stdout.decode() + first.stderr.decode()
    assert f"Report: {report}" in first.stdout.decode()
    await emulator.settle()

    # Every valid record changes; Butter throttles past 4 calls a second.
    for i, row in enumerate(rows):
        row[2] = f"Boss {i}"
    rows[2][3] = "A new bio for two"
    write_csv(source, rows)
    emulator.faults.throttle_per_second = 4
    throttled_before = emulator.state()["counters"].get("throttled", 0)
    second = await anyio.run_process(args, env=env, check=False)
    out = second.stdout.decode()
    assert second.returncode == 1, out + second.stderr.decode()
    assert f"Report: {report}" in out
    throttled = emulator.state()["counters"]["throttled"] - throttled_before
    assert throttled > 0, "the emulator throttled the run"
    patches = [
        r for r in emulator.state()["requests"] if (r["method"], r["status"]) == ("PATCH", 202)
    ]
    assert len(patches) == 7

    dom = browser.dom(report)
    shown = counts(dom)
    assert shown["records read"] == "8"
    # The terminal summary's words: one table to learn, on the page as on the screen.
    assert shown["updated (changed since last run)"] == "7"
    assert shown["invalid input (not sent)"] == "1"
    assert shown["throttled answers"] == str(throttled)

    # The failure: its reason, its record and its line in the CSV.
    (failure,) = dom.xpath("//tr[@class='failure']")
    cells = [text(td) for td in failure.xpath("td")]
    assert cells[0] == "not-an-email"
    assert cells[1] == f"{source}:{BAD_EMAIL_ROW + 2}"
    assert "not-an-email" in cells[4] and "email" in cells[3]
    (reason,) = dom.xpath("//details[@class='failure-group']//span[@class='reason']")
    assert "email" in text(reason)

    # The changed record: its fields before and after, the changed words marked.
    changes = dom.xpath("//details[@class='change']")
    assert len(changes) == 7
    two = next(c for c in changes if "person2@example.com" in text(c.xpath("summary")[0]))
    assert f"{source}:4" in text(two.xpath("summary")[0])
    fields = {row.get("data-field"): row for row in two.xpath(".//tr[@class='field-diff']")}
    assert set(fields) == {"position", "bio"}
    position = fields["position"]
    assert text(position.xpath("td[@class='before']")[0]) == "Engineer"
    assert text(position.xpath("td[@class='after']")[0]) == "Boss 2"
    assert [text(e) for e in position.xpath(".//del")] == ["Engineer"]
    assert [text(e) for e in position.xpath(".//ins")] == ["Boss 2"]
    assert text(fields["bio"].xpath("td[@class='before']")[0]) == "Bio 2"
    assert text(fields["bio"].xpath("td[@class='after']")[0]) == "A new bio for two"

    # The chart: one line per series, a point per second of the run, throttles on it.
    writes = series_points(dom, "writes")
    throttles = series_points(dom, "throttles")
    assert len(writes) >= 3, writes
    assert len(throttles) == len(writes) == len(series_points(dom, "retries"))
    baseline = max(y for _, y in throttles)  # the y of a zero
    assert any(y < baseline for _, y in throttles), "a throttle shows above zero"
    assert any(y < baseline for _, y in writes)

    # Not a blank page: a screenshot with text, tables and the chart's colours.
    shot = browser.screenshot(report, tmp_path / "report.png")
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 100, len(colours or [])
    most = max(n for n, _ in colours)
    assert most < 0.97 * image.width * image.height, "nearly one colour"
    assert any(c == (0x25, 0x63, 0xEB) for _, c in colours), "the writes line is drawn"


HOSTILE_NAME = "<script>document.body.dataset.pwned='1'</script>"
HOSTILE_BIO = '<img src=x onerror="document.body.dataset.pwned=2"> key w-token'
HOSTILE_POSITION = '"><svg onload="document.body.dataset.pwned=3"></svg>'


async def test_hostile_values_render_as_text(emulator, tmp_path, browser: Browser):
    rows = team_rows(3)
    rows[0][0] = HOSTILE_NAME
    rows[1][1] = "<script>alert(1)</script>@x"
    source = write_csv(tmp_path / "team.csv", rows)
    ledger = tmp_path / "team.ledger.sqlite"
    env = cli_env(emulator.base_url)
    args = run_args(source, ledger, "--rate", "200")
    first = await anyio.run_process(args, env=env, check=False)
    assert first.returncode == 1, first.stdout.decode() + first.stderr.decode()
    await emulator.settle()
    rows[0][2], rows[0][3] = HOSTILE_POSITION, HOSTILE_BIO
    write_csv(source, rows)
    dry = await anyio.run_process([*args, "--dry-run"], env=env, check=False)
    assert dry.returncode == 1, dry.stdout.decode() + dry.stderr.decode()
    preview = tmp_path / "team.preview.html"
    assert f"Report: {preview}" in dry.stdout.decode()
    second = await anyio.run_process(args, env=env, check=False)
    assert second.returncode == 1, second.stdout.decode() + second.stderr.decode()
    assert f"Report: {tmp_path / 'team.report.html'}" in second.stdout.decode()

    # The real run read the write token: it is redacted wherever it turns up. (The dry
    # run read none, so it cannot know it.)
    assert "w-token" not in (tmp_path / "team.report.html").read_text()
    for page in (tmp_path / "team.report.html", preview):
        dom = browser.dom(page)
        (body,) = dom.xpath("//body")
        assert body.get("data-pwned") is None, "no script ran"
        assert dom.xpath("//script | //img | //iframe | //object") == []
        assert dom.xpath("//*[@onerror or @onload or @onclick]") == []
        assert dom.xpath("//svg[@onload]") == [] and len(dom.xpath("//svg")) <= 1
        page_text = text(body)
        assert "<script>alert(1)</script>@x" in page_text  # the failure, as text
        # The changed record, its hostile values shown as they are (the token redacted).
        changes = dom.xpath("//details[@class='change']")
        assert len(changes) == 1
        change = text(changes[0])
        assert HOSTILE_POSITION in change
        assert '<img src=x onerror="document.body.dataset.pwned=2"> key' in change
        if page != preview:
            assert "key [REDACTED]" in change
    dry_dom = browser.dom(preview)
    requests = [text(td) for td in dry_dom.xpath("//table[@class='preview']//td")]
    assert any(HOSTILE_NAME in cell for cell in requests), "the planned request, as text"
