// The moderation queue's one-click buttons (comments/queue.py). Without this
// script each button posts the list's form to its own action and the page
// comes back at the same place with a message. With it, the same POST goes
// by fetch, the server answers JSON, and the row changes in place: its state,
// its text and its buttons, with the message read out by screen readers.
(function () {
  "use strict";

  function announcer() {
    var region = document.getElementById("moderation-status");
    if (!region) {
      region = document.createElement("div");
      region.id = "moderation-status";
      region.className = "moderation-status";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      var anchor = document.getElementById("changelist") || document.body;
      anchor.parentNode.insertBefore(region, anchor);
    }
    return region;
  }

  function say(text, failed) {
    var region = announcer();
    region.textContent = text;
    region.classList.toggle("moderation-error", Boolean(failed));
  }

  function csrfToken(form) {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function replaceCell(cell, html) {
    // The server's own escaped markup (format_html), swapped whole.
    var holder = document.createElement("template");
    holder.innerHTML = html;
    cell.replaceChildren(holder.content);
  }

  function update(row, data) {
    var state = row.querySelector("td.field-status_label, th.field-status_label");
    var text = row.querySelector("td.field-comment, th.field-comment");
    if (state) replaceCell(state, data.status_html);
    if (text) replaceCell(text, data.comment_html);
    row.setAttribute("data-moderated", data.status);
    // Keep the keyboard where it was: on the row's first button.
    var first = text && text.querySelector(".row-actions button");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-moderate]");
    if (!button || !window.fetch) {
      return;
    }
    var form = button.form;
    var row = button.closest("tr");
    if (!form || !row) {
      return;
    }
    event.preventDefault();
    if (row.getAttribute("aria-busy") === "true") {
      return;
    }
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken(form));
    body.append("next", button.value);
    row.setAttribute("aria-busy", "true");
    row.querySelectorAll("button[data-moderate]").forEach(function (b) {
      b.disabled = true;
    });
    fetch(button.getAttribute("formaction"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (data.ok) {
          update(row, data);
        }
        say(data.message, !data.ok);
      })
      .catch(function () {
        // Session ended, token refused, server away: the plain form still works.
        var box = row.querySelector(".row-actions");
        say(box ? box.getAttribute("data-failed") : "", true);
      })
      .finally(function () {
        row.removeAttribute("aria-busy");
        row.querySelectorAll("button[data-moderate]").forEach(function (b) {
          b.disabled = false;
        });
      });
  });
})();
