"""Receipts on paper: A4/PDF and system printers through Qt, 80 mm thermal printers through
ESC/POS.

The two modules load their heavy dependencies (Qt, python-escpos) only when imported, so import
the one you need: :mod:`jdoffice.printing.receipts` or :mod:`jdoffice.printing.thermal`.
"""
