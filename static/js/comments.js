// "Reply" moves the comment form under the thread, "Cancel reply" puts it
// back. Without this script the links reload the page with ?replyto=ID.
// "Remember my name and e-mail on this device": kept in this browser's
// localStorage when the box is ticked and the comment is sent, filled in on
// later pages, dropped by "Forget me". Nothing is sent to the server, so the
// page stays the same for every reader (and cacheable).
(function () {
  "use strict";
  var STORE_KEY = "newsroom.commenter";
  var form = document.getElementById("comment-form");
  var home = document.getElementById("comment-form-home");
  if (!form || !home) {
    return;
  }
  var parent = form.querySelector("input[name=parent]");
  var title = form.querySelector(".comment-form-title");
  var cancel = form.querySelector(".comment-cancel");
  var text = form.querySelector("textarea");

  function replyTo(link) {
    var thread = link.closest(".comment-thread");
    thread.appendChild(form);
    parent.value = link.getAttribute("data-reply-to");
    var name = link.getAttribute("data-reply-name");
    // A function, so "$&" and the like in a name stay literal.
    title.textContent = form
      .getAttribute("data-reply-title")
      .replace("{name}", function () {
        return name;
      });
    cancel.hidden = false;
    text.focus();
  }

  function cancelReply() {
    home.appendChild(form);
    parent.value = "";
    title.textContent = form.getAttribute("data-default-title");
    cancel.hidden = true;
    text.focus();
  }

  rememberMe(form);

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.comment-reply");
    if (link) {
      event.preventDefault();
      replyTo(link);
    } else if (event.target.closest("a.comment-cancel")) {
      event.preventDefault();
      cancelReply();
    }
  });

  function browserStorage() {
    try {
      var storage = window.localStorage;
      storage.setItem(STORE_KEY + ".test", "1");
      storage.removeItem(STORE_KEY + ".test");
      return storage;
    } catch (error) {
      return null; // Storage turned off or full: the option is not offered.
    }
  }

  function readStored(storage) {
    try {
      var data = JSON.parse(storage.getItem(STORE_KEY) || "null");
      if (data && typeof data.name === "string" && data.name) {
        return data;
      }
    } catch (error) {
      // Not ours, or damaged: treated as nothing kept.
    }
    return null;
  }

  function rememberMe(form) {
    var template = document.getElementById("comment-remember-template");
    var name = form.querySelector("input[name=name]");
    var email = form.querySelector("input[name=email]");
    var storage = browserStorage();
    if (!template || !name || !storage) {
      return;
    }
    var part = template.content.firstElementChild.cloneNode(true);
    template.parentNode.insertBefore(part, template);
    var box = part.querySelector("#comment-remember");
    var forget = part.querySelector(".comment-forget");
    var status = part.querySelector(".comment-remember-status");

    var kept = readStored(storage);
    if (kept) {
      // What the server sent back (a refused form) wins over what is kept.
      if (!name.value) {
        name.value = kept.name;
      }
      if (email && !email.value && typeof kept.email === "string") {
        email.value = kept.email;
      }
      box.checked = true;
      forget.hidden = false;
    }

    form.addEventListener("submit", function () {
      if (box.checked && name.value.trim()) {
        storage.setItem(
          STORE_KEY,
          JSON.stringify({
            name: name.value.trim(),
            email: email ? email.value.trim() : "",
          })
        );
      } else {
        storage.removeItem(STORE_KEY);
      }
    });

    forget.addEventListener("click", function () {
      storage.removeItem(STORE_KEY);
      name.value = "";
      if (email) {
        email.value = "";
      }
      box.checked = false;
      forget.hidden = true;
      status.textContent = status.getAttribute("data-forgotten");
      name.focus();
    });
  }
})();
