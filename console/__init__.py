"""Incident Command Console: a keyboard-driven war-room console for the
distributed-responsibility incident model."""

__version__ = "0.1.0"
