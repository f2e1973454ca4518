// Keyboard first: j/k move, Enter opens, r reply, n note, e resolve, a assign, / search, ? help.
(function () {
  "use strict";
  function rows() { return Array.from(document.querySelectorAll(".conversation-row")); }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    let i = all.findIndex((r) => r.classList.contains("selected"));
    if (i < 0) i = all.findIndex((r) => r.classList.contains("active"));
    const next = all[Math.max(0, Math.min(all.length - 1, i + step))] || all[0];
    all.forEach((r) => r.classList.remove("selected"));
    next.classList.add("selected");
    next.querySelector("a").focus();
  }

  document.addEventListener("keydown", (e) => {
    const t = e.target;
    const typing = t.closest && t.closest("input, textarea, select, [contenteditable]");
    if (e.key === "Escape") {
      if (typing) t.blur();
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const click = (sel) => { const el = document.querySelector(sel); if (el) el.click(); return !!el; };
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "Enter": {
        const sel = document.querySelector(".conversation-row.selected a");
        if (sel && document.activeElement !== sel) sel.click(); else return;
        break;
      }
      case "r": if (window.inboxComposer) window.inboxComposer.mode("reply"); break;
      case "n": if (window.inboxComposer) window.inboxComposer.mode("note"); break;
      case "e": if (!click("[data-action=resolve]")) click("[data-action=reopen]"); break;
      case "a": document.getElementById("assign-target")?.focus(); break;
      case "/": document.getElementById("top-search")?.focus(); break;
      case "?": document.getElementById("shortcuts")?.showModal(); break;
      default: return;
    }
    e.preventDefault();
  });
})();
