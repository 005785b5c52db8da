// Writing in the admin, added to django-prose-editor (articles/editor.py):
// - images uploaded in one step by drag-and-drop, paste or the "Upload image"
//   button: the picture, its alt text (required), inserted as a figure;
// - a live word count and reading time under the body (articles/text.py rules);
// - on the post form: the featured image's "Upload or choose…" button, and the
//   search and social preview (worked out by the server with articles/seo.py).
"use strict";
(() => {
  const ACCEPTED = ["image/jpeg", "image/png", "image/gif", "image/webp"];
  // Block ends count as spaces (articles/text.py _BLOCK_END_RE).
  const BLOCK_END = /<\/(p|h[1-6]|li|blockquote|pre|div|figcaption|tr)>|<br\s*\/?>/gi;
  const TAG = /<[^>]*>/g;
  const decoder = document.createElement("textarea");

  function htmlToText(html) {
    decoder.innerHTML = (html || "").replace(BLOCK_END, " ").replace(TAG, "");
    return decoder.value.replace(/\s+/g, " ").trim();
  }

  function wordCount(html) {
    const text = htmlToText(html);
    return text ? text.split(" ").length : 0;
  }

  // Python's round(): halves go to the even neighbour (round(2.5) == 2).
  function roundHalfEven(value) {
    const floor = Math.floor(value);
    const rest = value - floor;
    if (rest > 0.5) return floor + 1;
    if (rest < 0.5) return floor;
    return floor % 2 === 0 ? floor : floor + 1;
  }

  function readingMinutes(words, perMinute) {
    return Math.max(1, roundHalfEven(words / perMinute));
  }

  function plural(forms, count) {
    return forms[count === 1 ? 0 : 1].replace("%(count)s", count.toLocaleString());
  }

  function csrfToken(element) {
    const form = element.closest("form") || document;
    return form.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
  }

  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  // One upload: POST the file and its alt text; resolve with the image's JSON.
  function send(config, token, file, alt, caption, onProgress) {
    return new Promise((resolve, reject) => {
      const data = new FormData();
      data.append("file", file, file.name || "pasted-image");
      data.append("alt_text", alt);
      data.append("caption", caption);
      const request = new XMLHttpRequest();
      request.open("POST", config.uploadUrl);
      request.setRequestHeader("X-CSRFToken", token);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.responseType = "json";
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(Math.round((100 * event.loaded) / event.total));
      });
      request.addEventListener("loadend", () => {
        if (request.status === 201 && request.response) resolve(request.response);
        else reject(request.response && request.response.errors ? request.response.errors : null);
      });
      request.send(data);
    });
  }

  // The one-step dialog: preview, alt text (required), caption, progress.
  function askAndUpload(config, token, file) {
    const text = config.text;
    return new Promise((resolve) => {
      const preview = el("img", { class: "writing-upload-preview", alt: "" });
      // A data: address (the site's CSP allows data: images, not blob:).
      const reader = new FileReader();
      reader.addEventListener("load", () => {
        preview.src = reader.result;
      });
      reader.readAsDataURL(file);
      const alt = el("input", {
        type: "text",
        name: "alt_text",
        id: "writing-upload-alt",
        maxlength: "250",
        required: "",
        "aria-describedby": "writing-upload-alt-help",
      });
      const caption = el("input", {
        type: "text",
        name: "caption",
        id: "writing-upload-caption",
        maxlength: "300",
      });
      const progress = el("progress", { max: "100", value: "0", hidden: "" });
      const status = el("p", { class: "writing-upload-status", role: "status", "aria-live": "polite" });
      const errors = el("ul", { class: "errorlist", role: "alert", hidden: "" });
      const submit = el("button", { type: "submit", class: "button default", text: text.insert });
      const cancel = el("button", { type: "button", class: "button", text: text.cancel });
      const form = el("form", { method: "dialog", class: "writing-upload-form", novalidate: "" }, [
        el("h2", { text: text.dialogTitle }),
        preview,
        el("p", { class: "writing-upload-name", text: file.name || "" }),
        el("label", { for: "writing-upload-alt", class: "required", text: text.alt }),
        alt,
        el("p", { class: "help", id: "writing-upload-alt-help", text: text.altHelp }),
        el("label", { for: "writing-upload-caption", text: text.caption }),
        caption,
        progress,
        status,
        errors,
        el("div", { class: "writing-upload-buttons" }, [submit, cancel]),
      ]);
      const dialog = el("dialog", { class: "writing-upload-dialog", "aria-label": text.dialogTitle }, [form]);
      document.body.append(dialog);

      function finish(result) {
        reader.abort();
        dialog.close();
        dialog.remove();
        resolve(result);
      }

      function showErrors(messages) {
        errors.textContent = "";
        for (const message of messages) errors.append(el("li", { text: message }));
        errors.hidden = messages.length === 0;
      }

      cancel.addEventListener("click", () => finish(null));
      dialog.addEventListener("cancel", (event) => {
        event.preventDefault();
        if (!submit.disabled) finish(null);
      });
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!alt.value.trim()) {
          showErrors([text.altMissing]);
          alt.focus();
          return;
        }
        showErrors([]);
        submit.disabled = true;
        progress.hidden = false;
        const onProgress = (percent) => {
          progress.value = percent;
          status.textContent = `${text.uploading} ${percent}%`;
        };
        onProgress(0);
        send(config, token, file, alt.value.trim(), caption.value.trim(), onProgress).then(
          (image) => finish(image),
          (fieldErrors) => {
            submit.disabled = false;
            progress.hidden = true;
            status.textContent = "";
            if (!fieldErrors) {
              showErrors([text.failed]);
              return;
            }
            const messages = [];
            for (const [field, list] of Object.entries(fieldErrors)) {
              const label = text.fields[field];
              for (const error of list) messages.push(label ? `${label}: ${error.message}` : error.message);
            }
            showErrors(messages);
          },
        );
      });
      dialog.showModal();
      alt.focus();
    });
  }

  function imageFiles(transfer) {
    return [...((transfer && transfer.files) || [])].filter((file) => ACCEPTED.includes(file.type));
  }

  function figureContent(image) {
    const content = [{ type: "image", attrs: { src: image.url, alt: image.alt } }];
    if (image.caption) content.push({ type: "caption", content: [{ type: "text", text: image.caption }] });
    return { type: "figure", content };
  }

  async function uploadInto(editor, config, token, files, position) {
    let at = position;
    for (const file of files) {
      const image = await askAndUpload(config, token, file);
      if (!image) continue;
      const chain = editor.chain().focus();
      if (at === null || at === undefined) chain.insertContent(figureContent(image));
      else chain.insertContentAt(at, figureContent(image));
      chain.run();
      at = null;
    }
  }

  function addUpload(editor, textarea, config) {
    const wrapper = textarea.closest(".prose-editor");
    const token = csrfToken(textarea);
    const picker = el("input", {
      type: "file",
      accept: ACCEPTED.join(","),
      multiple: "",
      hidden: "",
      class: "writing-file",
    });
    const button = el("button", {
      type: "button",
      class: "prose-menubar__button writing-upload-button",
      title: config.text.upload,
      "aria-label": config.text.upload,
      text: config.text.upload,
    });
    button.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      const files = imageFiles(picker);
      picker.value = "";
      if (files.length) uploadInto(editor, config, token, files, null);
    });
    wrapper.append(picker);
    // The menubar may be drawn just after the editor is ready: join it then.
    const place = () => {
      const menubar = wrapper.querySelector(":scope > .prose-menubar");
      if (menubar) menubar.append(button);
      return Boolean(menubar);
    };
    if (!place()) {
      wrapper.append(button);
      const watcher = new MutationObserver(() => {
        if (place()) watcher.disconnect();
      });
      watcher.observe(wrapper, { childList: true });
    }
    wrapper.dataset.dropHere = config.text.dropHere;

    // Capture: the editor's own drop and paste handlers never see the files.
    wrapper.addEventListener(
      "dragover",
      (event) => {
        if (![...(event.dataTransfer?.types || [])].includes("Files")) return;
        event.preventDefault();
        wrapper.classList.add("is-dragging");
      },
      true,
    );
    wrapper.addEventListener("dragleave", (event) => {
      if (!wrapper.contains(event.relatedTarget)) wrapper.classList.remove("is-dragging");
    });
    wrapper.addEventListener(
      "drop",
      (event) => {
        wrapper.classList.remove("is-dragging");
        const files = imageFiles(event.dataTransfer);
        if (!files.length) return;
        event.preventDefault();
        event.stopPropagation();
        const spot = editor.view.posAtCoords({ left: event.clientX, top: event.clientY });
        uploadInto(editor, config, token, files, spot ? spot.pos : null);
      },
      true,
    );
    wrapper.addEventListener(
      "paste",
      (event) => {
        const files = imageFiles(event.clipboardData);
        if (!files.length) return;
        event.preventDefault();
        event.stopPropagation();
        uploadInto(editor, config, token, files, null);
      },
      true,
    );
  }

  function statusBar(textarea) {
    const wrapper = textarea.closest(".prose-editor");
    let bar = wrapper.parentElement.querySelector(".writing-status");
    if (!bar) {
      bar = el("div", { class: "writing-status" });
      wrapper.after(bar);
    }
    return bar;
  }

  function addWordCount(editor, textarea, config) {
    const bar = statusBar(textarea);
    const count = el("span", { class: "writing-count" });
    bar.prepend(count);
    const update = () => {
      const words = wordCount(textarea.value);
      const minutes = readingMinutes(words, config.wordsPerMinute);
      count.textContent = `${plural(config.words, words)} · ${plural(config.minutes, minutes)}`;
      count.dataset.words = words;
      count.dataset.minutes = minutes;
    };
    editor.on("update", update);
    // A restored draft (admin_autosave.js) sets the field and says "input".
    (textarea.form || document).addEventListener("input", update);
    update();
    // The autosave state (admin_autosave.js) sits beside the count of the body.
    const state = document.querySelector("[data-autosave-state]");
    if (state && textarea.name === "body") bar.append(state);
  }

  document.addEventListener("prose-editor:ready", (event) => {
    const { editor, textarea } = event.detail;
    // The editable area answers to the field's label (Body, Premium body...).
    const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`);
    if (label && !editor.view.dom.hasAttribute("aria-label")) {
      editor.view.dom.setAttribute("aria-label", label.textContent.replace(/:\s*$/, "").trim());
    }
    if (!textarea.dataset.writing) return;
    const config = JSON.parse(textarea.dataset.writing);
    addUpload(editor, textarea, config);
    addWordCount(editor, textarea, config);
  });

  // The featured image: "Upload or choose…" opens the chooser, which answers
  // through CKEditor's picker protocol (as for the editor's Browse...).
  let callbacks = 0;
  const waiting = new Map();
  function listen(handler) {
    window.CKEDITOR = window.CKEDITOR || {};
    window.CKEDITOR.tools = window.CKEDITOR.tools || {};
    const previous = window.CKEDITOR.tools.callFunction;
    if (!previous || !previous.newsroomWriting) {
      const mine = (number, ...args) => {
        const found = waiting.get(Number(number));
        if (found) {
          waiting.delete(Number(number));
          found(...args);
        } else if (previous) previous.call(window.CKEDITOR.tools, number, ...args);
      };
      mine.newsroomWriting = true;
      window.CKEDITOR.tools.callFunction = mine;
    }
    callbacks += 1;
    const number = 100000 + callbacks;
    waiting.set(number, handler);
    return number;
  }

  function setFeatured(select, id, name) {
    let option = [...select.options].find((item) => item.value === String(id));
    if (!option) {
      option = new Option(name, id, true, true);
      select.append(option);
    }
    select.value = String(id);
    if (window.django && window.django.jQuery) window.django.jQuery(select).trigger("change");
    else select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function addFeaturedChooser(panel) {
    const select = document.getElementById("id_featured_image");
    if (!select || !panel.dataset.pickerUrl) return;
    const button = el("button", { type: "button", class: "button featured-choose", text: panel.dataset.chooseLabel });
    button.addEventListener("click", () => {
      const number = listen((url, details) => {
        if (details && details.id) setFeatured(select, details.id, details.name || details.alternative_text || url);
      });
      const url = `${panel.dataset.pickerUrl}?CKEditorFuncNum=${number}`;
      window.open(url, "_blank", "width=900,height=700");
    });
    const place = select.closest(".related-widget-wrapper") || select.parentElement;
    place.after(button);
  }

  // The search and social preview, from the server (articles/admin/writing.py).
  function addPreview(panel) {
    const form = panel.closest("form");
    if (!form) return;
    const cardFieldset = document.getElementById("id_seo_description")?.closest("fieldset");
    if (cardFieldset) cardFieldset.after(panel);
    panel.hidden = false;
    const out = (name) => panel.querySelector(`[data-preview=${name}]`);
    const names = ["title", "slug", "excerpt", "seo_description", "body", "featured_image", "published_at_0", "published_at_1", "published_at"];
    let timer = null;
    let serial = 0;

    function show(data) {
      out("search-title").textContent = data.search.title;
      out("search-url").textContent = data.search.url.replace(/^https?:\/\//, "").replace(/\/(?=.)/g, " › ");
      out("search-description").textContent = data.search.description;
      out("social-site").textContent = data.social.site;
      out("social-title").textContent = data.social.title;
      out("social-description").textContent = data.social.description;
      const image = out("social-image");
      if (data.social.image) {
        image.src = data.social.image;
        image.alt = data.social.image_alt;
        image.hidden = false;
      } else {
        image.removeAttribute("src");
        image.hidden = true;
      }
      const warnings = out("warnings");
      warnings.textContent = "";
      for (const warning of data.warnings) warnings.append(el("li", { text: warning }));
      warnings.hidden = data.warnings.length === 0;
    }

    function refresh() {
      const data = new FormData();
      for (const name of names) {
        const field = form.elements.namedItem(name);
        if (field && "value" in field) data.append(name, field.value);
      }
      if (panel.dataset.objectId) data.append("object_id", panel.dataset.objectId);
      data.append("csrfmiddlewaretoken", csrfToken(panel));
      const mine = ++serial;
      fetch(panel.dataset.url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then((response) => (response.ok ? response.json() : null))
        .then((answer) => {
          if (answer && mine === serial) show(answer);
        })
        .catch(() => {});
    }

    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    if (window.django && window.django.jQuery) window.django.jQuery(form).on("change", "select", later);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const panel = document.getElementById("writing-preview");
    if (!panel) return;
    addFeaturedChooser(panel);
    addPreview(panel);
  });

  window.NewsroomWriting = { htmlToText, wordCount, readingMinutes };
})();
