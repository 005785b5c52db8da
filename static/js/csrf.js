// Forms on cacheable pages carry no CSRF token; fetch one before sending.
(function () {
  "use strict";
  var pending = null;

  function token() {
    if (!pending) {
      pending = fetch("/csrf-token", { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (data) { return data.token; });
    }
    return pending;
  }

  function fill(form) {
    return token().then(function (value) {
      var input = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = "csrfmiddlewaretoken";
        form.appendChild(input);
      }
      input.value = value;
    });
  }

  document.addEventListener("focusin", function (event) {
    var form = event.target.closest && event.target.closest("form[data-csrf=lazy]");
    if (form) {
      fill(form).catch(function () {});
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-csrf=lazy]")) {
      return;
    }
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input && input.value) {
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
