// The one client for our JSON API: CSRF token, the page's language, JSON or form bodies, and one
// error type. Messages come from the server in the page's language; callers add their own fallback
// (`error.detail || strings.error`) for answers without one (offline, a proxy's HTML error page).
import { csrfToken } from "./csrf.js";

const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];

/** A request that did not end in a JSON success: `status` 0 when the network failed. */
export class ApiError extends Error {
  constructor({ status, code = "", detail = "", body = null }) {
    super(detail || `${code || "error"} (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.body = body; // the whole JSON answer, when there was one
  }
}

function headersFor(method, extra = {}) {
  const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang };
  if (!SAFE_METHODS.includes(method)) headers["X-CSRFToken"] = csrfToken();
  return { ...headers, ...extra };
}

function formData(form) {
  if (form instanceof FormData) return form;
  const data = new FormData();
  for (const [name, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) data.append(name, item);
  }
  return data;
}

// The JSON answer of a finished request, or the ApiError it stands for.
function answerOf(status, ok, text) {
  let body = null;
  if (status !== 204) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError({ status, code: "not_json" });
    }
  }
  if (!ok) {
    throw new ApiError({ status, code: body?.code || "", detail: body?.detail || "", body });
  }
  return body;
}

/** Calls the API and resolves with its JSON answer (null for 204); rejects with an ApiError.
 * `json` is sent as a JSON body, `form` (a FormData or a plain object) as multipart. */
export async function apiFetch(url, { method = "GET", json, form, headers = {} } = {}) {
  method = method.toUpperCase();
  const options = { method, credentials: "same-origin", headers: headersFor(method, headers) };
  if (json !== undefined) {
    options.body = JSON.stringify(json);
    options.headers["Content-Type"] = "application/json";
  } else if (form !== undefined) {
    options.body = formData(form); // the browser writes the multipart Content-Type with its boundary
  }
  let response;
  let text;
  try {
    response = await fetch(url, options);
    text = await response.text();
  } catch {
    throw new ApiError({ status: 0, code: "network" });
  }
  return answerOf(response.status, response.ok, text);
}

/** Like apiFetch with a `form` body, reporting the bytes sent as they go (fetch cannot):
 * onProgress(loaded, total). */
export function apiUpload(url, form, { onProgress = () => {}, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    for (const [name, value] of Object.entries(headersFor("POST", headers))) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    request.onload = () => {
      try {
        resolve(answerOf(request.status, request.status >= 200 && request.status < 300, request.responseText));
      } catch (error) {
        reject(error);
      }
    };
    request.onerror = () => reject(new ApiError({ status: 0, code: "network" }));
    request.send(formData(form));
  });
}
