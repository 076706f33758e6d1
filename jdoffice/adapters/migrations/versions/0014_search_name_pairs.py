"""Name pairs in the search terms (issue 16): two words of a student's name are also kept
together as one term, ``noah hansen`` and ``hansen noah`` in every spelling
(``jdoffice.domain.search.name_pair_terms``). In a large school a first name and a common
last name are each the range of thousands of students; the pair is the range of the few who
have both, and a search of a whole name reads that range alone.

The upgrade adds the pairs of every student who has search terms already; a student without
any (a row the web system wrote and no desk has indexed yet) gets all of them, pairs
included, when a desk indexes the school. The downgrade takes them away again. No column or
index changes.

The pairs are this revision's (``jdoffice.adapters.migrations.name_pairs.unmarked_name_pairs``,
what the domain's function wrote at this revision): revision 0015 puts them under a mark.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from jdoffice.adapters.migrations.name_pairs import (
    delete_unmarked_pairs,
    indexed_students,
    insert_new,
    unmarked_name_pairs,
)

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for batch in indexed_students():
        insert_new(
            [
                {"school_id": school_id, "term": term, "student_id": student_id}
                for student_id, school_id, first, last, *_ in batch
                for term in sorted(unmarked_name_pairs(first or "", last or ""))
            ]
        )


def downgrade() -> None:
    for batch in indexed_students():
        delete_unmarked_pairs(batch)
