// The lesson editor: a live preview (rendered by the server, as readers will see it) with its problems.
import { apiFetch } from "./lib/api.js";
import { $, el, readJson } from "./lib/dom.js";
import { mountWidgets } from "./lib/widgets.js";

const config = $("edit-config").dataset;
const strings = readJson("i18n-strings") || {};
const body = document.querySelector("#lesson-form textarea[name=body]");
const languageField = document.querySelector("#lesson-form [name=language]");
const preview = $("preview");
const problemsBox = $("preview-problems");
let timer = null;
let sequence = 0;

async function refresh() {
  const mine = ++sequence;
  const language = languageField.value || config.language;
  const json = { language, body: body.value };
  if (config.lesson) json.lesson = config.lesson;
  try {
    const result = await apiFetch("/api/v1/lessons/preview/", { method: "POST", json });
    if (mine !== sequence) return; // a newer preview is on its way
    preview.lang = language;
    preview.innerHTML = result.html; // sanitised on the server (nh3), widgets from the app's templates
    problemsBox.classList.remove("d-none", "alert-warning", "alert-success");
    if (result.problems.length) {
      problemsBox.classList.add("alert-warning");
      problemsBox.replaceChildren(el("strong", { text: config.problems }),
        el("ul", { className: "mb-0", children: result.problems.map((text) => el("li", { text })) }));
    } else {
      problemsBox.classList.add("alert-success");
      problemsBox.textContent = config.noProblems;
    }
    mountWidgets(preview, { strings });
  } catch (error) {
    problemsBox.classList.remove("d-none");
    problemsBox.textContent = error.detail || strings.error;
  }
}

body.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(refresh, 400);
});
if (body.value.trim()) refresh();
