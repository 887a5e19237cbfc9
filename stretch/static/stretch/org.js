// Org pages: say so in place when a part of the alignment tree fails to load.
// Everything else is HTMX attributes; no inline scripts (the Content-Security-Policy forbids them).
(() => {
  const failed = (event) => {
    const source = event.detail.elt;
    const holder = source && source.closest("[data-load-error]");
    const target = event.detail.target;
    if (!holder || !target) {
      return;
    }
    const item = document.createElement("li");
    item.className = "error";
    item.setAttribute("role", "alert");
    item.textContent = holder.dataset.loadError;
    if (target.matches("li")) {
      target.replaceWith(item);
    } else {
      target.replaceChildren(item);
    }
  };
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
})();
