/* "Load more": replaces the "Older posts" link under a list of cards with a
   button that fetches the next page as a fragment (?fragment=h2|h3: the
   cards and the next "Older posts" link) and appends it. Without this script
   the link keeps working; on any failure the script follows the link.
   After each page the address becomes the list down to the last card (the
   answer's Load-More-State header: ?until=<its time>, or ?end=<n> on ranked
   search), which the server renders with every card loaded so far: Back,
   reload and a shared link show the same cards, and the browser puts the
   scroll where it was. */
(function () {
  "use strict";
  var list = document.querySelector("[data-load-more]");
  var older = document.querySelector("a.pager-older");
  if (!list || !older || !window.fetch || !window.URL) {
    return;
  }
  var heading = list.getAttribute("data-load-more");
  var labels = {
    more: list.getAttribute("data-load-more-label"),
    loading: list.getAttribute("data-loading-label"),
    done: list.getAttribute("data-done-label"),
    loaded: list.getAttribute("data-loaded-label"),
    failed: list.getAttribute("data-failed-label"),
  };
  var next = older.href;
  var busy = false;

  var box = document.createElement("div");
  box.className = "load-more";
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button load-more-button";
  button.setAttribute("aria-controls", list.id);
  button.textContent = labels.more;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  box.appendChild(button);
  box.appendChild(status);
  var pager = older.closest(".pager") || older.parentNode;
  pager.parentNode.insertBefore(box, pager);
  older.hidden = true;

  function fragmentUrl(href) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("fragment", heading);
    return url.toString();
  }

  function finish() {
    next = null;
    button.textContent = labels.done;
    button.setAttribute("aria-disabled", "true");
    button.classList.add("load-more-done");
    older.remove();
  }

  function remember(state) {
    if (!state || !window.URLSearchParams || !window.history.replaceState) {
      return;
    }
    var url = new URL(window.location.href);
    new URLSearchParams(state).forEach(function (value, name) {
      url.searchParams.set(name, value);
    });
    window.history.replaceState(window.history.state, "", url.toString());
  }

  function append(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var cards = template.content.querySelectorAll("article.card");
    var link = template.content.querySelector("a.pager-older");
    var first = null;
    for (var i = 0; i < cards.length; i++) {
      var card = document.importNode(cards[i], true);
      list.appendChild(card);
      if (first === null) {
        first = card;
      }
    }
    if (first !== null) {
      // Keyboard readers continue from the first new story.
      var title = first.querySelector(".card-title a");
      if (title) {
        title.focus();
      }
    }
    if (link) {
      next = link.href;
      older.href = next;
      status.textContent = labels.loaded;
    } else {
      finish();
      status.textContent = labels.done;
    }
  }

  button.addEventListener("click", function () {
    if (busy || next === null) {
      return;
    }
    busy = true;
    var target = next;
    button.setAttribute("aria-busy", "true");
    button.textContent = labels.loading;
    fetch(fragmentUrl(target), {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        var state = response.headers.get("Load-More-State");
        return response.text().then(function (html) {
          return { html: html, state: state };
        });
      })
      .then(function (answer) {
        busy = false;
        button.removeAttribute("aria-busy");
        button.textContent = labels.more;
        append(answer.html);
        remember(answer.state);
      })
      .catch(function () {
        // The plain page still works: go there.
        status.textContent = labels.failed;
        window.location.assign(target);
      });
  });
})();
