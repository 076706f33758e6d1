"""QR codes for online payments, made with segno (PNG and SVG)."""

from __future__ import annotations

import io
from pathlib import Path

import segno

from jdoffice.domain.errors import InvalidInput

FORMATS = (".png", ".svg")


def make_qr(url: str) -> segno.QRCode:
    if not url or len(url) > 2000:
        raise InvalidInput("a QR code needs a URL of at most 2000 characters")
    # Error correction M survives a scratched or glare-covered screen; the full URL is encoded.
    return segno.make(url, error="m", micro=False)


def write_qr(url: str, path: Path, *, scale: int = 10) -> Path:
    """Write the QR code of ``url`` to ``path`` (``.png`` or ``.svg``)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(f"QR file must end in .png or .svg, not {path.name!r}")
    qr = make_qr(url)
    try:
        qr.save(str(path), scale=scale, border=4)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None
    return path


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """The QR code as PNG bytes (for a screen)."""
    buf = io.BytesIO()
    make_qr(url).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()
