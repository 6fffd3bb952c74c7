// Progressive enhancement, served as /static/weft.js (the pages work without it):
// a live character counter; previews of chosen files with a description box each, so a
// post with media goes in one step; a reminder (once, never a block) when a description
// is missing.
export const WEFT_JS = `for (const t of document.querySelectorAll("textarea[data-max]")) {
  const out = document.querySelector('[data-counter-for="' + t.id + '"]');
  if (!out) continue;
  const max = Number(t.dataset.max);
  const show = () => { const n = [...t.value].length; out.textContent = n > max - 50 ? (max - n) + " characters left" : ""; };
  t.addEventListener("input", show); show();
}
for (const input of document.querySelectorAll("input[type=file][data-previews]")) {
  const form = input.form;
  const box = document.getElementById(input.dataset.previews);
  let urls = [];
  input.addEventListener("change", () => {
    urls.forEach((u) => URL.revokeObjectURL(u));
    urls = [];
    box.replaceChildren();
    form.querySelector("input[name=step]")?.remove();
    const files = [...input.files];
    files.forEach((file, i) => {
      const item = document.createElement("div");
      item.className = "preview";
      const url = URL.createObjectURL(file);
      urls.push(url);
      const isVideo = file.type.startsWith("video/");
      const media = document.createElement(isVideo ? "video" : "img");
      media.src = url;
      if (isVideo) media.setAttribute("aria-hidden", "true"); else media.alt = "";
      const label = document.createElement("label");
      const fieldId = input.id + "-alt-new-" + i;
      label.htmlFor = fieldId;
      label.textContent = "Description (alt text) of " + (isVideo ? "video " : "image ") + (i + 1) + ": " + file.name;
      const alt = document.createElement("textarea");
      alt.id = fieldId; alt.name = "file_alt_" + i; alt.rows = 2; alt.maxLength = 1500; alt.dataset.alt = "";
      const text = document.createElement("div");
      text.append(label, alt);
      item.append(media, text);
      box.append(item);
    });
    if (files.length) {
      const step = document.createElement("input");
      step.type = "hidden"; step.name = "step"; step.value = "post";
      form.append(step);
    }
  });
}
for (const form of document.querySelectorAll("form.composer")) {
  let reminded = false;
  form.addEventListener("submit", (e) => {
    const missing = [...form.querySelectorAll("textarea[data-alt]")].filter((t) => !t.value.trim() && !form.querySelector('input[name="remove_' + t.name.slice(4) + '"]:checked'));
    const note = form.querySelector(".alt-reminder");
    if (missing.length && !reminded && note) {
      e.preventDefault();
      reminded = true;
      note.hidden = false;
      note.textContent = (missing.length === 1 ? "One attachment has" : missing.length + " attachments have") + " no description. Descriptions let people who cannot see the image know what it shows. Add one, or post again to post without.";
      missing[0].focus();
    }
  });
}
`;
