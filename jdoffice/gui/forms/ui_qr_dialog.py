# mypy: ignore-errors
# GENERATED FILE: do not edit.
# Source: ui/qr_dialog.ui. Regenerate with `uv run python -m jdoffice.gui.forms.build`.
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'qr_dialog.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QHBoxLayout,
    QLabel, QPushButton, QSizePolicy, QSpacerItem,
    QStackedWidget, QVBoxLayout, QWidget)

from jdoffice.gui.views.state_badge import StateBadge
from jdoffice.gui.widgets import ElidedLabel

class Ui_QrDialog(object):
    def setupUi(self, QrDialog):
        if not QrDialog.objectName():
            QrDialog.setObjectName(u"QrDialog")
        QrDialog.setModal(True)
        self.rootLayout = QHBoxLayout(QrDialog)
        self.rootLayout.setSpacing(24)
        self.rootLayout.setObjectName(u"rootLayout")
        self.rootLayout.setContentsMargins(20, 20, 20, 20)
        self.visual = QStackedWidget(QrDialog)
        self.visual.setObjectName(u"visual")
        self.badge = StateBadge()
        self.badge.setObjectName(u"badge")
        self.visual.addWidget(self.badge)
        self.qr_label = QLabel()
        self.qr_label.setObjectName(u"qr_label")
        self.qr_label.setStyleSheet(u"background: white;")
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.visual.addWidget(self.qr_label)

        self.rootLayout.addWidget(self.visual, 0, Qt.AlignmentFlag.AlignTop)

        self.infoLayout = QVBoxLayout()
        self.infoLayout.setSpacing(8)
        self.infoLayout.setObjectName(u"infoLayout")
        self.student_label = QLabel(QrDialog)
        self.student_label.setObjectName(u"student_label")
        self.student_label.setWordWrap(True)
        self.student_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.infoLayout.addWidget(self.student_label)

        self.title_label = QLabel(QrDialog)
        self.title_label.setObjectName(u"title_label")
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.infoLayout.addWidget(self.title_label)

        self.titleGap = QSpacerItem(0, 6, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)

        self.infoLayout.addItem(self.titleGap)

        self.amount_label = QLabel(QrDialog)
        self.amount_label.setObjectName(u"amount_label")
        self.amount_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.infoLayout.addWidget(self.amount_label)

        self.invoice_label = QLabel(QrDialog)
        self.invoice_label.setObjectName(u"invoice_label")
        self.invoice_label.setWordWrap(True)
        self.invoice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.infoLayout.addWidget(self.invoice_label)

        self.choice_box = QWidget(QrDialog)
        self.choice_box.setObjectName(u"choice_box")
        self.choiceLayout = QVBoxLayout(self.choice_box)
        self.choiceLayout.setObjectName(u"choiceLayout")
        self.choiceLayout.setContentsMargins(0, 0, 0, 0)
        self.choice_caption = QLabel(self.choice_box)
        self.choice_caption.setObjectName(u"choice_caption")

        self.choiceLayout.addWidget(self.choice_caption)

        self.invoice_combo = QComboBox(self.choice_box)
        self.invoice_combo.setObjectName(u"invoice_combo")
        self.invoice_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

        self.choiceLayout.addWidget(self.invoice_combo)


        self.infoLayout.addWidget(self.choice_box)

        self.amountGap = QSpacerItem(0, 12, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)

        self.infoLayout.addItem(self.amountGap)

        self.countdown_label = QLabel(QrDialog)
        self.countdown_label.setObjectName(u"countdown_label")
        self.countdown_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.infoLayout.addWidget(self.countdown_label)

        self.status_label = QLabel(QrDialog)
        self.status_label.setObjectName(u"status_label")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignLeft|Qt.AlignmentFlag.AlignTop)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.infoLayout.addWidget(self.status_label)

        self.infoStretch = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.infoLayout.addItem(self.infoStretch)

        self.link_label = ElidedLabel(QrDialog)
        self.link_label.setObjectName(u"link_label")

        self.infoLayout.addWidget(self.link_label)

        self.sent_label = QLabel(QrDialog)
        self.sent_label.setObjectName(u"sent_label")
        self.sent_label.setWordWrap(True)
        self.sent_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.infoLayout.addWidget(self.sent_label)

        self.buttonsGap = QSpacerItem(0, 6, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)

        self.infoLayout.addItem(self.buttonsGap)

        self.buttonRow = QHBoxLayout()
        self.buttonRow.setObjectName(u"buttonRow")
        self.choose_button = QPushButton(QrDialog)
        self.choose_button.setObjectName(u"choose_button")
        self.choose_button.setAutoDefault(False)

        self.buttonRow.addWidget(self.choose_button)

        self.buttonStretch = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttonRow.addItem(self.buttonStretch)

        self.copy_button = QPushButton(QrDialog)
        self.copy_button.setObjectName(u"copy_button")
        self.copy_button.setAutoDefault(False)

        self.buttonRow.addWidget(self.copy_button)

        self.sms_button = QPushButton(QrDialog)
        self.sms_button.setObjectName(u"sms_button")
        self.sms_button.setAutoDefault(False)

        self.buttonRow.addWidget(self.sms_button)

        self.email_button = QPushButton(QrDialog)
        self.email_button.setObjectName(u"email_button")
        self.email_button.setAutoDefault(False)

        self.buttonRow.addWidget(self.email_button)

        self.receipt_button = QPushButton(QrDialog)
        self.receipt_button.setObjectName(u"receipt_button")
        self.receipt_button.setAutoDefault(False)

        self.buttonRow.addWidget(self.receipt_button)

        self.manual_button = QPushButton(QrDialog)
        self.manual_button.setObjectName(u"manual_button")
        self.manual_button.setAutoDefault(False)

        self.buttonRow.addWidget(self.manual_button)

        self.retry_button = QPushButton(QrDialog)
        self.retry_button.setObjectName(u"retry_button")
        self.retry_button.setAutoDefault(False)

        self.buttonRow.addWidget(self.retry_button)

        self.cancel_button = QPushButton(QrDialog)
        self.cancel_button.setObjectName(u"cancel_button")
        self.cancel_button.setAutoDefault(False)

        self.buttonRow.addWidget(self.cancel_button)

        self.close_button = QPushButton(QrDialog)
        self.close_button.setObjectName(u"close_button")
        self.close_button.setAutoDefault(False)

        self.buttonRow.addWidget(self.close_button)

        self.buttonRow.setStretch(1, 1)

        self.infoLayout.addLayout(self.buttonRow)

        self.infoLayout.setStretch(9, 1)

        self.rootLayout.addLayout(self.infoLayout)

        self.rootLayout.setStretch(1, 1)
#if QT_CONFIG(shortcut)
        self.choice_caption.setBuddy(self.invoice_combo)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(QrDialog)
    # setupUi

    def retranslateUi(self, QrDialog):
#if QT_CONFIG(accessibility)
        self.qr_label.setAccessibleName(QCoreApplication.translate("QrDialog", u"QR-kode til betaling", None))
#endif // QT_CONFIG(accessibility)
        self.choice_caption.setText(QCoreApplication.translate("QrDialog", u"&Betaling for:", None))
        self.choose_button.setText(QCoreApplication.translate("QrDialog", u"Vis QR-kode (Enter)", None))
        self.copy_button.setText(QCoreApplication.translate("QrDialog", u"Kopi\u00e9r link", None))
#if QT_CONFIG(tooltip)
        self.sms_button.setToolTip(QCoreApplication.translate("QrDialog", u"Send linket til elevens mobil i stedet for at scanne", None))
#endif // QT_CONFIG(tooltip)
        self.sms_button.setText(QCoreApplication.translate("QrDialog", u"Send som SMS", None))
#if QT_CONFIG(tooltip)
        self.email_button.setToolTip(QCoreApplication.translate("QrDialog", u"Send linket til elevens e-mail", None))
#endif // QT_CONFIG(tooltip)
        self.email_button.setText(QCoreApplication.translate("QrDialog", u"Send som e-mail", None))
        self.receipt_button.setText(QCoreApplication.translate("QrDialog", u"Vis kvittering", None))
        self.manual_button.setText(QCoreApplication.translate("QrDialog", u"Tag betaling ved skranken", None))
        self.retry_button.setText(QCoreApplication.translate("QrDialog", u"Pr\u00f8v igen", None))
        self.cancel_button.setText(QCoreApplication.translate("QrDialog", u"Annull\u00e9r (Esc)", None))
        self.close_button.setText(QCoreApplication.translate("QrDialog", u"Luk", None))
        pass
    # retranslateUi

