"""Search terms indexed by student and term (issue 16): ``ix_student_search_terms_student_id``
on ``(student_id)`` becomes ``ix_student_search_terms_student_id_term`` on
``(student_id, term)``.

A query with a word of one letter (``s jensen``, ``m hansen``: an initial and a last name)
now looks that letter up for each student of the longer word's range, one seek into this
index, instead of first gathering every student with a term that starts with it: a twentieth
of the school or more (``jdoffice.adapters.repos.search_sql``). The index serves everything the one on
``student_id`` alone served (a student's terms replaced, the foreign key, a student deleted),
so it takes that one's place. The new index is made before the old one goes: MariaDB keeps
an index on the foreign key's column at every moment.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "student_search_terms"
OLD = "ix_student_search_terms_student_id"
NEW = "ix_student_search_terms_student_id_term"


def upgrade() -> None:
    op.create_index(NEW, TABLE, ["student_id", "term"])
    op.drop_index(OLD, table_name=TABLE)


def downgrade() -> None:
    op.create_index(OLD, TABLE, ["student_id"])
    op.drop_index(NEW, table_name=TABLE)
