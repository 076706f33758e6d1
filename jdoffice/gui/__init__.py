"""The desk program (PySide6). The only part of jdoffice that imports Qt widgets."""
