"""The WSGI entry point for a multi-process server: `gunicorn web.wsgi:app`.

`motcua serve --workers N` runs gunicorn with this module. Each worker process imports it and
builds its own application (its own connection pool); no worker runs the timer scheduler:
timers are fired by `motcua scheduler`, a process of its own (see docs/operations.md).
"""
from __future__ import annotations

from . import create_app

app = create_app()
