"""Files received with a dossier: read from the receive form, downloaded by staff.

Settings: `ATTACHMENT_FOLDER` (default `<instance>/attachments`), `ATTACHMENT_MAX_BYTES`
(per file; default 10 MB, or `MOTCUA_ATTACHMENT_MAX_MB`). The whole request is bounded by
`MAX_CONTENT_LENGTH`; a request over it is answered with the receive form and a message.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import abort, current_app, flash, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from engine.models import Attachment, Procedure
from engine.services.attachments import DEFAULT_MAX_BYTES, blob_path, human_size

from ..database import db
from ..security import actor, roles_required
from . import bp
from .common import READER_ROLES, readable_dossier

FIELD = "attachments"


def folder() -> Path:
    return Path(current_app.config.get("ATTACHMENT_FOLDER")
                or Path(current_app.instance_path) / "attachments")


def max_bytes() -> int:
    configured = current_app.config.get("ATTACHMENT_MAX_BYTES")
    if configured:
        return int(configured)
    megabytes = os.environ.get("MOTCUA_ATTACHMENT_MAX_MB", "").strip()
    return int(float(megabytes) * 1024 * 1024) if megabytes else DEFAULT_MAX_BYTES


def received_files() -> list[tuple[str, bytes]]:
    """The files of the form as (name, content); a file longer than the limit is read one byte
    past it, enough for the check to refuse it. File inputs left empty are skipped."""
    limit = max_bytes()
    return [(storage.filename, storage.stream.read(limit + 1))
            for storage in request.files.getlist(FIELD) if storage.filename]


@bp.get("/dossiers/<code>/attachments/<int:attachment_id>")
@roles_required(*READER_ROLES)
def attachment(code: str, attachment_id: int):
    session = db()
    dossier = readable_dossier(code, actor())
    found = session.execute(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.dossier_id == dossier.id)).scalar_one_or_none()
    if found is None:
        abort(404)
    path = blob_path(folder(), found.sha256)
    if not path.is_file():
        abort(404, _("The stored file is missing: tell the administrator (sha256 %(sha)s).",
                     sha=found.sha256))
    return send_file(path, mimetype=found.mime_type, as_attachment=True,
                     download_name=found.original_name, max_age=0)


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error):
    """The whole form is over MAX_CONTENT_LENGTH: nothing of it was read, nothing changed."""
    if request.endpoint != "officer.receive" or not current_user.is_authenticated:
        return error
    flash(_("The form with its files is larger than the %(limit)s allowed in one receipt: "
            "nothing was saved. Attach fewer or smaller files.",
            limit=human_size(current_app.config["MAX_CONTENT_LENGTH"])), "error")
    procedures = list(db().execute(select(Procedure).order_by(Procedure.code)).scalars())
    return render_template("officer/receive.html", procedures=procedures, form=MultiDict(),
                           preview=None, attachment_limit=human_size(max_bytes())), 413
