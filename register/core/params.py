"""Reading numbers from the query string safely: out-of-range values are treated as absent."""
from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest key either database stores


def int_arg(name: str, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """`?name=` as an int within [minimum, maximum], else None (a tampered URL never reaches the database)."""
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if minimum <= value <= maximum else None


class KeyConverter(IntegerConverter):
    """`<int:...>` in every route: an id beyond what the database stores is a 404, never a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
