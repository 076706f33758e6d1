# mypy: ignore-errors
# GENERATED FILE: do not edit.
# Source: ui/payment_dialog.ui. Regenerate with `uv run python -m jdoffice.gui.forms.build`.
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'payment_dialog.ui'
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
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDialog,
    QFormLayout, QFrame, QHBoxLayout, QLabel,
    QLineEdit, QPushButton, QRadioButton, QSizePolicy,
    QSpacerItem, QVBoxLayout, QWidget)

class Ui_PaymentDialog(object):
    def setupUi(self, PaymentDialog):
        if not PaymentDialog.objectName():
            PaymentDialog.setObjectName(u"PaymentDialog")
        PaymentDialog.resize(600, 380)
        PaymentDialog.setModal(True)
        self.rootLayout = QVBoxLayout(PaymentDialog)
        self.rootLayout.setSpacing(10)
        self.rootLayout.setObjectName(u"rootLayout")
        self.studentLabel = QLabel(PaymentDialog)
        self.studentLabel.setObjectName(u"studentLabel")

        self.rootLayout.addWidget(self.studentLabel)

        self.form = QFormLayout()
        self.form.setObjectName(u"form")
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight|Qt.AlignmentFlag.AlignVCenter)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(8)
        self.targetCaption = QLabel(PaymentDialog)
        self.targetCaption.setObjectName(u"targetCaption")

        self.form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.targetCaption)

        self.targetCombo = QComboBox(PaymentDialog)
        self.targetCombo.setObjectName(u"targetCombo")

        self.form.setWidget(0, QFormLayout.ItemRole.FieldRole, self.targetCombo)

        self.amountCaption = QLabel(PaymentDialog)
        self.amountCaption.setObjectName(u"amountCaption")

        self.form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.amountCaption)

        self.amountEdit = QLineEdit(PaymentDialog)
        self.amountEdit.setObjectName(u"amountEdit")
        self.amountEdit.setAlignment(Qt.AlignmentFlag.AlignRight|Qt.AlignmentFlag.AlignVCenter)

        self.form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.amountEdit)

        self.methodCaption = QLabel(PaymentDialog)
        self.methodCaption.setObjectName(u"methodCaption")

        self.form.setWidget(2, QFormLayout.ItemRole.LabelRole, self.methodCaption)

        self.methodBox = QWidget(PaymentDialog)
        self.methodBox.setObjectName(u"methodBox")
        self.methodLayout = QHBoxLayout(self.methodBox)
        self.methodLayout.setObjectName(u"methodLayout")
        self.methodLayout.setContentsMargins(0, 0, 0, 0)
        self.cashRadio = QRadioButton(self.methodBox)
        self.cashRadio.setObjectName(u"cashRadio")
        self.cashRadio.setChecked(True)

        self.methodLayout.addWidget(self.cashRadio)

        self.bankRadio = QRadioButton(self.methodBox)
        self.bankRadio.setObjectName(u"bankRadio")

        self.methodLayout.addWidget(self.bankRadio)

        self.mobilepayRadio = QRadioButton(self.methodBox)
        self.mobilepayRadio.setObjectName(u"mobilepayRadio")

        self.methodLayout.addWidget(self.mobilepayRadio)

        self.cardRadio = QRadioButton(self.methodBox)
        self.cardRadio.setObjectName(u"cardRadio")

        self.methodLayout.addWidget(self.cardRadio)


        self.form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.methodBox)

        self.tenderedCaption = QLabel(PaymentDialog)
        self.tenderedCaption.setObjectName(u"tenderedCaption")

        self.form.setWidget(3, QFormLayout.ItemRole.LabelRole, self.tenderedCaption)

        self.tenderedEdit = QLineEdit(PaymentDialog)
        self.tenderedEdit.setObjectName(u"tenderedEdit")
        self.tenderedEdit.setAlignment(Qt.AlignmentFlag.AlignRight|Qt.AlignmentFlag.AlignVCenter)

        self.form.setWidget(3, QFormLayout.ItemRole.FieldRole, self.tenderedEdit)

        self.referenceCaption = QLabel(PaymentDialog)
        self.referenceCaption.setObjectName(u"referenceCaption")

        self.form.setWidget(4, QFormLayout.ItemRole.LabelRole, self.referenceCaption)

        self.referenceEdit = QLineEdit(PaymentDialog)
        self.referenceEdit.setObjectName(u"referenceEdit")
        self.referenceEdit.setMaxLength(200)

        self.form.setWidget(4, QFormLayout.ItemRole.FieldRole, self.referenceEdit)

        self.allowCreditCheck = QCheckBox(PaymentDialog)
        self.allowCreditCheck.setObjectName(u"allowCreditCheck")

        self.form.setWidget(5, QFormLayout.ItemRole.FieldRole, self.allowCreditCheck)


        self.rootLayout.addLayout(self.form)

        self.changeFrame = QFrame(PaymentDialog)
        self.changeFrame.setObjectName(u"changeFrame")
        self.changeFrame.setFrameShape(QFrame.Shape.StyledPanel)
        self.changeLayout = QVBoxLayout(self.changeFrame)
        self.changeLayout.setSpacing(2)
        self.changeLayout.setObjectName(u"changeLayout")
        self.changeCaption = QLabel(self.changeFrame)
        self.changeCaption.setObjectName(u"changeCaption")
        self.changeCaption.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.changeLayout.addWidget(self.changeCaption)

        self.changeLabel = QLabel(self.changeFrame)
        self.changeLabel.setObjectName(u"changeLabel")
        self.changeLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.changeLayout.addWidget(self.changeLabel)

        self.cashDetailLabel = QLabel(self.changeFrame)
        self.cashDetailLabel.setObjectName(u"cashDetailLabel")
        self.cashDetailLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cashDetailLabel.setWordWrap(True)

        self.changeLayout.addWidget(self.cashDetailLabel)


        self.rootLayout.addWidget(self.changeFrame)

        self.errorLabel = QLabel(PaymentDialog)
        self.errorLabel.setObjectName(u"errorLabel")
        self.errorLabel.setWordWrap(True)
        self.errorLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.rootLayout.addWidget(self.errorLabel)

        self.bottomSpacer = QSpacerItem(10, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.rootLayout.addItem(self.bottomSpacer)

        self.buttonRow = QHBoxLayout()
        self.buttonRow.setObjectName(u"buttonRow")
        self.busyLabel = QLabel(PaymentDialog)
        self.busyLabel.setObjectName(u"busyLabel")

        self.buttonRow.addWidget(self.busyLabel)

        self.buttonSpacer = QSpacerItem(10, 10, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttonRow.addItem(self.buttonSpacer)

        self.cancelButton = QPushButton(PaymentDialog)
        self.cancelButton.setObjectName(u"cancelButton")

        self.buttonRow.addWidget(self.cancelButton)

        self.registerButton = QPushButton(PaymentDialog)
        self.registerButton.setObjectName(u"registerButton")

        self.buttonRow.addWidget(self.registerButton)


        self.rootLayout.addLayout(self.buttonRow)

#if QT_CONFIG(shortcut)
        self.targetCaption.setBuddy(self.targetCombo)
        self.amountCaption.setBuddy(self.amountEdit)
        self.tenderedCaption.setBuddy(self.tenderedEdit)
        self.referenceCaption.setBuddy(self.referenceEdit)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.tenderedEdit, self.amountEdit)
        QWidget.setTabOrder(self.amountEdit, self.targetCombo)
        QWidget.setTabOrder(self.targetCombo, self.cashRadio)
        QWidget.setTabOrder(self.cashRadio, self.bankRadio)
        QWidget.setTabOrder(self.bankRadio, self.mobilepayRadio)
        QWidget.setTabOrder(self.mobilepayRadio, self.cardRadio)
        QWidget.setTabOrder(self.cardRadio, self.referenceEdit)
        QWidget.setTabOrder(self.referenceEdit, self.allowCreditCheck)
        QWidget.setTabOrder(self.allowCreditCheck, self.registerButton)
        QWidget.setTabOrder(self.registerButton, self.cancelButton)

        self.retranslateUi(PaymentDialog)

        self.registerButton.setDefault(True)

    # setupUi

    def retranslateUi(self, PaymentDialog):
        PaymentDialog.setWindowTitle(QCoreApplication.translate("PaymentDialog", u"Tag betaling", None))
        self.studentLabel.setText("")
        self.targetCaption.setText(QCoreApplication.translate("PaymentDialog", u"Betaling &for:", None))
        self.amountCaption.setText(QCoreApplication.translate("PaymentDialog", u"Be&l\u00f8b:", None))
        self.methodCaption.setText(QCoreApplication.translate("PaymentDialog", u"Metode:", None))
        self.cashRadio.setText(QCoreApplication.translate("PaymentDialog", u"&Kontant  Ctrl+1", None))
        self.bankRadio.setText(QCoreApplication.translate("PaymentDialog", u"&Bank  Ctrl+2", None))
        self.mobilepayRadio.setText(QCoreApplication.translate("PaymentDialog", u"&MobilePay  Ctrl+3", None))
#if QT_CONFIG(tooltip)
        self.cardRadio.setToolTip(QCoreApplication.translate("PaymentDialog", u"Betaling taget p\u00e5 skolens egen kortterminal (Dankort/Visa). Tast terminalens kvitteringsnummer som reference.", None))
#endif // QT_CONFIG(tooltip)
        self.cardRadio.setText(QCoreApplication.translate("PaymentDialog", u"Betalingsk&ort (terminal)  Ctrl+4", None))
        self.tenderedCaption.setText(QCoreApplication.translate("PaymentDialog", u"Mo&dtaget:", None))
        self.tenderedEdit.setPlaceholderText(QCoreApplication.translate("PaymentDialog", u"tomt = pr\u00e6cis kontantbel\u00f8b", None))
        self.referenceCaption.setText(QCoreApplication.translate("PaymentDialog", u"&Reference:", None))
        self.referenceEdit.setPlaceholderText(QCoreApplication.translate("PaymentDialog", u"valgfri, fx transaktions-id", None))
        self.allowCreditCheck.setText(QCoreApplication.translate("PaymentDialog", u"&Tilgodehavende: tag imod mere, end der skyldes", None))
        self.changeCaption.setText(QCoreApplication.translate("PaymentDialog", u"Byttepenge", None))
        self.changeLabel.setText("")
        self.cashDetailLabel.setText("")
        self.errorLabel.setText("")
        self.busyLabel.setText("")
        self.cancelButton.setText(QCoreApplication.translate("PaymentDialog", u"Annuller (Esc)", None))
        self.registerButton.setText(QCoreApplication.translate("PaymentDialog", u"Registr\u00e9r betaling (Enter)", None))
    # retranslateUi

