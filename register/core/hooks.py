"""What core needs from the packages above it, handed to it by the app factory, so that core imports none of
them (they all import core)."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class Hooks:
    user_for_token: Callable  # API bearer token -> its user, or None (security: API requests)
    describe_unauthorized: Callable  # () -> (response, status) for an API request without a valid token (security)
    unit_names: Callable  # () -> {unit id: name}, inactive units too (history display)
    user_names: Callable  # () -> {e-mail address: name} (history display: who made a change)
    municipality_name: Callable  # () -> the name shown on every page (templating)
    audited_models: tuple  # models whose rows are checked against their latest history entry (integrity)
    archive_anchors: Callable  # session -> chain heads recorded beside the archived reports (integrity)
    verify_archive: Callable  # session -> the archived reports' check, with .checked and .mismatches (integrity)


def install(app: Flask, given: Hooks) -> None:
    app.extensions["register.core.hooks"] = given


def hooks() -> Hooks:
    """The current app's hooks."""
    return current_app.extensions["register.core.hooks"]
