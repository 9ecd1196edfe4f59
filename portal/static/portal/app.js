// Small behaviours for the portal: theme, mobile navigation, copy buttons, dismissable flashes.
(function () {
  "use strict";
  const root = document.documentElement;

  function setTheme(theme) {
    root.dataset.theme = theme;
    localStorage.setItem("vitrine-theme", theme);
  }

  // Fields that belong to one choice of a select (data-show-for="stock role" on the input):
  // only those of the chosen value are shown, e.g. the variant form's delivery type.
  function syncDependentFields() {
    document.querySelectorAll("[data-show-for]").forEach(function (input) {
      const select = input.form && input.form.querySelector("select[name=fulfillment]");
      if (!select) return;
      const field = input.closest(".field") || input;
      field.hidden = !input.dataset.showFor.split(" ").includes(select.value);
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[name=fulfillment]")) syncDependentFields();
  });
  document.addEventListener("DOMContentLoaded", syncDependentFields);

  document.addEventListener("click", function (event) {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    const action = target.dataset.action;
    if (action === "toggle-theme") {
      setTheme(root.dataset.theme === "dark" ? "light" : "dark");
    } else if (action === "toggle-nav") {
      document.body.classList.toggle("nav-open");
    } else if (action === "copy") {
      const source = document.getElementById(target.dataset.copyTarget);
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        target.dataset.copied = "true";
        target.querySelector(".copy-label").textContent = target.dataset.copiedLabel;
      });
    } else if (action === "dismiss") {
      target.closest(".message").remove();
    }
  });
})();
