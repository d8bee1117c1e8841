"""Paths through each shipped diagram, shared by the Run-level and the service-level tests.

A path lists "step:outcome" in the order the steps are completed after the receipt (the
receive service completes `receive`); when two steps are open at once (a parallel
consultation), the path says which goes first. `decision` is what the deciding step leaves.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Path:
    steps: tuple[tuple[str, str], ...]
    decision: str

    @classmethod
    def of(cls, text: str, decision: str = "approve") -> "Path":
        return cls(tuple(tuple(s.split(":")) for s in text.split()), decision)


SIGNED = "approve:sign return_result:returned"
TWO_LEVEL = {
    "main": Path.of(f"handover:handed_over review:approve check:agree {SIGNED}"),
    "supplement": Path.of("handover:handed_over review:supplement supplement:resubmitted "
                          f"review:approve check:agree {SIGNED}"),
    "refusal": Path.of(f"handover:handed_over review:refuse check:agree {SIGNED}", "refuse"),
    "send_back": Path.of("handover:handed_over review:approve check:send_back review:approve "
                         f"check:agree approve:send_back check:agree {SIGNED}"),
}
CONSULTED = "report:approve check:agree"  # after the join, on the main path

SCENARIOS: dict[str, dict[str, Path]] = {
    "standard.bpmn": TWO_LEVEL,
    "two_level.bpmn": TWO_LEVEL,
    "short_path.bpmn": {
        "main": Path.of(f"handover:handed_over review:approve {SIGNED}"),
        "supplement": Path.of("handover:handed_over review:supplement supplement:resubmitted "
                              f"review:approve {SIGNED}"),
        "refusal": Path.of(f"handover:handed_over review:refuse {SIGNED}", "refuse"),
        "send_back": Path.of(f"handover:handed_over review:approve approve:send_back "
                             f"review:approve {SIGNED}"),
    },
    "fast_path.bpmn": {
        **TWO_LEVEL,
        "fast": Path.of(f"handover:fast_track review_fast:approve {SIGNED}"),
        "fast_supplement": Path.of("handover:fast_track review_fast:supplement "
                                   "supplement_fast:resubmitted review_fast:approve "
                                   f"{SIGNED}"),
        "fast_send_back": Path.of("handover:fast_track review_fast:approve approve:send_back "
                                  f"review_fast:approve {SIGNED}"),
        "fast_refusal": Path.of(f"handover:fast_track review_fast:refuse {SIGNED}", "refuse"),
    },
    "consultation.bpmn": {
        "main": Path.of("handover:handed_over review:reviewed consult:opinions_received "
                        f"{CONSULTED} {SIGNED}"),
        "opinions_first": Path.of("handover:handed_over consult:opinions_received "
                                  f"review:reviewed {CONSULTED} {SIGNED}"),
        "supplement": Path.of("handover:handed_over review:supplement consult:opinions_received "
                              "supplement:resubmitted review:reviewed "
                              f"{CONSULTED} {SIGNED}"),
        "refusal": Path.of("handover:handed_over review:reviewed consult:opinions_received "
                           f"report:refuse check:agree {SIGNED}", "refuse"),
        "send_back": Path.of("handover:handed_over review:reviewed consult:opinions_received "
                             "report:refuse check:send_back report:approve check:agree "
                             f"approve:send_back check:agree {SIGNED}"),
    },
    "inspection_consultation.bpmn": {
        "main": Path.of("handover:handed_over review:reviewed inspect:inspected "
                        f"consult:opinions_received {CONSULTED} {SIGNED}"),
        "opinions_first": Path.of("handover:handed_over consult:opinions_received "
                                  f"review:reviewed inspect:inspected {CONSULTED} {SIGNED}"),
        "supplement": Path.of("handover:handed_over review:supplement supplement:resubmitted "
                              "review:reviewed consult:opinions_received inspect:inspected "
                              f"{CONSULTED} {SIGNED}"),
        "refusal": Path.of("handover:handed_over review:reviewed inspect:inspected "
                           f"consult:opinions_received report:refuse check:agree {SIGNED}",
                           "refuse"),
        "send_back": Path.of("handover:handed_over review:reviewed consult:opinions_received "
                             "inspect:inspected report:approve check:send_back report:approve "
                             f"check:agree approve:send_back check:agree {SIGNED}"),
    },
    "inspection.bpmn": {
        "main": Path.of("handover:handed_over review:reviewed inspect:inspected "
                        f"{CONSULTED} {SIGNED}"),
        "supplement": Path.of("handover:handed_over review:supplement supplement:resubmitted "
                              f"review:reviewed inspect:inspected {CONSULTED} {SIGNED}"),
        "refusal": Path.of("handover:handed_over review:reviewed inspect:inspected "
                           f"report:refuse check:agree {SIGNED}", "refuse"),
        "send_back": Path.of("handover:handed_over review:reviewed inspect:inspected "
                             "report:approve check:send_back report:approve check:agree "
                             f"approve:send_back check:agree {SIGNED}"),
    },
    "work_permit.bpmn": {
        "main": Path.of("handover:handed_over review:approve draft:drafted check:agree "
                        f"{SIGNED}"),
        "refusal": Path.of("handover:handed_over review:refuse refusal:sign "
                           "return_result:returned", "refuse"),
        "refusal_sent_back": Path.of("handover:handed_over review:refuse refusal:send_back "
                                     "review:approve draft:drafted check:agree "
                                     f"{SIGNED}"),
        "supplement": Path.of("handover:handed_over review:supplement supplement:resubmitted "
                              f"review:approve draft:drafted check:agree {SIGNED}"),
        "send_back": Path.of("handover:handed_over review:approve draft:drafted "
                             "check:send_back draft:drafted check:agree approve:send_back "
                             f"check:agree {SIGNED}"),
    },
    "optional_consultation.bpmn": {
        "main": Path.of(f"handover:handed_over review:approve check:agree {SIGNED}"),
        "consultation": Path.of("handover:handed_over review:consult "
                                f"consult:opinions_received {CONSULTED} {SIGNED}"),
        "consultation_refusal": Path.of("handover:handed_over review:consult "
                                        "consult:opinions_received report:refuse check:agree "
                                        f"{SIGNED}", "refuse"),
        "refusal": Path.of(f"handover:handed_over review:refuse check:agree {SIGNED}",
                           "refuse"),
        "supplement": Path.of("handover:handed_over review:supplement supplement:resubmitted "
                              f"review:approve check:agree {SIGNED}"),
        "send_back": Path.of("handover:handed_over review:consult consult:opinions_received "
                             "report:approve check:send_back review:approve check:agree "
                             f"approve:send_back check:agree {SIGNED}"),
    },
}

# Timers on the consultation (element id, working days after the consultation opens).
CONSULTATION_TIMERS = {"consultation.bpmn": 10, "inspection_consultation.bpmn": 8,
                       "optional_consultation.bpmn": 15}
