"""The tables of the exported books (revision 0011, issue 15).

``books_exports``: every run of ``books export`` (the period, the format, who and when, the
count and total of its lines, the SHA-256 of the file; a repeat names the export it repeats).
``books_delivered_lines`` (revision 0013): each line an export delivered, in full, so a repeat
writes it again byte for byte and a later change of its row is taken back by a reversal (the
primary key ``(school_id, posting_key, version, reversal)``: the database itself refuses to
deliver a line twice).
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jdoffice.adapters.column_types import ExactString, Id, Minor, UTCDateTime
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
    #: The account mapping the file was written with, as JSON (revision 0013; None before).
    accounts: Mapped[str | None] = mapped_column(Text, default=None)


class BooksDeliveredLineRow(Base):
    """A line an export delivered, in full (revision 0013): the database refuses to deliver
    one version of a row's line, or its reversal, twice."""

    __tablename__ = "books_delivered_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["export_id", "school_id"],
            ["books_exports.id", "books_exports.school_id"],
            name="fk_books_delivered_lines_export_school",
        ),
        Index("ix_books_delivered_lines_school_id_own_date", "school_id", "own_date"),
        Index("ix_books_delivered_lines_export_id_seq", "export_id", "seq"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("seq >= 0", name="seq"),
        CheckConstraint("amount_minor IS NULL OR amount_minor > 0", name="amount"),
        CheckConstraint("reversal = false OR corrected_on IS NOT NULL", name="reversal_dated"),
    )

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    #: The row's line (``payment:<id>``), compared byte for byte (Stripe ids are
    #: case-sensitive).
    posting_key: Mapped[str] = mapped_column(ExactString(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    reversal: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    export_id: Mapped[int] = mapped_column(Id)
    #: Its place in the export's file.
    seq: Mapped[int] = mapped_column(Integer)
    #: The line's own date.
    own_date: Mapped[dt.date] = mapped_column(Date)
    #: A correction or reversal: the day the file dated it.
    corrected_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    amount_minor: Mapped[int | None] = mapped_column(Minor, default=None)
    #: The line as JSON (None: delivered before revision 0013, only its key was kept).
    line: Mapped[str | None] = mapped_column(Text, default=None)
