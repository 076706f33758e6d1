# mypy: ignore-errors
# GENERATED FILE: do not edit.
# Source: ui/settings_dialog.ui. Regenerate with `uv run python -m jdoffice.gui.forms.build`.
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'settings_dialog.ui'
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
    QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QPlainTextEdit, QPushButton,
    QRadioButton, QSizePolicy, QSpacerItem, QSpinBox,
    QTabWidget, QVBoxLayout, QWidget)

class Ui_SettingsDialog(object):
    def setupUi(self, SettingsDialog):
        if not SettingsDialog.objectName():
            SettingsDialog.setObjectName(u"SettingsDialog")
        SettingsDialog.resize(720, 520)
        SettingsDialog.setModal(True)
        self.rootLayout = QVBoxLayout(SettingsDialog)
        self.rootLayout.setSpacing(10)
        self.rootLayout.setObjectName(u"rootLayout")
        self.tabs = QTabWidget(SettingsDialog)
        self.tabs.setObjectName(u"tabs")
        self.paymentsTab = QWidget()
        self.paymentsTab.setObjectName(u"paymentsTab")
        self.paymentsLayout = QVBoxLayout(self.paymentsTab)
        self.paymentsLayout.setObjectName(u"paymentsLayout")
        self.onlineBox = QGroupBox(self.paymentsTab)
        self.onlineBox.setObjectName(u"onlineBox")
        self.onlineForm = QFormLayout(self.onlineBox)
        self.onlineForm.setObjectName(u"onlineForm")
        self.onlineForm.setLabelAlignment(Qt.AlignmentFlag.AlignRight|Qt.AlignmentFlag.AlignVCenter)
        self.onlineForm.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.onlineForm.setHorizontalSpacing(12)
        self.onlineForm.setVerticalSpacing(8)
        self.onlineCheck = QCheckBox(self.onlineBox)
        self.onlineCheck.setObjectName(u"onlineCheck")

        self.onlineForm.setWidget(0, QFormLayout.ItemRole.SpanningRole, self.onlineCheck)

        self.gatewayCaption = QLabel(self.onlineBox)
        self.gatewayCaption.setObjectName(u"gatewayCaption")

        self.onlineForm.setWidget(1, QFormLayout.ItemRole.LabelRole, self.gatewayCaption)

        self.gatewayCombo = QComboBox(self.onlineBox)
        self.gatewayCombo.setObjectName(u"gatewayCombo")

        self.onlineForm.setWidget(1, QFormLayout.ItemRole.FieldRole, self.gatewayCombo)

        self.expiryCaption = QLabel(self.onlineBox)
        self.expiryCaption.setObjectName(u"expiryCaption")

        self.onlineForm.setWidget(2, QFormLayout.ItemRole.LabelRole, self.expiryCaption)

        self.expirySpin = QSpinBox(self.onlineBox)
        self.expirySpin.setObjectName(u"expirySpin")
        self.expirySpin.setMinimum(30)
        self.expirySpin.setMaximum(1440)
        self.expirySpin.setSingleStep(15)
        self.expirySpin.setValue(60)
        self.expirySpin.setMaximumSize(QSize(160, 16777215))

        self.onlineForm.setWidget(2, QFormLayout.ItemRole.FieldRole, self.expirySpin)

        self.successUrlCaption = QLabel(self.onlineBox)
        self.successUrlCaption.setObjectName(u"successUrlCaption")

        self.onlineForm.setWidget(3, QFormLayout.ItemRole.LabelRole, self.successUrlCaption)

        self.successUrlEdit = QLineEdit(self.onlineBox)
        self.successUrlEdit.setObjectName(u"successUrlEdit")
        self.successUrlEdit.setMaxLength(500)

        self.onlineForm.setWidget(3, QFormLayout.ItemRole.FieldRole, self.successUrlEdit)

        self.modeCaption = QLabel(self.onlineBox)
        self.modeCaption.setObjectName(u"modeCaption")

        self.onlineForm.setWidget(4, QFormLayout.ItemRole.LabelRole, self.modeCaption)

        self.modeCombo = QComboBox(self.onlineBox)
        self.modeCombo.setObjectName(u"modeCombo")

        self.onlineForm.setWidget(4, QFormLayout.ItemRole.FieldRole, self.modeCombo)

        self.reminderCaption = QLabel(self.onlineBox)
        self.reminderCaption.setObjectName(u"reminderCaption")

        self.onlineForm.setWidget(5, QFormLayout.ItemRole.LabelRole, self.reminderCaption)

        self.reminderSpin = QSpinBox(self.onlineBox)
        self.reminderSpin.setObjectName(u"reminderSpin")
        self.reminderSpin.setMinimum(1)
        self.reminderSpin.setMaximum(365)
        self.reminderSpin.setValue(7)
        self.reminderSpin.setMaximumSize(QSize(160, 16777215))

        self.onlineForm.setWidget(5, QFormLayout.ItemRole.FieldRole, self.reminderSpin)


        self.paymentsLayout.addWidget(self.onlineBox)

        self.keysBox = QGroupBox(self.paymentsTab)
        self.keysBox.setObjectName(u"keysBox")
        self.keysLayout = QVBoxLayout(self.keysBox)
        self.keysLayout.setObjectName(u"keysLayout")
        self.keysForm = QFormLayout()
        self.keysForm.setObjectName(u"keysForm")
        self.keysForm.setLabelAlignment(Qt.AlignmentFlag.AlignRight|Qt.AlignmentFlag.AlignVCenter)
        self.keysForm.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.keysForm.setHorizontalSpacing(12)
        self.keysForm.setVerticalSpacing(8)

        self.keysLayout.addLayout(self.keysForm)

        self.keysHintLabel = QLabel(self.keysBox)
        self.keysHintLabel.setObjectName(u"keysHintLabel")
        self.keysHintLabel.setWordWrap(True)

        self.keysLayout.addWidget(self.keysHintLabel)

        self.keyringLabel = QLabel(self.keysBox)
        self.keyringLabel.setObjectName(u"keyringLabel")
        self.keyringLabel.setWordWrap(True)
        self.keyringLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.keysLayout.addWidget(self.keyringLabel)


        self.paymentsLayout.addWidget(self.keysBox)

        self.paymentsSpacer = QSpacerItem(10, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.paymentsLayout.addItem(self.paymentsSpacer)

        self.tabs.addTab(self.paymentsTab, "")
        self.printerTab = QWidget()
        self.printerTab.setObjectName(u"printerTab")
        self.printerLayout = QVBoxLayout(self.printerTab)
        self.printerLayout.setObjectName(u"printerLayout")
        self.outputBox = QGroupBox(self.printerTab)
        self.outputBox.setObjectName(u"outputBox")
        self.outputGrid = QGridLayout(self.outputBox)
        self.outputGrid.setObjectName(u"outputGrid")
        self.outputGrid.setHorizontalSpacing(10)
        self.outputGrid.setVerticalSpacing(8)
        self.previewRadio = QRadioButton(self.outputBox)
        self.previewRadio.setObjectName(u"previewRadio")
        self.previewRadio.setChecked(True)

        self.outputGrid.addWidget(self.previewRadio, 0, 0, 1, 3)

        self.printerRadio = QRadioButton(self.outputBox)
        self.printerRadio.setObjectName(u"printerRadio")

        self.outputGrid.addWidget(self.printerRadio, 1, 0, 1, 1)

        self.printerCombo = QComboBox(self.outputBox)
        self.printerCombo.setObjectName(u"printerCombo")

        self.outputGrid.addWidget(self.printerCombo, 1, 1, 1, 2)

        self.pdfRadio = QRadioButton(self.outputBox)
        self.pdfRadio.setObjectName(u"pdfRadio")

        self.outputGrid.addWidget(self.pdfRadio, 2, 0, 1, 1)

        self.pdfFolderEdit = QLineEdit(self.outputBox)
        self.pdfFolderEdit.setObjectName(u"pdfFolderEdit")

        self.outputGrid.addWidget(self.pdfFolderEdit, 2, 1, 1, 1)

        self.pdfBrowseButton = QPushButton(self.outputBox)
        self.pdfBrowseButton.setObjectName(u"pdfBrowseButton")
        self.pdfBrowseButton.setAutoDefault(False)

        self.outputGrid.addWidget(self.pdfBrowseButton, 2, 2, 1, 1)

        self.thermalRadio = QRadioButton(self.outputBox)
        self.thermalRadio.setObjectName(u"thermalRadio")

        self.outputGrid.addWidget(self.thermalRadio, 3, 0, 1, 1)

        self.thermalTargetEdit = QLineEdit(self.outputBox)
        self.thermalTargetEdit.setObjectName(u"thermalTargetEdit")
        self.thermalTargetEdit.setMaxLength(300)

        self.outputGrid.addWidget(self.thermalTargetEdit, 3, 1, 1, 1)

        self.thermalTestButton = QPushButton(self.outputBox)
        self.thermalTestButton.setObjectName(u"thermalTestButton")
        self.thermalTestButton.setAutoDefault(False)

        self.outputGrid.addWidget(self.thermalTestButton, 3, 2, 1, 1)

        self.thermalHintLabel = QLabel(self.outputBox)
        self.thermalHintLabel.setObjectName(u"thermalHintLabel")
        self.thermalHintLabel.setWordWrap(True)

        self.outputGrid.addWidget(self.thermalHintLabel, 4, 1, 1, 2)

        self.thermalStatusLabel = QLabel(self.outputBox)
        self.thermalStatusLabel.setObjectName(u"thermalStatusLabel")
        self.thermalStatusLabel.setWordWrap(True)
        self.thermalStatusLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.outputGrid.addWidget(self.thermalStatusLabel, 5, 1, 1, 2)


        self.printerLayout.addWidget(self.outputBox)

        self.drawerBox = QGroupBox(self.printerTab)
        self.drawerBox.setObjectName(u"drawerBox")
        self.drawerLayout = QVBoxLayout(self.drawerBox)
        self.drawerLayout.setObjectName(u"drawerLayout")
        self.drawerCheck = QCheckBox(self.drawerBox)
        self.drawerCheck.setObjectName(u"drawerCheck")
        self.drawerCheck.setChecked(True)

        self.drawerLayout.addWidget(self.drawerCheck)


        self.printerLayout.addWidget(self.drawerBox)

        self.printerSpacer = QSpacerItem(10, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.printerLayout.addItem(self.printerSpacer)

        self.tabs.addTab(self.printerTab, "")
        self.headerTab = QWidget()
        self.headerTab.setObjectName(u"headerTab")
        self.headerLayout = QVBoxLayout(self.headerTab)
        self.headerLayout.setObjectName(u"headerLayout")
        self.headerForm = QFormLayout()
        self.headerForm.setObjectName(u"headerForm")
        self.headerForm.setLabelAlignment(Qt.AlignmentFlag.AlignRight|Qt.AlignmentFlag.AlignVCenter)
        self.headerForm.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.headerForm.setHorizontalSpacing(12)
        self.headerForm.setVerticalSpacing(8)
        self.schoolNameCaption = QLabel(self.headerTab)
        self.schoolNameCaption.setObjectName(u"schoolNameCaption")

        self.headerForm.setWidget(0, QFormLayout.ItemRole.LabelRole, self.schoolNameCaption)

        self.schoolNameEdit = QLineEdit(self.headerTab)
        self.schoolNameEdit.setObjectName(u"schoolNameEdit")
        self.schoolNameEdit.setMaxLength(200)

        self.headerForm.setWidget(0, QFormLayout.ItemRole.FieldRole, self.schoolNameEdit)

        self.addressCaption = QLabel(self.headerTab)
        self.addressCaption.setObjectName(u"addressCaption")

        self.headerForm.setWidget(1, QFormLayout.ItemRole.LabelRole, self.addressCaption)

        self.addressEdit = QPlainTextEdit(self.headerTab)
        self.addressEdit.setObjectName(u"addressEdit")
        self.addressEdit.setTabChangesFocus(True)
        self.addressEdit.setMaximumSize(QSize(16777215, 90))

        self.headerForm.setWidget(1, QFormLayout.ItemRole.FieldRole, self.addressEdit)

        self.cvrCaption = QLabel(self.headerTab)
        self.cvrCaption.setObjectName(u"cvrCaption")

        self.headerForm.setWidget(2, QFormLayout.ItemRole.LabelRole, self.cvrCaption)

        self.cvrRow = QHBoxLayout()
        self.cvrRow.setSpacing(10)
        self.cvrRow.setObjectName(u"cvrRow")
        self.cvrEdit = QLineEdit(self.headerTab)
        self.cvrEdit.setObjectName(u"cvrEdit")
        self.cvrEdit.setMaxLength(16)
        self.cvrEdit.setMaximumSize(QSize(160, 16777215))

        self.cvrRow.addWidget(self.cvrEdit)

        self.cvrErrorLabel = QLabel(self.headerTab)
        self.cvrErrorLabel.setObjectName(u"cvrErrorLabel")

        self.cvrRow.addWidget(self.cvrErrorLabel)

        self.cvrSpacer = QSpacerItem(10, 10, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.cvrRow.addItem(self.cvrSpacer)


        self.headerForm.setLayout(2, QFormLayout.ItemRole.FieldRole, self.cvrRow)

        self.vatLineCaption = QLabel(self.headerTab)
        self.vatLineCaption.setObjectName(u"vatLineCaption")

        self.headerForm.setWidget(3, QFormLayout.ItemRole.LabelRole, self.vatLineCaption)

        self.vatLineEdit = QLineEdit(self.headerTab)
        self.vatLineEdit.setObjectName(u"vatLineEdit")
        self.vatLineEdit.setMaxLength(120)

        self.headerForm.setWidget(3, QFormLayout.ItemRole.FieldRole, self.vatLineEdit)

        self.webCaption = QLabel(self.headerTab)
        self.webCaption.setObjectName(u"webCaption")

        self.headerForm.setWidget(4, QFormLayout.ItemRole.LabelRole, self.webCaption)

        self.webEdit = QLineEdit(self.headerTab)
        self.webEdit.setObjectName(u"webEdit")
        self.webEdit.setMaxLength(200)

        self.headerForm.setWidget(4, QFormLayout.ItemRole.FieldRole, self.webEdit)


        self.headerLayout.addLayout(self.headerForm)

        self.headerHintLabel = QLabel(self.headerTab)
        self.headerHintLabel.setObjectName(u"headerHintLabel")
        self.headerHintLabel.setWordWrap(True)

        self.headerLayout.addWidget(self.headerHintLabel)

        self.headerPreviewBox = QGroupBox(self.headerTab)
        self.headerPreviewBox.setObjectName(u"headerPreviewBox")
        self.headerPreviewLayout = QHBoxLayout(self.headerPreviewBox)
        self.headerPreviewLayout.setObjectName(u"headerPreviewLayout")
        self.headerPreviewLeft = QSpacerItem(10, 10, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.headerPreviewLayout.addItem(self.headerPreviewLeft)

        self.headerPreviewLabel = QLabel(self.headerPreviewBox)
        self.headerPreviewLabel.setObjectName(u"headerPreviewLabel")
        self.headerPreviewLabel.setTextFormat(Qt.TextFormat.PlainText)
        self.headerPreviewLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.headerPreviewLayout.addWidget(self.headerPreviewLabel)

        self.headerPreviewRight = QSpacerItem(10, 10, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.headerPreviewLayout.addItem(self.headerPreviewRight)


        self.headerLayout.addWidget(self.headerPreviewBox)

        self.headerSpacer = QSpacerItem(10, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.headerLayout.addItem(self.headerSpacer)

        self.tabs.addTab(self.headerTab, "")
        self.languageTab = QWidget()
        self.languageTab.setObjectName(u"languageTab")
        self.languageLayout = QVBoxLayout(self.languageTab)
        self.languageLayout.setObjectName(u"languageLayout")
        self.deskBox = QGroupBox(self.languageTab)
        self.deskBox.setObjectName(u"deskBox")
        self.deskForm = QFormLayout(self.deskBox)
        self.deskForm.setObjectName(u"deskForm")
        self.deskForm.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.deskNameLabel = QLabel(self.deskBox)
        self.deskNameLabel.setObjectName(u"deskNameLabel")

        self.deskForm.setWidget(0, QFormLayout.ItemRole.LabelRole, self.deskNameLabel)

        self.deskNameEdit = QLineEdit(self.deskBox)
        self.deskNameEdit.setObjectName(u"deskNameEdit")
        self.deskNameEdit.setMaxLength(64)

        self.deskForm.setWidget(0, QFormLayout.ItemRole.FieldRole, self.deskNameEdit)

        self.staffNameLabel = QLabel(self.deskBox)
        self.staffNameLabel.setObjectName(u"staffNameLabel")

        self.deskForm.setWidget(1, QFormLayout.ItemRole.LabelRole, self.staffNameLabel)

        self.staffNameEdit = QLineEdit(self.deskBox)
        self.staffNameEdit.setObjectName(u"staffNameEdit")
        self.staffNameEdit.setMaxLength(64)

        self.deskForm.setWidget(1, QFormLayout.ItemRole.FieldRole, self.staffNameEdit)

        self.deskHintLabel = QLabel(self.deskBox)
        self.deskHintLabel.setObjectName(u"deskHintLabel")
        self.deskHintLabel.setWordWrap(True)

        self.deskForm.setWidget(2, QFormLayout.ItemRole.SpanningRole, self.deskHintLabel)


        self.languageLayout.addWidget(self.deskBox)

        self.languageBox = QGroupBox(self.languageTab)
        self.languageBox.setObjectName(u"languageBox")
        self.languageBoxLayout = QVBoxLayout(self.languageBox)
        self.languageBoxLayout.setObjectName(u"languageBoxLayout")
        self.danishRadio = QRadioButton(self.languageBox)
        self.danishRadio.setObjectName(u"danishRadio")
        self.danishRadio.setChecked(True)

        self.languageBoxLayout.addWidget(self.danishRadio)

        self.englishRadio = QRadioButton(self.languageBox)
        self.englishRadio.setObjectName(u"englishRadio")

        self.languageBoxLayout.addWidget(self.englishRadio)


        self.languageLayout.addWidget(self.languageBox)

        self.languageHintLabel = QLabel(self.languageTab)
        self.languageHintLabel.setObjectName(u"languageHintLabel")
        self.languageHintLabel.setWordWrap(True)

        self.languageLayout.addWidget(self.languageHintLabel)

        self.languageSpacer = QSpacerItem(10, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.languageLayout.addItem(self.languageSpacer)

        self.tabs.addTab(self.languageTab, "")

        self.rootLayout.addWidget(self.tabs)

        self.errorLabel = QLabel(SettingsDialog)
        self.errorLabel.setObjectName(u"errorLabel")
        self.errorLabel.setWordWrap(True)
        self.errorLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.rootLayout.addWidget(self.errorLabel)

        self.buttonRow = QHBoxLayout()
        self.buttonRow.setObjectName(u"buttonRow")
        self.busyLabel = QLabel(SettingsDialog)
        self.busyLabel.setObjectName(u"busyLabel")

        self.buttonRow.addWidget(self.busyLabel)

        self.buttonSpacer = QSpacerItem(10, 10, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttonRow.addItem(self.buttonSpacer)

        self.cancelButton = QPushButton(SettingsDialog)
        self.cancelButton.setObjectName(u"cancelButton")
        self.cancelButton.setAutoDefault(False)

        self.buttonRow.addWidget(self.cancelButton)

        self.saveButton = QPushButton(SettingsDialog)
        self.saveButton.setObjectName(u"saveButton")

        self.buttonRow.addWidget(self.saveButton)


        self.rootLayout.addLayout(self.buttonRow)

#if QT_CONFIG(shortcut)
        self.gatewayCaption.setBuddy(self.gatewayCombo)
        self.expiryCaption.setBuddy(self.expirySpin)
        self.successUrlCaption.setBuddy(self.successUrlEdit)
        self.modeCaption.setBuddy(self.modeCombo)
        self.reminderCaption.setBuddy(self.reminderSpin)
        self.schoolNameCaption.setBuddy(self.schoolNameEdit)
        self.addressCaption.setBuddy(self.addressEdit)
        self.cvrCaption.setBuddy(self.cvrEdit)
        self.vatLineCaption.setBuddy(self.vatLineEdit)
        self.webCaption.setBuddy(self.webEdit)
        self.deskNameLabel.setBuddy(self.deskNameEdit)
        self.staffNameLabel.setBuddy(self.staffNameEdit)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.tabs, self.onlineCheck)
        QWidget.setTabOrder(self.onlineCheck, self.gatewayCombo)
        QWidget.setTabOrder(self.gatewayCombo, self.expirySpin)
        QWidget.setTabOrder(self.expirySpin, self.successUrlEdit)
        QWidget.setTabOrder(self.successUrlEdit, self.modeCombo)
        QWidget.setTabOrder(self.modeCombo, self.reminderSpin)
        QWidget.setTabOrder(self.reminderSpin, self.previewRadio)
        QWidget.setTabOrder(self.previewRadio, self.printerRadio)
        QWidget.setTabOrder(self.printerRadio, self.printerCombo)
        QWidget.setTabOrder(self.printerCombo, self.pdfRadio)
        QWidget.setTabOrder(self.pdfRadio, self.pdfFolderEdit)
        QWidget.setTabOrder(self.pdfFolderEdit, self.pdfBrowseButton)
        QWidget.setTabOrder(self.pdfBrowseButton, self.thermalRadio)
        QWidget.setTabOrder(self.thermalRadio, self.thermalTargetEdit)
        QWidget.setTabOrder(self.thermalTargetEdit, self.thermalTestButton)
        QWidget.setTabOrder(self.thermalTestButton, self.drawerCheck)
        QWidget.setTabOrder(self.drawerCheck, self.schoolNameEdit)
        QWidget.setTabOrder(self.schoolNameEdit, self.addressEdit)
        QWidget.setTabOrder(self.addressEdit, self.cvrEdit)
        QWidget.setTabOrder(self.cvrEdit, self.vatLineEdit)
        QWidget.setTabOrder(self.vatLineEdit, self.webEdit)
        QWidget.setTabOrder(self.webEdit, self.deskNameEdit)
        QWidget.setTabOrder(self.deskNameEdit, self.staffNameEdit)
        QWidget.setTabOrder(self.staffNameEdit, self.danishRadio)
        QWidget.setTabOrder(self.danishRadio, self.englishRadio)
        QWidget.setTabOrder(self.englishRadio, self.saveButton)
        QWidget.setTabOrder(self.saveButton, self.cancelButton)

        self.retranslateUi(SettingsDialog)

        self.tabs.setCurrentIndex(0)
        self.saveButton.setDefault(True)

    # setupUi

    def retranslateUi(self, SettingsDialog):
        SettingsDialog.setWindowTitle(QCoreApplication.translate("SettingsDialog", u"Indstillinger", None))
        self.onlineBox.setTitle(QCoreApplication.translate("SettingsDialog", u"Onlinebetaling med QR-kode", None))
        self.onlineCheck.setText(QCoreApplication.translate("SettingsDialog", u"Tag imod &onlinebetaling (kort og MobilePay via QR-kode)", None))
        self.gatewayCaption.setText(QCoreApplication.translate("SettingsDialog", u"&Udbyder:", None))
        self.expiryCaption.setText(QCoreApplication.translate("SettingsDialog", u"U&dl\u00f8ber efter:", None))
        self.expirySpin.setSuffix(QCoreApplication.translate("SettingsDialog", u" min.", None))
#if QT_CONFIG(tooltip)
        self.expirySpin.setToolTip(QCoreApplication.translate("SettingsDialog", u"Hvor l\u00e6nge en QR-kode kan bruges: 30 minutter til 24 timer (1440 min.).", None))
#endif // QT_CONFIG(tooltip)
        self.successUrlCaption.setText(QCoreApplication.translate("SettingsDialog", u"Side &efter betaling:", None))
        self.successUrlEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"https://din-koreskole.dk/tak", None))
        self.modeCaption.setText(QCoreApplication.translate("SettingsDialog", u"&Tilstand:", None))
        self.reminderCaption.setText(QCoreApplication.translate("SettingsDialog", u"P\u00e5m&indelse h\u00f8jst hver:", None))
        self.reminderSpin.setSuffix(QCoreApplication.translate("SettingsDialog", u" dage", None))
#if QT_CONFIG(tooltip)
        self.reminderSpin.setToolTip(QCoreApplication.translate("SettingsDialog", u"En elev f\u00e5r h\u00f8jst \u00e9n betalingsp\u00e5mindelse om den samme faktura inden for s\u00e5 mange dage.", None))
#endif // QT_CONFIG(tooltip)
        self.keysBox.setTitle(QCoreApplication.translate("SettingsDialog", u"N\u00f8gler \u2013 gemmes i n\u00f8gleringen p\u00e5 denne pc, aldrig i databasen", None))
        self.keysHintLabel.setText(QCoreApplication.translate("SettingsDialog", u"En gemt n\u00f8gle vises aldrig igen. Skriv en ny for at erstatte den; lad feltet st\u00e5 tomt for at beholde den gemte.", None))
        self.keyringLabel.setText("")
        self.tabs.setTabText(self.tabs.indexOf(self.paymentsTab), QCoreApplication.translate("SettingsDialog", u"&Betalinger", None))
        self.outputBox.setTitle(QCoreApplication.translate("SettingsDialog", u"Kvitteringen efter en betaling", None))
        self.previewRadio.setText(QCoreApplication.translate("SettingsDialog", u"Vis &forh\u00e5ndsvisning p\u00e5 sk\u00e6rmen", None))
        self.printerRadio.setText(QCoreApplication.translate("SettingsDialog", u"Udskriv p\u00e5 s&ystemprinter (A4):", None))
        self.pdfRadio.setText(QCoreApplication.translate("SettingsDialog", u"Gem P&DF i mappe:", None))
        self.pdfFolderEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"v\u00e6lg en mappe", None))
        self.pdfBrowseButton.setText(QCoreApplication.translate("SettingsDialog", u"&V\u00e6lg \u2026", None))
        self.thermalRadio.setText(QCoreApplication.translate("SettingsDialog", u"&Termoprinter (ESC/POS, 80 mm):", None))
        self.thermalTargetEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"network:192.168.1.50:9100", None))
        self.thermalTestButton.setText(QCoreApplication.translate("SettingsDialog", u"Test&udskrift", None))
        self.thermalHintLabel.setText(QCoreApplication.translate("SettingsDialog", u"network:V\u00c6RT[:PORT] \u00b7 usb:VID:PID \u00b7 serial:ENHED[:BAUD] \u00b7 file:STI", None))
        self.thermalStatusLabel.setText("")
        self.drawerBox.setTitle(QCoreApplication.translate("SettingsDialog", u"Kasseskuffe", None))
        self.drawerCheck.setText(QCoreApplication.translate("SettingsDialog", u"\u00c5bn kasseskuffen ved ko&ntant betaling (skuffen sidder p\u00e5 termoprinteren)", None))
        self.tabs.setTabText(self.tabs.indexOf(self.printerTab), QCoreApplication.translate("SettingsDialog", u"&Printer", None))
        self.schoolNameCaption.setText(QCoreApplication.translate("SettingsDialog", u"Skolens &navn:", None))
        self.addressCaption.setText(QCoreApplication.translate("SettingsDialog", u"&Adresse:", None))
        self.addressEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"Vejnavn 1\n"
"1234 By", None))
        self.cvrCaption.setText(QCoreApplication.translate("SettingsDialog", u"&CVR-nr.:", None))
        self.cvrEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"8 cifre", None))
        self.cvrErrorLabel.setText("")
        self.vatLineCaption.setText(QCoreApplication.translate("SettingsDialog", u"&Momslinje:", None))
        self.vatLineEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"fx Momsfritaget undervisning", None))
        self.webCaption.setText(QCoreApplication.translate("SettingsDialog", u"&Hjemmeside:", None))
        self.webEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"fx www.din-koreskole.dk", None))
        self.headerHintLabel.setText(QCoreApplication.translate("SettingsDialog", u"St\u00e5r \u00f8verst p\u00e5 hver ny kvittering, sammen med dato, kvitteringsnummer og bel\u00f8b. Kvitteringer, der allerede er udstedt, \u00e6ndres ikke \u2013 en genudskrift er magen til originalen.", None))
        self.headerPreviewBox.setTitle(QCoreApplication.translate("SettingsDialog", u"S\u00e5dan begynder kvitteringen (80 mm)", None))
        self.headerPreviewLabel.setText("")
        self.tabs.setTabText(self.tabs.indexOf(self.headerTab), QCoreApplication.translate("SettingsDialog", u"&Kvitteringshoved", None))
        self.deskBox.setTitle(QCoreApplication.translate("SettingsDialog", u"Denne kasse", None))
        self.deskNameLabel.setText(QCoreApplication.translate("SettingsDialog", u"Kassens &navn:", None))
        self.deskNameEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"fx Kasse 1", None))
        self.staffNameLabel.setText(QCoreApplication.translate("SettingsDialog", u"Ekspedien&t:", None))
        self.staffNameEdit.setPlaceholderText(QCoreApplication.translate("SettingsDialog", u"fx Mette", None))
        self.deskHintLabel.setText(QCoreApplication.translate("SettingsDialog", u"St\u00e5r p\u00e5 kvitteringerne og i statuslinjen. Skifter ved n\u00e6ste start af jdoffice.", None))
        self.languageBox.setTitle(QCoreApplication.translate("SettingsDialog", u"Sprog p\u00e5 sk\u00e6rmen og p\u00e5 kvitteringer", None))
        self.danishRadio.setText(QCoreApplication.translate("SettingsDialog", u"&Dansk", None))
        self.englishRadio.setText(QCoreApplication.translate("SettingsDialog", u"&English", None))
        self.languageHintLabel.setText(QCoreApplication.translate("SettingsDialog", u"Sk\u00e6rmene skifter sprog, n\u00e6ste gang jdoffice startes. Kvitteringer kommer p\u00e5 det valgte sprog med det samme.", None))
        self.tabs.setTabText(self.tabs.indexOf(self.languageTab), QCoreApplication.translate("SettingsDialog", u"Kasse og &sprog", None))
        self.errorLabel.setText("")
        self.busyLabel.setText("")
        self.cancelButton.setText(QCoreApplication.translate("SettingsDialog", u"Annuller (Esc)", None))
        self.saveButton.setText(QCoreApplication.translate("SettingsDialog", u"&Gem (Enter)", None))
    # retranslateUi

