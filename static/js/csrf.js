// Forms on cacheable pages carry no CSRF token; fetch one when the reader
// starts on the form (or, at the latest, when it is sent). A comment form
// (data-token-for="post-12") gets its single-use form token in the same
// answer, so the token's issue time is when the reader began writing.
(function () {
  "use strict";
  var PENDING = "newsroomTokens";

  function request(target) {
    var url = "/csrf-token";
    if (target) {
      url += "?for=" + encodeURIComponent(target);
    }
    return fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("token " + response.status);
        }
        return response.json();
      });
  }

  function input(form, name) {
    var field = form.querySelector("input[name=" + name + "]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = name;
      form.appendChild(field);
    }
    return field;
  }

  function needsFormToken(form) {
    var token = form.querySelector("input[name=token]");
    return Boolean(form.getAttribute("data-token-for") && !(token && token.value));
  }

  function complete(form) {
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    return Boolean(csrf && csrf.value) && !needsFormToken(form);
  }

  // One request per form at a time: a focus and a quick submit share it.
  function fill(form) {
    if (complete(form)) {
      return Promise.resolve();
    }
    if (!form[PENDING]) {
      var target = needsFormToken(form) ? form.getAttribute("data-token-for") : "";
      form[PENDING] = request(target)
        .then(function (data) {
          input(form, "csrfmiddlewaretoken").value = data.token;
          if (target && data.form_token) {
            input(form, "token").value = data.form_token;
          }
        })
        .finally(function () {
          form[PENDING] = null;
        });
    }
    return form[PENDING];
  }

  // Only a field or button starts it: a link in the form (“create an
  // account”) leads away, and a token fetched meanwhile could set a CSRF
  // cookie after the next page's own, leaving that page's form refused.
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    var control = target.matches && target.matches("input, textarea, select, button");
    var form = control && target.closest("form[data-csrf=lazy]");
    if (form) {
      fill(form).catch(function () {});
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-csrf=lazy]") || complete(form)) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    fill(form).catch(function () {}).then(function () {
      // Carry the pressed button's name and value, as a normal submit would.
      if (submitter && submitter.name) {
        var extra = document.createElement("input");
        extra.type = "hidden";
        extra.name = submitter.name;
        extra.value = submitter.value;
        form.appendChild(extra);
      }
      // Without a token (fetch failed) the server asks to confirm: nothing is lost.
      HTMLFormElement.prototype.submit.call(form);
    });
  });
})();
