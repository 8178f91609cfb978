"""Ghost's WordPress and Squarespace importers as referee, asserted on our records.

Each test mirrors assertions of TryGhost/migrate at commit e87efde3, cited by file and
line: ``packages/mg-wp-xml/test/process.test.js`` ("wp" below) and
``packages/mg-squarespace-xml/test/process.test.js`` ("sqs"), read against the same
fixtures (``../shared/realdata/wxr/ghost-mgwpxml--*``). Ghost's ``published_at`` is our
``date_gmt``; its slug is what the shipped mapping makes of ours (``.html`` dropped, as
Ghost does), so slugs are checked through ``mappings/wordpress_posts.toml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_data import REALDATA, needs_realdata

from migrator.mapping import load_mapping
from migrator.records import Record
from migrator.sources import open_source

WXR = REALDATA / "wxr"
ROOT = Path(__file__).resolve().parents[3]
MAPPINGS = ROOT / "mappings"
SAMPLE = WXR / "ghost-mgwpxml--sample.xml"
SQS = WXR / "ghost-mgwpxml--squarespace-sample.xml"
CAPTIONS = WXR / "ghost-mgwpxml--feature-image-captions.xml"
UNSPLASH = (
    "https://images.unsplash.com/photo-1601276861758-2d9c5ca69a17?ixlib=rb-1.2.1"
    "&ixid=eyJhcHBfaWQiOjEyMDd9&auto=format&fit=crop&w=1268&q=80"
)
pytestmark = [needs_realdata(SAMPLE, SQS, CAPTIONS), pytest.mark.timeout(30)]


def records(path: Path) -> list[Record]:
    return [r for r in open_source("wxr", path).records() if isinstance(r, Record)]


def by_title(items: list[Record], title: str) -> Record:
    return next(r for r in items if r.data["title"] == title)


def slugs(path: Path, mapping: str = "wordpress_posts.toml") -> dict[str, str]:
    """Title → the slug the shipped mapping sends, for the records it takes."""
    to_payload = load_mapping(MAPPINGS / mapping).compile()
    out = {}
    for record in records(path):
        payload = to_payload(record)
        if payload is not None:
            out[record.data["title"]] = payload.body["slug"]
    return out


# --- mg-wp-xml ---------------------------------------------------------------------------


def test_wp_published_post() -> None:
    """wp:27-86 ("Can convert a single published post"): slug basic-post (from
    basic-post.html, :46), published 2013-06-07T03:00:44Z (:50), the Unsplash feature
    image (:53-56), tags Company News, Has Images, Programming (:60-71; Ghost adds two
    of its own), author Hermione Granger, hermione@example.com (:79-85)."""
    post = by_title(records(SAMPLE), "Basic Post")
    assert slugs(SAMPLE)["Basic Post"] == "basic-post"
    assert post.data["date_gmt"] == "2013-06-07T03:00:44+00:00"
    assert post.data["featured_image"]["url"] == UNSPLASH
    names = [t["name"] for t in post.data["categories"] + post.data["tags"]]
    assert sorted(names) == ["Company News", "Has Images", "Programming"]
    author = post.data["author"]
    assert (author["display_name"], author["email"]) == ("Hermione Granger", "hermione@example.com")


def test_wp_draft_post() -> None:
    """wp:88-141 ("Can convert a single draft post"): slug draft-post (from
    draft-post.html), a draft, published_at 2013-11-02T23:02:32Z."""
    post = by_title(records(SAMPLE), "Draft Post")
    assert slugs(SAMPLE)["Draft Post"] == "draft-post"
    assert (post.data["status"], post.data["date_gmt"]) == ("draft", "2013-11-02T23:02:32+00:00")


def test_wp_page_dated_by_pub_date() -> None:
    """wp:142-184 ("Can convert a published page"): the "Services" page, which has only a
    ``<pubDate>``, is published 2017-05-27T11:33:38Z (:164). We gave it no date at all."""
    page = by_title(records(SAMPLE), "Services")
    assert (page.kind, page.data["status"]) == ("page", "publish")
    assert page.data["date_gmt"] == "2017-05-27T11:33:38+00:00"
    assert page.data["date"] == "2017-05-27T11:33:38"
    assert slugs(SAMPLE, "wordpress_pages.toml")["Services"] == "services"


def test_wp_featured_image_alt_and_caption() -> None:
    """wp:280-307 ("Can extract featured image alt text and caption"): alt from the
    attachment's ``_wp_attachment_image_alt``, caption from its description (its excerpt
    is empty)."""
    post = next(r for r in records(WXR / "ghost-mgwpxml--sample-with-alt.xml") if r.kind == "post")
    image = post.data["featured_image"]
    assert image["url"] == "https://example.com/wp-content/uploads/2013/06/featured-image.jpg"
    assert image["alt"] == "Sunset over mountains with orange and pink sky"
    assert image["caption"] == (
        "A gorgeous sunset over the mountains with vibrant orange and pink colors."
    )


def test_wp_caption_falls_back_to_the_description() -> None:
    """wp:309-324 ("Uses the attachment description as the feature image caption by
    default"). We gave an empty caption."""
    image = by_title(records(CAPTIONS), "Post with Described Image").data["featured_image"]
    assert image["url"] == "https://example.com/wp-content/uploads/2013/06/described-image.jpg"
    assert image["caption"] == "The caption from the attachment description."


def test_wp_no_caption_without_a_description_nor_a_feature_image() -> None:
    """wp:360-379 (the attachment has only a title: no caption, the title is not used)
    and wp:381-396 (a post without a feature image has neither)."""
    items = records(CAPTIONS)
    image = by_title(items, "Post with Title-Only Image").data["featured_image"]
    assert image["url"] == "https://example.com/wp-content/uploads/2013/06/title-only-image.jpg"
    assert image["caption"] == "" and image["title"] == "Title-Only Image Title"
    assert by_title(items, "Post without Featured Image").data["featured_image"] is None


def test_wp_empty_slugs_are_made_from_titles() -> None:
    """wp:398-415 ("Can handle empty post slugs"): draft-post, basic-post, another-post
    and the page services, from their titles."""
    path = WXR / "ghost-mgwpxml--sample-no-slug.xml"
    made = {**slugs(path), **slugs(path, "wordpress_pages.toml")}
    assert [made[t] for t in ("Draft Post", "Basic Post", "Another Post", "Services")] == [
        "draft-post", "basic-post", "another-post", "services",
    ]  # fmt: skip


def test_wp_yoast_meta() -> None:
    """wp:749-772 ("Can extract Yoast SEO meta title and description"): the mapping's
    meta_description is Yoast's ``_yoast_wpseo_metadesc``."""
    to_payload = load_mapping(MAPPINGS / "wordpress_posts.toml").compile()
    path = WXR / "ghost-mgwpxml--has-yoast-meta.xml"
    sent = [to_payload(r) for r in records(path)]
    described = [
        (r.data["meta"]["_yoast_wpseo_metadesc"], p.body["meta_description"])
        for r, p in zip(records(path), sent, strict=True)
        if p is not None and "_yoast_wpseo_metadesc" in r.data["meta"]
    ]
    assert described and all(sent_value == raw.strip() for raw, sent_value in described)


# --- mg-squarespace-xml -------------------------------------------------------------------


def test_sqs_published_post() -> None:
    """sqs:26-119 ("Can convert a single published post"): slug basic-post (:45), title
    (:46), published 2013-06-07T03:00:44Z (:48), the Unsplash feature image (:51-54),
    category Company News (:105-108), author Hermione Granger (:112-118)."""
    post = by_title(records(SQS), "Basic Post")
    assert slugs(SQS)["Basic Post"] == "basic-post"
    assert post.data["date_gmt"] == "2013-06-07T03:00:44+00:00"
    assert post.data["featured_image"]["url"] == UNSPLASH
    assert [c["name"] for c in post.data["categories"]] == ["Company News"]
    assert post.data["author"]["display_name"] == "Hermione Granger"
    assert post.data["author"]["email"] == "hermione@example.com"


def test_sqs_draft_post() -> None:
    """sqs:121-169 ("Can convert a single draft post"): title "Draft & Post & More—More"
    (a bare & and &mdash; in the file, :141), slug draft-post (:140), a draft,
    2013-11-02T23:02:32Z (:143), author Harry Squatter (:162-168)."""
    post = by_title(records(SQS), "Draft & Post & More—More")
    assert slugs(SQS)["Draft & Post & More—More"] == "draft-post"
    assert (post.data["status"], post.data["date_gmt"]) == ("draft", "2013-11-02T23:02:32+00:00")
    assert post.data["author"]["display_name"] == "Harry Squatter"


def test_sqs_page_dated_by_pub_date() -> None:
    """sqs:171-212 ("Can convert a published page"): "Services" has only a ``<pubDate>``;
    Ghost publishes it 2017-05-27T11:33:38Z (:193). We gave it no date."""
    page = by_title(records(SQS), "Services")
    assert page.data["date_gmt"] == "2017-05-27T11:33:38+00:00"
    assert slugs(SQS, "wordpress_pages.toml")["Services"] == "services"


def test_sqs_slugs_are_cleaned_up() -> None:
    """sqs:345-360 ("Will clean up post slugs"): ``blog2023/04/05/my-dated-post`` becomes
    my-dated-post (Ghost keeps the last part and drops ``.html``)."""
    untitled = next(r for r in records(SQS) if r.data["post_name"].startswith("blog2023/"))
    assert untitled.data["date_gmt"] == "2023-04-05T14:42:38+00:00"
    to_payload = load_mapping(MAPPINGS / "wordpress_posts.toml").compile()
    payload = to_payload(untitled)
    assert payload is not None and payload.body["slug"] == "my-dated-post"


def test_sqs_dates_count_in_the_summary() -> None:
    """The items dated by ``<pubDate>`` alone (sqs:193, :359): the summary says how many."""
    source = open_source("wxr", SQS)
    items = [r for r in source.records() if isinstance(r, Record)]
    undated = [r for r in items if "<wp:post_date>" not in _item_text(r)]
    assert len(undated) == 2
    assert "2 items without <wp:post_date>: dated by <pubDate>" in source.stats.summary()


def _item_text(record: Record) -> str:
    """The raw text of a record's <item> (by its line), read without the source."""
    lines = SQS.read_text(encoding="utf-8").splitlines()
    start = (record.location.line or 1) - 1
    end = next(i for i in range(start, len(lines)) if "</item>" in lines[i])
    return "\n".join(lines[start : end + 1])
