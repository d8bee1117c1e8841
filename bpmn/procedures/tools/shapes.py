"""The library's diagram shapes, described compactly for `generate.py`.

One shape per way of working, not one per procedure: the catalog points each procedure at a
shape whose allotments fit its legal deadline (the engine refuses it otherwise). Allotments are
working days; the totals along the longest path are given beside each shape.
"""
from __future__ import annotations

from generate import Flow, Node, Shape

ALL_LANES = ("one_stop", "specialist", "head", "leader")


def task(id: str, lane: str, col: float, name: str, name_en: str, allotment: str,
         outcomes: str, row: int = 0, **props: str) -> Node:
    return Node(id, "task", lane, col, row, name,
                {"name_en": name_en, **props, "outcomes": outcomes, "allotment": allotment})


def xor(id: str, lane: str, col: float, name: str, row: int = 0) -> Node:
    return Node(id, "xor", lane, col, row, name)


def when(outcome: str, extra: str = "") -> str:
    return f'outcome == "{outcome}"' + (f" and {extra}" if extra else "")


def counter_in(handover_outcomes: str = "handed_over") -> list[Node]:
    """Start, receive at the counter, hand over to the department (columns 0-2)."""
    return [
        Node("start", "start", "one_stop", 0, name="Hồ sơ đến"),
        task("receive", "one_stop", 1, "Tiếp nhận hồ sơ", "Receive the dossier", "0", "done",
             action="receive"),
        task("handover", "one_stop", 2, "Chuyển hồ sơ cho phòng chuyên môn",
             "Hand over to the department", "0.5", handover_outcomes),
    ]


def counter_out(col: float) -> list[Node]:
    return [task("return_result", "one_stop", col, "Trả kết quả", "Return the result", "0.5",
                 "returned", action="return"),
            Node("end", "end", "one_stop", col + 1, name="Đã trả kết quả")]


def supplement(col: float, id: str = "supplement") -> Node:
    return task(id, "one_stop", col, "Tiếp nhận hồ sơ bổ sung",
                "Receive the supplemented dossier", "0", "resubmitted", action="supplement")


def review(col: float, allotment: str, outcomes: str = "approve,supplement,refuse",
           row: int = 0, id: str = "review", name: str = "Thẩm định hồ sơ",
           name_en: str = "Review the dossier") -> Node:
    decides = {"decides": "true"} if "approve" in outcomes else {}
    return task(id, "specialist", col, name, name_en, allotment, outcomes, row, **decides)


def report(col: float, allotment: str, row: int = 0) -> Node:
    return task("report", "specialist", col, "Tổng hợp ý kiến, lập báo cáo thẩm định",
                "Sum up the opinions and write the appraisal report", allotment,
                "approve,refuse", row, decides="true")


def consultation(col: float, allotment: str, timer: str, row: int = 1,
                 name: str = "Nhận ý kiến cơ quan phối hợp",
                 name_en: str = "Receive the consulted agencies' opinions") -> list[Node]:
    """The consultation task with its interrupting timer: no answer in time counts as none."""
    return [task("consult", "specialist", col, name, name_en, allotment, "opinions_received",
                 row),
            Node("consult_timeout", "timer", "specialist", col, row, "Hết hạn lấy ý kiến",
                 attached_to="consult", timer=timer)]


def approval(check_col: float, check_allotment: str, approve_allotment: str) -> list[Node]:
    """Department head checks, leader signs (columns check_col .. check_col + 3)."""
    return [
        task("check", "head", check_col, "Trưởng phòng kiểm tra", "Department head checks",
             check_allotment, "agree,send_back"),
        xor("gw_check", "head", check_col + 1, "Đồng ý?"),
        task("approve", "leader", check_col + 2, "Lãnh đạo phê duyệt, ký",
             "Leader approves and signs", approve_allotment, "sign,send_back"),
        xor("gw_approve", "leader", check_col + 3, "Ký duyệt?"),
    ]


def approval_flows(send_back_to: str) -> list[Flow]:
    return [
        Flow("check", "gw_check"),
        Flow("gw_check", send_back_to, "Trả lại", when("send_back"), route="below"),
        Flow("gw_check", "approve", "Đồng ý", default=True),
        Flow("approve", "gw_approve"),
        Flow("gw_approve", "check", "Trả lại", when("send_back"), route="below"),
        Flow("gw_approve", "return_result", "Đã ký", default=True),
        Flow("return_result", "end"),
    ]


def entry_flows(first: str, route: str = "vh") -> list[Flow]:
    return [Flow("start", "receive"), Flow("receive", "handover"),
            Flow("handover", first, route=route)]


def supplement_loop(gateway: str, target: str, sup: str = "supplement") -> list[Flow]:
    return [Flow(gateway, sup, "Yêu cầu bổ sung", when("supplement")), Flow(sup, target, dx=20)]


# --- short path: one approval level (re-issue, correction, extension): 3 working days -------
SHORT_PATH = Shape(
    "short_path", "Quy trình rút gọn: một cấp phê duyệt (cấp lại, hiệu đính, gia hạn)",
    ("one_stop", "specialist", "leader"),
    [*counter_in(), review(3, "1"), xor("gw_review", "specialist", 4, "Kết quả thẩm định?"),
     supplement(4),
     task("approve", "leader", 5, "Lãnh đạo phê duyệt, ký", "Leader approves and signs", "1",
          "sign,send_back"),
     xor("gw_approve", "leader", 6, "Ký duyệt?"), *counter_out(7)],
    [*entry_flows("review"), Flow("review", "gw_review"),
     *supplement_loop("gw_review", "review"),
     Flow("gw_review", "approve", "Đề xuất", default=True), Flow("approve", "gw_approve"),
     Flow("gw_approve", "review", "Trả lại", when("send_back"), route="below"),
     Flow("gw_approve", "return_result", "Đã ký", default=True), Flow("return_result", "end")],
    doc="Receive, review, one approval level, return: 0.5 + 1 + 1 + 0.5 = 3 working days.")

# --- two levels of approval with tight allotments: 6 working days ---------------------------
TWO_LEVEL = Shape(
    "two_level", "Quy trình hai cấp phê duyệt (thời hạn ngắn)", ALL_LANES,
    [*counter_in(), review(3, "2.5"), xor("gw_review", "specialist", 4, "Kết quả thẩm định?"),
     supplement(4), *approval(5, "1", "1.5"), *counter_out(9)],
    [*entry_flows("review"), Flow("review", "gw_review"),
     *supplement_loop("gw_review", "review"),
     Flow("gw_review", "check", "Đề xuất", default=True), *approval_flows("review")],
    doc="Review (may ask once for a correction), head checks, leader signs: "
        "0.5 + 2.5 + 1 + 1.5 + 0.5 = 6 working days.")

# --- adjustment with a fast path chosen at hand-over: 6 / 3 working days --------------------
FAST = 'handover_outcome == "fast_track"'
FAST_PATH = Shape(
    "fast_path", "Điều chỉnh: đường tắt cho thay đổi đơn giản hoặc cấp lại", ALL_LANES,
    [*counter_in("handed_over,fast_track"), xor("gw_kind", "one_stop", 3, "Loại thay đổi?"),
     review(4, "1", id="review_fast", name="Thẩm định thay đổi đơn giản",
            name_en="Review a simple change"),
     xor("gw_review_fast", "specialist", 5, "Kết quả thẩm định?"),
     supplement(5, "supplement_fast"),
     review(6, "3", row=1), xor("gw_review", "specialist", 7, "Kết quả thẩm định?", row=1),
     supplement(7),
     task("check", "head", 8, "Trưởng phòng kiểm tra", "Department head checks", "1",
          "agree,send_back"),
     xor("gw_check", "head", 9, "Đồng ý?"),
     task("approve", "leader", 10, "Lãnh đạo phê duyệt, ký", "Leader approves and signs", "1",
          "sign,send_back"),
     xor("gw_approve", "leader", 11, "Ký duyệt?"), *counter_out(12)],
    [Flow("start", "receive"), Flow("receive", "handover"), Flow("handover", "gw_kind"),
     Flow("gw_kind", "review_fast", "Đơn giản / cấp lại", when("fast_track")),
     Flow("gw_kind", "review", "Khác", default=True, route="vh"),
     Flow("review_fast", "gw_review_fast"),
     *supplement_loop("gw_review_fast", "review_fast", "supplement_fast"),
     Flow("gw_review_fast", "approve", "Đề xuất", default=True),
     Flow("review", "gw_review"), *supplement_loop("gw_review", "review"),
     Flow("gw_review", "check", "Đề xuất", default=True),
     Flow("check", "gw_check"),
     Flow("gw_check", "review", "Trả lại", when("send_back"), route="below"),
     Flow("gw_check", "approve", "Đồng ý", default=True),
     Flow("approve", "gw_approve"),
     Flow("gw_approve", "review_fast", "Trả lại", when("send_back", FAST), route="below", ch=14),
     Flow("gw_approve", "check", "Trả lại", when("send_back", "not " + FAST), route="below"),
     Flow("gw_approve", "return_result", "Đã ký", default=True), Flow("return_result", "end")],
    doc="The one-stop officer hands a simple change or a re-issue over for the fast path "
        "(0.5 + 1 + 1 + 0.5 = 3 working days, one approval level); any other change goes "
        "through review, head and leader (0.5 + 3 + 1 + 1 + 0.5 = 6 working days).")


def _parallel(branch_a: list[Node], a_flows: list[Flow], join_col: float, consult_col: float,
              consult_allotment: str, timer: str) -> tuple:
    """Split after hand-over into the specialist's branch (row 0, `a_flows` ending at the join)
    and the consultation (row 1)."""
    nodes = [Node("split", "and", "specialist", 3, name="Lấy ý kiến song song"), *branch_a,
             *consultation(consult_col, consult_allotment, timer),
             xor("gw_opinions", "specialist", join_col - 1, "Ý kiến", row=1),
             Node("join", "and", "specialist", join_col, name="Đủ ý kiến, hồ sơ")]
    flows = [*entry_flows("split"), Flow("split", "review"), Flow("split", "consult", route="vh"),
             *a_flows,
             Flow("consult", "gw_opinions", "Đã có ý kiến"),
             Flow("consult_timeout", "gw_opinions", "Quá hạn: coi như đồng ý", route="below"),
             Flow("gw_opinions", "join")]
    return nodes, flows


def _after_join(report_col: float, report_allotment: str, check_allotment: str,
                approve_allotment: str) -> tuple:
    nodes = [report(report_col, report_allotment),
             *approval(report_col + 1, check_allotment, approve_allotment),
             *counter_out(report_col + 5)]
    flows = [Flow("join", "report"), Flow("report", "check"), *approval_flows("report")]
    return nodes, flows


REVIEWED = "reviewed,supplement"

# --- parallel consultation of other agencies: 16.5 working days ------------------------------
_c_nodes, _c_flows = _parallel(
    [review(4, "3", REVIEWED), xor("gw_review", "specialist", 5, "Hồ sơ đầy đủ?"),
     supplement(5)],
    [Flow("review", "gw_review"), *supplement_loop("gw_review", "review"),
     Flow("gw_review", "join", "Đủ hồ sơ", default=True)],
    join_col=7, consult_col=4, consult_allotment="10", timer="working_days(10)")
_c_tail = _after_join(8, "2", "1.5", "2")
CONSULTATION = Shape(
    "consultation", "Thẩm định có lấy ý kiến cơ quan phối hợp (song song)", ALL_LANES,
    [*counter_in(), *_c_nodes, *_c_tail[0]],
    [*_c_flows, *_c_tail[1]],
    doc="The specialist reviews the dossier while the consulted agencies answer (10 working "
        "days; without an answer by then the consultation closes). Longest path: 0.5 + 10 + 2 "
        "+ 1.5 + 2 + 0.5 = 16.5 working days.")

# --- review, site inspection and consultation in parallel: 14 working days -------------------
_i_nodes, _i_flows = _parallel(
    [review(4, "2", REVIEWED), xor("gw_review", "specialist", 5, "Hồ sơ đầy đủ?"),
     supplement(5),
     task("inspect", "specialist", 6, "Kiểm tra thực địa", "Inspect the site", "3",
          "inspected")],
    [Flow("review", "gw_review"), *supplement_loop("gw_review", "review"),
     Flow("gw_review", "inspect", "Đủ hồ sơ", default=True), Flow("inspect", "join")],
    join_col=7, consult_col=4, consult_allotment="8", timer="working_days(8)")
_i_tail = _after_join(8, "1.5", "1.5", "2")
INSPECTION_CONSULTATION = Shape(
    "inspection_consultation",
    "Thẩm định, kiểm tra thực địa và lấy ý kiến cơ quan phối hợp (song song)", ALL_LANES,
    [*counter_in(), *_i_nodes, *_i_tail[0]], [*_i_flows, *_i_tail[1]],
    doc="Review then site inspection (2 + 3) while the consulted agencies answer (8 working "
        "days). Longest path: 0.5 + 8 + 1.5 + 1.5 + 2 + 0.5 = 14 working days.")

# --- review, site inspection, report, two approvals: 11 working days -------------------------
INSPECTION = Shape(
    "inspection", "Thẩm định có kiểm tra thực địa", ALL_LANES,
    [*counter_in(), review(3, "2", REVIEWED), xor("gw_review", "specialist", 4, "Hồ sơ đầy đủ?"),
     supplement(4),
     task("inspect", "specialist", 5, "Kiểm tra thực địa", "Inspect the site", "3", "inspected"),
     report(6, "1.5"), *approval(7, "1.5", "2"), *counter_out(11)],
    [*entry_flows("review"), Flow("review", "gw_review"),
     *supplement_loop("gw_review", "review"),
     Flow("gw_review", "inspect", "Đủ hồ sơ", default=True), Flow("inspect", "report"),
     Flow("report", "check"), *approval_flows("report")],
    doc="Review (2), site inspection by the team (3), report (1.5), head (1.5), leader (2): "
        "0.5 + 2 + 3 + 1.5 + 1.5 + 2 + 0.5 = 11 working days.")

# --- work permit: 9 working days to issue, a refusal within 3 --------------------------------
WORK_PERMIT = Shape(
    "work_permit", "Cấp giấy phép: từ chối trong thời hạn ngắn hơn", ALL_LANES,
    [*counter_in(), review(3, "1.5"), xor("gw_review", "specialist", 4, "Kết quả thẩm định?"),
     supplement(4),
     task("draft", "specialist", 5, "Dự thảo giấy phép", "Draft the permit", "3.5", "drafted"),
     *approval(6, "1.5", "1.5"),
     task("refusal", "leader", 8, "Lãnh đạo ký văn bản từ chối", "Leader signs the refusal",
          "0.5", "sign,send_back", row=1),
     xor("gw_refusal", "leader", 9, "Ký văn bản?", row=1), *counter_out(10)],
    [*entry_flows("review"), Flow("review", "gw_review"),
     *supplement_loop("gw_review", "review"),
     Flow("gw_review", "refusal", "Đề xuất từ chối", when("refuse"), route="vh"),
     Flow("gw_review", "draft", "Đề xuất cấp", default=True), Flow("draft", "check"),
     Flow("refusal", "gw_refusal"),
     Flow("gw_refusal", "review", "Trả lại", when("send_back"), route="below"),
     Flow("gw_refusal", "return_result", "Đã ký", default=True, dx=-20),
     *approval_flows("draft")],
    doc="Issue: 0.5 + 1.5 + 3.5 + 1.5 + 1.5 + 0.5 = 9 working days. A refusal goes straight "
        "from the review to the leader: 0.5 + 1.5 + 0.5 + 0.5 = 3 working days.")

# --- consultation only when needed (exclusive gateway): 24 / 7 working days ------------------
OPTIONAL_CONSULTATION = Shape(
    "optional_consultation", "Thẩm định, lấy ý kiến Bộ khi cần", ALL_LANES,
    [*counter_in(), review(3, "3", "approve,supplement,refuse,consult"),
     xor("gw_review", "specialist", 4, "Kết quả thẩm định?"), supplement(4),
     *consultation(5, "15", "working_days(15)", name="Nhận ý kiến Bộ Công Thương",
                   name_en="Receive the Ministry's opinion"),
     xor("gw_opinions", "specialist", 6, "Ý kiến", row=1), report(7, "2", row=1),
     *approval(8, "1.5", "1.5"), *counter_out(12)],
    [*entry_flows("review"), Flow("review", "gw_review"),
     *supplement_loop("gw_review", "review"),
     Flow("gw_review", "consult", "Lấy ý kiến Bộ", when("consult"), route="vh"),
     Flow("gw_review", "check", "Đề xuất", default=True),
     Flow("consult", "gw_opinions", "Đã có ý kiến"),
     Flow("consult_timeout", "gw_opinions", "Quá hạn", route="below"),
     Flow("gw_opinions", "report"), Flow("report", "check"), *approval_flows("review")],
    doc="Without consultation: 0.5 + 3 + 1.5 + 1.5 + 0.5 = 7 working days. When the "
        "specialist asks for the Ministry's opinion (15 working days, then the consultation "
        "closes): 0.5 + 3 + 15 + 2 + 1.5 + 1.5 + 0.5 = 24 working days.")

SHAPES = {s.id: s for s in (SHORT_PATH, TWO_LEVEL, FAST_PATH, CONSULTATION,
                            INSPECTION_CONSULTATION, INSPECTION, WORK_PERMIT,
                            OPTIONAL_CONSULTATION)}
