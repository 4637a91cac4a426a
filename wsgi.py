"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""
from register import create_app

app = create_app()
