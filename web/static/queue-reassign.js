// The head's department tab (officer/_reassign_form.html): one list of officers for the page;
// a row's Reassign button stays offered only when the chosen officer has the row's role and
// does not already hold the task. The service checks the same on the server.
(() => {
  const select = document.getElementById("reassign-to");
  if (!select) return;
  const buttons = document.querySelectorAll('button[form="reassign-form"]');
  const update = () => {
    const chosen = select.selectedOptions[0];
    const roles = chosen && chosen.value ? chosen.dataset.roles.split(" ") : null;
    for (const button of buttons) {
      button.disabled = roles !== null && (!roles.includes(button.dataset.role)
                                           || button.dataset.assignee === select.value);
    }
  };
  select.addEventListener("change", update);
  window.addEventListener("pageshow", update);  // a choice the browser restored
  update();
})();
