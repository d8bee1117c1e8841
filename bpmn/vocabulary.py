"""The words diagrams share with the application: roles behind lanes, outcomes, step actions."""
from __future__ import annotations

import unicodedata

# Role codes, with their Vietnamese and English titles.
ROLES: dict[str, tuple[str, str]] = {
    "one_stop": ("Cán bộ Bộ phận Một cửa", "One-stop officer"),
    "specialist": ("Chuyên viên", "Specialist"),
    "head": ("Trưởng phòng", "Department head"),
    "leader": ("Lãnh đạo", "Leader"),
    "quality": ("Quản lý chất lượng", "Quality manager"),
    "auditor": ("Đánh giá viên ISO", "ISO auditor"),
    "admin": ("Quản trị hệ thống", "Administrator"),
}

# Roles that do the work of a procedure, i.e. that a lane may stand for.
LANE_ROLES = ("one_stop", "specialist", "head", "leader")

# Roles whose work items belong to the procedure's department (the others serve every one).
DEPARTMENT_ROLES = ("specialist", "head")

# Lane names seen in diagrams, folded (lower case, no accents), mapped to a role code.
_LANE_ALIASES = {
    "one_stop": ["bo phan mot cua", "mot cua", "one-stop officer", "one-stop", "one stop",
                 "one_stop", "tiep nhan va tra ket qua"],
    "specialist": ["chuyen vien", "phong chuyen mon", "specialist", "chuyen vien thu ly"],
    "head": ["truong phong", "lanh dao phong", "department head", "head"],
    "leader": ["lanh dao", "lanh dao ban", "giam doc", "leader", "director"],
}


def fold(text: str) -> str:
    """Lower-case, strip accents and đ, collapse spaces: 'Bộ phận Một cửa' -> 'bo phan mot cua'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(bare.lower().split())


_ROLE_BY_ALIAS = {alias: role for role, aliases in _LANE_ALIASES.items() for alias in aliases}


def role_for_lane(lane_name: str | None) -> str | None:
    """The role a lane stands for; a lane may also be named 'Anything (role_code)'."""
    if not lane_name:
        return None
    folded = fold(lane_name)
    if folded.endswith(")") and "(" in folded:
        code = folded[folded.rindex("(") + 1:-1].strip()
        if code in LANE_ROLES:
            return code
    return _ROLE_BY_ALIAS.get(folded)


# Outcome codes a step may offer, with Vietnamese and English labels.
OUTCOMES: dict[str, tuple[str, str]] = {
    "handed_over": ("Đã chuyển hồ sơ", "Handed over"),
    "approve": ("Đề xuất phê duyệt", "Propose approval"),
    "supplement": ("Yêu cầu bổ sung", "Request a supplement"),
    "refuse": ("Đề xuất từ chối", "Propose refusal"),
    "agree": ("Đồng ý", "Agree"),
    "send_back": ("Trả lại", "Send back"),
    "sign": ("Phê duyệt, ký", "Approve and sign"),
    "resubmitted": ("Đã nhận hồ sơ bổ sung", "Supplement received"),
    "returned": ("Đã trả kết quả", "Result returned"),
    "done": ("Hoàn thành", "Done"),
    "reviewed": ("Hồ sơ đầy đủ, đã thẩm định", "Reviewed, dossier complete"),
    "fast_track": ("Chuyển xử lý theo quy trình rút gọn", "Hand over for the fast path"),
    "consult": ("Đề xuất lấy ý kiến Bộ, ngành", "Propose consulting the ministry"),
    "opinions_received": ("Đã nhận ý kiến", "Opinions received"),
    "inspected": ("Đã kiểm tra thực địa", "Site inspected"),
    "drafted": ("Đã dự thảo", "Draft ready"),
    "back_to_review": ("Đã đôn đốc, chuyển lại thẩm định", "Urged; back to review"),
}

# Step actions the application treats specially.
ACTIONS = ("receive", "supplement", "return")
