"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""
from register import create_app
from register.core.gc_freeze import freeze_after_warmup
from register.core.statistics import refresh_statistics_now_and_then

app = create_app()
freeze_after_warmup(app)  # a worker's full garbage collections took 100-250 ms each; see core/gc_freeze.py
refresh_statistics_now_and_then(app)  # SQLite's plans follow the register as it grows; see core/statistics.py
