// A lesson page: mount its widgets, grade the quiz on the server, tick manual exercises.
import { apiFetch } from "./lib/api.js";
import { $, el, format, readJson } from "./lib/dom.js";
import { mountWidgets } from "./lib/widgets.js";

const article = $("lesson");
const strings = readJson("i18n-strings") || {};
const slug = article.dataset.slug;
const language = article.dataset.language;

mountWidgets(article, { strings });

function answerOf(fieldset) {
  const name = fieldset.dataset.question;
  const inputs = [...document.querySelectorAll(`[form="lesson-quiz"][name="${name}"]`)];
  if (inputs.length && inputs[0].type === "checkbox") {
    const chosen = inputs.filter((input) => input.checked).map((input) => Number(input.value));
    return chosen.length ? chosen : null;
  }
  if (inputs.length && inputs[0].type === "radio") {
    const chosen = inputs.find((input) => input.checked);
    if (!chosen) return null;
    if (chosen.value === "true" || chosen.value === "false") return chosen.value === "true";
    return Number(chosen.value);
  }
  const text = inputs[0] ? inputs[0].value.trim() : "";
  return text === "" ? null : text;
}

function showFeedback(result) {
  for (const item of result.questions) {
    const fieldset = document.querySelector(`fieldset[data-question="${item.id}"]`);
    if (!fieldset) continue;
    fieldset.classList.toggle("border-success", item.correct);
    fieldset.classList.toggle("border-danger", !item.correct);
    const box = fieldset.querySelector(".question-feedback");
    const lines = [el("strong", { text: item.correct ? strings.right : strings.wrong })];
    for (const text of item.feedback) lines.push(el("div", { text }));
    if (!item.correct && item.right_answer) {
      lines.push(el("div", { className: "small text-body-secondary", text: format(strings.answer, { answer: item.right_answer }) }));
    }
    box.replaceChildren(...lines);
    box.className = `question-feedback mt-2 small alert ${item.correct ? "alert-success" : "alert-danger"}`;
  }
}

const quiz = $("lesson-quiz");
if (quiz) {
  quiz.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = {};
    for (const fieldset of document.querySelectorAll("fieldset[data-question]")) {
      const answer = answerOf(fieldset);
      if (answer !== null) answers[fieldset.dataset.question] = answer;
    }
    const box = $("quiz-result");
    const button = quiz.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const result = await apiFetch(`/api/v1/lessons/${slug}/quiz/`, { method: "POST", json: { language, answers } });
      showFeedback(result);
      box.className = "alert mt-3 alert-info";
      box.textContent = format(strings.score, { score: result.score, max: result.max_score, best: result.best_score });
    } catch (error) {
      box.className = "alert mt-3 alert-danger";
      box.textContent = error.detail || strings.error;
    } finally {
      button.disabled = false;
    }
  });
}

for (const section of document.querySelectorAll("[data-exercise]")) {
  const button = section.querySelector(".exercise-done");
  if (!button) continue;
  button.addEventListener("click", async () => {
    try {
      await apiFetch(`/api/v1/lessons/${slug}/exercises/${section.dataset.exercise}/done/`, { method: "POST", json: { language } });
      const badge = section.querySelector(".exercise-state");
      badge.className = "ms-auto badge exercise-state text-bg-success";
      badge.textContent = strings.done;
      button.remove();
    } catch (error) {
      button.replaceWith(el("div", { className: "alert alert-danger small", text: error.detail || strings.error }));
    }
  });
}
