// The editor's "Browse..." window: hand the chosen library image back to the
// editor that opened it (django-prose-editor speaks CKEditor's picker protocol).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const picker = document.querySelector(".image-picker");
  if (!picker) return;
  picker.addEventListener("click", (event) => {
    const choice = event.target.closest(".image-choice");
    if (!choice) return;
    const opener = window.opener;
    if (!opener || !opener.CKEDITOR || !opener.CKEDITOR.tools) return;
    opener.CKEDITOR.tools.callFunction(Number(picker.dataset.funcNum), choice.dataset.url, {
      alternative_text: choice.dataset.alt || "",
      caption: choice.dataset.caption || "",
    });
    window.close();
  });
});
