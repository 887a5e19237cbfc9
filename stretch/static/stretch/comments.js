// Stretch comments: @mention suggestions under a comment's textarea.
// Plain JavaScript from a file (the Content-Security-Policy forbids inline scripts). Events
// are delegated from the document, so textareas that HTMX swaps in work without set-up.
// Keyboard: ArrowDown/ArrowUp move through the list, Enter or Tab take a name, Escape closes.
(() => {
  "use strict";

  const MENTION_BEFORE_CARET = /(^|[^\w.+@-])@([\w.+-]{0,30})$/;
  let timer = null;
  let latest = 0;

  function listFor(textarea, create) {
    let list = document.getElementById(`${textarea.id}-mentions`);
    if (!list && create) {
      list = document.createElement("ul");
      list.id = `${textarea.id}-mentions`;
      list.className = "mention-list";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", textarea.dataset.mentionsLabel || "People");
      list.hidden = true;
      textarea.insertAdjacentElement("afterend", list);
      textarea.setAttribute("aria-autocomplete", "list");
      textarea.setAttribute("aria-controls", list.id);
      textarea.setAttribute("aria-expanded", "false");
    }
    return list;
  }

  function tokenAtCaret(textarea) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = MENTION_BEFORE_CARET.exec(before);
    return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function close(textarea) {
    const list = listFor(textarea, false);
    if (!list) return;
    list.hidden = true;
    list.replaceChildren();
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }

  function options(list) {
    return Array.from(list.querySelectorAll("[role=option]"));
  }

  function highlight(textarea, index) {
    const list = listFor(textarea, false);
    const items = options(list);
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    if (items[index]) {
      textarea.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    }
  }

  function choose(textarea, item) {
    const token = tokenAtCaret(textarea);
    if (!token || !item) return;
    const after = textarea.value.slice(textarea.selectionStart);
    const insert = `@${item.dataset.username} `;
    textarea.value = textarea.value.slice(0, token.start) + insert + after;
    const caret = token.start + insert.length;
    textarea.setSelectionRange(caret, caret);
    close(textarea);
    textarea.focus();
  }

  function show(textarea, people) {
    const list = listFor(textarea, true);
    list.replaceChildren();
    people.forEach((person, i) => {
      const item = document.createElement("li");
      item.id = `${list.id}-${i}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(i === 0));
      item.dataset.username = person.username;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = person.name;
      const login = document.createElement("span");
      login.className = "login";
      login.textContent = `@${person.username}`;
      item.append(name, " ", login);
      list.append(item);
    });
    if (!people.length) {
      close(textarea);
      return;
    }
    list.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    highlight(textarea, 0);
  }

  function suggest(textarea) {
    const token = tokenAtCaret(textarea);
    if (!token) {
      close(textarea);
      return;
    }
    const asked = ++latest;
    const url = `${textarea.dataset.mentions}?q=${encodeURIComponent(token.query)}`;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : []))
      .then((people) => {
        if (asked === latest) show(textarea, people);
      })
      .catch(() => close(textarea));
  }

  document.addEventListener("input", (event) => {
    const textarea = event.target;
    if (!textarea.matches || !textarea.matches("textarea[data-mentions]")) return;
    clearTimeout(timer);
    timer = setTimeout(() => suggest(textarea), 150);
  });

  document.addEventListener("keydown", (event) => {
    const textarea = event.target;
    if (!textarea.matches || !textarea.matches("textarea[data-mentions]")) return;
    const list = listFor(textarea, false);
    if (!list || list.hidden) return;
    const items = options(list);
    const current = items.findIndex((item) => item.getAttribute("aria-selected") === "true");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight(textarea, (current + step + items.length) % items.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(textarea, items[Math.max(current, 0)]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(textarea);
    }
  });

  // mousedown, not click: the textarea keeps its focus and caret.
  document.addEventListener("mousedown", (event) => {
    const item = event.target.closest && event.target.closest(".mention-list [role=option]");
    if (!item) return;
    event.preventDefault();
    const textarea = document.querySelector(`[aria-controls="${item.parentElement.id}"]`);
    if (textarea) choose(textarea, item);
  });

  document.addEventListener(
    "blur",
    (event) => {
      const textarea = event.target;
      if (textarea.matches && textarea.matches("textarea[data-mentions]")) {
        setTimeout(() => close(textarea), 150);
      }
    },
    true,
  );
})();
