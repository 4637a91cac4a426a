"""The floor: a Flask app that answers "ok", under the same gunicorn and load as the register's pages.

Its latency is what the server, the load generator and two shared cores cost before any page does any work,
so a page's figures can be read against it. Started by `python -m bench pages` as `bench.floor:app`.
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok():
    return "ok"
