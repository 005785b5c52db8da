/* Relative times: re-renders every <time data-reltime> from the ladder the
   server emitted (#reltime-table), on load and every minute, so a page served
   from a cache still shows the right age. Future or unreadable times show the
   absolute date kept in the element's title. Past a week (table.dated_from)
   that date follows the element in a span.reltime-date, as the server
   renders it (articles_tags.post_time): a page cached when a post was 6 days
   old shows the date once the post is a week old. */
(function () {
  "use strict";
  var source = document.getElementById("reltime-table");
  if (!source) {
    return;
  }
  var table = JSON.parse(source.textContent);

  function text(age) {
    for (var i = 0; i < table.ladder.length; i++) {
      var rung = table.ladder[i];
      if (rung.below !== null && age >= rung.below) {
        continue;
      }
      if (rung.text !== undefined) {
        return rung.text;
      }
      var n = Math.ceil(Math.floor(age / rung.unit) / rung.per);
      return rung.forms[rung.pick[n]].replace(table.placeholder, String(n));
    }
    return null;
  }

  function dateBeside(date) {
    var outer = document.createElement("span");
    outer.className = "reltime-date";
    var separator = document.createElement("span");
    separator.setAttribute("aria-hidden", "true");
    separator.textContent = table.separator;
    outer.appendChild(separator);
    outer.appendChild(document.createTextNode(date));
    return outer;
  }

  function showDate(element, date) {
    var next = element.nextElementSibling;
    var shown = next !== null && next.classList.contains("reltime-date");
    if (date === null) {
      if (shown) {
        next.remove();
      }
    } else if (!shown) {
      element.parentNode.insertBefore(dateBeside(date), element.nextSibling);
    } else if (next.textContent !== table.separator + date) {
      next.replaceWith(dateBeside(date));
    }
  }

  function render() {
    var now = Date.now();
    var times = document.querySelectorAll("time[data-reltime]");
    for (var i = 0; i < times.length; i++) {
      var element = times[i];
      var moment = Date.parse(element.getAttribute("datetime"));
      var age = Math.floor((now - moment) / 1000);
      var label = isNaN(age) || age < 0 ? null : text(age);
      var date = element.title;
      var wanted = label === null ? date : label;
      if (element.textContent !== wanted) {
        element.textContent = wanted;
      }
      var dated = label !== null && date !== "" && age >= table.dated_from;
      showDate(element, dated ? date : null);
    }
  }

  render();
  window.setInterval(render, 60000);
})();
