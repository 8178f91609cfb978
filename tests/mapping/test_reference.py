"""docs/mapping-reference.md is generated from the registries, and its examples run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migrator.mapping import TRANSFORMS, transform
from migrator.mapping.reference import EXAMPLES, generate, run_example
from migrator.sources import SOURCES, open_source
from tests.shared_data import REALDATA, needs_realdata

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "mapping-reference.md"


def test_the_reference_is_up_to_date():
    assert REFERENCE.read_text(encoding="utf-8") == generate(), (
        "docs/mapping-reference.md is stale: run "
        "`python -m migrator.mapping.reference > docs/mapping-reference.md`"
    )


def test_it_names_every_transform_and_every_source_option():
    text = REFERENCE.read_text(encoding="utf-8")
    for name in TRANSFORMS:
        assert f"### `{name}`" in text
    for fmt, cls in SOURCES.items():
        section = text.split(f"### `{fmt}`\n", 1)[1].split("\n### ", 1)[0]
        for option in cls.declared_options():
            assert f"| `{option}` |" in section, f"{fmt}.{option}"


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_has_an_example_that_gives_its_stated_output(name):
    example = EXAMPLES[name]
    output, error = run_example(name)
    if example.error:
        assert example.error in error, error
    else:
        assert error == "" and output == example.output
    # The example's options pass the load-time checks a mapping's would.
    assert TRANSFORMS[name].check_options(example.options) == []


def test_a_transform_without_an_example_or_a_docstring_fails_the_generator():
    @transform("test_undocumented")
    def undocumented(value, /):
        return value

    try:
        with pytest.raises(KeyError, match="test_undocumented"):
            generate()
        EXAMPLES["test_undocumented"] = EXAMPLES["lower"]
        with pytest.raises(KeyError, match="has no docstring"):
            generate()
    finally:
        del TRANSFORMS["test_undocumented"]
        EXAMPLES.pop("test_undocumented", None)


def test_no_stage_imports_the_generator():
    # It reads every registry; a run or `migrator --help` (tests/test_startup.py) must
    # not pay for that.
    users = []
    for path in (ROOT / "migrator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if "migrator.mapping.reference" in names:
                users.append(path.relative_to(ROOT).as_posix())
    assert users == []


MAILCHIMP = REALDATA / "csv" / "ghost-migrate--mailchimp-subscribed.csv"
GHOST_BAD_EMAIL = REALDATA / "json" / "ghost-migrate--mgjson-single-post-author-bad-email.json"


@needs_realdata(MAILCHIMP, GHOST_BAD_EMAIL)
def test_the_email_check_on_real_exports():
    emails = [r.data["Email Address"] for r in open_source("csv", MAILCHIMP).records()]
    assert emails and all(TRANSFORMS["email"](e) == e for e in emails)
    # A migration tool's fixture (not a Ghost export our ghost source reads): its users.
    (user,) = list(open_source("json", GHOST_BAD_EMAIL, records_path="users[*]").records())
    bad = user.data["data"]["email"]
    with pytest.raises(ValueError, match=r"'joebloggs@blogging\.com123' is not an e-mail address"):
        TRANSFORMS["email"](bad)
