// The class's model in the browser: onnxruntime-web (the global `ort` of
// static/vendor/onnxruntime-web/ort.wasm.min.js) running the version's ONNX file, downloaded once and kept in
// Cache Storage, and the same answer as the server (pixels.js makes the same input, answer.js the same answer).
// Everything about the model comes from its signature (GET /api/v1/edge/model/): the input's name, the outputs.
import { apiFetch } from "./api.js";
import { answer } from "./answer.js";
import { decodePhoto, INPUT_SIZE, toModelInput } from "./pixels.js";

export const MODEL_CACHE = "eduai-edge-models";
const KEEP_FILES = 4; // model files kept in the cache (the current version's two and two older ones)

/** The model could not be loaded or run: `code` is "no_runtime" (onnxruntime-web is not on the page),
 * "no_file" (the version has no file of that precision: INT8 for versions made before INT8 existed),
 * "download" (the file could not be fetched; `status` is the HTTP status, 0 offline), "checksum" (the file's
 * sha256 is not the one the server announced) or "session" (ONNX Runtime refused the file). */
export class EdgeError extends Error {
  constructor(code, { status = null, cause } = {}) {
    super(code, cause ? { cause } : undefined);
    this.name = "EdgeError";
    this.code = code;
    this.status = status;
  }
}

const now = () => performance.now();
const hex = (buffer) => [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, "0")).join("");

function runtimeOf() {
  const ort = globalThis.ort;
  if (!ort) throw new EdgeError("no_runtime");
  return ort;
}

/** How inference runs here: {backend: "wasm", threads, isolated, secure, reason} where reason says why there is
 * only one thread: "not_secure" (not https), "not_isolated" (the page lacks the cross-origin isolation headers,
 * so no SharedArrayBuffer), "one_core", or null when threads are on. */
export function runtime() {
  const secure = Boolean(globalThis.isSecureContext);
  const isolated = Boolean(globalThis.crossOriginIsolated);
  const cores = navigator.hardwareConcurrency || 1;
  const threads = isolated ? Math.min(4, cores) : 1;
  const reason = !secure ? "not_secure" : !isolated ? "not_isolated" : cores <= 1 ? "one_core" : null;
  return { backend: "wasm", threads, isolated, secure, reason };
}

// A cross-origin isolated page can only start a worker whose script itself says `Cross-Origin-Embedder-Policy:
// require-corp`; static files do not (Whitenoise, Django's static handler), and onnxruntime-web's threads then wait
// forever for their workers. A blob: worker inherits the page's policy, so the worker script is handed over as one.
let workerScript = null;
function isolatedWorkerScript(ort) {
  if (!globalThis.crossOriginIsolated || ort.env.wasm.wasmPaths) return Promise.resolve();
  if (!workerScript) {
    const script = [...document.scripts].find((each) => /\/ort\.wasm(\.min)?\.js(\?|$)/.test(each.src));
    const folder = new URL(".", script ? script.src : location.href).href;
    workerScript = fetch(`${folder}ort-wasm-simd-threaded.mjs`).then(async (response) => {
      if (!response.ok) throw new EdgeError("no_runtime", { status: response.status });
      const mjs = URL.createObjectURL(new Blob([await response.text()], { type: "text/javascript" }));
      ort.env.wasm.wasmPaths = { mjs, wasm: `${folder}ort-wasm-simd-threaded.wasm` };
    });
    workerScript.catch(() => { workerScript = null; });
  }
  return workerScript;
}

async function sha256Of(bytes) {
  if (!globalThis.crypto?.subtle) return null; // only in secure contexts: the file is then taken on trust
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function openCache() {
  try {
    return globalThis.caches ? await caches.open(MODEL_CACHE) : null; // no Cache Storage outside secure contexts
  } catch {
    return null;
  }
}

// the file's bytes from the network, reporting progress as they arrive
async function download(file, onProgress) {
  let response;
  try {
    response = await fetch(file.url, { credentials: "same-origin" });
  } catch (error) {
    throw new EdgeError("download", { status: 0, cause: error });
  }
  if (!response.ok) throw new EdgeError("download", { status: response.status });
  const total = Number(response.headers.get("Content-Length")) || file.size_bytes || 0;
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    let part;
    try {
      part = await reader.read();
    } catch (error) {
      throw new EdgeError("download", { status: 0, cause: error });
    }
    if (part.done) break;
    chunks.push(part.value);
    loaded += part.value.length;
    onProgress({ loaded, total });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

// drop the oldest cached model files beyond KEEP_FILES, never the ones of the current version
async function trimCache(cache, current) {
  const keys = await cache.keys();
  const old = keys.filter((request) => !current.includes(new URL(request.url, location.href).href));
  for (const request of old.slice(0, Math.max(0, keys.length - KEEP_FILES))) await cache.delete(request);
}

/** The edge model of `modelInfoUrl` (API: GET /api/v1/edge/model/). `onProgress({precision, stage, loaded,
 * total})` reports the download (stage "download", bytes) and the session's creation (stage "session").
 * Returns {info, tables, load(precision), classify(blob, {precision}), run(input, precision, names), runtime()}. */
export async function createEdge({ modelInfoUrl, onProgress = () => {} }) {
  const info = await apiFetch(modelInfoUrl);
  const tables = await apiFetch(info.answer_data_url);
  const signature = info.signature;
  const inputName = signature.input.name;
  const outputNames = Object.keys(signature.outputs);
  const sessions = {}; // precision -> Promise<{session, bytes, downloaded, fromCache, ms}>
  const queues = {}; // precision -> the last run's promise: ONNX Runtime Web runs one call per session at a time

  async function fetchModel(precision, file) {
    const url = new URL(file.url, location.href).href;
    const cache = await openCache();
    const cached = cache ? await cache.match(url) : null;
    if (cached) {
      const bytes = new Uint8Array(await cached.arrayBuffer());
      const digest = await sha256Of(bytes);
      if (digest === null || !file.sha256 || digest === file.sha256) return { bytes, fromCache: true };
      await cache.delete(url); // damaged in the cache: fetch it again
    }
    const bytes = await download(file, ({ loaded, total }) => onProgress({ precision, stage: "download", loaded, total }));
    const digest = await sha256Of(bytes);
    if (digest !== null && file.sha256 && digest !== file.sha256) throw new EdgeError("checksum");
    if (cache) {
      try {
        await cache.put(url, new Response(bytes, { headers: { "Content-Type": "application/octet-stream",
          "Content-Length": String(bytes.length) } }));
        const current = Object.values(info.files).filter(Boolean).map((each) => new URL(each.url, location.href).href);
        await trimCache(cache, current);
      } catch {
        // a full disk or private mode: the model still runs, it is fetched again next time
      }
    }
    return { bytes, fromCache: false };
  }

  /** Loads the model of `precision` ("fp32" or "int8") once: -> {precision, bytes (the file's size),
   * downloaded (bytes fetched from the network this time; 0 from the cache), fromCache, ms (fetch + session)}. */
  function load(precision = "fp32") {
    if (!sessions[precision]) {
      sessions[precision] = (async () => {
        const ort = runtimeOf();
        const file = info.files[precision];
        if (!file) throw new EdgeError("no_file");
        const start = now();
        const { bytes, fromCache } = await fetchModel(precision, file);
        onProgress({ precision, stage: "session", loaded: bytes.length, total: bytes.length });
        ort.env.wasm.numThreads = runtime().threads;
        await isolatedWorkerScript(ort);
        let session;
        try {
          session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
        } catch (error) {
          throw new EdgeError("session", { cause: error });
        }
        if (!session.inputNames.includes(inputName)) throw new EdgeError("session");
        return { session, precision, bytes: bytes.length, downloaded: fromCache ? 0 : bytes.length, fromCache, ms: now() - start };
      })();
      sessions[precision].catch(() => { delete sessions[precision]; }); // a failed load can be tried again
    }
    return sessions[precision].then(({ session, ...report }) => report);
  }

  /** The raw outputs for one 224 x 224 x 3 uint8 input: {name: {dims (no batch axis), data: Float32Array}}, for
   * the outputs the signature names (or `names`, a subset of them). */
  async function run(input, precision = "fp32", names = outputNames) {
    await load(precision);
    const { session } = await sessions[precision];
    const ort = runtimeOf();
    const feeds = { [inputName]: new ort.Tensor("uint8", input, [1, INPUT_SIZE, INPUT_SIZE, 3]) };
    const previous = queues[precision] || Promise.resolve();
    const current = previous.catch(() => {}).then(() => session.run(feeds, names));
    queues[precision] = current;
    const results = await current;
    const outputs = {};
    for (const name of names) outputs[name] = { dims: results[name].dims.slice(1), data: results[name].data };
    return outputs;
  }

  /** Classifies one photo (File or Blob) on this device; nothing is sent. -> {label, probabilities: {cat, dog},
   * unusual_score, tags, ms (decode + resize + inference + answer), backend, threads, answer (answer.js's whole
   * result), input (the 224x224x3 Uint8Array), photo: {width, height}, precision, timings: {decode_ms, resize_ms,
   * inference_ms, answer_ms}}. Throws EdgeInputError (pixels.js) for a file it will not read. */
  async function classify(blob, { precision = "fp32" } = {}) {
    await load(precision);
    const start = now();
    const photo = await decodePhoto(blob, { maxBytes: tables.limits.max_bytes, maxPixels: tables.limits.max_pixels });
    const decoded = now();
    const input = toModelInput(photo);
    const resized = now();
    const outputs = await run(input, precision);
    const inferred = now();
    const result = answer(outputs, signature, tables);
    const end = now();
    const { backend, threads } = runtime();
    return {
      label: result.label, probabilities: result.probabilities, unusual_score: result.unusual_score, tags: result.tags,
      ms: end - start, backend, threads, answer: result, input, photo: { width: photo.width, height: photo.height }, precision,
      timings: { decode_ms: decoded - start, resize_ms: resized - decoded, inference_ms: inferred - resized, answer_ms: end - inferred },
    };
  }

  return { info, tables, signature, load, run, classify, runtime, answer: (outputs) => answer(outputs, signature, tables) };
}
