// DOM helpers shared by the page modules.

/** The element with this id (null when the page has none). */
export const $ = (id) => document.getElementById(id);

/** A new element: el("td", { className: "text-end", text: "3", attrs: { "data-value": "cat" }, children: [...] }). */
export function el(tag, { className = "", text = null, attrs = {}, children = [] } = {}) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== null && text !== undefined) element.textContent = text;
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** Fills Django's "%(name)s" placeholders, as in a gettext string: format(strings.saved, { label }). */
export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (placeholder, key) => (key in values ? values[key] : placeholder));
}

/** The value of a `{{ value|json_script:"id" }}` block; null when the page has none. */
export function readJson(id) {
  const element = $(id);
  return element ? JSON.parse(element.textContent) : null;
}

// A drop zone for one file: highlighted while a file is dragged over it, `onFile(file)` with the dropped file.
export function onDroppedFile(zone, onFile) {
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => { event.preventDefault(); zone.classList.add("dragover"); });
  }
  for (const type of ["dragleave", "drop"]) zone.addEventListener(type, () => zone.classList.remove("dragover"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (file) onFile(file);
  });
}
