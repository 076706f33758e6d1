"""Name pairs under a mark (issue 16): a pair term begins with a space
(``jdoffice.domain.search.PAIR_MARK``: `` noah hansen``), which no other term and no typed word
begins with.

Revision 0014 stored a pair as its two words (``noah hansen``), so it lay in the range of its
first word's every prefix: ``met`` read each Mette once as the word and again as each of her
pairs, and a query of a partly typed first word and a second (``met han``) walked ranges twice
as long as before the pairs. Under the mark the pairs sort apart, and only a pair's prefix
reads them.

The upgrade replaces, for every student who has search terms, the pairs of 0014 by the
pairs of this revision (``jdoffice.domain.search.name_pair_terms``); a term that is also one
of the student's other terms (a student number with a space) stays. A student without terms
gets all of them when a desk indexes the school, as before. The downgrade puts the pairs of
0014 back. No column or index changes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from jdoffice.adapters.migrations.name_pairs import (
    TERMS,
    delete_unmarked_pairs,
    indexed_students,
    insert_new,
    unmarked_name_pairs,
)
from jdoffice.domain.search import PAIR_MARK, name_pair_terms

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for batch in indexed_students():
        delete_unmarked_pairs(batch)
        insert_new(
            [
                {"school_id": school_id, "term": term, "student_id": student_id}
                for student_id, school_id, first, last, *_ in batch
                for term in sorted(name_pair_terms(first or "", last or ""))
            ]
        )


def downgrade() -> None:
    bind = op.get_bind()
    t = TERMS
    # Only a pair begins with the mark: the range of terms that begin with it.
    after_mark = chr(ord(PAIR_MARK) + 1)
    for batch in indexed_students():
        ids = [int(row[0]) for row in batch]
        bind.execute(
            t.delete().where(t.c.student_id.in_(ids), t.c.term >= PAIR_MARK, t.c.term < after_mark)
        )
        insert_new(
            [
                {"school_id": school_id, "term": term, "student_id": student_id}
                for student_id, school_id, first, last, *_ in batch
                for term in sorted(unmarked_name_pairs(first or "", last or ""))
            ]
        )
