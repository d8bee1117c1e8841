"""What other modelers write that this application does not run, and where it sits.

The namespaces, Camunda's settings and elements with what becomes of them here (refused:
implementations we do not run; ignored with a warning: settings we handle our own way), and
how a problem found inside an element is located on the element a modeler draws.
"""
from __future__ import annotations

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS = {"bpmn": BPMN, "camunda": CAMUNDA, "spiffworkflow": SPIFF}
# Namespaces whose extension elements are only drawing or documentation.
HARMLESS_NS = {SPIFF, "http://www.omg.org/spec/BPMN/20100524/DI",
               "http://www.omg.org/spec/DD/20100524/DC", "http://www.omg.org/spec/DD/20100524/DI",
               "http://bpmn.io/schema/bpmn/biocolor/1.0", "http://www.omg.org/spec/BPMN/non-normative/color/1.0",
               "http://bpmn.io/schema/bpmn", "http://www.signavio.com"}

# Camunda attributes that carry behaviour this application does not run: the diagram would
# do something else here than on Camunda, so it is refused.
CAMUNDA_NOT_RUN = {
    "class": "runs the Java class {value}",
    "delegateExpression": "runs the Java delegate {value}",
    "expression": "evaluates the Camunda expression {value}",
    "type": "is a Camunda '{value}' task (an external worker or connector)",
    "topic": "is an external task of topic {value}",
    "resultVariable": "stores a Camunda result in variable {value}",
    "decisionRef": "evaluates the DMN decision {value}",
    "decisionRefBinding": "binds a DMN decision ({value})",
    "resource": "loads its script from {value}",
    "collection": "loops over the Camunda collection {value}",
    "elementVariable": "names a Camunda loop variable {value}",
    "calledElementBinding": "binds the called process by {value}",
    "caseRef": "starts the CMMN case {value}",
    "mapDecisionResult": "maps a DMN result ({value})",
    "errorCodeVariable": "stores an error code in {value}",
    "errorMessageVariable": "stores an error message in {value}",
    "variableName": "stores a conditional event's variable {value}",
}
# Camunda extension elements that carry behaviour this application does not run.
CAMUNDA_ELEMENTS_NOT_RUN = {
    "executionListener": "a Camunda execution listener",
    "taskListener": "a Camunda task listener",
    "inputOutput": "Camunda input/output mappings",
    "in": "Camunda variable mappings into the called process",
    "out": "Camunda variable mappings out of the called process",
    "connector": "a Camunda connector",
    "field": "Camunda field injection",
    "failedJobRetryTimeCycle": "a Camunda retry cycle",
    "errorEventDefinition": "a Camunda error event definition",
}
# Camunda settings that this application handles its own way: kept, ignored, reported.
CAMUNDA_IGNORED = {
    "assignee": "who works a step is set by its lane's role here",
    "candidateUsers": "who works a step is set by its lane's role here",
    "candidateGroups": "who works a step is set by its lane's role here",
    "candidateStarterGroups": "any one-stop officer starts a dossier here",
    "candidateStarterUsers": "any one-stop officer starts a dossier here",
    "initiator": "the officer who received a dossier is in its history here",
    "dueDate": "a step's time is its 'allotment' property here",
    "followUpDate": "a step's time is its 'allotment' property here",
    "priority": "work queues sort by due time here",
    "formKey": "a step's form is its outcome buttons here",
    "formRef": "a step's form is its outcome buttons here",
    "formRefBinding": "a step's form is its outcome buttons here",
    "formRefVersion": "a step's form is its outcome buttons here",
    "formData": "a step's form is its outcome buttons here",
    "properties": "a step's properties are spiffworkflow:properties here",
    "async": "each action is one transaction here",
    "asyncBefore": "each action is one transaction here",
    "asyncAfter": "each action is one transaction here",
    "exclusive": "each action is one transaction here",
    "jobPriority": "each action is one transaction here",
    "taskPriority": "each action is one transaction here",
    "historyTimeToLive": "history is the audit trail, kept for good",
    "versionTag": "versions are numbered by document control here",
    "isStartableInTasklist": "dossiers are started at the counter here",
    "calledElementTenantId": "there is one tenant here",
    "calledElementVersion": "called processes come from the same file here",
    "calledElementVersionTag": "called processes come from the same file here",
    "modelerTemplate": "modeler templates are not used here",
    "modelerTemplateVersion": "modeler templates are not used here",
}


def local_name(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def implementation(el: etree._Element) -> str:
    for name in ("class", "delegateExpression", "expression", "type", "topic", "decisionRef"):
        value = el.get(f"{{{CAMUNDA}}}{name}")
        if value:
            return CAMUNDA_NOT_RUN[name].format(value=repr(value))
    if el.find(f".//{{{CAMUNDA}}}connector") is not None:
        return "calls a Camunda connector"
    if el.find(f".//{{{SPIFF}}}serviceTaskOperator") is not None:
        return "calls a SpiffArena service operator"
    implementation = el.get("implementation")
    if implementation and implementation not in ("##unspecified", "##WebService"):
        return f"is implemented by {implementation!r}"
    return ""


IMPLEMENTATION_ATTRS = {"class", "delegateExpression", "expression", "type", "topic",
                         "decisionRef"}
IMPLEMENTED_TAGS = {"serviceTask", "sendTask", "businessRuleTask"}


def check_camunda(root, problem) -> None:
    seen_ignored: set[tuple[str, str]] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        namespace = etree.QName(el).namespace
        local = etree.QName(el).localname
        for attr, value in el.attrib.items():
            q = etree.QName(attr)
            if q.namespace != CAMUNDA:
                continue
            name = q.localname
            if name in CAMUNDA_NOT_RUN:
                if name in IMPLEMENTATION_ATTRS and local in IMPLEMENTED_TAGS:
                    continue  # already said, with the task
                problem(el, f"camunda:{name}: {local} "
                            + CAMUNDA_NOT_RUN[name].format(value=repr(value))
                            + ", which this application does not run")
            else:
                reason = CAMUNDA_IGNORED.get(name, "this Camunda setting has no effect here")
                key = (owner_id(el), name)
                if key not in seen_ignored:
                    seen_ignored.add(key)
                    problem(el, f"camunda:{name} is ignored: {reason}", severity="warning")
        if namespace == CAMUNDA:
            if local in CAMUNDA_ELEMENTS_NOT_RUN:
                parent = extension_owner(el)
                if local == "connector" and parent is not None and \
                        etree.QName(parent).localname in IMPLEMENTED_TAGS:
                    continue  # said with the task
                problem(parent if parent is not None else el,
                        f"{CAMUNDA_ELEMENTS_NOT_RUN[local]} (camunda:{local}) is not run by this "
                        "application")
            elif local in CAMUNDA_IGNORED:
                parent = extension_owner(el)
                key = (owner_id(parent if parent is not None else el), local)
                if key not in seen_ignored:
                    seen_ignored.add(key)
                    problem(parent if parent is not None else el,
                            f"camunda:{local} is ignored: {CAMUNDA_IGNORED[local]}",
                            severity="warning")
        elif local == "extensionElements" and namespace == BPMN:
            for child in el:
                if not isinstance(child.tag, str):
                    continue
                child_ns = etree.QName(child).namespace
                if child_ns not in HARMLESS_NS and child_ns != CAMUNDA:
                    key = ("", child_ns or "")
                    if key not in seen_ignored:
                        seen_ignored.add(key)
                        problem(el, f"extension {etree.QName(child).localname} of namespace "
                                    f"{child_ns} is ignored", severity="warning")


def owner_id(el: etree._Element) -> str:
    node = el
    while node is not None and not (node.get("id") and drawn(node)):
        node = node.getparent()
    return node.get("id", "") if node is not None else ""


def drawn(el: etree._Element) -> bool:
    """Whether an element with an id is one a modeler draws (an event definition or a loop
    marker is part of the shape of its event or task)."""
    local = local_name(el.tag)
    return not (local.endswith(("EventDefinition", "LoopCharacteristics"))
                or local in ("conditionExpression", "timeDuration", "timeDate", "timeCycle",
                             "extensionElements", "script", "ioSpecification"))


def extension_owner(el: etree._Element):
    """The BPMN element whose extensionElements hold `el`."""
    node = el.getparent()
    while node is not None:
        name = etree.QName(node)
        if name.namespace == BPMN and name.localname != "extensionElements":
            return node
        node = node.getparent()
    return None
