// Gallery page: upload many pictures and .zip files, a few at a time, with one progress bar for all.
import { apiUpload } from "./lib/api.js";
import { $, el, format, readJson } from "./lib/dom.js";
import { number } from "./lib/format.js";

const root = $("uploader");
const strings = readJson("i18n-strings");
const BATCH_BYTES = 8 * 1024 * 1024; // one request carries at most this much (or one bigger file)
const BATCH_FILES = 50; // and at most this many files (the server takes 100 per request)

function batches(files) {
  const groups = [];
  let current = [];
  let size = 0;
  for (const file of files) {
    if (current.length && (size + file.size > BATCH_BYTES || current.length >= BATCH_FILES)) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(file);
    size += file.size;
  }
  if (current.length) groups.push(current);
  return groups;
}

function showProgress(fraction) {
  const value = Math.round(100 * Math.min(fraction, 1));
  $("upload-bar").style.width = `${value}%`;
  $("upload-progress").setAttribute("aria-valuenow", value);
}

function report(kind, name, detail) {
  const className = kind === "rejected" ? "text-danger" : kind === "duplicate" ? "text-body-secondary" : "text-success";
  $("upload-report").append(el("li", {
    className: `${className} text-break`,
    text: `${strings[kind]}: ${name}${detail ? ` · ${detail}` : ""}`,
    attrs: { "data-outcome": kind },
  }));
}

function reportAnswer(body) {
  for (const item of body.added || []) report("added", item.name);
  for (const item of body.duplicates || []) report("duplicate", item.name);
  for (const item of body.rejected || []) report("rejected", item.name, item.detail);
}

async function upload(fileList) {
  const files = Array.from(fileList);
  if (!files.length) return;
  const total = files.reduce((sum, file) => sum + file.size, 0) || 1;
  let sentBefore = 0;
  let filesDone = 0;
  $("upload-report").replaceChildren();
  $("upload-refresh").classList.add("d-none");
  showProgress(0);
  $("upload-progress").classList.remove("d-none");
  for (const group of batches(files)) {
    $("upload-status").textContent = format(strings.sending, {
      done: number(filesDone + group.length, 0), total: number(files.length, 0),
    });
    const form = new FormData();
    group.forEach((file) => form.append("files", file, file.name));
    try {
      reportAnswer(await apiUpload(root.dataset.apiUrl, form, {
        onProgress: (loaded) => showProgress((sentBefore + loaded) / total),
      }));
    } catch (error) {
      // every picture refused: the answer still says why for each one
      if (error.body?.rejected) reportAnswer(error.body);
      else report("rejected", group.map((file) => file.name).join(", "), error.detail || strings.error);
    }
    sentBefore += group.reduce((sum, file) => sum + file.size, 0);
    filesDone += group.length;
    showProgress(sentBefore / total);
  }
  $("upload-status").textContent = strings.done;
  // the gallery below was drawn before the upload: offer to draw it again with the new pictures
  if ($("upload-report").querySelector("[data-outcome=added]")) $("upload-refresh").classList.remove("d-none");
}

if (root) {
  if (window.location.hash === "#uploader") root.open = true; // "Upload pictures" on the overview
  const zone = $("upload-dropzone");
  $("upload-input").addEventListener("change", (event) => upload(event.target.files));
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("dragover"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragover"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragover");
    upload(event.dataTransfer.files);
  });
  root.dataset.ready = "true";
}
