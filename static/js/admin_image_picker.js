// The image chooser window ("Browse..." in the editor, "Upload or choose…"
// beside the featured image): hand the chosen or just-uploaded image back to
// the page that opened it (django-prose-editor speaks CKEditor's picker
// protocol: callFunction(number, url, details)).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const picker = document.querySelector(".image-picker");
  if (!picker) return;

  function handBack(image) {
    const opener = window.opener;
    if (!opener || !opener.CKEDITOR || !opener.CKEDITOR.tools) return false;
    opener.CKEDITOR.tools.callFunction(Number(picker.dataset.funcNum), image.url, {
      id: image.id,
      alternative_text: image.alt || "",
      caption: image.caption || "",
      name: image.name || image.alt || "",
    });
    window.close();
    return true;
  }

  picker.addEventListener("click", (event) => {
    const choice = event.target.closest(".image-choice");
    if (!choice) return;
    handBack({
      url: choice.dataset.url,
      id: choice.dataset.id,
      alt: choice.dataset.alt,
      caption: choice.dataset.caption,
      name: choice.dataset.name,
    });
  });

  const form = picker.querySelector(".picker-upload");
  if (!form) return;
  const fileInput = form.querySelector("input[type=file]");
  const altInput = form.querySelector("input[name=alt_text]");
  const drop = form.querySelector(".picker-drop");
  const preview = form.querySelector(".picker-drop-preview");
  const progress = form.querySelector(".picker-progress");
  const status = form.querySelector(".picker-upload-status");
  const errors = form.querySelector(".picker-upload-errors");
  const submit = form.querySelector("input[type=submit]");

  function showErrors(messages) {
    errors.textContent = "";
    for (const message of messages) {
      const item = document.createElement("li");
      item.textContent = message;
      errors.append(item);
    }
    errors.hidden = messages.length === 0;
  }

  function showPreview() {
    const file = fileInput.files[0];
    if (!file) {
      preview.hidden = true;
      return;
    }
    // A data: address (the site's CSP allows data: images, not blob:).
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      preview.src = reader.result;
      preview.hidden = false;
    });
    reader.readAsDataURL(file);
    drop.querySelector(".picker-drop-text").textContent = file.name;
    altInput.focus();
  }

  function takeFiles(files) {
    const picture = [...files].find((file) => file.type.startsWith("image/"));
    if (!picture) return false;
    const transfer = new DataTransfer();
    transfer.items.add(picture);
    fileInput.files = transfer.files;
    showPreview();
    return true;
  }

  fileInput.addEventListener("change", showPreview);
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("is-dragging");
    });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("is-dragging"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("is-dragging");
    takeFiles(event.dataTransfer.files);
  });
  document.addEventListener("paste", (event) => {
    if (event.clipboardData && takeFiles(event.clipboardData.files)) event.preventDefault();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!altInput.value.trim()) {
      showErrors([form.dataset.altMissing]);
      altInput.focus();
      return;
    }
    showErrors([]);
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.responseType = "json";
    progress.hidden = false;
    progress.value = 0;
    submit.disabled = true;
    request.upload.addEventListener("progress", (progressEvent) => {
      if (!progressEvent.lengthComputable) return;
      const percent = Math.round((100 * progressEvent.loaded) / progressEvent.total);
      progress.value = percent;
      status.textContent = `${form.dataset.uploading} ${percent}%`;
    });
    request.addEventListener("loadend", () => {
      submit.disabled = false;
      progress.hidden = true;
      status.textContent = "";
      const answer = request.response;
      if (request.status === 201 && answer) {
        if (!handBack(answer)) window.location.reload();
        return;
      }
      if (answer && answer.errors) {
        const messages = [];
        for (const [field, list] of Object.entries(answer.errors)) {
          const label = form.querySelector(`[name=${field}]`)?.dataset.label;
          for (const error of list) messages.push(label ? `${label}: ${error.message}` : error.message);
        }
        showErrors(messages);
      } else {
        showErrors([form.dataset.failed]);
      }
    });
    request.send(new FormData(form));
  });
});
