"""Addresses, numbers, templates and configuration of notifications (no database, no network)."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from jdoffice.adapters.notify_config import (
    SmsProvider,
    load_notification_config,
    parse_smtp_url,
)
from jdoffice.adapters.secrets import Secret
from jdoffice.adapters.sms import TwilioSmsSender
from jdoffice.bootstrap import build_transports
from jdoffice.domain.contact import normalize_email, normalize_phone
from jdoffice.domain.errors import InvalidInput
from jdoffice.services.notification_settings import (
    DEFAULT_TEMPLATES,
    TEMPLATE_FIELDS,
    NotificationOverride,
    NotificationSettings,
    fill,
    overlay_notifications,
    validate_sms_sender,
    validate_template,
)
from jdoffice.services.notifications import DeliveryError, backoff, scrub

# --------------------------------------------------------------------------- addresses, numbers


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("21 34 56 78", "+4521345678"),
        ("21-34-56-78", "+4521345678"),
        ("+45 21 34 56 78", "+4521345678"),
        ("0045 2134 5678", "+4521345678"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
def test_phone_numbers_become_e164_with_45_for_eight_danish_digits(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "1234", "2134567", "+45 2134 567", "21 34 56 7a", "+0123456"]
)
def test_a_malformed_phone_number_is_refused_with_what_to_write(typed: str) -> None:
    with pytest.raises(InvalidInput, match="phone number") as refused:
        normalize_phone(typed)
    assert "empty" in str(refused.value) or "8 digits" in str(refused.value)


@pytest.mark.parametrize("typed", [" bo@kørskole.dk", "a.b+c@sub.example.com"])
def test_ordinary_addresses_are_accepted(typed: str) -> None:
    assert normalize_email(typed) == typed.strip()


def test_an_address_with_danish_letters_before_the_at_is_refused_with_the_reason() -> None:
    with pytest.raises(InvalidInput, match="the part before @ must be without æ, ø, å"):
        normalize_email("søren@example.dk")


@pytest.mark.parametrize(
    "typed",
    ["", "kontor@", "@example.dk", "a b@example.dk", "a@b", "a@@b.dk", "a@x..dk", "x@-a.dk"],
)
def test_a_malformed_address_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(InvalidInput, match="e-mail address"):
        normalize_email(typed)


@pytest.mark.parametrize(
    ("sender", "ok"),
    [("Koreskole", True), ("+45 21 34 56 78", True), ("Køreskole", False), ("123456", False)],
)
def test_an_sms_sender_is_a_number_or_a_short_ascii_name(sender: str, ok: bool) -> None:
    if ok:
        assert validate_sms_sender(sender)
    else:
        with pytest.raises(InvalidInput, match="not a valid SMS sender"):
            validate_sms_sender(sender)


# --------------------------------------------------------------------------- templates


def test_every_built_in_template_is_valid_in_both_languages() -> None:
    for texts in DEFAULT_TEMPLATES.values():
        assert set(texts) == set(TEMPLATE_FIELDS)
        for key, text in texts.items():
            assert validate_template(key, text) == text


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("payment_sms", "{school.__class__}", "is not a field"),
        ("payment_sms", "{amount!r}", "is not a field"),
        ("payment_sms", "{url}", "is not a field"),
        ("payment_sms", "Tak {", "braces"),
        ("payment_sms", "x" * 500, "too long"),
        ("payment_subject", "a\nb", "one line"),
        ("nothing", "x", "unknown template"),
    ],
)
def test_a_template_that_could_fail_or_leak_is_refused(key: str, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        validate_template(key, text)


def test_filling_keeps_one_full_stop_after_an_amount_in_kroner() -> None:
    text = fill(
        "Tak for {amount}. Kvittering nr. {receipt_no}.",
        {"amount": "850,25 kr.", "receipt_no": "7"},
    )
    assert text == "Tak for 850,25 kr. Kvittering nr. 7."


def test_a_schools_templates_are_merged_over_the_global_ones_text_by_text() -> None:
    defaults = NotificationSettings(templates={"da": {"payment_sms": "global", "refund_sms": "g2"}})
    school = NotificationOverride(sms_enabled=True, templates={"da": {"payment_sms": "skolen"}})

    merged = overlay_notifications(defaults, school)

    assert merged.sms_enabled
    assert merged.template("da", "payment_sms") == "skolen"
    assert merged.template("da", "refund_sms") == "g2"
    assert merged.template("en", "refund_sms") == DEFAULT_TEMPLATES["en"]["refund_sms"]


def test_retries_back_off_exponentially_up_to_six_hours() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(50).total_seconds() == 6 * 3600


# --------------------------------------------------------------------------- configuration


def test_smtp_urls_give_starttls_or_tls_and_never_show_a_password() -> None:
    plain = parse_smtp_url("smtp://kontor@mail.example.dk")
    assert (plain.host, plain.port, plain.security, plain.username) == (
        "mail.example.dk",
        587,
        "starttls",
        "kontor",
    )
    tls = parse_smtp_url("smtps://kontor%40skole.dk:hemmelig@mail.example.dk:2465")
    assert (tls.port, tls.security, tls.username) == (2465, "ssl", "kontor@skole.dk")
    assert tls.url_password == Secret("hemmelig")
    assert "hemmelig" not in repr(tls)
    assert "hemmelig" not in tls.display()
    with pytest.raises(InvalidInput, match="not an SMTP URL") as refused:
        parse_smtp_url("http://kontor:hemmelig@mail.example.dk")
    assert "hemmelig" not in str(refused.value)


def test_the_environment_turns_channels_on_and_wins_over_the_file(tmp_path: Path) -> None:
    data = {
        "notifications": {"email": False, "language": "en"},
        "smtp": {"url": "smtp://a@file.example.dk", "from": "file@example.dk"},
    }
    env = {
        "JDOFFICE_SMTP_URL": "smtps://desk@env.example.dk",
        "JDOFFICE_MAIL_FROM": "kontor@env.example.dk",
        "JDOFFICE_SMS_ACCOUNT": "AC42",
        "JDOFFICE_SMS_FROM": "+4512345678",
    }

    config = load_notification_config(data, env, tmp_path / "config.toml")

    assert config.settings.email_enabled
    assert config.settings.sms_enabled
    assert config.settings.language == "en"
    assert config.settings.sender_address == "kontor@env.example.dk"
    assert config.settings.sms_sender == "+4512345678"
    assert config.smtp is not None
    assert (config.smtp.host, config.smtp.security) == ("env.example.dk", "ssl")
    assert config.sms == SmsProvider("https://api.twilio.com", "AC42", 10.0)


def test_nothing_configured_means_both_channels_off() -> None:
    config = load_notification_config({}, {})
    assert not config.settings.email_enabled
    assert not config.settings.sms_enabled
    assert config.smtp is None
    assert config.sms is None
    transports = build_transports(config, "skole")
    assert transports.mail is None
    assert "JDOFFICE_SMTP_URL" in transports.missing["email"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"JDOFFICE_MAIL_FROM": "kontor@"}, "JDOFFICE_MAIL_FROM: not a valid sender address"),
        ({"JDOFFICE_SMS_FROM": "12"}, "JDOFFICE_SMS_FROM: not a valid SMS sender"),
        ({"JDOFFICE_SMTP_URL": "mail.example.dk"}, "JDOFFICE_SMTP_URL: not an SMTP URL"),
        ({"JDOFFICE_SMS_API_BASE": "localhost:8080"}, "JDOFFICE_SMS_API_BASE: not a web address"),
    ],
)
def test_a_malformed_setting_in_the_environment_names_the_variable(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_notification_config({}, env)


# --------------------------------------------------------------------------- the SMS request


def test_an_sms_is_a_form_post_with_basic_auth_in_utf8() -> None:
    seen: list[httpx.Request] = []

    def provider(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"sid": "SM1", "status": "queued"})

    sender = TwilioSmsSender(
        SmsProvider("https://sms.example.dk/", "AC42"),
        Secret("tok-3"),
        transport=httpx.MockTransport(provider),
    )

    assert sender.send("+4521345678", "Østerbro: Tak for 850,25 kr. – æøå", "Koreskole") == "SM1"

    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == "https://sms.example.dk/2010-04-01/Accounts/AC42/Messages.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"AC42:tok-3").decode()
    assert parse_qs(request.content.decode("ascii")) == {
        "To": ["+4521345678"],
        "From": ["Koreskole"],
        "Body": ["Østerbro: Tak for 850,25 kr. – æøå"],
    }


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (429, False), (503, False)])
def test_the_providers_answer_says_whether_trying_again_can_help(
    status: int, permanent: bool
) -> None:
    sender = TwilioSmsSender(
        SmsProvider("https://sms.example.dk", "AC42"),
        Secret("tok-3"),
        transport=httpx.MockTransport(
            lambda _r: httpx.Response(status, json={"code": 21211, "message": "Invalid 'To'"})
        ),
    )
    with pytest.raises(
        DeliveryError, match=f"answered {status}: Invalid 'To' \\(code 21211\\)"
    ) as e:
        sender.send("+4521345678", "x", "K")
    assert e.value.permanent is permanent


def test_scrubbing_blanks_secrets_in_plain_base64_and_url_quoted_form() -> None:
    secret = "pa ss/wørd"
    text = (
        f"login {secret} failed; AUTH {base64.b64encode(secret.encode()).decode()}; "
        "url ?p=pa%20ss%2Fw%C3%B8rd and pa+ss%2Fw%C3%B8rd"
    )
    cleaned = scrub(text, [secret])
    assert "pa ss" not in cleaned
    assert "cGEgc3" not in cleaned
    assert "w%C3%B8rd" not in cleaned
    assert cleaned.count("****") == 4
