"""The Webhooks API's request signature, as Vipps MobilePay documents it
(developer.vippsmobilepay.com, Webhooks API → "Request authentication"):

* ``x-ms-content-sha256`` is the base64 of the SHA-256 of the raw body; it must match the body.
* The signed text is ``"POST\\n" + path-and-query + "\\n" + x-ms-date + ";" + host + ";" +
  content-hash`` (the method of the request; webhooks are always POST).
* ``Authorization`` is ``HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=``
  followed by the base64 of HMAC-SHA256(secret as UTF-8 text, signed text).
* The documented sample (secret ``A0+AeKBR…/A==``, path ``/e2cee29b-…``, date
  ``Thu, 30 Mar 2023 08:38:32 GMT``, host ``webhook.site``) gives the signature
  ``agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=``; the tests check this module against it.

The API does not bound how old ``x-ms-date`` may be; jdoffice refuses a date more than
:data:`DATE_TOLERANCE_S` from its own clock either way, so a captured request cannot be
replayed later.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
from collections.abc import Mapping

from jdoffice.services.gateways import InvalidSignature

DATE_TOLERANCE_S = 300
SIGNED_HEADERS = "x-ms-date;host;x-ms-content-sha256"
SCHEME = "HMAC-SHA256"


def content_hash(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def signature(
    secret: str, method: str, path_and_query: str, date: str, host: str, digest: str
) -> str:
    signed = f"{method}\n{path_and_query}\n{date};{host};{digest}"
    mac = hmac.new(secret.encode("utf-8"), signed.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def authorization(
    secret: str, method: str, path_and_query: str, date: str, host: str, digest: str
) -> str:
    sig = signature(secret, method, path_and_query, date, host, digest)
    return f"{SCHEME} SignedHeaders={SIGNED_HEADERS}&Signature={sig}"


def http_date(when: dt.datetime) -> str:
    """``when`` as the RFC 1123 date the API sends in ``x-ms-date``."""
    return email.utils.format_datetime(when.astimezone(dt.UTC), usegmt=True)


def signed_headers(
    secret: str, body: bytes, url_host: str, path_and_query: str, when: dt.datetime
) -> dict[str, str]:
    """The headers a notification to ``url_host`` + ``path_and_query`` carries."""
    date = http_date(when)
    digest = content_hash(body)
    return {
        "x-ms-date": date,
        "x-ms-content-sha256": digest,
        "authorization": authorization(secret, "POST", path_and_query, date, url_host, digest),
        "content-type": "application/json",
    }


def verify(secret: str, body: bytes, headers: Mapping[str, str], now: dt.datetime) -> None:
    """Check a notification's content hash, date and HMAC.

    ``headers`` holds lower-case header names plus ``:method`` and ``:path``.

    Raises:
        InvalidSignature: no secret, a header missing, the body changed, the date too far
            from ``now``, or a signature that does not match.
    """
    if not secret:
        raise InvalidSignature("no MobilePay webhook secret is configured for this school")
    date = headers.get("x-ms-date", "")
    given_hash = headers.get("x-ms-content-sha256", "")
    host = headers.get("host", "")
    given_auth = headers.get("authorization", "")
    method = headers.get(":method", "")
    path = headers.get(":path", "")
    if not (date and given_hash and host and given_auth and method and path):
        raise InvalidSignature("MobilePay notification without its signature headers")
    digest = content_hash(body)
    if not hmac.compare_digest(given_hash.encode(), digest.encode()):
        raise InvalidSignature("MobilePay notification body does not match its content hash")
    try:
        signed_at = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        raise InvalidSignature("MobilePay notification with an unreadable x-ms-date") from None
    if signed_at.tzinfo is None:
        raise InvalidSignature("MobilePay notification date without a time zone")
    if abs((now - signed_at).total_seconds()) > DATE_TOLERANCE_S:
        raise InvalidSignature(
            f"MobilePay notification dated more than {DATE_TOLERANCE_S} s from now "
            "(clock skew or a replay)"
        )
    expected = authorization(secret, method.upper(), path, date, host, digest)
    if not hmac.compare_digest(given_auth.strip().encode(), expected.encode()):
        raise InvalidSignature("bad MobilePay signature")
