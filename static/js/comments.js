// "Reply" moves the comment form under the thread, "Cancel reply" puts it
// back. Without this script the links reload the page with ?replyto=ID.
(function () {
  "use strict";
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
})();
