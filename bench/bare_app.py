"""The floor of B5: a bare Flask app with one trivial endpoint, served by the same gunicorn."""
from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping():
    return {"ok": True}
