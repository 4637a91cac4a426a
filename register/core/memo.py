"""Values worked out once per request (the language, the data stamp), kept on the request itself.

Not on flask.g: g belongs to the application context, which a test or a script may hold open across many
requests, and these values must not outlive the request that read them.
"""
from flask.globals import _cv_request


def per_request() -> dict:
    """A dict that lives as long as the current request; outside a request a new, empty one (nothing kept).

    Read straight from Flask's context variable: a list page asks for the language hundreds of times, and
    has_request_context() plus the `request` proxy cost more than the rest of the lookup.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        return {}
    return ctx.request.environ.setdefault("register.per_request", {})
