"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""
from register import create_app
from register.core.gc_freeze import freeze_after_warmup

app = create_app()
freeze_after_warmup(app)  # a worker's full garbage collections took 100-250 ms each; see core/gc_freeze.py
