"""Shared pieces: database base class, history, permissions, i18n, errors."""
