"""The drawer's figures of a shift and its Z-report, without a database (issue 14)."""

from __future__ import annotations

import datetime as dt

from jdoffice.domain.model import UTC, Payment, PaymentStatus, Refund, RefundStatus
from jdoffice.domain.shifts import (
    MethodTotal,
    Movement,
    MovementKind,
    Shift,
    ZReport,
    cash_up,
    in_window,
    z_report,
)

T0 = dt.datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
IS_CASH = {"cash": True, "bank": False, "stripe": False}


def payment(
    pid: str, method: str, amount: int, cash_total: int | None = None, **kw: object
) -> Payment:
    return Payment(
        id=pid,
        school_id=1,
        student_id=1,
        method=method,
        amount_minor=amount,
        currency="DKK",
        status=kw.pop("status", PaymentStatus.SUCCEEDED),  # type: ignore[arg-type]
        refunded_minor=0,
        receipt_no=kw.pop("receipt_no", None),  # type: ignore[arg-type]
        created_at=T0,
        rounding_minor=(cash_total - amount) if cash_total is not None else 0,
        cash_total_minor=cash_total,
    )


def refund(rid: str, pid: str, amount: int, cash_total: int | None, **kw: object) -> Refund:
    return Refund(
        id=rid,
        payment_id=pid,
        school_id=1,
        student_id=1,
        amount_minor=amount,
        currency="DKK",
        reason="Aflyst",
        status=kw.pop("status", RefundStatus.SUCCEEDED),  # type: ignore[arg-type]
        receipt_no=kw.pop("receipt_no", None),  # type: ignore[arg-type]
        created_at=T0,
        rounding_minor=(cash_total - amount) if cash_total is not None else 0,
        cash_total_minor=cash_total,
    )


def move(kind: MovementKind, amount: int, reason: str) -> Movement:
    return Movement("m-" + reason, "s1", 1, kind, amount, "DKK", reason, 7, T0)


def test_expected_cash_is_float_plus_cash_in_less_cash_out() -> None:
    figures = cash_up(
        100_000,
        [
            payment("p1", "cash", 50_000, 50_000, receipt_no=11),
            payment("p2", "cash", 85_025, 85_050, receipt_no=12),
            payment("p3", "bank", 30_000, receipt_no=13),
            payment("p4", "cash", 99_900, 99_900, status=PaymentStatus.FAILED),
        ],
        [
            (refund("r1", "p1", 10_010, 10_000, receipt_no=14), "cash"),
            (refund("r2", "p3", 5_000, None, receipt_no=15), "bank"),
            (refund("r3", "p1", 7_000, 7_000, status=RefundStatus.FAILED), "cash"),
        ],
        [
            move(MovementKind.PAY_OUT, 4_500, "Kaffe"),
            move(MovementKind.PAY_IN, 2_000, "Byttepenge"),
        ],
        is_cash=IS_CASH,
    )

    assert (figures.cash_payments_minor, figures.cash_refunds_minor) == (135_050, 10_000)
    assert (figures.pay_ins_minor, figures.pay_outs_minor) == (2_000, 4_500)
    assert (figures.cash_in_minor, figures.cash_out_minor) == (137_050, 14_500)
    # +0,25 taken in, −0,10 paid out less than the refund: the drawer is +0,35 off the amounts.
    assert figures.rounding_minor == 35
    assert figures.expected_minor == 100_000 + 137_050 - 14_500
    assert figures.methods == (
        MethodTotal("bank", 1, 30_000, 1, 5_000),
        MethodTotal("cash", 2, 135_025, 1, 10_010),
    )
    assert (figures.receipt_from, figures.receipt_to) == (11, 15)
    assert (figures.payments, figures.refunds) == (3, 2)


def test_an_empty_shift_expects_its_float() -> None:
    figures = cash_up(25_000, [], [], [], is_cash=IS_CASH)

    assert figures.expected_minor == 25_000
    assert (figures.receipt_from, figures.receipt_to, figures.methods) == (None, None, ())


def test_the_z_report_records_a_shortfall_and_reads_back_the_same() -> None:
    shift = Shift("s1", 1, "kasse-1", "DKK", 100_000, T0, 7)
    figures = cash_up(100_000, [payment("p1", "cash", 20_000, 20_000)], [], [], is_cash=IS_CASH)

    z = z_report(
        shift,
        figures,
        z_no=3,
        closed_at=T0 + dt.timedelta(hours=8),
        counted_minor=119_000,
        opened_by="Rikke Carlsen (RC)",
        closed_by="Mads Grøn (MG)",
        movements=[],
        note="Manglede 10 kr.",
    )

    assert (z.label, z.expected_minor, z.variance_minor) == ("Z3", 120_000, -1_000)
    assert ZReport.from_json(z.to_json()) == z


def test_a_shift_window_includes_its_opening_and_excludes_its_close() -> None:
    end = T0 + dt.timedelta(hours=1)

    assert in_window(T0, T0, end)
    assert not in_window(end, T0, end)
    assert not in_window(T0 - dt.timedelta(microseconds=1), T0, end)
    assert in_window(end, T0, None)
