/* Code boxes: "Copy All Code" and "Select All Code" buttons above every
   <pre> of a post body. Messages come translated in the body's data-codebox-*
   attributes; results are announced in a polite live region. */
(function () {
  "use strict";
  var bodies = document.querySelectorAll(".post-body");

  function selectAll(pre) {
    var selection = window.getSelection();
    selection.removeAllRanges();
    var range = document.createRange();
    range.selectNodeContents(pre);
    selection.addRange(range);
  }

  function button(label, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "codebox-button";
    element.textContent = label;
    element.addEventListener("click", action);
    return element;
  }

  function equip(pre, messages) {
    var tools = document.createElement("div");
    tools.className = "codebox-tools";
    var status = document.createElement("p");
    status.className = "codebox-status";
    status.setAttribute("role", "status");

    function refuse() {
      selectAll(pre);
      status.textContent = messages.codeboxRefused;
    }

    tools.appendChild(
      button(messages.codeboxCopy, function () {
        var text = pre.innerText;
        if (!navigator.clipboard || !navigator.clipboard.writeText) {
          refuse();
          return;
        }
        navigator.clipboard.writeText(text).then(function () {
          status.textContent = messages.codeboxCopied;
        }, refuse);
      })
    );
    tools.appendChild(
      button(messages.codeboxSelect, function () {
        selectAll(pre);
        status.textContent = "";
      })
    );
    tools.appendChild(status);
    pre.parentNode.insertBefore(tools, pre);
  }

  for (var i = 0; i < bodies.length; i++) {
    var blocks = bodies[i].querySelectorAll("pre");
    for (var j = 0; j < blocks.length; j++) {
      equip(blocks[j], bodies[i].dataset);
    }
  }
})();
