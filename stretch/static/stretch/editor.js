// Write OKRs page: move key result rows, focus new rows and the error summary.
// Plain JavaScript from a file: the Content-Security-Policy forbids inline scripts.
// Everything here only enhances the form; without it the position numbers do the same job.
(() => {
  const form = document.querySelector("form.editor");
  if (!form) {
    return;
  }
  form.classList.add("js");
  const container = form.querySelector("#kr-rows");
  const status = form.querySelector("#kr-status");

  const rows = () => Array.from(container.querySelectorAll(":scope > .kr-row"));

  function announce(text) {
    if (status) {
      status.textContent = text;
    }
  }

  // Position numbers follow the order on screen, so the server saves what the user sees.
  function renumber() {
    rows().forEach((row, index) => {
      const order = row.querySelector('input[name$="-ORDER"]');
      if (order) {
        order.value = String(index + 1);
      }
      const number = row.querySelector(".kr-number");
      if (number) {
        number.textContent = String(index + 1);
      }
    });
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button.move");
    if (!button) {
      return;
    }
    const row = button.closest(".kr-row");
    const up = button.dataset.move === "up";
    const neighbour = up ? row.previousElementSibling : row.nextElementSibling;
    if (!neighbour || !neighbour.classList.contains("kr-row")) {
      announce(form.dataset.edge);
      return;
    }
    if (up) {
      neighbour.before(row);
    } else {
      neighbour.after(row);
    }
    renumber();
    button.focus();
    const all = rows();
    announce(
      form.dataset.moved
        .replace("%(position)s", String(all.indexOf(row) + 1))
        .replace("%(total)s", String(all.length)),
    );
  });

  // Enter in the parent search box searches instead of saving the whole form.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.id === "parent-search") {
      event.preventDefault();
      if (window.htmx) {
        window.htmx.trigger(event.target, "search");
      }
    }
  });

  // A row added by HTMX gets its number and the focus.
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target !== container) {
      return;
    }
    renumber();
    const added = rows().at(-1);
    const title = added && added.querySelector('input[name$="-title"]');
    if (title) {
      title.focus();
    }
  });

  renumber();

  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
