/*
 * The admin's autocomplete widgets (Select2 4.0, as Django ships it) name
 * none of their controls: a screen reader hears "combobox", "search" and
 * "textbox" with no field name, and axe reports them (rules `label` and
 * `aria-input-field-name`). This names each control after its field's
 * label: the combobox, the search fields (inline and in the dropdown) and
 * the list of results.
 *
 * Select2's "×" that clears the whole choice is a mouse shortcut (the keyboard
 * clears with Backspace or Delete); it is hidden from assistive technology,
 * which also keeps the list of chosen items a list of items.
 *
 * Select2 draws its controls after this script runs, redraws the chosen items
 * on every change and adds the dropdown to the page only while it is open
 * (the expanded combobox then says which list it controls), so the names are
 * given again whenever a Select2 part of the page changes.
 */
(function () {
  "use strict";

  function setAttribute(element, name, value) {
    if (element && element.getAttribute(name) !== value) {
      element.setAttribute(name, value);
    }
  }

  function labelId(select) {
    var label = document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
    if (!label) {
      return null;
    }
    if (!label.id) {
      label.id = select.id + "-label";
    }
    return label.id;
  }

  function nameWidget(select) {
    var label = labelId(select);
    var container = select.nextElementSibling;
    if (!label || !container || !container.classList.contains("select2")) {
      return;
    }
    var combobox = container.querySelector(".select2-selection[role=combobox]");
    if (!combobox) {
      return;
    }
    // A single choice is a select-only combobox (WAI-ARIA's pattern): named
    // by the field's label, its value the text it shows. Select2 names it by
    // the box showing the value, a read-only "textbox" with no name of its own.
    setAttribute(combobox, "aria-labelledby", label);
    var current = document.getElementById("select2-" + select.id + "-container");
    if (current && current.getAttribute("role") === "textbox") {
      current.removeAttribute("role");
      current.removeAttribute("aria-readonly");
    }
    var fields = Array.prototype.slice.call(
      container.querySelectorAll(".select2-search__field")
    );
    // The list of results is in the page only while the dropdown is open:
    // an expanded combobox names the list it controls.
    var results = document.getElementById("select2-" + select.id + "-results");
    if (!results) {
      combobox.removeAttribute("aria-controls");
    } else {
      setAttribute(combobox, "aria-controls", results.id);
      setAttribute(results, "aria-labelledby", label);
      var dropdown = results.closest(".select2-dropdown");
      if (dropdown) {
        fields = fields.concat(
          Array.prototype.slice.call(dropdown.querySelectorAll(".select2-search__field"))
        );
      }
    }
    fields.forEach(function (field) {
      setAttribute(field, "aria-labelledby", label);
    });
    container.querySelectorAll(".select2-selection__clear").forEach(function (clear) {
      setAttribute(clear, "aria-hidden", "true");
    });
  }

  function nameAll() {
    document
      .querySelectorAll("select.select2-hidden-accessible[id]")
      .forEach(nameWidget);
  }

  function isElement(node) {
    return node.nodeType === Node.ELEMENT_NODE;
  }

  function holdsSelect2(node) {
    return (
      isElement(node) &&
      (node.matches(".select2-container") || node.querySelector(".select2-container"))
    );
  }

  function touchesSelect2(mutation) {
    return (
      (isElement(mutation.target) && mutation.target.closest(".select2-container")) ||
      Array.prototype.some.call(mutation.addedNodes, holdsSelect2) ||
      Array.prototype.some.call(mutation.removedNodes, holdsSelect2)
    );
  }

  new MutationObserver(function (mutations) {
    if (mutations.some(touchesSelect2)) {
      nameAll();
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

  nameAll();
})();
