from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from migrator.errors import ConfigError, MappingError
from migrator.mapping import Mapping, Target, load_mapping
from migrator.model import load_content_model

ROOT = Path(__file__).resolve().parents[2]
MODEL_PATH = ROOT / "mappings" / "content-model.toml"

Write = Callable[..., Path]


def problems(path: Path, **kwargs: object) -> dict[str, str]:
    with pytest.raises(MappingError) as err:
        load_mapping(path, **kwargs)  # type: ignore[arg-type]
    assert isinstance(err.value, ConfigError)
    assert all(p.file == str(path) for p in err.value.problems)
    found: dict[str, str] = {}
    for p in err.value.problems:
        found[p.key] = found[p.key] + " | " + p.message if p.key in found else p.message
    return found


def test_every_problem_is_reported_at_once(write_mapping: Write) -> None:
    path = write_mapping(
        """
        colour = "red"

        [source]
        delimiter = ";"

        [vars]
        base = "http://m"

        [target]
        kind = "page"
        page_type = "landing_page"
        title = { from = "headline", transfroms = ["strip"] }
        slug = { from = "headline", template = "{headline}" }
        status = "live"

        [fields]
        headlin = { from = "headline" }
        summary = { template = "{first} {last" }
        body = { template = "{vars.nope}/x" }
        price = { const = "cheap" }
        featured = { const = "yes", transforms = ["boolean", "bogus"] }
        theme.from = "theme"
        theme.transforms = ["strip", { name = "truncate", lenght = 3 }]
        theme.lookup = { L = "light", B = "blue" }
        launch_date = { from = "launch..date" }
        accent = { const = "red" }
        hero_image = { from = "img", transforms = [{ name = "prefix", value = "{vars.media}/" }] }
        team = { from = "team", ref = "nickname" }
        related_pages = { from = "rel", ref = "slug" }
        faq = { from = "faq", optional = "sometimes" }

        [locales.fr.fields]
        headline = { from = "headline_fr" }

        [locales.en.fields]
        headline = { from = "headline_en" }
        """
    )
    found = problems(path)
    expected = {
        "colour": "unknown key",
        "source.format": "required",
        "target.title.transfroms": "unknown key",
        "target.slug": "give exactly one of from, template, const (got ['from', 'template'])",
        "target.status": "'live' is not one of ['draft', 'published']",
        "fields.headlin": "no such field in page 'landing_page'",
        "fields.headline": "required by page 'landing_page' but not mapped",
        "fields.summary.template": "bad template '{first} {last'",
        "fields.body.template": "unknown variable 'nope'",
        "fields.price": "expected a number, got 'cheap'",
        "fields.featured.transforms[1]": "unknown transform 'bogus'",
        "fields.theme.transforms[1]": "unknown option 'lenght'; did you mean 'length'? "
        "(options of 'truncate': length, ellipsis, words) | missing option 'length'",
        "fields.launch_date.from": "malformed source path 'launch..date'",
        "fields.accent": "expected a hex colour",
        "fields.hero_image.transforms[0]": "unknown variable 'media'",
        "fields.team.ref": "no field 'nickname' in collection 'team_members'",
        "fields.related_pages.ref": "ref is for references to collection items",
        "fields.faq.optional": "expected true or false",
        "locales.fr": "unknown locale (the content model has ['en', 'es'])",
        "locales.en": "'en' is the base locale",
    }
    for key, message in expected.items():
        assert key in found, f"{key} not reported; got {sorted(found)}"
        assert message in found[key], f"{key}: {found[key]!r}"
    assert set(found) == set(expected)


def test_constants_and_lookup_values_are_checked_after_their_transforms(
    write_mapping: Write,
) -> None:
    path = write_mapping(
        """
        [source]
        format = "csv"
        [target]
        kind = "page"
        page_type = "landing_page"
        title = "T"
        slug = ""
        [fields]
        headline = { const = "  " , transforms = ["strip"] }
        theme = { from = "theme", lookup = { L = "Light", D = "DARK" }, transforms = ["lower"] }
        featured = { from = "f", lookup = { y = "yes", n = "perhaps" }, transforms = ["boolean"] }
        price = { const = "12", transforms = ["number"] }
        launch_date = { const = "1/2/2020", transforms = [{ name = "date", format = "%Y" }] }
        """
    )
    found = problems(path)
    assert found == {
        "target.slug": "required",
        "fields.headline": "required",
        "fields.featured.lookup.n": "transform 'boolean': not a yes/no value: 'perhaps' (true: "
        "['yes', 'y', 'true', 't', '1', 'on'], false: ['no', 'n', 'false', 'f', '0', 'off'])",
        "fields.launch_date": "transform 'date': date '1/2/2020' does not match '%Y'",
    }


def test_dropdown_lookup_values_must_be_options(write_mapping: Write) -> None:
    path = write_mapping(
        """
        [source]
        format = "csv"
        [target]
        kind = "page"
        page_type = "landing_page"
        title = { from = "h" }
        slug = { from = "h", transforms = ["slugify"] }
        [fields]
        headline = { from = "h" }
        theme = { from = "theme", lookup = { L = "light", B = "blue" } }
        """
    )
    assert problems(path) == {"fields.theme.lookup.B": "'blue' is not one of ['light', 'dark']"}


def test_collection_and_post_rules(write_mapping: Write) -> None:
    coll = write_mapping(
        """
        [source]
        format = "csv"
        [target]
        kind = "collection"
        collection = "team_membres"
        """,
        "c1.toml",
    )
    assert problems(coll) == {
        "target.collection": "unknown collection 'team_membres'; did you mean 'team_members'? "
        f"(known: {sorted(load_content_model(MODEL_PATH).collections)})"
    }
    coll2 = write_mapping(
        """
        [source]
        format = "csv"
        [target]
        kind = "collection"
        collection = "team_members"
        slug = { from = "x" }
        [fields]
        name = { from = "name" }
        """,
        "c2.toml",
    )
    found = problems(coll2)
    assert set(found) == {"target.lookup_field", "target.slug", "fields.email"}
    assert "required for a collection" in found["target.lookup_field"]
    post = write_mapping(
        """
        [source]
        format = "csv"
        [target]
        kind = "post"
        page_type = "landing_page"
        title = { from = "t" }
        locale = "en"
        [fields]
        author_email = "nobody@example.com"
        author_slug = { from = "a", lookup = { x = "grace-hopper", y = "linus" } }
        categories = { const = [1, 2] }
        posted_on = { from = "date" }
        """,
        "p.toml",
    )
    found = problems(post)
    assert found == {
        "target.page_type": "not used for a post target",
        "target.slug": "required: how a post's slug is built",
        "target.locale": "blog posts have no locales",
        "fields.author_email": "unknown author 'nobody@example.com' (authors in the content model: "
        "['ada@example.com', 'grace@example.com'])",
        "fields.author_slug": "map author_email or author_slug, not both",
        "fields.author_slug.lookup.y": "unknown author 'linus' (authors in the content model: "
        "['ada-lovelace', 'grace-hopper'])",
        "fields.categories": "expected a list of names, got [1, 2]",
        "fields.posted_on": found["fields.posted_on"],
    }
    assert found["fields.posted_on"].startswith("no such field in blog posts (known: author_email")
    assert "published" in found["fields.posted_on"]


def test_file_level_problems(tmp_path: Path, write_mapping: Write) -> None:
    assert problems(tmp_path / "nope.toml") == {"": "mapping file not found"}
    bad = tmp_path / "bad.toml"
    bad.write_text("target = [", encoding="utf-8")
    assert problems(bad)[""].startswith("not valid TOML")
    no_model = tmp_path / "nomodel.toml"
    no_model.write_text('model = "missing.toml"\n[source]\nformat = "csv"\n', encoding="utf-8")
    found = problems(no_model)
    assert "content model file not found" in found["model"]
    assert found["target.kind"] == "required: one of page, collection, post (got None)"


def test_var_overrides_must_be_declared(write_mapping: Write) -> None:
    path = write_mapping(
        """
        [source]
        format = "csv"
        [vars]
        media_base = "http://default"
        [target]
        kind = "post"
        title = { from = "t" }
        slug = { from = "t" }
        """
    )
    assert problems(path, variables={"media_bse": "x"}) == {
        "vars.media_bse": "--var media_bse: not declared in [vars]; did you mean 'media_base'? "
        "(declared: ['media_base'])"
    }
    assert load_mapping(path, variables={"media_base": "http://x"}).variables == {
        "media_base": "http://x"
    }


def test_loaded_mapping_exposes_what_the_engine_needs(write_mapping: Write, model: object) -> None:
    path = write_mapping(
        """
        [source]
        format = "csv"
        path = "data/team.csv"
        key = "email"
        delimiter = ";"
        [target]
        kind = "collection"
        collection = "team_members"
        lookup_field = "email"
        [fields]
        name = { from = "name" }
        email = { from = "email" }
        """
    )
    m = load_mapping(path)
    assert isinstance(m, Mapping)
    assert m.path == path
    assert m.source_format == "csv"
    assert m.source_options == {"key": "email", "delimiter": ";"}
    assert m.default_source == (path.parent / "data" / "team.csv").resolve()
    assert m.target == Target("collection", "team_members", "email")
    assert m.model.path == str(MODEL_PATH)
    # A model given by the caller is used as is; the file's `model` key may then be left out.
    path.write_text(path.read_text().replace(f'model = "{MODEL_PATH.as_posix()}"', ""))
    assert load_mapping(path, model).model is model  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["team_members", "blog_posts", "landing_pages"])
def test_shipped_mappings_load(name: str) -> None:
    m = load_mapping(ROOT / "mappings" / f"{name}.toml")
    assert m.source_format == "csv"
    assert m.default_source == ROOT / "migrator" / "samples" / f"{name}.csv"


def test_source_format_and_options_are_checked_by_the_sources_stage(write_mapping: Write) -> None:
    pytest.importorskip("migrator.sources")
    path = write_mapping(
        """
        [source]
        format = "csv"
        key = "id"
        delimter = ";"
        [target]
        kind = "post"
        title = { from = "t" }
        slug = { from = "t" }
        """
    )
    found = problems(path)
    assert list(found) == ["source.delimter"]
    assert "unknown option for format 'csv'; did you mean 'delimiter'?" in found["source.delimter"]
    path.write_text(path.read_text().replace('format = "csv"', 'format = "xls"'))
    message = problems(path)["source.format"]
    assert message.startswith("unknown format 'xls' (known: [") and "'csv'" in message


def test_unique_slugs_is_report_or_suffix_and_only_for_posts_and_pages(
    write_mapping: Write,
) -> None:
    post = """
        [source]
        format = "csv"
        [target]
        kind = "post"
        title = { from = "t" }
        slug = { from = "t", transforms = ["slugify"] }
        unique_slugs = "%s"
        """
    assert load_mapping(write_mapping(post % "suffix", "p1.toml")).target.unique_slugs == ("suffix")
    assert problems(write_mapping(post % "number", "p2.toml")) == {
        "target.unique_slugs": "one of 'report', 'suffix' (got 'number')"
    }
    coll = write_mapping(
        """
        [source]
        format = "csv"
        [target]
        kind = "collection"
        collection = "team_members"
        lookup_field = "email"
        unique_slugs = "suffix"
        [fields]
        name = { from = "name" }
        email = { from = "email" }
        """,
        "c.toml",
    )
    assert "target.unique_slugs" in problems(coll)


def test_update_fields_name_fields_of_the_target(write_mapping: Write) -> None:
    coll = """
        [source]
        format = "csv"
        [target]
        kind = "collection"
        collection = "team_members"
        lookup_field = "email"
        update_fields = %s
        [fields]
        name = { from = "name" }
        email = { from = "email" }
        """
    ok = load_mapping(write_mapping(coll % '["bio", "status", "bio"]', "c1.toml"))
    assert ok.target.update_fields == ("bio", "status")
    assert load_mapping(write_mapping(coll % '["name"]', "c0.toml")).target.update_fields == (
        "name",
    )
    found = problems(write_mapping(coll % '["bio", "biography"]', "c2.toml"))
    assert found["target.update_fields"].startswith(
        "no field 'biography' in this collection target (known: name, email, position, bio,"
    )
    assert (
        "a non-empty list"
        in problems(write_mapping(coll % "[]", "c3.toml"))["target.update_fields"]
    )
    assert (
        "a non-empty list"
        in problems(write_mapping(coll % '"bio"', "c4.toml"))["target.update_fields"]
    )
    post = """
        [source]
        format = "csv"
        [target]
        kind = "post"
        title = { from = "t" }
        slug = { from = "t", transforms = ["slugify"] }
        update_fields = %s
        """
    assert load_mapping(write_mapping(post % '["body", "title"]', "p1.toml")).target.update_fields
    assert (
        "author_email"
        in problems(write_mapping(post % '["author_email"]', "p2.toml"))["target.update_fields"]
    )
    no_limit = load_mapping(write_mapping(post.replace("update_fields = %s", ""), "p3.toml"))
    assert no_limit.target.update_fields is None
