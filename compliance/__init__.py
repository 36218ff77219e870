"""Safeguarding-children compliance engine for NHS organisations in England."""

__version__ = "0.1.0"
