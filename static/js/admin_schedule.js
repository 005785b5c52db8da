/*
 * The post form's action bar menus (Schedule…, Request changes…, a note for
 * the editors) are <details> elements and work without this script. With it,
 * they behave as popovers: one open at a time, the first field focused,
 * closed by Escape or a click elsewhere.
 */
(function () {
  "use strict";

  function menus() {
    return document.querySelectorAll(".action-bar details.action-menu");
  }

  document.addEventListener(
    "toggle",
    function (event) {
      var menu = event.target;
      if (!(menu instanceof HTMLDetailsElement) || !menu.matches(".action-menu")) {
        return;
      }
      if (!menu.open) {
        return;
      }
      menus().forEach(function (other) {
        if (other !== menu) {
          other.open = false;
        }
      });
      var field = menu.querySelector("input:not([type=submit]), textarea");
      if (field) {
        field.focus();
      }
    },
    true
  );

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    menus().forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });

  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
})();
