// The premium box (docs/premium.md). The post page is the same cached page for
// everyone and never holds the premium text: this script fetches it from
// /premium/ID/part, which checks the reader's membership or share grant.
//
// - A member's box (data-premium-member) asks at once.
// - On a share-to-unlock post, a share button opens the network (in the
//   reader's click, so no pop-up blocker stops it), then sends the grant
//   request and shows the part. The browser remembers which posts it shared
//   (a hint only: the server checks the signed grant cookie), so a later
//   visit asks for those posts' parts without a refused request for others.
// - The premium page (/premium/ID/, the way in without JavaScript) notes its
//   post as granted too.
// Without JavaScript the share buttons are forms and "Read the premium part"
// is a link: both lead to the premium page.
(function () {
  "use strict";
  var HINTS = "newsroomPremiumGrants";
  var HINT_DAYS = 30;
  var MAX_HINTS = 50;

  function readHints() {
    try {
      var hints = JSON.parse(window.localStorage.getItem(HINTS) || "{}");
      return hints && typeof hints === "object" ? hints : {};
    } catch (error) {
      return {};
    }
  }

  function hinted(postId) {
    var when = readHints()[postId];
    return typeof when === "number" && Date.now() - when < HINT_DAYS * 864e5;
  }

  function hint(postId, granted) {
    var hints = readHints();
    delete hints[postId];
    if (granted) {
      hints[postId] = Date.now();
    }
    var ids = Object.keys(hints).sort(function (a, b) {
      return hints[a] - hints[b];
    });
    while (ids.length > MAX_HINTS) {
      delete hints[ids.shift()];
    }
    try {
      window.localStorage.setItem(HINTS, JSON.stringify(hints));
    } catch (error) {
      // Storage full or refused: the link to the premium page still works.
    }
  }

  var page = document.querySelector("[data-premium-granted]");
  if (page) {
    hint(page.getAttribute("data-premium-granted"), true);
  }

  var box = document.querySelector(".premium-box[data-premium-part]");
  if (!box) {
    return;
  }
  var postId = box.getAttribute("data-premium-post");
  var status = box.querySelector(".premium-status");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  // `note`: a node shown above the part (what the share press did), or null.
  function reveal(html, focus, note) {
    var template = document.createElement("template");
    template.innerHTML = html; // this site's own answer, sanitised when saved
    var part = template.content.querySelector(".post-premium");
    if (!part || !box.parentNode) {
      return false;
    }
    box.parentNode.replaceChild(part, box);
    if (note) {
      part.parentNode.insertBefore(note, part);
    }
    var field = note && note.querySelector("input");
    if (field) {
      field.focus();
      field.select();
    } else if (focus) {
      part.focus();
    }
    return true;
  }

  function loadPart(focus, note) {
    return fetch(box.getAttribute("data-premium-part"), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "text/html" },
    }).then(function (response) {
      if (!response.ok) {
        if (response.status === 403) {
          hint(postId, false); // the grant has expired or was cleared
        }
        return false;
      }
      return response.text().then(function (html) {
        return reveal(html, focus, note);
      });
    });
  }

  function fetchToken() {
    return fetch("/csrf-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("token " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        return data.token;
      });
  }

  // The form's token: csrf.js may already be fetching it (the press focused
  // the button). Waiting for that answer matters: two token requests from a
  // browser without the CSRF cookie would each set a different cookie.
  function csrfToken(form) {
    return Promise.resolve(form.newsroomTokens)
      .catch(function () {})
      .then(function () {
        var field = form.querySelector("input[name=csrfmiddlewaretoken]");
        return field && field.value ? field.value : fetchToken();
      });
  }

  function send(form, token) {
    var body = new FormData(form);
    body.set("csrfmiddlewaretoken", token);
    return fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json", "X-CSRFToken": token },
      body: body,
    });
  }

  function grant(form) {
    return csrfToken(form)
      .then(function (token) {
        return send(form, token);
      })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
        if (response.status === 403 && !json) {
          // The CSRF check refused (the cookie changed meanwhile): once more,
          // with a token for the cookie the browser holds now.
          return fetchToken().then(function (token) {
            return send(form, token);
          });
        }
        return response;
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("grant " + response.status);
        }
        return response.json();
      });
  }

  function copyFallback(address) {
    var field = document.createElement("input");
    field.type = "url";
    field.readOnly = true;
    field.value = address;
    field.className = "premium-address";
    field.setAttribute("aria-label", box.getAttribute("data-premium-copy-manual"));
    box.appendChild(field);
    field.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    box.removeChild(field);
    return copied;
  }

  // What the reader is told above the part once it is unlocked.
  function note(via, copied, address) {
    var paragraph = document.createElement("p");
    paragraph.className = "premium-unlocked";
    paragraph.setAttribute("role", "status");
    if (via === "copy" && !copied) {
      var label = document.createElement("label");
      var field = document.createElement("input");
      field.type = "url";
      field.readOnly = true;
      field.value = address;
      field.className = "premium-address";
      field.id = "premium-address";
      label.htmlFor = field.id;
      label.textContent = box.getAttribute("data-premium-copy-manual") + " ";
      paragraph.appendChild(label);
      paragraph.appendChild(field);
      return paragraph;
    }
    paragraph.textContent = box.getAttribute(
      via === "copy" ? "data-premium-copied" : "data-premium-thanks"
    );
    return paragraph;
  }

  function copy(address) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(address).then(
        function () {
          return true;
        },
        function () {
          return copyFallback(address);
        }
      );
    }
    return Promise.resolve(copyFallback(address));
  }

  function openShare(via, address) {
    if (via === "email") {
      var link = document.createElement("a");
      link.href = address;
      link.click();
      return;
    }
    window.open(address, "_blank", "noopener");
  }

  // Here, before csrf.js's listener on the document: this script sends it.
  box.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form.unlock-form");
    if (!form || !window.fetch) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    var button = form.querySelector("button");
    var via = form.querySelector("input[name=via]").value;
    var address = button.getAttribute("data-href");
    var copied = null;
    if (via === "copy") {
      copied = copy(address);
    } else {
      openShare(via, address);
    }
    say(box.getAttribute("data-premium-loading"));
    grant(form)
      .then(function (answer) {
        if (!answer.granted) {
          throw new Error("not granted");
        }
        hint(postId, true);
        return Promise.resolve(copied).then(function (done) {
          return loadPart(true, note(via, done, address));
        });
      })
      .then(function (shown) {
        if (!shown) {
          throw new Error("no part");
        }
      })
      .catch(function () {
        say(box.getAttribute("data-premium-failed"));
      });
  });

  if (box.hasAttribute("data-premium-member") || hinted(postId)) {
    loadPart(false).catch(function () {});
  }
})();
