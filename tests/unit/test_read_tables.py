"""The Core tables search reads (``jdoffice.adapters.read_tables``) are the models' tables,
column for column: the statement built on them is the one built on the models."""

from __future__ import annotations

import pytest
from sqlalchemy import Table, make_url

from jdoffice.adapters import read_tables, tables


@pytest.mark.parametrize(
    ("lean", "model"),
    [
        (read_tables.SCHOOLS, tables.SCHOOLS),
        (read_tables.STUDENTS, tables.STUDENTS),
        (read_tables.BALANCES, tables.BALANCES),
        (read_tables.SEARCH_TERMS, tables.SEARCH_TERMS),
    ],
    ids=lambda t: t.name,
)
def test_a_search_table_has_the_models_columns_and_types(lean: Table, model: Table) -> None:
    assert lean.name == model.name
    for column in lean.c:
        theirs = model.c[column.name]
        assert repr(column.type) == repr(theirs.type), column.name
        assert column.primary_key == theirs.primary_key, column.name
        for backend in ("sqlite", "postgresql+psycopg", "mysql+pymysql", "mariadb+pymysql"):
            dialect = make_url(f"{backend}://").get_dialect()()
            assert column.type.compile(dialect) == theirs.type.compile(dialect), column.name
