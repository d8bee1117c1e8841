// The print button of a slip page (inline handlers are blocked by the content security policy).
document.querySelectorAll("[data-print]").forEach((button) =>
  button.addEventListener("click", () => window.print()));
