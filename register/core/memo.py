"""Values worked out once per request (the language, the data stamp), kept on the request itself.

Not on flask.g: g belongs to the application context, which a test or a script may hold open across many
requests, and these values must not outlive the request that read them.
"""
from flask import has_request_context, request


def per_request() -> dict:
    """A dict that lives as long as the current request; outside a request a new, empty one (nothing kept)."""
    if not has_request_context():
        return {}
    return request.environ.setdefault("register.per_request", {})
