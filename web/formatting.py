"""Template filters: dates as dd/mm/yyyy in Asia/Ho_Chi_Minh, labels in the current language."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Flask

from bpmn.catalog import FIELDS
from bpmn.vocabulary import OUTCOMES, ROLES
from engine.calendar import VN_TZ

from .i18n import _locale

STATUS = {
    "in_progress": ("Đang xử lý", "In progress"),
    "awaiting_supplement": ("Chờ bổ sung", "Awaiting supplement"),
    "returned": ("Đã trả kết quả", "Returned"),
    "withdrawn": ("Đã rút hồ sơ", "Withdrawn"),
    "stopped": ("Đã dừng xử lý", "Stopped"),
}
RESULT = {"early": ("Trước hạn", "Early"), "on_time": ("Đúng hạn", "On time"),
          "late": ("Quá hạn", "Late")}
DECISION = {"approve": ("Chấp thuận", "Approved"), "refuse": ("Từ chối", "Refused")}
CHANNEL = {"counter": ("Trực tiếp", "At the counter"), "post": ("Bưu chính", "By post"),
           "online": ("Trực tuyến", "Online")}
ACTIONS = {
    "receive": ("Tiếp nhận hồ sơ", "Received the dossier"),
    "complete": ("Hoàn thành bước", "Completed a step"),
    "claim": ("Nhận xử lý", "Claimed"), "release": ("Trả lại hàng chờ", "Released"),
    "timer_fired": ("Hẹn giờ đến hạn", "Timer fired"),
    "escalation": ("Chuyển cấp trên đôn đốc", "Escalated"),
    "timer_failed": ("Hẹn giờ bị lỗi", "Timer failed"),
    "clock_stop": ("Tạm dừng tính thời gian", "Clock stopped"),
    "clock_resume": ("Tính tiếp thời gian", "Clock resumed"),
    "apology": ("Xin lỗi và hẹn lại", "Apology and new appointment"),
    "calendar_change": ("Thay đổi lịch làm việc", "Calendar changed"),
    "version_draft_save": ("Lưu dự thảo quy trình", "Draft saved"),
    "version_submit": ("Trình phê duyệt quy trình", "Submitted for approval"),
    "version_approve": ("Phê duyệt quy trình", "Approved"),
    "version_reject": ("Trả lại dự thảo", "Sent back to its author"),
    "version_publish": ("Ban hành quy trình", "Published"),
    "version_retire": ("Thu hồi quy trình", "Retired"),
    "dossier_migrate": ("Chuyển sang phiên bản quy trình mới", "Moved to a new process version"),
    "attach": ("Đính kèm tệp", "File attached"),
    "rating": ("Đánh giá mức độ hài lòng", "Satisfaction rated"),
    "reassign": ("Giao lại cho cán bộ khác", "Reassigned"),
    "stop": ("Dừng xử lý hồ sơ", "Processing stopped"),
}
# A process version's status, or a published version's standing (services/versions.py).
VERSION_STATUS = {
    "draft": ("Dự thảo", "Draft"), "submitted": ("Đã trình phê duyệt", "Submitted"),
    "approved": ("Đã phê duyệt", "Approved"), "published": ("Đã ban hành", "Published"),
    "retired": ("Đã thu hồi", "Retired"), "in_force": ("Đang áp dụng", "In force"),
    "scheduled": ("Chờ ngày hiệu lực", "Scheduled"),
    "superseded": ("Đã được thay thế", "Superseded"),
}
TABLES = {"status": STATUS, "result": RESULT, "decision": DECISION, "channel": CHANNEL,
          "action": ACTIONS, "outcome": OUTCOMES, "role": ROLES, "field": FIELDS,
          "version": VERSION_STATUS}


def label(code: str | None, table: str) -> str:
    if code is None:
        return ""
    pair = TABLES[table].get(code)
    return (pair[0] if _locale() == "vi" else pair[1]) if pair else code


def bilingual(vi: str, en: str) -> str:
    return en if _locale() == "en" and en else vi


def localdt(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def localdate(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ).date()
    return value.strftime("%d/%m/%Y")


def urgency(due_at: datetime | None, dossier_due: date | None = None,
            now: datetime | None = None, *, warned_at: datetime | None = None,
            escalated: bool = False) -> str:
    """overdue / escalated / soon / ok, for the row colour in a queue.

    A work item a warning timer fired on (`warned_at`) is "soon" whatever its own due time;
    one an escalation timer opened is "escalated" until it is overdue.
    """
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(VN_TZ).date()
    if (dossier_due and dossier_due < today) or (due_at and due_at < now):
        return "overdue"
    if escalated:
        return "escalated"
    if warned_at is not None or (due_at and (due_at - now).total_seconds() < 24 * 3600):
        return "soon"
    return "ok"


def init_app(app: Flask) -> None:
    app.add_template_filter(localdt)
    app.add_template_filter(localdate)
    app.add_template_global(label)
    app.add_template_global(bilingual)
    app.add_template_global(urgency)
