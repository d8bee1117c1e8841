"""What the audit area's pages share: who may read them, the label of every recorded action
(those the dossier history does not name too), and times to the second in Vietnam time."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from engine.calendar import VN_TZ

from ..formatting import ACTIONS, bilingual
from . import bp

# Read only: the ISO auditor, the quality manager and the agency's leaders.
AREA_ROLES = ("auditor", "quality", "leader")

MORE_ACTIONS = {
    "login": ("Đăng nhập", "Logged in"),
    "login_failed": ("Đăng nhập sai mật khẩu", "Failed login"),
    "user_create": ("Tạo tài khoản", "User created"),
    "user_update": ("Sửa tài khoản", "User changed"),
    "user_roles": ("Thay đổi vai trò", "Roles changed"),
    "user_activate": ("Kích hoạt tài khoản", "User activated"),
    "user_deactivate": ("Khóa tài khoản", "User deactivated"),
    "password_reset": ("Đặt lại mật khẩu", "Password reset"),
    "department_create": ("Tạo phòng ban", "Department created"),
    "department_update": ("Sửa phòng ban", "Department changed"),
    "install_procedure": ("Cài đặt thủ tục", "Procedure installed"),
}


def action_label(code: str) -> str:
    pair = ACTIONS.get(code) or MORE_ACTIONS.get(code)
    return bilingual(*pair) if pair else code


def vn_seconds(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM:SS in Vietnam time, as an auditor compares events."""
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S") if value else ""


FIELDS = {"code": lambda: _("Dossier code"), "procedure": lambda: _("Procedure"),
          "user": lambda: _("User"), "action": lambda: _("Action"),
          "from": lambda: _("From"), "to": lambda: _("To"), "before": lambda: _("Page"),
          "part": lambda: _("Page"),
          "page": lambda: _("Page")}


@bp.context_processor
def audit_helpers() -> dict:
    return {"action_label": action_label, "vn_seconds": vn_seconds,
            "field_label": lambda f: FIELDS[f]() if f in FIELDS else f}
