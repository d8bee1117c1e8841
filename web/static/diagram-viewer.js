// Draws a dossier's procedure diagram with bpmn-js and marks the steps done and the current ones.
// The container says where to fetch {xml, completed, current}: <div data-diagram-source="...">.
(function () {
  const container = document.querySelector("[data-diagram-source]");
  if (!container) return;
  if (typeof BpmnJS === "undefined") {
    container.textContent = container.dataset.missing || "The diagram viewer is not installed.";
    return;
  }
  fetch(container.dataset.diagramSource, { credentials: "same-origin" })
    .then((answer) => answer.json())
    .then(async ({ xml, completed, current }) => {
      const viewer = new BpmnJS({ container });
      await viewer.importXML(xml);
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      completed.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "step-done"));
      current.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "step-current"));
      container.dataset.rendered = "true";
    })
    .catch((error) => {
      container.textContent = (container.dataset.failed || "The diagram could not be drawn: ") + error;
    });
})();
