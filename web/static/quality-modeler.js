// The quality manager's diagrams: the bpmn-js modeler (edit, check on save, problems marked on
// the drawing) and a read-only view with marked elements. No inline script (CSP script-src
// 'self'): pages describe what to do with data attributes.
//
// <div data-modeler data-xml-source data-save-url data-number data-based-on ...>: the modeler.
// <div data-bpmn-view data-xml-source data-problems='["id"]' data-markers='{"id": "added"}'>.
(function () {
  "use strict";

  // SpiffWorkflow's task properties (<spiffworkflow:properties><spiffworkflow:property
  // name= value=/>), so that the modeler reads, edits and writes them as model elements.
  const SPIFFWORKFLOW = {
    name: "SpiffWorkflow", prefix: "spiffworkflow",
    uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    xml: { tagAlias: "lowerCase" }, associations: [],
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", type: "String", isAttr: true },
                     { name: "value", type: "String", isAttr: true }] },
    ],
  };
  const EDITED = ["allotment", "outcomes", "name_en"];

  function shapeFor(registry, id) {
    // A problem on the process itself is shown on its pool when the diagram has one.
    const direct = id && registry.get(id);
    if (direct) return direct;
    return registry.filter((e) => e.type === "bpmn:Participant" &&
      e.businessObject.processRef && e.businessObject.processRef.id === id)[0] || null;
  }

  function parseJSON(text, fallback) {
    try { return JSON.parse(text || ""); } catch (error) { return fallback; }
  }

  // --- read-only view ---------------------------------------------------------------------
  function view(container) {
    if (typeof BpmnJS === "undefined") {
      container.textContent = container.dataset.missing || "The diagram viewer is not installed.";
      return;
    }
    fetch(container.dataset.xmlSource, { credentials: "same-origin" })
      .then((answer) => answer.text())
      .then(async (xml) => {
        const viewer = new BpmnJS({ container });
        await viewer.importXML(xml);
        const canvas = viewer.get("canvas");
        const registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        parseJSON(container.dataset.problems, []).forEach((id) => {
          const shape = shapeFor(registry, id);
          if (shape) canvas.addMarker(shape, "has-problem");
        });
        Object.entries(parseJSON(container.dataset.markers, {})).forEach(([id, change]) => {
          if (registry.get(id)) canvas.addMarker(id, "diff-" + change);
        });
        container.dataset.rendered = "true";
      })
      .catch((error) => { container.textContent = String(error); });
  }

  // --- the modeler ------------------------------------------------------------------------
  function edit(container) {
    const side = document.querySelector(".modeler-side");
    const saveButton = side.querySelector("[data-testid=save]");
    const message = side.querySelector("[data-testid=save-message]");
    const problemList = side.querySelector("[data-testid=problems]");
    const conversionList = side.querySelector("[data-testid=conversions]");
    const form = side.querySelector("[data-testid=properties]");
    const hint = side.querySelector("[data-testid=properties-hint]");
    const token = side.querySelector("input[name=csrf_token]").value;
    const note = side.querySelector("[data-testid=change-note]");
    let number = container.dataset.number || null;
    let marked = [];

    if (typeof BpmnJS === "undefined") {
      container.textContent = container.dataset.missing || "The modeler is not installed.";
      return;
    }
    const modeler = new BpmnJS({ container, keyboard: { bindTo: document },
                                 moddleExtensions: { spiffworkflow: SPIFFWORKFLOW } });
    window.qualityModeler = modeler;  // for browser tests and the curious: the bpmn-js API
    const canvas = modeler.get("canvas");
    const registry = modeler.get("elementRegistry");
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const selection = modeler.get("selection");
    let selected = null;

    // Task properties -------------------------------------------------------------------
    function propertiesOf(bo) {
      const ext = bo.extensionElements;
      const found = ext && (ext.values || []).filter((v) => v.$type === "spiffworkflow:Properties")[0];
      return found || null;
    }
    function propertyValue(bo, name) {
      const props = propertiesOf(bo);
      const prop = props && (props.properties || []).filter((p) => p.name === name)[0];
      return prop ? prop.value || "" : "";
    }
    function laneNames(bo) {
      return (bo.get ? bo.get("lanes") || [] : []).map((l) => l.name || l.id).join(", ");
    }
    function showProperties(element) {
      selected = element;
      if (!element || element.type === "bpmn:Process" || element.type === "label") {
        form.hidden = true; hint.hidden = false; return;
      }
      const bo = element.businessObject;
      form.hidden = false; hint.hidden = true;
      form.querySelector("[data-testid=selected-id]").textContent = bo.id;
      form.querySelector("[data-testid=selected-kind]").textContent = element.type.replace("bpmn:", "");
      form.elements.name.value = bo.name || "";
      const userTask = element.type === "bpmn:UserTask" || element.type === "bpmn:ManualTask";
      form.querySelector("[data-user-task]").hidden = !userTask;
      if (userTask) {
        form.querySelector("[data-testid=prop-lane]").textContent = laneNames(bo) || "—";
        EDITED.forEach((name) => { form.elements[name].value = propertyValue(bo, name); });
      }
    }
    function setProperty(element, name, value) {
      const bo = element.businessObject;
      let props = propertiesOf(bo);
      const current = props && (props.properties || []).filter((p) => p.name === name)[0];
      if (current && value === "") {
        modeling.updateModdleProperties(element, props,
          { properties: props.properties.filter((p) => p !== current) });
      } else if (current && current.value !== value) {
        modeling.updateModdleProperties(element, current, { value });
      } else if (!current && value !== "") {
        let ext = bo.extensionElements;
        if (!ext) {
          ext = moddle.create("bpmn:ExtensionElements", { values: [] });
          modeling.updateProperties(element, { extensionElements: ext });
        }
        if (!props) {
          props = moddle.create("spiffworkflow:Properties", { properties: [] });
          props.$parent = ext;
          modeling.updateModdleProperties(element, ext, { values: [...(ext.values || []), props] });
        }
        const prop = moddle.create("spiffworkflow:Property", { name, value });
        prop.$parent = props;
        modeling.updateModdleProperties(element, props,
          { properties: [...(props.properties || []), prop] });
      }
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!selected) return;
      const name = form.elements.name.value;
      if ((selected.businessObject.name || "") !== name) modeling.updateLabel(selected, name);
      if (!form.querySelector("[data-user-task]").hidden) {
        EDITED.forEach((field) => setProperty(selected, field, form.elements[field].value.trim()));
      }
      showProperties(selected);
    });
    modeler.on("selection.changed", ({ newSelection }) => showProperties(newSelection[0] || null));
    modeler.on("elements.changed", () => { if (selected) showProperties(selected); });

    // Problems --------------------------------------------------------------------------
    function select(id) {
      const shape = shapeFor(registry, id);
      if (!shape) return;
      selection.select(shape);
      if (shape.type !== "bpmn:Participant") canvas.scrollToElement(shape);
    }
    function listItem(text, elementId, className) {
      const item = document.createElement("li");
      item.className = className || "";
      item.textContent = text;
      if (elementId) {
        item.dataset.elementId = elementId;
        item.tabIndex = 0;
        item.addEventListener("click", () => select(elementId));
        item.addEventListener("keydown", (e) => { if (e.key === "Enter") select(elementId); });
      }
      return item;
    }
    function where(p) {
      return [p.element_id, p.line ? "line " + p.line : ""].filter(Boolean).join(" · ");
    }
    function showReport(body) {
      marked.forEach((shape) => canvas.removeMarker(shape, "has-problem"));
      marked = [];
      problemList.replaceChildren(...(body.problems || []).map((p) => {
        const item = listItem((where(p) ? where(p) + ": " : "") + p.message, p.element_id, p.severity);
        item.dataset.testid = "problem";
        item.setAttribute("data-testid", "problem");
        return item;
      }));
      conversionList.replaceChildren(...(body.conversions || []).map((c) =>
        listItem(where(c) + ": " + c.message + ": " + c.before + " → " + c.after, c.element_id)));
      (body.problems || []).filter((p) => p.severity === "error").forEach((p) => {
        const shape = shapeFor(registry, p.element_id);
        if (shape && !marked.includes(shape)) { canvas.addMarker(shape, "has-problem"); marked.push(shape); }
      });
      container.dataset.problems = String((body.problems || []).filter((p) => p.severity === "error").length);
    }

    // Saving ----------------------------------------------------------------------------
    async function save() {
      saveButton.disabled = true;
      message.className = "save-message";
      message.textContent = container.dataset.msgSaving || "…";
      try {
        const { xml } = await modeler.saveXML({ format: true });
        const answer = await fetch(container.dataset.saveUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token },
          body: JSON.stringify({ xml, number, based_on: container.dataset.basedOn,
                                 change_note: note.value }),
        });
        const body = await answer.json();
        showReport(body);
        message.className = "save-message " + (body.ok ? "ok" : "refused");
        message.textContent = body.message || "";
        if (body.ok) {
          number = String(body.number);
          container.dataset.number = number;
          saveButton.textContent = saveButton.dataset.update || saveButton.textContent;
          const mode = document.querySelector("[data-testid=modeler-mode]");
          const shown = document.querySelector("[data-testid=modeler-version]");
          if (mode && mode.dataset.updates) mode.textContent = mode.dataset.updates;
          if (shown) shown.textContent = "v" + body.number;
          const back = document.querySelector("[data-testid=back-link]");
          if (back) {
            back.href = body.version_url;
            back.textContent = back.textContent.replace(/v\d+$/, "v" + body.number);
          }
          const link = document.createElement("a");
          link.href = body.version_url;
          link.dataset.testid = "version-link";
          link.setAttribute("data-testid", "version-link");
          link.textContent = " → v" + body.number;
          message.append(link);
          window.history.replaceState(null, "", body.modeler_url);
          if (body.xml) await modeler.importXML(body.xml);  // converted on the way in
        }
        container.dataset.saved = body.ok ? "ok" : "refused";
      } catch (error) {
        message.className = "save-message refused";
        message.textContent = (container.dataset.msgNetwork || "") + error;
      } finally {
        saveButton.disabled = false;
      }
    }
    saveButton.addEventListener("click", save);

    fetch(container.dataset.xmlSource, { credentials: "same-origin" })
      .then((answer) => answer.text())
      .then(async (xml) => {
        const { warnings } = await modeler.importXML(xml);
        canvas.zoom("fit-viewport");
        container.dataset.rendered = "true";
        container.dataset.importWarnings = String(warnings.length);
        saveButton.disabled = false;
      })
      .catch((error) => {
        container.textContent = (container.dataset.failed || "") + error;
      });
  }

  document.querySelectorAll("[data-bpmn-view]").forEach(view);
  const modelerContainer = document.querySelector("[data-modeler]");
  if (modelerContainer) edit(modelerContainer);
})();
