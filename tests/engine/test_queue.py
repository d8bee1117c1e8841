"""The work queue's tabs, filters, search, sorting and reassignment."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import Forbidden, InvalidInput
from engine.models import AuditEvent, Procedure
from engine.services import queue
from engine.services.queue import QueueFilter

from ..conftest import T0
from .helpers import advance, hours, open_item, receive, user


@pytest.fixture
def at_review(library):
    """Three investment dossiers at review and one labour dossier at hand-over."""
    codes = [receive(library, T0 + hours(n), name=name)
             for n, name in enumerate(["Công ty Alpha", "Công ty Beta", "Công ty Gamma"])]
    for n, code in enumerate(codes):
        advance(library, code, "officer", "handed_over", T0 + hours(5 + n))
    receive(library, T0, procedure="BQL.LD.03", name="Lao động Delta")
    return codes


def names(items):
    return [i.applicant_name for i in items]


def test_department_tab_is_for_heads_only(library, at_review):
    with library.begin() as session:
        head, specialist = user(session, "head"), user(session, "specialist")
        assert queue.tabs_for(head) == ("mine", "unclaimed", "department")
        assert queue.tabs_for(specialist) == ("mine", "unclaimed")
        assert names(queue.work_queue(session, head, "department", now=T0)) == [
            "Công ty Alpha", "Công ty Beta", "Công ty Gamma"]
        with pytest.raises(Forbidden):
            queue.work_queue(session, specialist, "department", now=T0)
        assert queue.queue_counts(session, head) == {"mine": 0, "unclaimed": 0, "department": 3}


def test_filters_search_and_sort(library, at_review):
    with library.begin() as session:
        specialist, officer = user(session, "specialist"), user(session, "officer")
        labour = tuple(session.execute(select(Procedure.id).where(
            Procedure.field == "labour")).scalars())

        def listed(actor, **kwargs):
            return names(queue.work_queue(session, actor, "unclaimed",
                                          filters=QueueFilter(**kwargs), now=T0 + hours(8)))
        assert listed(specialist, q="beta") == ["Công ty Beta"]
        assert listed(specialist, q="260304-0002") == ["Công ty Beta"]
        assert listed(specialist, sort="newest") == ["Công ty Gamma", "Công ty Beta",
                                                     "Công ty Alpha"]
        assert listed(officer, procedure_ids=labour) == ["Lao động Delta"]
        assert listed(officer, procedure_ids=()) == []
        assert listed(officer, waiting="supplement") == []
        # hand-over is due half a working day after receipt (10:00 -> 15:00 local)
        assert listed(officer, due="overdue") == ["Lao động Delta"]
        assert listed(specialist, due="overdue") == []
        with pytest.raises(InvalidInput):
            listed(specialist, sort="salary")


def test_head_reassigns_within_the_department(library, at_review):
    with library.begin() as session:
        head, item = user(session, "head"), open_item(session, at_review[0])
        target = user(session, "specialist2")
        queue.reassign(session, head, T0 + hours(6), item.id, target.id)
    with library.begin() as session:
        item = open_item(session, at_review[0])
        assert item.assignee_id == user(session, "specialist2").id
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "reassign")
                                ).scalar_one()
        assert event.after == {"assignee": item.assignee_id} and event.actor_name == "head"
        with pytest.raises(InvalidInput):  # a labour specialist cannot take an investment step
            queue.reassign(session, user(session, "head"), T0, item.id,
                           user(session, "labour_specialist").id)
        with pytest.raises(Forbidden):  # nor may a specialist reassign
            queue.reassign(session, user(session, "specialist"), T0, item.id,
                           user(session, "specialist").id)
