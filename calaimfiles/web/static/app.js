// calaimfiles serve: the little the page does in the browser. Everything works without it; it adds the drop
// zone, the findings filters and focus on the cell a link leads to. No data leaves the page.
"use strict";

function setUpDropZone(zone) {
  const input = zone.querySelector('input[type="file"]');
  if (!input) return;
  const list = document.createElement("p");
  list.className = "help";
  list.setAttribute("aria-live", "polite");
  zone.appendChild(list);
  const show = () => {
    const names = Array.from(input.files || []).map((file) => file.name);
    list.textContent = names.length ? "Chosen: " + names.join(", ") : "";
  };
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach((kind) => zone.addEventListener(kind, (event) => {
    event.preventDefault();
    zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((kind) => zone.addEventListener(kind, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      show();
    }
  });
}

function setUpFilters(form) {
  const table = document.getElementById(form.dataset.filters);
  if (!table) return;
  const rows = Array.from(table.querySelectorAll("tbody tr"));
  const output = form.querySelector("output[data-shown]");
  const value = (name) => {
    const field = form.querySelector(`[data-filter="${name}"]`);
    return field ? field.value.trim().toLowerCase() : "";
  };
  const apply = () => {
    const severity = value("severity"), code = value("code"), column = value("column");
    let shown = 0;
    for (const row of rows) {
      const keep = (!severity || row.dataset.severity === severity)
        && (!code || row.dataset.code.toLowerCase() === code)
        && (!column || row.dataset.column.toLowerCase().includes(column));
      row.hidden = !keep;
      if (keep) shown += 1;
    }
    if (output) output.textContent = `${shown} of ${rows.length} findings shown`;
  };
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  apply();
}

function focusTarget() {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (!target) return;
  const link = target.querySelector("a");
  (link || target).focus({ preventScroll: true });
  target.scrollIntoView({ block: "center", inline: "center" });
}

function downloadOnce(link) {
  // The Fix button's page: the fixed workbook downloads at once, as the button promised; the link stays to
  // download it again.
  link.click();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("a[data-download-now]").forEach(downloadOnce);
  document.querySelectorAll("[data-dropzone]").forEach(setUpDropZone);
  document.querySelectorAll("form[data-filters]").forEach(setUpFilters);
  window.addEventListener("hashchange", focusTarget);
  focusTarget();
});
