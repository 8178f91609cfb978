"""A typo in a mapping gets the closest known name, with the file and the key as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from migrator.errors import RecordError
from migrator.mapping import load_mapping
from tests.mapping.test_mapping_load import problems

Write = Callable[..., Path]


def test_typos_in_keys_transforms_options_fields_and_formats(write_mapping: Write) -> None:
    path = write_mapping(
        """
        [source]
        format = "csv"
        delimter = ";"
        [target]
        kind = "collection"
        collection = "team_members"
        lookup_field = "email"
        [fields]
        name = { form = "name" }
        email = {from = "email", transforms = ["strip", "lowr", { name = "truncate", lenght = 3 }]}
        postion = { from = "position" }
        [filtr]
        """
    )
    found = problems(path)
    assert found["filtr"].startswith("unknown key; did you mean 'filter'? (known: model, ")
    assert found["source.delimter"].startswith(
        "unknown option for format 'csv'; did you mean 'delimiter'? (valid options: "
    )
    assert "unknown key; did you mean 'from'?" in found["fields.name.form"]
    assert found["fields.email.transforms[1]"].startswith(
        "unknown transform 'lowr'; did you mean 'lower'? (known: "
    )
    assert found["fields.email.transforms[2]"].startswith(
        "unknown option 'lenght'; did you mean 'length'? (options of 'truncate': "
    )
    assert found["fields.postion"].startswith(
        "no such field in collection 'team_members'; did you mean 'position'? (known: "
    )
    # The file is still named on every problem (problems() checks), and nothing far off
    # gets a suggestion.
    path.write_text(path.read_text().replace('"lowr"', '"zzzz"'))
    message = problems(path)["fields.email.transforms[1]"]
    assert message.startswith("unknown transform 'zzzz' (known: ") and "did you mean" not in message


def test_typos_in_kinds_formats_and_target_names(write_mapping: Write) -> None:
    path = write_mapping(
        """
        [source]
        format = "cvs"
        [target]
        kind = "colection"
        """
    )
    found = problems(path)
    assert found["source.format"].startswith("unknown format 'cvs'; did you mean 'csv'?")
    assert "(got 'colection'; did you mean 'collection'?)" in found["target.kind"]
    path = write_mapping(
        """
        [source]
        format = "csv"
        [target]
        kind = "page"
        page_type = "landing_pag"
        title = "x"
        slug = "x"
        """
    )
    assert "did you mean 'landing_page'?" in problems(path)["target.page_type"]


def test_typos_in_locales_and_variables(write_mapping: Write) -> None:
    path = write_mapping(
        """
        [source]
        format = "csv"
        [vars]
        media_base = "x"
        [target]
        kind = "collection"
        collection = "team_members"
        lookup_field = "email"
        [fields]
        email = { from = "email" }
        name = { from = "name" }
        [locales.ess.fields]
        name = { from = "name_es" }
        """
    )
    found = problems(path, variables={"media_bse": "y"})
    assert "unknown locale; did you mean 'es'?" in found["locales.ess"]
    assert found["vars.media_bse"].startswith(
        "--var media_bse: not declared in [vars]; did you mean 'media_base'?"
    )


def test_a_typod_source_column_gets_the_closest_one_on_the_record(
    write_mapping: Write, record
) -> None:
    path = write_mapping(
        """
        [source]
        format = "csv"
        [target]
        kind = "collection"
        collection = "team_members"
        lookup_field = "email"
        [fields]
        email = { from = "emial" }
        name = { from = "name" }
        """
    )
    to_payload = load_mapping(path).compile()
    with pytest.raises(RecordError) as err:
        to_payload(record({"email": "a@example.com", "name": "Ann"}))
    assert "the record has no 'emial'; did you mean 'email'? (it has: email, name)" in str(
        err.value
    )
