"""The production entry point keeps a worker's long-lived objects out of full garbage collections."""
import gc
import os
import subprocess
import sys
from pathlib import Path

from register.core.gc_freeze import freeze_after_warmup


def test_a_worker_freezes_its_objects_after_the_warmup_requests_and_not_before(app, client):
    freeze_after_warmup(app, after=(3,))
    gc.unfreeze()
    try:
        for _ in range(2):
            assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0
        client.get("/healthz").close()  # the freeze runs once the third response is closed (sent)
        assert gc.get_freeze_count() > 1000
        frozen = gc.get_freeze_count()
        client.get("/healthz").close()
        assert gc.get_freeze_count() <= frozen  # once per mark, not on every request (some frozen objects are freed)
    finally:
        gc.unfreeze()  # the test process must not keep its objects out of collection


def test_the_wsgi_entry_point_uses_it(tmp_path):
    """gunicorn loads wsgi:app; a fresh process shows the hook is on that app (and only there, not in tests)."""
    check = ("import wsgi; from register import create_app; "
             "names = lambda a: [f.__name__ for f in a.after_request_funcs[None]]; "
             "print('count_request' in names(wsgi.app), 'count_request' in names(create_app()), "
             "'count_for_statistics' in names(wsgi.app), 'count_for_statistics' in names(create_app()))")
    env = {**os.environ, "REGISTER_INSTANCE_PATH": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", check], cwd=Path(__file__).parent.parent, env=env,
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False", "True", "False"]  # also the statistics' check (core/statistics.py)
