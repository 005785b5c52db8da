/* The header's menu button. Without this script a <label> toggles a hidden
   checkbox and CSS shows the menu; here the label becomes a real <button>
   with aria-expanded, Escape closes the menu (and an open PAGES list) and
   gives focus back to the button, and a click outside closes them. */
(function () {
  "use strict";
  var toggle = document.getElementById("menu-toggle");
  var label = document.querySelector("label.menu-button[for='menu-toggle']");
  var panel = document.getElementById("site-menu");
  if (!toggle || !label || !panel) {
    return;
  }
  var header = panel.closest("header");
  var button = document.createElement("button");
  button.type = "button";
  button.className = label.className;
  while (label.firstChild) {
    button.appendChild(label.firstChild);
  }
  button.setAttribute("aria-controls", panel.id);
  label.parentNode.replaceChild(button, label);
  toggle.removeAttribute("aria-controls");
  toggle.tabIndex = -1;
  toggle.hidden = true;

  function setOpen(open) {
    toggle.checked = open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  setOpen(toggle.checked);

  function closePages(except) {
    var open = document.querySelectorAll("details.pages-menu[open]");
    for (var i = 0; i < open.length; i++) {
      if (open[i] !== except) {
        open[i].removeAttribute("open");
      }
    }
  }

  button.addEventListener("click", function () {
    setOpen(!toggle.checked);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") {
      return;
    }
    var pages = document.querySelector("details.pages-menu[open]");
    if (pages && pages.contains(document.activeElement)) {
      // First Escape closes the PAGES list and stays in the menu.
      pages.removeAttribute("open");
      pages.querySelector("summary").focus();
      return;
    }
    closePages(null);
    if (toggle.checked) {
      setOpen(false);
      button.focus();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    closePages(target.closest ? target.closest("details.pages-menu") : null);
    if (toggle.checked && !header.contains(target)) {
      setOpen(false);
    }
  });
})();
