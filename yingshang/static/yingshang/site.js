// The pages' small behaviours, bound from data- attributes: no inline script, so the
// Content-Security-Policy can forbid it (settings.CONTENT_SECURITY_POLICY).
"use strict";

document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof Element)) return;
  const selectAll = target.closest("input[data-select-all]");
  if (selectAll) {
    for (const box of selectAll.closest("table").querySelectorAll("input[name=ids]")) {
      box.checked = selectAll.checked;
    }
    return;
  }
  const withFilters = target.closest("a[data-export-with-filters]");
  if (withFilters) {
    const form = withFilters.closest("form");
    withFilters.href = withFilters.dataset.base + "?" + new URLSearchParams(new FormData(form));
    return;
  }
  if (target.closest("[data-print]")) {
    window.print();
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// A link to an item inside a folded <details> (the calculator's summary links to each item's reasons)
// unfolds the way there, so the link never lands on nothing.
function unfoldTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (!target) return;
  for (let folded = target.closest("details:not([open])"); folded; folded = folded.parentElement.closest("details:not([open])")) {
    folded.open = true;
  }
  target.scrollIntoView();
}
window.addEventListener("hashchange", unfoldTarget);
document.addEventListener("DOMContentLoaded", unfoldTarget);
