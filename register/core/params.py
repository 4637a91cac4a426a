"""Reading numbers from the query string safely: out-of-range values are treated as absent."""
from flask import request

MAX_ID = 2**31 - 1  # the largest key either database stores


def int_arg(name: str, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """`?name=` as an int within [minimum, maximum], else None (a tampered URL never reaches the database)."""
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if minimum <= value <= maximum else None
