// Keeps an admin form's unsaved content in this browser's local storage, so a
// closed tab or an expired session loses nothing; cleared after a successful save.
// Drafts are kept per user (the key holds the user's id, from the page), so
// another person signing in to this browser never sees them: their drafts are
// removed as soon as someone else opens a form here. Signing out removes every
// draft (the logged-out page runs this script; newsroom/signout.py also sends
// Clear-Site-Data).
"use strict";
(() => {
  const PREFIX = "newsroom-autosave:";
  const SUBMITTED = "newsroom-autosave-submitted";
  const SKIP = new Set(["csrfmiddlewaretoken", "edit_version"]);
  const editors = new Map();

  function removeDrafts(keep) {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith(PREFIX) && !(keep && key.startsWith(keep))) {
        localStorage.removeItem(key);
      }
    }
  }

  document.addEventListener("prose-editor:ready", (event) => {
    editors.set(event.detail.textarea, event.detail.editor);
  });

  function clearAfterSave() {
    const key = sessionStorage.getItem(SUBMITTED);
    if (!key) return;
    sessionStorage.removeItem(SUBMITTED);
    const saved = document.querySelector(".messagelist .success");
    const failed = document.querySelector(".errornote, .errorlist");
    if (saved && !failed) localStorage.removeItem(key);
  }

  function fields(form) {
    return [...form.elements].filter(
      (el) =>
        el.name &&
        !SKIP.has(el.name) &&
        !el.disabled &&
        !["hidden", "file", "submit", "button", "password", "reset"].includes(el.type) &&
        !el.classList.contains("admin-autocomplete"),
    );
  }

  function snapshot(form) {
    const values = {};
    for (const el of fields(form)) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.type === "radio" && !el.checked) continue;
        values[el.name] = el.type === "checkbox" ? el.checked : el.value;
      } else if (el.multiple) {
        values[el.name] = [...el.selectedOptions].map((o) => o.value);
      } else {
        values[el.name] = el.value;
      }
    }
    return values;
  }

  function restore(form, values) {
    for (const el of fields(form)) {
      if (!(el.name in values)) continue;
      const value = values[el.name];
      if (el.type === "checkbox") el.checked = Boolean(value);
      else if (el.type === "radio") el.checked = el.value === value;
      else if (el.multiple) {
        for (const option of el.options) option.selected = value.includes(option.value);
      } else {
        el.value = value;
        const editor = editors.get(el);
        if (editor) editor.commands.setContent(value);
      }
    }
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function offer(form, key, stored) {
    let note = form.querySelector("[data-autosave-note]");
    if (!note) {
      note = document.createElement("div");
      note.className = "autosave-note";
      form.prepend(note);
    }
    const time = new Date(stored.savedAt).toLocaleString();
    const message = (note.dataset.message || "This browser kept unsaved changes to this form from %(time)s.").replace("%(time)s", time);
    note.textContent = "";
    const text = document.createElement("span");
    text.textContent = message + " ";
    const restoreButton = document.createElement("button");
    restoreButton.type = "button";
    restoreButton.className = "button autosave-restore";
    restoreButton.textContent = note.dataset.restoreLabel || "Restore it";
    const discardButton = document.createElement("button");
    discardButton.type = "button";
    discardButton.className = "button autosave-discard";
    discardButton.textContent = note.dataset.discardLabel || "Discard it";
    note.append(text, restoreButton, " ", discardButton);
    note.setAttribute("role", "status");
    note.hidden = false;
    restoreButton.addEventListener("click", () => {
      restore(form, stored.fields);
      note.hidden = true;
      // Counts and previews follow the restored fields (and it is kept again).
      form.dispatchEvent(new Event("input", { bubbles: true }));
    });
    discardButton.addEventListener("click", () => {
      localStorage.removeItem(key);
      note.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.querySelector("script[data-autosave-clear]")) {
      removeDrafts(null);
      sessionStorage.removeItem(SUBMITTED);
      return;
    }
    clearAfterSave();
    const form = document.querySelector("body.change-form #content-main form");
    const user = document.querySelector("[data-autosave-user]")?.dataset.autosaveUser;
    if (!form || !user) return;
    const mine = PREFIX + user + ":";
    removeDrafts(mine); // other people's, and drafts from before they were per user
    const key = mine + window.location.pathname;
    const initial = snapshot(form);
    let stored = null;
    try {
      stored = JSON.parse(localStorage.getItem(key) || "null");
    } catch {
      stored = null;
    }
    if (stored && stored.fields && !same(stored.fields, initial)) offer(form, key, stored);
    else if (stored) localStorage.removeItem(key);

    // What the writer sees: "Saving…", "Saved on this device 12:04" (local
    // time), or "Not saved: storage full", in an aria-live region.
    const state = document.querySelector("[data-autosave-state]");
    const tell = (kind, moment) => {
      if (!state) return;
      state.dataset.state = kind;
      if (kind === "saved") {
        const time = moment.toLocaleTimeString(document.documentElement.lang || [], {
          hour: "2-digit",
          minute: "2-digit",
        });
        state.textContent = (state.dataset.saved || "Saved on this device %(time)s").replace("%(time)s", time);
      } else if (kind === "saving") {
        state.textContent = state.dataset.saving || "Saving…";
      } else if (kind === "failed") {
        state.textContent = state.dataset.failed || "Not saved: storage full";
      } else {
        state.textContent = "";
      }
    };

    let timer = null;
    const keep = () => {
      clearTimeout(timer);
      if (state && state.dataset.state !== "saving") tell("saving");
      timer = setTimeout(() => {
        const values = snapshot(form);
        const now = new Date();
        if (same(values, initial)) {
          tell("unchanged"); // nothing differs from what the server has
          return;
        }
        try {
          localStorage.setItem(key, JSON.stringify({ savedAt: now.getTime(), fields: values }));
          tell("saved", now);
        } catch {
          // Storage full or refused: the form still works, only unprotected.
          tell("failed");
        }
      }, 300);
    };
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", () => {
      clearTimeout(timer);
      sessionStorage.setItem(SUBMITTED, key);
    });
  });
})();
