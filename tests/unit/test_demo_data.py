"""The demo data: deterministic, chunkable, Danish, and covering every state the desk shows."""

from __future__ import annotations

import collections
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from jdoffice.domain import demo
from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import Invoice, InvoiceStatus, invoice_status, plan_allocation

TODAY = dt.date(2025, 4, 2)
SEED = 7
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
PHONE = re.compile(r"^\+45 \d{2} \d{2} \d{2} \d{2}$")
EMAIL = re.compile(r"^[a-z0-9._-]+@([a-z0-9-]+\.)?example\.(dk|com|net|org)$")


@pytest.fixture(scope="module")
def bundles() -> list[demo.DemoBundle]:
    return list(demo.iter_bundles(20_000, SEED, TODAY))


@pytest.fixture(scope="module")
def first_2000(bundles: list[demo.DemoBundle]) -> list[demo.DemoBundle]:
    return bundles[:2000]


def local_day(when: dt.datetime) -> dt.date:
    return when.astimezone(COPENHAGEN).date()


def test_same_seed_and_day_give_identical_data() -> None:
    assert list(demo.iter_bundles(300, SEED, TODAY)) == list(demo.iter_bundles(300, SEED, TODAY))
    assert demo.demo_school(SEED) == demo.demo_school(SEED)


def test_different_seed_gives_different_data() -> None:
    one = list(demo.iter_bundles(300, 1, TODAY))
    two = list(demo.iter_bundles(300, 2, TODAY))
    assert one != two
    # Beyond the well-known students even the names differ.
    names_one = [(b.student.first_name, b.student.last_name) for b in one[10:]]
    names_two = [(b.student.first_name, b.student.last_name) for b in two[10:]]
    assert names_one != names_two
    assert demo.demo_school(1) != demo.demo_school(2)


def test_different_day_moves_the_dates_but_keeps_the_people() -> None:
    before = list(demo.iter_students(100, SEED, TODAY))
    after = list(demo.iter_students(100, SEED, TODAY + dt.timedelta(days=30)))
    assert [s.email for s in before] == [s.email for s in after]
    assert [s.created_at for s in before] != [s.created_at for s in after]


def test_numbers_phones_and_emails_are_unique_over_20000_students(
    bundles: list[demo.DemoBundle],
) -> None:
    students = [b.student for b in bundles]
    invoice_nos = [i.invoice_no for b in bundles for i in b.invoices]
    phones = [s.phone for s in students if s.phone]
    emails = [s.email for s in students if s.email]
    assert len({s.student_no for s in students}) == len(students)
    assert len(set(invoice_nos)) == len(invoice_nos)
    assert len(set(phones)) == len(phones)
    assert len(set(emails)) == len(emails)


def test_student_and_invoice_numbers_sort_in_creation_order(
    bundles: list[demo.DemoBundle],
) -> None:
    student_nos = [b.student.student_no for b in bundles]
    invoice_nos = [i.invoice_no for b in bundles for i in b.invoices]
    assert student_nos == sorted(student_nos)
    assert invoice_nos == sorted(invoice_nos)
    assert student_nos[0] == demo.student_no(0) == "S0000001"
    assert bundles[0].invoices[0].invoice_no == demo.invoice_no(0, 1) == "F0000001-1"
    assert demo.student_no(demo.MAX_STUDENTS - 1) == "S9999999"


def test_phones_are_danish_mobile_numbers_and_a_few_are_missing(
    bundles: list[demo.DemoBundle],
) -> None:
    phones = [b.student.phone for b in bundles]
    given = [p for p in phones if p]
    assert all(PHONE.match(p) for p in given), [p for p in given if not PHONE.match(p)][:5]
    assert {p[4] for p in given} <= set("23456789")
    assert 0.02 < phones.count("") / len(phones) < 0.04


def test_emails_are_ascii_folded_names_on_reserved_domains(
    bundles: list[demo.DemoBundle],
) -> None:
    students = [b.student for b in bundles]
    given = [s.email for s in students if s.email]
    assert all(EMAIL.match(e) for e in given), [e for e in given if not EMAIL.match(e)][:5]
    assert 0.04 < (len(students) - len(given)) / len(students) < 0.06
    assert students[0].email.startswith("soeren.jensen1@")
    for s in students[:500]:
        if s.email:
            first = demo.ascii_fold(s.first_name).replace(" ", "")
            last = demo.ascii_fold(s.last_name).replace(" ", "")
            local = s.email.split("@")[0].rstrip("0123456789")
            assert local in {
                f"{first}.{last}",
                f"{first}{last}",
                f"{first[0]}{last}",
                f"{first}_{last}",
                first,
            }, s


def test_ascii_fold_spells_danish_letters_out() -> None:
    assert demo.ascii_fold("Ærø-Hansen") == "aeroe-hansen"
    assert demo.ascii_fold("Åse Søndergård") == "aase soendergaard"
    assert demo.ascii_fold("Gülcan") == "gulcan"


def test_danish_letters_appear_in_upper_and_lower_case(
    first_2000: list[demo.DemoBundle],
) -> None:
    text = "".join(f"{b.student.first_name} {b.student.last_name} " for b in first_2000)
    for letter in "æøåÆØÅ":
        assert letter in text, letter
    assert any(" " in b.student.first_name for b in first_2000)  # double first names
    assert any("-" in b.student.last_name for b in first_2000)  # hyphenated last names


def test_well_known_students_come_first_whatever_the_seed() -> None:
    for seed in (1, 2, 99):
        students = list(demo.iter_students(len(demo.WELL_KNOWN), seed, TODAY))
        assert [(s.first_name, s.last_name) for s in students] == list(demo.WELL_KNOWN)
        assert students[0].first_name == "Søren"
        assert students[0].last_name == "Jensen"
        assert (students[1].first_name, students[1].last_name) == ("Åse", "Ærø")


def test_a_search_for_aero_finds_an_aeroe_in_the_first_500_students() -> None:
    found = [
        s
        for s in demo.iter_students(500, SEED, TODAY)
        if "aero" in demo.ascii_fold(s.last_name) and s.last_name.startswith("Ærø")
    ]
    assert found


def test_well_known_students_are_in_their_documented_situations() -> None:
    soeren, aase, bjoern, frederikke, mikkel, mette = demo.iter_bundles(6, SEED, TODAY)
    assert [(i.amount_minor, i.due_date > TODAY) for i in soeren.invoices] == [(85_025, True)]
    assert soeren.payments == ()
    assert [s for _, s in states(aase)] == ["paid", "overdue", "open"]
    assert [s for _, s in states(bjoern)] == ["partially_paid"]
    assert {s for _, s in states(frederikke)} == {"paid"}
    assert mikkel.credit_minor == 55_000
    assert [s for _, s in states(mette)] == ["cancelled", "paid"]


def states(bundle: demo.DemoBundle) -> list[tuple[str, InvoiceStatus]]:
    paid = bundle.paid_by_invoice()
    return [
        (
            i.invoice_no,
            invoice_status(i.amount_minor, paid[i.invoice_no], i.cancelled, i.due_date, TODAY),
        )
        for i in bundle.invoices
    ]


def test_every_state_occurs_in_2000_students(first_2000: list[demo.DemoBundle]) -> None:
    students_with = collections.Counter[str]()
    for bundle in first_2000:
        seen: set[str] = {s.value for _, s in states(bundle)}
        if bundle.credit_minor > 0:
            seen.add("credit")
        students_with.update(seen)
    for state in ("open", "overdue", "partially_paid", "paid", "cancelled", "credit"):
        assert students_with[state] >= 10, (state, students_with)


def test_invoices_are_one_to_six_per_student_about_three_on_average(
    bundles: list[demo.DemoBundle],
) -> None:
    counts = [len(b.invoices) for b in bundles]
    assert min(counts) == 1
    assert max(counts) == 6
    assert 2.8 < sum(counts) / len(counts) < 3.2
    invoices = [i for b in bundles for i in b.invoices]
    assert 0.02 < sum(i.cancelled for i in invoices) / len(invoices) < 0.04
    assert {i.text for i in invoices} == {text for text, _ in demo.CATALOGUE}


def test_amounts_are_positive_and_some_need_cash_rounding(
    bundles: list[demo.DemoBundle],
) -> None:
    invoices = [i for b in bundles for i in b.invoices]
    payments = [p for b in bundles for p in b.payments]
    assert all(i.amount_minor > 0 for i in invoices)
    assert all(p.amount_minor > 0 for p in payments)
    assert any(i.amount_minor % 50 for i in invoices)
    assert any(p.amount_minor % 50 and p.method == "cash" for p in payments)


def test_payment_methods_are_mixed_like_a_real_desk(bundles: list[demo.DemoBundle]) -> None:
    methods = collections.Counter(p.method for b in bundles for p in b.payments)
    total = sum(methods.values())
    assert set(methods) == {"cash", "bank", "mobilepay"}
    assert 0.30 < methods["cash"] / total < 0.40
    assert 0.35 < methods["bank"] / total < 0.45
    assert 0.20 < methods["mobilepay"] / total < 0.30


def test_payments_only_pay_their_own_students_invoices(bundles: list[demo.DemoBundle]) -> None:
    for bundle in bundles:
        own = {i.invoice_no for i in bundle.invoices}
        for payment in bundle.payments:
            assert payment.student_no == bundle.student.student_no
            assert payment.invoice_nos
            assert set(payment.invoice_nos) <= own
        assert all(i.student_no == bundle.student.student_no for i in bundle.invoices)


def test_replaying_payments_oldest_due_first_gives_the_listed_allocations(
    bundles: list[demo.DemoBundle],
) -> None:
    for bundle in bundles[:5000]:
        paid = dict.fromkeys((i.invoice_no for i in bundle.invoices), 0)
        for index, payment in enumerate(bundle.payments):
            invoices = [
                Invoice(
                    id=k,
                    school_id=1,
                    student_id=1,
                    invoice_no=i.invoice_no,
                    text=i.text,
                    amount_minor=i.amount_minor,
                    paid_minor=paid[i.invoice_no],
                    currency="DKK",
                    due_date=i.due_date,
                    cancelled=i.cancelled,
                )
                for k, i in enumerate(bundle.invoices)
            ]
            plan = plan_allocation(payment.amount_minor, invoices, allow_credit=True)
            listed = [
                (a.invoice_no, a.amount_minor)
                for a in bundle.allocations
                if a.payment_index == index
            ]
            assert [(inv.invoice_no, amount) for inv, amount in plan.allocations] == listed
            assert tuple(no for no, _ in listed) == payment.invoice_nos
            # Only the last payment may leave a credit.
            if index < len(bundle.payments) - 1:
                assert plan.credit_minor == 0
            for inv, amount in plan.allocations:
                paid[inv.invoice_no] += amount
        assert paid == bundle.paid_by_invoice()


def test_dates_lie_in_the_18_months_before_today_in_order(
    bundles: list[demo.DemoBundle],
) -> None:
    earliest = TODAY - dt.timedelta(days=demo.HISTORY_DAYS)
    terms = collections.Counter[int]()
    for bundle in bundles:
        student = bundle.student
        assert student.created_at.utcoffset() == dt.timedelta(0)
        assert student.created_at <= bundle.invoices[0].issued_at
        issued = {i.invoice_no: i.issued_at for i in bundle.invoices}
        for prev, inv in zip(bundle.invoices, bundle.invoices[1:], strict=False):
            assert prev.issued_at < inv.issued_at
            assert prev.due_date <= inv.due_date
        for inv in bundle.invoices:
            assert inv.issued_at.utcoffset() == dt.timedelta(0)
            assert earliest <= local_day(inv.issued_at) < TODAY
            assert inv.due_date > local_day(inv.issued_at)
            terms[(inv.due_date - local_day(inv.issued_at)).days] += 1
        paid_at = [p.paid_at for p in bundle.payments]
        assert paid_at == sorted(paid_at)
        for payment in bundle.payments:
            assert payment.paid_at.utcoffset() == dt.timedelta(0)
            assert local_day(payment.paid_at) < TODAY
            assert all(payment.paid_at > issued[no] for no in payment.invoice_nos)
    assert terms.most_common(1)[0][0] == demo.PAYMENT_TERMS_DAYS


def test_chunked_generation_equals_the_slice_of_a_full_run(
    bundles: list[demo.DemoBundle],
) -> None:
    alone = list(demo.iter_bundles(1000, SEED, TODAY, start=5000))
    assert alone == bundles[5000:6000]
    assert demo.student_bundle(12_345, SEED, TODAY) == bundles[12_345]
    chunks = list(demo.iter_bundle_chunks(2500, SEED, TODAY, chunk_size=1000, start=5000))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    assert [b for c in chunks for b in c] == bundles[5000:7500]
    students = list(demo.iter_students(1000, SEED, TODAY, start=5000))
    assert students == [b.student for b in bundles[5000:6000]]


def test_out_of_range_requests_are_refused_at_once() -> None:
    with pytest.raises(InvalidInput):
        demo.iter_bundles(-1, SEED, TODAY)
    with pytest.raises(InvalidInput):
        demo.iter_students(2, SEED, TODAY, start=demo.MAX_STUDENTS - 1)
    with pytest.raises(InvalidInput):
        demo.iter_bundle_chunks(10, SEED, TODAY, chunk_size=0)
    with pytest.raises(InvalidInput):
        demo.student_bundle(-1, SEED, TODAY)
    with pytest.raises(InvalidInput):
        demo.invoice_no(0, 10)


def test_demo_school_has_danish_details() -> None:
    school = demo.demo_school()
    assert school == demo.demo_school(1)
    assert school.currency == "DKK"
    assert school.timezone == "Europe/Copenhagen"
    assert re.fullmatch(r"[a-z0-9-]+", school.slug)
    assert re.fullmatch(r".+ \d+, \d{4} .+", school.address)
    assert PHONE.match(school.phone)
    assert EMAIL.match(school.email)
    digits = [int(c) for c in school.cvr]
    assert len(digits) == 8
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    assert sum(w * d for w, d in zip(weights, digits, strict=True)) % 11 == 0
