"""How failures and warnings are grouped in a run's summary ("Problems by reason")."""

from __future__ import annotations

import pytest

from migrator.engine import reason_key


@pytest.mark.parametrize(
    ("reason", "key"),
    [
        # Before, each of these was grouped (and shown) as the words before its first colon:
        # "reference author", "slug", "media field body <img>", "media field photo".
        (
            "reference author: no authors item with email = 'a@x', 'b@x' among the records "
            "migrated (the ledger) nor in ButterCMS yet. Migrate it",
            "reference author: no authors item with email = … among the records migrated "
            "(the ledger) nor in ButterCMS yet. Migrate it",
        ),
        (
            "slug: empty (from 'title' = '🚀'): nothing in it becomes a letter or digit. Map a "
            'field that has one, or add a fallback, e.g. from = ["slug", "id"]',
            "slug: empty (from … = …): nothing in it becomes a letter or digit. Map a field "
            "that has one, or add a fallback, e.g. from = […]",
        ),
        (
            "slug 'draft' is taken by record '1164' (export.xml:10122): Butter keeps one post",
            "slug … is taken by record … (…): Butter keeps one post",
        ),
        (
            'media field body <img src="http://a.example/x.png"> (8 times): answered 404 Not '
            "Found: Butter would fail this item",
            "media field body <img src=…>: answered 404 Not Found: Butter would fail this item",
        ),
        (
            "media field photo: https://a.example/x.png answered 410 Gone: Butter would fail",
            "media field photo: … answered 410 Gone: Butter would fail",
        ),
        # A reason ending in its values alone groups under its head.
        ("unknown shortcodes left as text: [foo] ×2, [bar] ×1", "unknown shortcodes left as text"),
        ("not a valid URL: left as it is", "not a valid URL: left as it is"),
        # An apostrophe is not a quote.
        (
            "missing after acceptance (failed in Butter's background queue?)",
            "missing after acceptance (failed in Butter's background queue?)",
        ),
    ],
)
def test_a_reason_is_grouped_by_its_whole_message_without_its_values(reason, key) -> None:
    assert reason_key(reason) == key


def test_a_group_never_shows_a_token() -> None:
    key = reason_key("rejected by ButterCMS: 401 for auth_token=abcdef123 (check the token)")
    assert "abcdef123" not in key and "[REDACTED]" in key


def test_one_records_problem_is_shown_whole_and_many_by_their_shape() -> None:
    from migrator.engine import ReasonCounts, tally

    reasons = ReasonCounts()
    tally(reasons, "slug 'a' is taken by record '1' (x.xml:3)")
    tally(reasons, "rows with Handle 'pan' again at lines 11-13")
    # Alone in its kind: the values name the record to fix.
    assert reasons == {
        "slug 'a' is taken by record '1' (x.xml:3)": 1,
        "rows with Handle 'pan' again at lines 11-13": 1,
    }
    tally(reasons, "slug 'b' is taken by record '2' (x.xml:9)")
    tally(reasons, "slug 'c' is taken by record '2' (x.xml:12)")
    assert reasons == {
        "slug … is taken by record … (…)": 3,
        "rows with Handle 'pan' again at lines 11-13": 1,
    }
    secret = ReasonCounts()
    tally(secret, "rejected: 401 for auth_token=abcdef123")
    assert "abcdef123" not in "".join(secret)
