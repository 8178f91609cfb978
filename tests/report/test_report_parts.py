"""What the report keeps and reads stays bounded; `migrator verify` and `run --verify`
write theirs. (The browser tests are in test_html_report.py.)"""

from __future__ import annotations

from pathlib import Path

import anyio
import orjson
import pytest
from lxml import html

from migrator.config import target_slug
from migrator.engine import Changes, Timeline
from migrator.engine.trace import flatten
from migrator.report.chart import chart, rates
from migrator.report.files import grouped
from tests.engine.conftest import MIGRATOR, TEAM_MAPPING, cli_env, run_args, team_rows, write_csv
from tests.engine.test_edits import edit_in_butter, item
from tests.engine.test_run_several import MODEL, ROOT, SAMPLE_WXR
from tests.report.conftest import text
from tests.report.test_html_report import counts


def test_the_timeline_keeps_at_most_its_limit_and_the_newest_counts():
    timeline = Timeline(step=1.0, limit=10)
    for n in range(1, 1001):
        timeline.sample(n, n // 10, n // 100)
    assert len(timeline.samples) <= 11
    assert timeline.samples[-1][1:] == (1000, 100, 10), "the newest counts are kept"
    assert timeline.step > 1.0, "each halving doubles the step"
    times = [s[0] for s in timeline.samples]
    assert times == sorted(times)


def test_a_last_sample_right_after_another_replaces_it():
    timeline = Timeline(step=1.0)
    timeline.sample(0, 0, 0)
    timeline.sample(5, 1, 0)
    timeline.sample(6, 1, 0, last=True)
    assert [s[1] for s in timeline.samples] == [0, 6]


def test_rates_per_second_and_no_chart_without_time():
    assert rates([(0.0, 0, 0, 0), (2.0, 10, 4, 2)]) == [(2.0, 5.0, 2.0, 1.0)]
    assert chart([(0.0, 0, 0, 0)]).svg == ""
    assert chart([(0.0, 0, 0, 0), (0.02, 7, 0, 0)]).svg == "", "too short to tell a rate"
    drawn = chart([(0.0, 0, 0, 0), (1.0, 3, 1, 0), (2.0, 8, 1, 1)])
    assert drawn.points == 2 and drawn.peak_writes == 5.0
    assert drawn.svg.count("<polyline") == 3


def test_changes_are_bounded_in_records_fields_and_characters():
    changes = Changes(records=2, fields=3, chars=5)
    before = {"key": "k", "fields": [{f"f{i}": "same" for i in range(6)}]}
    after = {"key": "k", "fields": [{**before["fields"][0], "f0": "x" * 50, "f1": "b", "f2": "c",
                                     "f3": "d", "ref": [7]}]}  # fmt: skip
    for n in range(5):
        changes.note(
            identity=f"r{n}", source=f"a.csv:{n + 2}", target="collection:k", before=before,
            after=after, skip=frozenset({"ref"}),
        )  # fmt: skip
    assert (changes.total, len(changes.kept)) == (5, 2)
    first = changes.kept[0]
    assert [f.field for f in first.fields] == ["f0", "f1", "f2"] and first.more_fields == 1
    assert first.fields[0].after == "xxxxx…" and first.fields[0].clipped
    assert first.fields[1].before == "same" and not first.fields[1].clipped


def test_a_long_value_is_shown_where_it_changed():
    changes = Changes(chars=300)
    before = "a" * 5000 + " old words " + "b" * 5000
    after = "a" * 5000 + " new words, more " + "b" * 5000
    changes.note(identity="p", source="a.csv:2", target="post", before={"body": before},
                 after={"body": after})  # fmt: skip
    (field,) = changes.kept[0].fields
    assert field.clipped and field.before is not None and field.after is not None
    assert field.before == "…" + "a" * 119 + " old words " + "b" * 119 + "…"
    assert field.after == "…" + "a" * 119 + " new words, more " + "b" * 119 + "…"


def test_a_body_the_ledger_did_not_keep_shows_every_field_as_new():
    changes = Changes()
    changes.note(identity="p", source="a.csv:2", target="post", before=None, after={"title": "T"})
    (field,) = changes.kept[0].fields
    assert (field.field, field.before, field.after) == ("title", None, "T")


def test_flatten_names_fields_as_a_person_does():
    body = {
        "key": "team",
        "fields": [{"name": "A", "tags": ["x", "y"], "rows": [{"q": 1}], "meta": {"a": None}}],
    }
    assert flatten(body) == {
        "key": "team",
        "name": "A",
        "tags": '["x","y"]',
        "rows.0.q": "1",
        "meta.a": "null",
    }


def test_failures_are_grouped_by_the_shape_of_their_reason(tmp_path: Path):
    path = tmp_path / "f.jsonl"
    lines = [{"identity": f"r{i}", "source": f"a.csv:{i}", "reason": f"bad value 'v{i}'"}
             for i in range(30)]  # fmt: skip
    lines.append({"identity": "z", "reason": "refused: 'no'"})
    path.write_bytes(b"\n".join(orjson.dumps(x) for x in lines) + b"\nnot json\n")
    found = grouped(path, rows=5)
    assert (found.total, found.unreadable) == (32, 1)
    first, second = found.groups
    assert (first.count, len(first.rows), first.more, first.reason) == (30, 5, 25, "bad value …")
    assert (second.count, second.reason) == (1, "refused: 'no'"), "one of its kind: whole"
    assert grouped(path, groups=1).other == 1
    assert grouped(tmp_path / "absent.jsonl").groups == []


@pytest.mark.anyio
async def test_verify_writes_its_report_with_the_differences(emulator, tmp_path: Path):
    source = write_csv(tmp_path / "team.csv", team_rows(3))
    ledger = tmp_path / "team.ledger.sqlite"
    env = cli_env(emulator.base_url)
    run = await anyio.run_process(run_args(source, ledger, "--rate", "500"), env=env, check=False)
    assert run.returncode == 0, run.stdout.decode() + run.stderr.decode()
    await emulator.settle()
    one = item(emulator, "person1@example.com")["id"]
    await edit_in_butter(
        emulator, f"content/team_members/{one}/", {"fields": {"bio": "<b>Mine</b>"}}
    )

    done = await anyio.run_process(
        [MIGRATOR, "--log-level", "warning", "verify", str(TEAM_MAPPING), "--source", str(source),
         "--ledger", str(ledger), "--settle-delay", "0", "--settle-timeout", "0.6"],
        env=env, check=False,
    )  # fmt: skip
    out = done.stdout.decode()
    assert done.returncode == 1, out + done.stderr.decode()
    page = tmp_path / "team.verify.html"
    assert f"Report: {page}" in out
    dom = html.fromstring(page.read_bytes())
    rows = dom.xpath("//table[contains(@class, 'verify-counts')]//tr")
    counts = {text(r.xpath("td")[0]): text(r.xpath("td")[1]) for r in rows}
    assert counts["verified: as sent"] == "2" and counts["differ from what was sent"] == "1"
    (row,) = dom.xpath("//tr[@class='difference']")
    cells = [text(td) for td in row.xpath("td")]
    assert cells[:3] == ["person1@example.com", f"{source}:3", "bio"]
    assert "<b>Mine</b>" in cells[3] and dom.xpath("//td//b") == []

    # `run --verify`: the run's page has the verify part too.
    again = await anyio.run_process(
        run_args(source, ledger, "--rate", "500", "--verify"), env=env, check=False
    )
    assert again.returncode == 1, again.stdout.decode()
    dom = html.fromstring((tmp_path / "team.report.html").read_bytes())
    assert dom.xpath("//h3[text()='Verify: read back and compared']")
    assert len(dom.xpath("//tr[@class='difference']")) == 1


@pytest.mark.anyio
async def test_a_site_run_writes_one_page_for_all_its_mappings(emulator, media_server, tmp_path):
    names = ("posts", "pages", "portfolio")
    for name in names:  # copies beside the test's own ledgers
        body = (ROOT / "mappings" / f"wordpress_{name}.toml").read_text(encoding="utf-8")
        body = body.replace('model = "content-model.toml"', f'model = "{MODEL}"')
        body = body.replace('"wordpress-links.toml"', f'"{ROOT}/mappings/wordpress-links.toml"')
        (tmp_path / f"wordpress_{name}.toml").write_text(body, encoding="utf-8")
    args = [MIGRATOR, "--log-level", "warning", "run",
            *(str(tmp_path / f"wordpress_{n}.toml") for n in names),
            "--source", str(SAMPLE_WXR), "--no-progress", "--rate", "200", "--canary", "0",
            "--settle-delay", "0.2", "--settle-timeout", "0.6", "--var",
            f"media_host={media_server.url}", "--var", "author_email=ada@example.com"]  # fmt: skip
    done = await anyio.run_process(args, env=cli_env(emulator.base_url), check=False)
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    page = tmp_path / "state" / target_slug(emulator.base_url) / "site.report.html"
    assert f"Report: {page}" in " ".join(out.split())
    dom = html.fromstring(page.read_bytes())
    overview = [text(tr.xpath("td")[0]) for tr in dom.xpath("//table[@id='overview']//tr[td]")]
    sections = [s.get("data-mapping") for s in dom.xpath("//section[@class='mapping']")]
    assert sorted(overview) == sorted(sections) == sorted(f"wordpress_{n}.toml" for n in names)
    posts = dom.xpath("//section[@data-mapping='wordpress_posts.toml']")[0]
    assert counts(posts)["accepted by ButterCMS (202)"] == "5"
    # What went through but needs a look: the sample's unknown shortcode, where it is.
    warnings = posts.xpath(".//tr[@class='warning']")
    assert warnings and "[pullquote]" in text(posts.xpath(".//details[@class='warning-group']")[0])
    assert all(f"{SAMPLE_WXR}:" in text(w.xpath("td")[1]) for w in warnings)


def test_where_two_long_values_were_cut_is_not_marked_as_changed():
    from migrator.report.page import _runs

    before, after = _runs("…a b old c d e…", "…a b new c d e f…", cut=True)
    assert [t for changed, t in before if changed] == ["old"]
    assert [t for changed, t in after if changed] == ["new"]
    assert "".join(t for _, t in after).endswith("…")
    before, after = _runs("a old c", "a new c", cut=False)
    assert [t for changed, t in after if changed] == ["new"]


@pytest.mark.anyio
async def test_the_media_check_and_its_dead_url_are_on_the_page(emulator, media_server, tmp_path):
    rows = team_rows(3)
    rows[0][4], rows[1][4] = "red.png", "gone.png"
    source = write_csv(tmp_path / "team.csv", rows)
    args = run_args(source, tmp_path / "team.ledger.sqlite", "--rate", "500", "--check-media",
                    "--var", f"media_base={media_server.url}/img")  # fmt: skip
    done = await anyio.run_process(args, env=cli_env(emulator.base_url), check=False)
    assert done.returncode == 1, done.stdout.decode() + done.stderr.decode()
    dom = html.fromstring((tmp_path / "team.report.html").read_bytes())
    media = [text(li) for li in dom.xpath("//ul[@class='media']/li")]
    assert media[0].startswith("2 media URLs checked") and media[1].startswith("1 dead"), media
    assert any(f"{media_server.url}/img/gone.png answered 404" in line for line in media)
    (failure,) = dom.xpath("//tr[@class='failure']")
    cells = [text(td) for td in failure.xpath("td")]
    assert cells[:2] == ["person1@example.com", f"{source}:3"] and cells[3] == "photo"
    assert "404" in cells[4]


@pytest.mark.anyio
async def test_a_report_that_cannot_be_written_changes_nothing_of_the_run(emulator, tmp_path):
    source = write_csv(tmp_path / "team.csv", team_rows(2))
    elsewhere = tmp_path / "elsewhere.html"
    (tmp_path / "team.report.html").symlink_to(elsewhere)
    done = await anyio.run_process(
        run_args(source, tmp_path / "team.ledger.sqlite", "--rate", "500"),
        env=cli_env(emulator.base_url),
        check=False,
    )
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, out + err
    assert "Report:" not in out and "All records are in ButterCMS's queue" in out
    assert "run report not written" in err and "symbolic link" in err
    assert not elsewhere.exists(), "nothing written through the link"
