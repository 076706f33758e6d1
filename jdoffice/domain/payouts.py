"""Provider payouts as jdoffice keeps them (issue 15): each payout a provider made to the
school's bank, and each item it settles, matched to the payment or refund jdoffice recorded.

The books derive the fee and transfer postings from these rows
(:class:`jdoffice.domain.postings.PayoutBooking`); an item that matches nothing jdoffice
knows (a charge made outside jdoffice, a dispute, an adjustment) is listed for staff and
posted nowhere.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class Match(enum.StrEnum):
    """What a payout's item was matched to."""

    PAYMENT = "payment"  # a payment jdoffice recorded (its fee is posted)
    REFUND = "refund"  # a refund jdoffice recorded (its fee, if any, is posted)
    FEE = "fee"  # a fee of its own (posted as a fee)
    PAYOUT = "payout"  # the payout's own entry (the transfer is posted from the payout)
    UNMATCHED = "unmatched"  # listed for staff; posted nowhere
    #: A payment or refund of another school: the provider account is shared by several
    #: schools, and a payout of it is posted in no school's books (listed for staff to split).
    OTHER_SCHOOL = "other_school"


#: The matches whose fee the books post.
POSTED_FEES = frozenset({Match.PAYMENT, Match.REFUND, Match.FEE})
#: The matches listed for staff.
LISTED = frozenset({Match.UNMATCHED, Match.OTHER_SCHOOL})


@dataclass(frozen=True, slots=True)
class StoredPayout:
    id: int
    school_id: int
    gateway: str
    ref: str
    amount_minor: int
    currency: str
    status: str
    created: dt.datetime
    arrival: dt.date
    #: All its items are stored (or it has none the provider can list).
    items_stored: bool
    #: It has been seen paid: the transfer to the bank is posted (and stays posted; a later
    #: failure is the provider's own entry in a later payout, listed for staff).
    transferred: bool
    note: str = ""
    fetched_at: dt.datetime | None = None
    #: When a manager released it while it was held (the books post it all the same).
    released_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredItem:
    id: int
    school_id: int
    payout_id: int
    payout_ref: str
    gateway: str
    ref: str
    kind: str
    type: str
    category: str
    amount_minor: int
    fee_minor: int
    net_minor: int
    currency: str
    created: dt.datetime
    match: Match
    source_ref: str | None = None
    payment_ref: str | None = None
    refund_ref: str | None = None
    payment_id: str | None = None
    refund_id: str | None = None
    #: Why it is unmatched (for staff).
    reason: str = ""
    description: str = ""
