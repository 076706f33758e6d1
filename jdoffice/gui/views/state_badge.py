"""A large round badge that says at a glance how a payment stands (paid, problem, expired).

Painted, not a font glyph: check marks and clocks are missing from some desk PCs' fonts.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class Badge(enum.Enum):
    BUSY = "busy"
    PAID = "paid"
    WARNING = "warning"
    EXPIRED = "expired"
    FAILED = "failed"


_COLORS = {
    Badge.BUSY: QColor("#6b7280"),
    Badge.PAID: QColor("#1a7f37"),
    Badge.WARNING: QColor("#b35900"),
    Badge.EXPIRED: QColor("#6b7280"),
    Badge.FAILED: QColor("#b42318"),
}


class StateBadge(QWidget):
    """A filled circle with a white symbol."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kind = Badge.BUSY
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def kind(self) -> Badge:
        return self._kind

    def set_kind(self, kind: Badge) -> None:
        self._kind = kind
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(200, 200)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        side = min(self.width(), self.height()) * 0.6
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(_COLORS[self._kind])
        p.drawEllipse(box)
        pen = QPen(QColor("white"), side * 0.09)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)

        def at(x: float, y: float) -> QPointF:
            return QPointF(box.left() + x * side, box.top() + y * side)

        if self._kind is Badge.PAID:
            p.drawPolyline([at(0.28, 0.52), at(0.44, 0.68), at(0.73, 0.36)])
        elif self._kind is Badge.WARNING:
            p.drawLine(at(0.5, 0.26), at(0.5, 0.58))
            p.drawPoint(at(0.5, 0.74))
        elif self._kind is Badge.FAILED:
            p.drawLine(at(0.33, 0.33), at(0.67, 0.67))
            p.drawLine(at(0.67, 0.33), at(0.33, 0.67))
        elif self._kind is Badge.EXPIRED:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(QRectF(at(0.24, 0.24), at(0.76, 0.76)))
            p.drawPolyline([at(0.5, 0.34), at(0.5, 0.5), at(0.62, 0.58)])
        else:
            for x in (0.32, 0.5, 0.68):
                p.drawPoint(at(x, 0.5))
        p.end()
