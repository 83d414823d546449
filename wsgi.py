"""WSGI entry point: `gunicorn -k gevent -w 1 wsgi:app` (see docs/deploy.md).

Under gevent, the standard library must be patched before anything else is imported.
"""

import os

if os.environ.get("SOCKETIO_ASYNC_MODE", "gevent" if os.environ.get("FACETTES_CONFIG") == "production" else "") == "gevent":
    from gevent import monkey

    monkey.patch_all()

from app import create_app  # noqa: E402
from app.runtime import settle_for_serving  # noqa: E402

app = create_app()
settle_for_serving(app)  # start-up's objects out of the garbage collector's sight (app/runtime.py)
