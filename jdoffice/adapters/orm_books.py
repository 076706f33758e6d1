"""The tables of the exported books (revision 0011, issue 15).

``books_exports``: every run of ``books export`` (the period, the format, who and when, the
count and total of its lines, the SHA-256 of the file; a repeat names the export it repeats).
``books_exported_postings``: the lines a first export delivered, by key, once per school
(the primary key ``(school_id, posting_key)``: the database itself refuses to deliver a line
twice), with the line's own date and whether it came as a correction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jdoffice.adapters.column_types import Id, Minor, UTCDateTime
from jdoffice.adapters.orm_base import Base
from jdoffice.adapters.orm_staff import school_staff

EXPORT_FORMATS = "'csv', 'economic', 'saft'"


class BooksExportRow(Base):
    __tablename__ = "books_exports"
    __table_args__ = (
        UniqueConstraint("id", "school_id"),
        Index("ix_books_exports_school_id_from_date", "school_id", "from_date"),
        ForeignKeyConstraint(
            ["repeat_of", "school_id"],
            ["books_exports.id", "books_exports.school_id"],
            name="fk_books_exports_repeat_of_school",
        ),
        school_staff("books_exports", "staff_id"),
        CheckConstraint("from_date <= to_date", name="period"),
        CheckConstraint(f"format IN ({EXPORT_FORMATS})", name="format"),
        CheckConstraint(
            "postings >= 0 AND corrections >= 0 AND corrections <= postings", name="postings"
        ),
        CheckConstraint("total_minor >= 0", name="total"),
        CheckConstraint("digest <> ''", name="digest"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(16))
    repeat_of: Mapped[int | None] = mapped_column(Id, default=None)
    postings: Mapped[int] = mapped_column(Integer)
    corrections: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Minor)
    digest: Mapped[str] = mapped_column(String(64))
    staff: Mapped[str] = mapped_column(String(64), default="")
    staff_id: Mapped[int | None] = mapped_column(Id, default=None)
    desk: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class BooksExportedPostingRow(Base):
    __tablename__ = "books_exported_postings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["export_id", "school_id"],
            ["books_exports.id", "books_exports.school_id"],
            name="fk_books_exported_postings_export_school",
        ),
        Index("ix_books_exported_postings_school_id_posting_date", "school_id", "posting_date"),
        Index("ix_books_exported_postings_export_id", "export_id"),
    )

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    posting_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    export_id: Mapped[int] = mapped_column(Id)
    posting_date: Mapped[dt.date] = mapped_column(Date)
    correction: Mapped[bool] = mapped_column(Boolean, default=False)
