"""A workflow's JSON state: SpiffWorkflow's own format, with the diagram's part done once.

SpiffWorkflow writes the whole process definition (the spec, about 60 % of a state's text)
into every state and rebuilds its objects at every read: half the time of a restore, and a
fifth of a serialization. The spec is the diagram's, the same for every dossier of a
version. So the spec's JSON text is made once per diagram and written first; a state that
begins with exactly that text is read back with the diagram's own spec objects (as
`Run.start` and a move use them), parsing the instance part only. Any other state (one
written before, by another process whose text differs, or for another diagram) is read the
stock way. Every state stays a complete SpiffWorkflow serialization that its own
`deserialize_json` reads.
"""
from __future__ import annotations

import json
from typing import Any
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow


class StateCodec:
    """Writes and reads workflow states with one serializer (SpiffWorkflow's, configured)."""

    def __init__(self, serializer: BpmnWorkflowSerializer):
        self.serializer = serializer
        self.registry = serializer.registry
        # an equivalent of the registry's own converter, to write the instance part alone
        self._workflows = BpmnWorkflowConverter(BpmnWorkflow, self.registry)
        self._prefixes: WeakKeyDictionary[Any, str] = WeakKeyDictionary()

    def dump(self, workflow: BpmnWorkflow) -> str:
        prefix = self._prefix(workflow.spec, workflow.subprocess_specs)
        self.registry._encoder_mode = True  # as serialize_json converts
        try:
            instance = self._instance_dict(workflow)
            instance[self.serializer.VERSION_KEY] = self.serializer.VERSION
            text = json.dumps(instance, cls=self.serializer._encoder_cls)
        finally:
            self.registry._encoder_mode = False
        return prefix + text[1:]  # the instance's keys follow the spec's in one object

    def load(self, state: str, spec, subprocess_specs: dict) -> BpmnWorkflow:
        """The workflow of `state`, on `spec` when the state was written for it."""
        prefix = self._prefix(spec, subprocess_specs)
        if not state.startswith(prefix):
            return self.serializer.deserialize_json(state)
        dct = json.loads("{" + state[len(prefix):], cls=self.serializer.json_decoder_cls)
        if dct.get(self.serializer.VERSION_KEY) != self.serializer.VERSION:
            return self.serializer.deserialize_json(state)  # older: its migrations need it all
        del dct[self.serializer.VERSION_KEY]
        # the registry hands objects it does not know back as they are: the spec objects
        dct["spec"], dct["subprocess_specs"] = spec, dict(subprocess_specs)
        return self.serializer.from_dict(dct)

    def _instance_dict(self, workflow: BpmnWorkflow) -> dict:
        """BpmnWorkflowConverter.to_dict (SpiffWorkflow 3.2) without the spec parts."""
        dct = WorkflowConverter.to_dict(self._workflows, workflow)
        dct["subprocesses"] = self._workflows.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct["typename"] = self._workflows.typename
        return dct

    def _prefix(self, spec, subprocess_specs: dict) -> str:
        """`{"spec": ..., "subprocess_specs": ..., ` as serialize_json writes them."""
        prefix = self._prefixes.get(spec)
        if prefix is None:
            self.registry._encoder_mode = True
            try:
                parts = [json.dumps(self.registry.convert(spec), cls=self.serializer._encoder_cls),
                         json.dumps(self._workflows.mapping_to_dict(subprocess_specs),
                                    cls=self.serializer._encoder_cls)]
            finally:
                self.registry._encoder_mode = False
            prefix = self._prefixes[spec] = (f'{{"spec": {parts[0]}, '
                                             f'"subprocess_specs": {parts[1]}, ')
        return prefix
