"""jdoffice: the front-desk program of driving-school offices."""

__version__ = "0.1.0"
