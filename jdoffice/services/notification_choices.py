"""A school's notification settings as the use cases read and change them.

What is in force is the global defaults overlaid with the school's own choices
(:func:`effective_settings`); a change is checked, merged into what the school had and
audited (:func:`update_notification_settings`). The rules for the values themselves (senders,
languages, templates) are in :mod:`jdoffice.services.notification_settings`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from jdoffice.domain.errors import InvalidInput
from jdoffice.domain.model import Actor, AuditEntry, School
from jdoffice.domain.staff import Action
from jdoffice.services.notification_ports import utcnow
from jdoffice.services.notification_settings import (
    NotificationOverride,
    NotificationSettings,
    overlay_notifications,
    validate_language,
    validate_sender_address,
    validate_sender_name,
    validate_sms_sender,
    validate_templates,
)
from jdoffice.services.ports import UnitOfWork
from jdoffice.services.staff import acting


def effective_settings(uow: UnitOfWork, school: School) -> NotificationSettings:
    """Global defaults overlaid with the school's choices. Call inside an open unit of work."""
    return overlay_notifications(uow.notification_defaults, uow.notifications.settings(school.id))


def notification_settings(uow: UnitOfWork, school: School) -> NotificationSettings:
    with uow:
        return effective_settings(uow, school)


_SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(NotificationOverride))


def check_notification_changes(changes: Mapping[str, object]) -> dict[str, object]:
    """``changes`` checked and cleaned, without the ``None`` values.

    Raises:
        InvalidInput: an unknown setting, a malformed address, number, language or template.
    """
    unknown = set(changes) - _SETTING_NAMES
    if unknown:
        raise InvalidInput(f"unknown notification settings: {', '.join(sorted(unknown))}")
    out: dict[str, object] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key in ("email_enabled", "sms_enabled"):
            if not isinstance(value, bool):
                raise InvalidInput(f"{key.split('_')[0]} notifications are either on or off")
        elif key == "sender_name":
            value = validate_sender_name(str(value))
        elif key == "sender_address":
            value = validate_sender_address(str(value))
        elif key == "sms_sender":
            value = validate_sms_sender(str(value))
        elif key == "language":
            value = validate_language(str(value))
        elif key == "templates":
            if not isinstance(value, Mapping):
                raise InvalidInput("templates are given per language")
            value = validate_templates(value)
        out[key] = value
    return out


def update_notification_settings(
    uow: UnitOfWork,
    school: School,
    changes: Mapping[str, object],
    *,
    actor: Actor,
    now: dt.datetime | None = None,
) -> NotificationOverride:
    """Store the school's own choice for the given notification settings; templates are merged
    key by key into what the school had. Audited; a save that changes nothing writes nothing.

    Raises:
        InvalidInput: see :func:`check_notification_changes` (nothing is stored).
    """
    wanted = check_notification_changes(changes)
    when = now or utcnow()
    with uow.write():
        actor = acting(uow, school, Action.SETTINGS, actor)
        before = uow.notifications.settings(school.id) or NotificationOverride()
        if "templates" in wanted:
            merged = {lang: dict(t) for lang, t in (before.templates or {}).items()}
            for lang, texts in wanted["templates"].items():  # type: ignore[attr-defined]
                merged.setdefault(lang, {}).update(texts)
            wanted["templates"] = merged
        after = dataclasses.replace(before, **wanted)  # type: ignore[arg-type]
        if after == before:
            return before
        uow.notifications.save_settings(school.id, after, when)
        uow.audit.add(
            AuditEntry(
                school_id=school.id,
                action="settings.notifications_changed",
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
