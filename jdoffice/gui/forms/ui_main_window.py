# mypy: ignore-errors
# GENERATED FILE: do not edit.
# Source: ui/main_window.ui. Regenerate with `uv run python -m jdoffice.gui.forms.build`.
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'main_window.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QAction, QBrush, QColor, QConicalGradient,
    QCursor, QFont, QFontDatabase, QGradient,
    QIcon, QImage, QKeySequence, QLinearGradient,
    QPainter, QPalette, QPixmap, QRadialGradient,
    QTransform)
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QHBoxLayout, QHeaderView,
    QLabel, QLineEdit, QMainWindow, QMenu,
    QMenuBar, QPushButton, QSizePolicy, QSpacerItem,
    QSplitter, QStackedWidget, QStatusBar, QTableView,
    QVBoxLayout, QWidget)

class Ui_MainWindow(object):
    def setupUi(self, MainWindow):
        if not MainWindow.objectName():
            MainWindow.setObjectName(u"MainWindow")
        MainWindow.resize(1180, 720)
        self.actionSearch = QAction(MainWindow)
        self.actionSearch.setObjectName(u"actionSearch")
        self.actionTakePayment = QAction(MainWindow)
        self.actionTakePayment.setObjectName(u"actionTakePayment")
        self.actionQr = QAction(MainWindow)
        self.actionQr.setObjectName(u"actionQr")
        self.actionRefund = QAction(MainWindow)
        self.actionRefund.setObjectName(u"actionRefund")
        self.actionReprint = QAction(MainWindow)
        self.actionReprint.setObjectName(u"actionReprint")
        self.actionDayReport = QAction(MainWindow)
        self.actionDayReport.setObjectName(u"actionDayReport")
        self.actionFlags = QAction(MainWindow)
        self.actionFlags.setObjectName(u"actionFlags")
        self.actionSettings = QAction(MainWindow)
        self.actionSettings.setObjectName(u"actionSettings")
        self.actionQuit = QAction(MainWindow)
        self.actionQuit.setObjectName(u"actionQuit")
        self.centralwidget = QWidget(MainWindow)
        self.centralwidget.setObjectName(u"centralwidget")
        self.rootLayout = QVBoxLayout(self.centralwidget)
        self.rootLayout.setSpacing(8)
        self.rootLayout.setObjectName(u"rootLayout")
        self.rootLayout.setContentsMargins(10, 10, 10, 6)
        self.searchRow = QHBoxLayout()
        self.searchRow.setObjectName(u"searchRow")
        self.searchLabel = QLabel(self.centralwidget)
        self.searchLabel.setObjectName(u"searchLabel")

        self.searchRow.addWidget(self.searchLabel)

        self.searchEdit = QLineEdit(self.centralwidget)
        self.searchEdit.setObjectName(u"searchEdit")
        self.searchEdit.setClearButtonEnabled(True)

        self.searchRow.addWidget(self.searchEdit)

        self.searchInfoLabel = QLabel(self.centralwidget)
        self.searchInfoLabel.setObjectName(u"searchInfoLabel")
        self.searchInfoLabel.setMinimumSize(QSize(110, 0))
        self.searchInfoLabel.setAlignment(Qt.AlignmentFlag.AlignRight|Qt.AlignmentFlag.AlignVCenter)

        self.searchRow.addWidget(self.searchInfoLabel)


        self.rootLayout.addLayout(self.searchRow)

        self.splitter = QSplitter(self.centralwidget)
        self.splitter.setObjectName(u"splitter")
        self.splitter.setOrientation(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.resultsView = QTableView(self.splitter)
        self.resultsView.setObjectName(u"resultsView")
        self.resultsView.setMinimumSize(QSize(360, 0))
        self.resultsView.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.resultsView.setTabKeyNavigation(False)
        self.resultsView.setAlternatingRowColors(True)
        self.resultsView.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.resultsView.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.resultsView.setWordWrap(False)
        self.splitter.addWidget(self.resultsView)
        self.resultsView.horizontalHeader().setHighlightSections(False)
        self.resultsView.verticalHeader().setVisible(False)
        self.studentStack = QStackedWidget(self.splitter)
        self.studentStack.setObjectName(u"studentStack")
        self.emptyPage = QWidget()
        self.emptyPage.setObjectName(u"emptyPage")
        self.emptyLayout = QVBoxLayout(self.emptyPage)
        self.emptyLayout.setObjectName(u"emptyLayout")
        self.emptyLabel = QLabel(self.emptyPage)
        self.emptyLabel.setObjectName(u"emptyLabel")
        self.emptyLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.emptyLabel.setWordWrap(True)

        self.emptyLayout.addWidget(self.emptyLabel)

        self.studentStack.addWidget(self.emptyPage)
        self.studentPage = QWidget()
        self.studentPage.setObjectName(u"studentPage")
        self.studentLayout = QVBoxLayout(self.studentPage)
        self.studentLayout.setObjectName(u"studentLayout")
        self.studentLayout.setContentsMargins(8, 0, 0, 0)
        self.headerRow = QHBoxLayout()
        self.headerRow.setObjectName(u"headerRow")
        self.identityColumn = QVBoxLayout()
        self.identityColumn.setSpacing(2)
        self.identityColumn.setObjectName(u"identityColumn")
        self.nameLabel = QLabel(self.studentPage)
        self.nameLabel.setObjectName(u"nameLabel")
        self.nameLabel.setWordWrap(True)
        self.nameLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.identityColumn.addWidget(self.nameLabel)

        self.detailsLabel = QLabel(self.studentPage)
        self.detailsLabel.setObjectName(u"detailsLabel")
        self.detailsLabel.setWordWrap(True)
        self.detailsLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.identityColumn.addWidget(self.detailsLabel)


        self.headerRow.addLayout(self.identityColumn)

        self.headerSpacer = QSpacerItem(20, 10, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.headerRow.addItem(self.headerSpacer)

        self.balanceLabel = QLabel(self.studentPage)
        self.balanceLabel.setObjectName(u"balanceLabel")
        self.balanceLabel.setAlignment(Qt.AlignmentFlag.AlignRight|Qt.AlignmentFlag.AlignVCenter)

        self.headerRow.addWidget(self.balanceLabel)


        self.studentLayout.addLayout(self.headerRow)

        self.invoicesLabel = QLabel(self.studentPage)
        self.invoicesLabel.setObjectName(u"invoicesLabel")

        self.studentLayout.addWidget(self.invoicesLabel)

        self.invoicesView = QTableView(self.studentPage)
        self.invoicesView.setObjectName(u"invoicesView")
        self.invoicesView.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.invoicesView.setTabKeyNavigation(False)
        self.invoicesView.setAlternatingRowColors(True)
        self.invoicesView.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.invoicesView.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.invoicesView.setSortingEnabled(True)
        self.invoicesView.setWordWrap(False)
        self.invoicesView.horizontalHeader().setHighlightSections(False)
        self.invoicesView.verticalHeader().setVisible(False)

        self.studentLayout.addWidget(self.invoicesView)

        self.paymentsLabel = QLabel(self.studentPage)
        self.paymentsLabel.setObjectName(u"paymentsLabel")

        self.studentLayout.addWidget(self.paymentsLabel)

        self.paymentsView = QTableView(self.studentPage)
        self.paymentsView.setObjectName(u"paymentsView")
        self.paymentsView.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.paymentsView.setTabKeyNavigation(False)
        self.paymentsView.setAlternatingRowColors(True)
        self.paymentsView.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.paymentsView.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.paymentsView.setSortingEnabled(True)
        self.paymentsView.setWordWrap(False)
        self.paymentsView.horizontalHeader().setHighlightSections(False)
        self.paymentsView.verticalHeader().setVisible(False)

        self.studentLayout.addWidget(self.paymentsView)

        self.targetLabel = QLabel(self.studentPage)
        self.targetLabel.setObjectName(u"targetLabel")
        self.targetLabel.setWordWrap(True)

        self.studentLayout.addWidget(self.targetLabel)

        self.actionsRow = QHBoxLayout()
        self.actionsRow.setObjectName(u"actionsRow")
        self.actionsSpacer = QSpacerItem(10, 10, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.actionsRow.addItem(self.actionsSpacer)

        self.payButton = QPushButton(self.studentPage)
        self.payButton.setObjectName(u"payButton")
        self.payButton.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.actionsRow.addWidget(self.payButton)

        self.qrButton = QPushButton(self.studentPage)
        self.qrButton.setObjectName(u"qrButton")
        self.qrButton.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.actionsRow.addWidget(self.qrButton)

        self.refundButton = QPushButton(self.studentPage)
        self.refundButton.setObjectName(u"refundButton")
        self.refundButton.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.actionsRow.addWidget(self.refundButton)

        self.reportButton = QPushButton(self.studentPage)
        self.reportButton.setObjectName(u"reportButton")
        self.reportButton.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.actionsRow.addWidget(self.reportButton)


        self.studentLayout.addLayout(self.actionsRow)

        self.studentStack.addWidget(self.studentPage)
        self.splitter.addWidget(self.studentStack)

        self.rootLayout.addWidget(self.splitter)

        self.rootLayout.setStretch(1, 1)
        MainWindow.setCentralWidget(self.centralwidget)
        self.menubar = QMenuBar(MainWindow)
        self.menubar.setObjectName(u"menubar")
        self.menuDesk = QMenu(self.menubar)
        self.menuDesk.setObjectName(u"menuDesk")
        MainWindow.setMenuBar(self.menubar)
        self.statusbar = QStatusBar(MainWindow)
        self.statusbar.setObjectName(u"statusbar")
        MainWindow.setStatusBar(self.statusbar)
#if QT_CONFIG(shortcut)
        self.searchLabel.setBuddy(self.searchEdit)
        self.invoicesLabel.setBuddy(self.invoicesView)
        self.paymentsLabel.setBuddy(self.paymentsView)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.searchEdit, self.resultsView)
        QWidget.setTabOrder(self.resultsView, self.invoicesView)
        QWidget.setTabOrder(self.invoicesView, self.paymentsView)

        self.menubar.addAction(self.menuDesk.menuAction())
        self.menuDesk.addAction(self.actionSearch)
        self.menuDesk.addSeparator()
        self.menuDesk.addAction(self.actionTakePayment)
        self.menuDesk.addAction(self.actionQr)
        self.menuDesk.addAction(self.actionRefund)
        self.menuDesk.addAction(self.actionReprint)
        self.menuDesk.addSeparator()
        self.menuDesk.addAction(self.actionDayReport)
        self.menuDesk.addAction(self.actionFlags)
        self.menuDesk.addSeparator()
        self.menuDesk.addAction(self.actionSettings)
        self.menuDesk.addSeparator()
        self.menuDesk.addAction(self.actionQuit)

        self.retranslateUi(MainWindow)

        self.studentStack.setCurrentIndex(0)

    # setupUi

    def retranslateUi(self, MainWindow):
        MainWindow.setWindowTitle(QCoreApplication.translate("MainWindow", u"jdoffice \u2013 kassen", None))
        self.actionSearch.setText(QCoreApplication.translate("MainWindow", u"&S\u00f8g elev", None))
#if QT_CONFIG(shortcut)
        self.actionSearch.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+F", None))
#endif // QT_CONFIG(shortcut)
        self.actionTakePayment.setText(QCoreApplication.translate("MainWindow", u"&Tag betaling \u2026", None))
#if QT_CONFIG(shortcut)
        self.actionTakePayment.setShortcut(QCoreApplication.translate("MainWindow", u"F5", None))
#endif // QT_CONFIG(shortcut)
        self.actionQr.setText(QCoreApplication.translate("MainWindow", u"&QR-betaling \u2026", None))
#if QT_CONFIG(shortcut)
        self.actionQr.setShortcut(QCoreApplication.translate("MainWindow", u"F6", None))
#endif // QT_CONFIG(shortcut)
        self.actionRefund.setText(QCoreApplication.translate("MainWindow", u"&Refund\u00e9r valgt betaling \u2026", None))
#if QT_CONFIG(shortcut)
        self.actionRefund.setShortcut(QCoreApplication.translate("MainWindow", u"F8", None))
#endif // QT_CONFIG(shortcut)
        self.actionReprint.setText(QCoreApplication.translate("MainWindow", u"Udskriv &kopi af kvittering \u2026", None))
#if QT_CONFIG(shortcut)
        self.actionReprint.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+P", None))
#endif // QT_CONFIG(shortcut)
        self.actionDayReport.setText(QCoreApplication.translate("MainWindow", u"&Dagsrapport \u2026", None))
#if QT_CONFIG(shortcut)
        self.actionDayReport.setShortcut(QCoreApplication.translate("MainWindow", u"F9", None))
#endif // QT_CONFIG(shortcut)
        self.actionFlags.setText(QCoreApplication.translate("MainWindow", u"Af&vigelser \u2026", None))
#if QT_CONFIG(shortcut)
        self.actionFlags.setShortcut(QCoreApplication.translate("MainWindow", u"F7", None))
#endif // QT_CONFIG(shortcut)
        self.actionSettings.setText(QCoreApplication.translate("MainWindow", u"&Indstillinger \u2026", None))
#if QT_CONFIG(shortcut)
        self.actionSettings.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+,", None))
#endif // QT_CONFIG(shortcut)
        self.actionQuit.setText(QCoreApplication.translate("MainWindow", u"&Afslut", None))
#if QT_CONFIG(shortcut)
        self.actionQuit.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+Q", None))
#endif // QT_CONFIG(shortcut)
        self.searchLabel.setText(QCoreApplication.translate("MainWindow", u"&S\u00f8g elev:", None))
        self.searchEdit.setPlaceholderText(QCoreApplication.translate("MainWindow", u"Navn, telefon, elevnr. eller e-mail \u2013 Ctrl+F / F2 fra alle steder", None))
        self.searchInfoLabel.setText("")
        self.emptyLabel.setText(QCoreApplication.translate("MainWindow", u"Skriv en del af elevens navn, telefon eller elevnummer.\n"
"\u2191/\u2193 v\u00e6lger, Enter \u00e5bner eleven.\n"
"\n"
"F5 Tag betaling \u00b7 F6 QR-betaling \u00b7 F8 Refusion \u00b7 F9 Dagsrapport", None))
        self.nameLabel.setText("")
        self.detailsLabel.setText("")
        self.balanceLabel.setText("")
        self.invoicesLabel.setText(QCoreApplication.translate("MainWindow", u"&Fakturaer", None))
        self.paymentsLabel.setText(QCoreApplication.translate("MainWindow", u"&Betalinger", None))
        self.targetLabel.setText("")
        self.payButton.setText(QCoreApplication.translate("MainWindow", u"F5  Tag betaling", None))
        self.qrButton.setText(QCoreApplication.translate("MainWindow", u"F6  QR-betaling", None))
        self.refundButton.setText(QCoreApplication.translate("MainWindow", u"F8  Refusion", None))
        self.reportButton.setText(QCoreApplication.translate("MainWindow", u"F9  Dagsrapport", None))
        self.menuDesk.setTitle(QCoreApplication.translate("MainWindow", u"&Kasse", None))
    # retranslateUi

