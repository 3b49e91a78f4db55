// Gallery page: upload many pictures and .zip files, a few at a time, with one progress bar for all.
import { csrfToken } from "./csrf.js";

const root = document.getElementById("uploader");
const strings = JSON.parse(document.getElementById("i18n-strings").textContent);
const $ = (id) => document.getElementById(id);
const BATCH_BYTES = 8 * 1024 * 1024; // one request carries at most this much (or one bigger file)

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
}

function batches(files) {
  const groups = [];
  let current = [];
  let size = 0;
  for (const file of files) {
    if (current.length && size + file.size > BATCH_BYTES) {
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

// One request; resolves with the JSON answer, reports bytes sent as they go.
function send(files, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    files.forEach((file) => form.append("files", file, file.name));
    const request = new XMLHttpRequest();
    request.open("POST", root.dataset.apiUrl);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("Accept-Language", document.documentElement.lang); // reasons in the page's language
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () => {
      try {
        resolve({ status: request.status, body: JSON.parse(request.responseText) });
      } catch (error) {
        reject(error);
      }
    };
    request.onerror = () => reject(new Error("network"));
    request.send(form);
  });
}

function showProgress(fraction) {
  const value = Math.round(100 * Math.min(fraction, 1));
  $("upload-bar").style.width = `${value}%`;
  $("upload-progress").setAttribute("aria-valuenow", value);
}

function report(kind, name, detail) {
  const line = document.createElement("li");
  line.dataset.outcome = kind;
  line.className = kind === "rejected" ? "text-danger" : kind === "duplicate" ? "text-body-secondary" : "text-success";
  line.textContent = `${strings[kind]}: ${name}${detail ? ` · ${detail}` : ""}`;
  $("upload-report").append(line);
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
    $("upload-status").textContent = format(strings.sending, { done: filesDone + group.length, total: files.length });
    try {
      const { status, body } = await send(group, (loaded) => {
        showProgress((sentBefore + loaded) / total);
      });
      for (const item of body.added || []) report("added", item.name);
      for (const item of body.duplicates || []) report("duplicate", item.name);
      for (const item of body.rejected || []) report("rejected", item.name, item.detail);
      if (status >= 400 && !body.rejected) report("rejected", group.map((f) => f.name).join(", "), body.detail);
    } catch (error) {
      report("rejected", group.map((f) => f.name).join(", "), strings.error);
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
