"""A school's own settings: the receipt header (name, address, CVR) and the payment settings.

Both are changed in one write transaction that also writes an audit row with what was there
before and what is there after; a save that changes nothing writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from jdoffice.domain.errors import InvalidInput, NotFound
from jdoffice.domain.model import UTC, Actor, AuditEntry, School
from jdoffice.domain.staff import Action
from jdoffice.services.notification_settings import NotificationOverride
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.settings import (
    SettingsOverride,
    split_gateways,
    validate_expiry,
    validate_mode,
    validate_url,
)
from jdoffice.services.staff import acting

#: Longest school name and address the ``schools`` table holds.
NAME_MAX = 200
ADDRESS_MAX = 300
ADDRESS_MAX_LINES = 4

_CVR = re.compile(r"\d{8}")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ReceiptHeader:
    """What every receipt prints about the school (docs/architecture.md, "Invariants")."""

    name: str
    address: str
    cvr: str

    @classmethod
    def of(cls, school: School) -> ReceiptHeader:
        return cls(school.name, school.address, school.cvr)


def normalize_cvr(text: str) -> str:
    """A Danish CVR number as 8 digits: ``"DK 1234 5678"`` → ``"12345678"``.

    Raises:
        InvalidInput: not 8 digits.
    """
    compact = "".join(text.split())
    if compact[:2].upper() == "DK":
        compact = compact[2:]
    if not _CVR.fullmatch(compact) or not compact.isascii():
        raise InvalidInput(f"a CVR number is 8 digits, not {text.strip()!r}")
    return compact


def _no_control(text: str, what: str, *, newlines: bool = False) -> str:
    for char in text:
        if char == "\n" and newlines:
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            raise InvalidInput(f"{what} contains control characters")
    return text


def validate_header(name: str, address: str, cvr: str) -> ReceiptHeader:
    """The header as stored: trimmed, address lines without blank ones, CVR as 8 digits.

    Raises:
        InvalidInput: empty name, too long, control characters, or a CVR that is not 8 digits.
    """
    clean_name = " ".join(name.split())
    if not clean_name:
        raise InvalidInput("the school's name is empty")
    if len(clean_name) > NAME_MAX:
        raise InvalidInput(f"the school's name is longer than {NAME_MAX} characters")
    _no_control(clean_name, "the school's name")
    lines = [" ".join(line.split()) for line in address.replace("\r\n", "\n").split("\n")]
    clean_address = "\n".join(line for line in lines if line)
    if not clean_address:
        raise InvalidInput("the school's address is empty; a receipt must show it")
    if len(clean_address) > ADDRESS_MAX:
        raise InvalidInput(f"the address is longer than {ADDRESS_MAX} characters")
    if clean_address.count("\n") >= ADDRESS_MAX_LINES:
        raise InvalidInput(f"the address has more than {ADDRESS_MAX_LINES} lines")
    _no_control(clean_address, "the address", newlines=True)
    return ReceiptHeader(clean_name, clean_address, normalize_cvr(cvr))


def update_receipt_header(
    uow: UnitOfWork,
    school: School,
    *,
    name: str,
    address: str,
    cvr: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> School:
    """Change the school's name, address and CVR as receipts print them.

    Receipts issued from now on carry the new header; issued receipts keep theirs (a reprint
    is identical to the original).

    Returns:
        The school as stored.

    Raises:
        InvalidInput: see :func:`validate_header`.
        NotFound: the school is gone.
    """
    wanted = validate_header(name, address, cvr)
    when = _now(now)
    with uow.write():
        actor = acting(uow, school, Action.SETTINGS, actor)
        current = uow.schools.get(school.id)
        if current is None:
            raise NotFound(f"school {school.slug} no longer exists")
        before = ReceiptHeader.of(current)
        if before == wanted:
            return current
        stored = uow.schools.update_header(
            school.id, name=wanted.name, address=wanted.address, cvr=wanted.cvr, now=when
        )
        if stored is None:
            raise NotFound(f"school {school.slug} no longer exists")
        _audit_change(uow, school, "school.receipt_header_changed", actor, when, before, wanted)
        uow.commit()
    return stored


_SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(SettingsOverride))


def check_payment_changes(
    changes: Mapping[str, object],
    gateways: Collection[str] | None = None,
    options: Mapping[str, Collection[str]] | None = None,
) -> dict[str, object]:
    """``changes`` checked and cleaned, without the ``None`` values.

    Raises:
        InvalidInput: an unknown setting, an unknown gateway or a value out of range.
    """
    unknown = set(changes) - _SETTING_NAMES
    if unknown:
        raise InvalidInput(f"unknown payment settings: {', '.join(sorted(unknown))}")
    out: dict[str, object] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "online_enabled":
            if not isinstance(value, bool):
                raise InvalidInput("online payments are either on or off")
        elif key == "gateway":
            # One name, or several (a list, or comma-separated): the first is the default.
            names = split_gateways(
                ",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
            )
            if not names:
                raise InvalidInput(f"a gateway name is 1 to 32 characters, not {value!r}")
            for name in names:
                if len(name) > 32 or "," in name:
                    raise InvalidInput(f"a gateway name is 1 to 32 characters, not {name!r}")
                if gateways is not None and name not in gateways:
                    known = ", ".join(sorted(gateways)) or "none installed"
                    raise InvalidInput(f"unknown online gateway {name!r} (known: {known})")
            value = ",".join(names)
            if len(value) > 32:
                raise InvalidInput(f"too many online gateways at once: {', '.join(names)}")
        elif key == "gateway_options":
            value = _check_gateway_options(value, options)
        elif key == "checkout_expiry_minutes":
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInput("the checkout expiry is a whole number of minutes")
            validate_expiry(value)
        elif key == "success_url":
            value = validate_url(str(value).strip())
        elif key == "mode":
            value = validate_mode(str(value))
        out[key] = value
    return out


#: The longest value of a gateway's own setting (a client id, a merchant serial number).
GATEWAY_OPTION_MAX = 200


def _check_gateway_options(
    value: object, options: Mapping[str, Collection[str]] | None
) -> dict[str, dict[str, str]]:
    """Gateway name → option → text, each option one its gateway declares ('' removes it)."""
    if not isinstance(value, Mapping):
        raise InvalidInput("gateway settings are given per gateway")
    out: dict[str, dict[str, str]] = {}
    for gateway, section in value.items():
        if not isinstance(section, Mapping):
            raise InvalidInput(f"settings for {gateway} are given as option = value")
        name = str(gateway).strip()
        if options is not None and name not in options:
            known = ", ".join(sorted(options)) or "none installed"
            raise InvalidInput(f"unknown online gateway {name!r} (known: {known})")
        for key, raw in section.items():
            if options is not None and key not in options[name]:
                known = ", ".join(sorted(options[name])) or "none"
                raise InvalidInput(f"{name} has no setting {key!r} (known: {known})")
            text = str(raw).strip()
            if len(text) > GATEWAY_OPTION_MAX or any(not c.isprintable() for c in text):
                raise InvalidInput(
                    f"{name}.{key}: at most {GATEWAY_OPTION_MAX} printable characters"
                )
            out.setdefault(name, {})[str(key)] = text
    return out


def _merge_options(
    before: Mapping[str, Mapping[str, str]] | None, changes: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, str]] | None:
    merged = {name: dict(section) for name, section in (before or {}).items()}
    for name, section in changes.items():
        mine = merged.setdefault(name, {})
        for key, text in section.items():
            if text:
                mine[key] = text
            else:
                mine.pop(key, None)
    kept = {name: section for name, section in merged.items() if section}
    return kept or None


def update_payment_settings(
    uow: UnitOfWork,
    school: School,
    changes: Mapping[str, object],
    *,
    actor: Actor,
    gateways: Collection[str] | None = None,
    options: Mapping[str, Collection[str]] | None = None,
    now: dt.datetime | None = None,
) -> SettingsOverride:
    """Store the school's own choice for the given payment settings (the others keep what the
    school had, or the global default).

    Args:
        changes: field names of :class:`SettingsOverride` → new value; ``None`` values are
            skipped.
        gateways: the installed online gateways; a gateway not among them is refused.
        options: each installed online gateway's setting names (``gateway_options`` are
            checked against them; a value ``""`` removes the school's own).

    Returns:
        The school's settings as stored.

    Raises:
        InvalidInput: an unknown setting or a value out of range (nothing is stored).
    """
    wanted = check_payment_changes(changes, gateways, options)
    when = _now(now)
    with uow.write():
        need = Action.TEST_LIVE if "mode" in wanted else Action.SETTINGS
        actor = acting(uow, school, need, actor)
        before = uow.settings.get(school.id) or SettingsOverride()
        if "gateway_options" in wanted:
            wanted["gateway_options"] = _merge_options(
                before.gateway_options,
                wanted["gateway_options"],  # type: ignore[arg-type]
            )
        after = dataclasses.replace(before, **wanted)  # type: ignore[arg-type]
        if after == before:
            return before
        uow.settings.save(school.id, after, when)
        uow.audit.add(
            AuditEntry(
                school_id=school.id,
                action="settings.payments_changed",
                entity="school",
                entity_id=school.slug,
                actor=actor,
                at=when,
                before=dataclasses.asdict(before),
                after=dataclasses.asdict(after),
            )
        )
        uow.commit()
    return after


# --- what else a receipt says about the school ------------------------------------------------

#: Where a school's receipt details are kept: a key of its own in the per-school settings
#: store of the notification settings (a JSON column), so no schema change is needed. The key
#: is not a language, so no message template is ever looked up under it.
RECEIPT_DETAILS_KEY = "receipt"
WEB_MAX = 200
VAT_LINE_MAX = 120


@dataclass(frozen=True, slots=True)
class ReceiptDetails:
    """What a receipt prints about the school beyond its header: the web address and the VAT
    line the school chooses ("Momsfritaget undervisning", "Heraf moms 25 %: …"). Phone and
    e-mail are the school's own (``schools.phone``, ``schools.email``)."""

    web: str = ""
    vat_line: str = ""


def receipt_details(uow: UnitOfWork, school: School) -> ReceiptDetails:
    """The school's receipt details as stored (inside the caller's transaction)."""
    override = uow.notifications.settings(school.id)
    stored = (override.templates or {}).get(RECEIPT_DETAILS_KEY, {}) if override else {}
    return ReceiptDetails(web=str(stored.get("web", "")), vat_line=str(stored.get("vat_line", "")))


def receipt_extra(school: School, details: ReceiptDetails) -> dict[str, str]:
    """The contact and VAT lines a receipt carries, as stored on its body (``extra``): only
    what the school has, so a receipt never prints an empty label."""
    extra = {
        "school_phone": school.phone.strip(),
        "school_email": school.email.strip(),
        "school_web": details.web,
        "vat_line": details.vat_line,
    }
    return {k: v for k, v in extra.items() if v}


def validate_details(web: str, vat_line: str) -> ReceiptDetails:
    """The details as stored: one line each, trimmed.

    Raises:
        InvalidInput: too long, or control characters.
    """
    clean_web = " ".join(web.split())
    clean_vat = " ".join(vat_line.split())
    if len(clean_web) > WEB_MAX or " " in clean_web:
        raise InvalidInput(f"the web address is one word of at most {WEB_MAX} characters")
    if len(clean_vat) > VAT_LINE_MAX:
        raise InvalidInput(f"the VAT line is longer than {VAT_LINE_MAX} characters")
    _no_control(clean_web, "the web address")
    _no_control(clean_vat, "the VAT line")
    return ReceiptDetails(web=clean_web, vat_line=clean_vat)


def update_receipt_details(
    uow: UnitOfWork,
    school: School,
    *,
    web: str | None = None,
    vat_line: str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> ReceiptDetails:
    """Change the web address and the VAT line receipts print (``None`` keeps what is there;
    ``""`` removes it). Issued receipts keep theirs; the change is audited.

    Raises:
        InvalidInput: see :func:`validate_details`.
    """
    when = _now(now)
    with uow.write():
        actor = acting(uow, school, Action.SETTINGS, actor)
        before = receipt_details(uow, school)
        wanted = validate_details(
            before.web if web is None else web, before.vat_line if vat_line is None else vat_line
        )
        if wanted == before:
            return before
        override = uow.notifications.settings(school.id) or NotificationOverride()
        templates = {lang: dict(texts) for lang, texts in (override.templates or {}).items()}
        templates[RECEIPT_DETAILS_KEY] = {k: v for k, v in dataclasses.asdict(wanted).items() if v}
        uow.notifications.save_settings(
            school.id, dataclasses.replace(override, templates=templates), when
        )
        _audit_change(uow, school, "school.receipt_details_changed", actor, when, before, wanted)
        uow.commit()
    return wanted


def _audit_change(
    uow: UnitOfWork,
    school: School,
    action: str,
    actor: Actor,
    when: dt.datetime,
    before: Any,
    after: Any,
) -> None:
    """One audit row for a change of the school's own details (``before``/``after`` are
    dataclasses, stored field by field)."""
    uow.audit.add(
        AuditEntry(
            school_id=school.id,
            action=action,
            entity="school",
            entity_id=school.slug,
            actor=actor,
            at=when,
            before=dataclasses.asdict(before),
            after=dataclasses.asdict(after),
        )
    )
