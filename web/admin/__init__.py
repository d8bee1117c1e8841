"""The administrator's area (role `admin`): the organisation calendar, users and departments."""
from __future__ import annotations

from flask import Blueprint

from ..security import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def only_administrators() -> None:
    """Every page here is for administrators: others get 403, anonymous users the login."""


from . import calendar, people  # noqa: F401  (routes register on bp)
