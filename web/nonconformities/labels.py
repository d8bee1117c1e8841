"""The register's vocabulary in the interface language (the data keeps the codes)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

SOURCE = {"late_dossier": _l("Late dossier"), "complaint": _l("Complaint"),
          "internal_audit": _l("Internal audit finding"), "other": _l("Other")}
STATUS = {"open": _l("Open"), "in_progress": _l("Corrective action under way"),
          "closed": _l("Closed")}
ACTION = {"nonconformity_open": _l("Opened"), "nonconformity_update": _l("Changed"),
          "nonconformity_close": _l("Closed")}
FIELD = {"description": _l("Description"), "cause": _l("Cause"),
         "correction": _l("Correction"), "corrective_action": _l("Corrective action"),
         "owner_id": _l("Owner"), "due_date": _l("Due date of the action"),
         "effectiveness": _l("Effectiveness of the action"), "status": _l("Status"),
         "closed_at": _l("Closed"), "source": _l("Source"), "dossier_code": _l("Dossier code"),
         "procedure_id": _l("Procedure"), "procedure": _l("Procedure"), "reason": _l("Reason"),
         "from": _l("From"), "to": _l("To"), "version": _l("Version"), "code": _l("Number")}


def field_label(name: str) -> str:
    return str(FIELD.get(name, name))
