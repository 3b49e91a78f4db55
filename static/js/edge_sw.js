// The edge page's service worker (served as /edge/sw.js, scope /edge/): after one visit the page works offline.
// - the page, the answer data and the model info API: network first, the cached copy when offline
//   (so a new model version or a new page is seen as soon as there is a connection);
// - static files (scripts, styles, onnxruntime-web's wasm): the cached copy at once, refreshed in the background
//   (their URLs carry no version, so they must be refreshed; a refresh writes only when the file changed);
// - the model files: cache first, never refreshed (their URLs carry the file's sha256, so a URL never changes
//   content). edge.js keeps them in the same cache, "eduai-edge-models".
// The page posts the URLs it loaded before this worker controlled it ({type: "precache", urls}), and they are
// added here. Everything else (other API calls, photos, any POST) goes to the network as without a worker.
const CACHE = "eduai-edge-v1";
const MODELS = "eduai-edge-models";
const MATCH = { ignoreVary: true }; // our pages vary on Cookie and Accept-Language, which a worker's requests lack

const isModelFile = (url) => /^\/api\/v1\/models\/\d+\/files\//.test(url.pathname) && url.searchParams.has("sha256");
const isModelInfo = (url) => url.pathname === "/api/v1/edge/model/";
const isPage = (url) => url.pathname.startsWith("/edge/") && url.pathname !== "/edge/sw.js";
const isStatic = (url) => url.pathname.startsWith("/static/");
const kept = (url) => url.origin === self.location.origin && (isModelFile(url) || isModelInfo(url) || isPage(url) || isStatic(url));
// a complete same-origin answer (not an error page, not a redirect to the login page)
const cacheable = (response) => response && response.ok && response.type === "basic" && !response.redirected;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith("eduai-edge-v") && name !== CACHE).map((name) => caches.delete(name)));
    await self.clients.claim(); // the page that registered us is controlled at once, without a reload
  })());
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (cacheable(response)) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, MATCH)
      || (request.mode === "navigate" ? await cache.match(request, { ...MATCH, ignoreSearch: true }) : undefined);
    if (cached) return cached;
    throw error;
  }
}

const sameFile = (a, b) => {
  const tag = (response) => response.headers.get("ETag") || response.headers.get("Last-Modified");
  return Boolean(tag(a)) && tag(a) === tag(b) && a.headers.get("Content-Length") === b.headers.get("Content-Length");
};

// Asks the server whether the saved copy is still current (a 304 carries no body), so onnxruntime-web's 14 MB wasm
// is not downloaded again on every visit; the browser's own HTTP cache may not keep a file that large.
function revalidate(request, cached) {
  if (!cached) return fetch(request);
  const headers = {};
  if (cached.headers.get("ETag")) headers["If-None-Match"] = cached.headers.get("ETag");
  if (cached.headers.get("Last-Modified")) headers["If-Modified-Since"] = cached.headers.get("Last-Modified");
  if (!Object.keys(headers).length) return fetch(request);
  return fetch(request.url, { headers, cache: "no-store", credentials: "same-origin" });
}

async function staleWhileRevalidate(event, request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, MATCH);
  const refresh = revalidate(request, cached).then(async (response) => {
    if (response.status === 304) return cached;
    if (cacheable(response) && !(cached && sameFile(cached, response))) await cache.put(request, response.clone());
    return response;
  });
  if (!cached) return refresh;
  event.waitUntil(refresh.catch(() => undefined)); // offline: the cached copy is all there is
  return cached;
}

// edge.js stores the model file it fetched itself (it reads the body for its progress bar); when it could not,
// the page's precache message stores it here
async function cacheFirst(request) {
  return (await caches.match(request, MATCH)) || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname === "/edge/sw.js") return;
  if (isModelFile(url)) event.respondWith(cacheFirst(request));
  else if (request.mode === "navigate" || isPage(url) || isModelInfo(url)) event.respondWith(networkFirst(request));
  else if (isStatic(url)) event.respondWith(staleWhileRevalidate(event, request));
});

// The URLs the page used before this worker controlled it: stored unless already here.
async function precache(urls) {
  const counts = { added: 0, kept: 0, failed: 0 };
  const pages = await caches.open(CACHE);
  for (const href of new Set(urls)) {
    let url;
    try {
      url = new URL(href, self.location.origin);
    } catch {
      continue;
    }
    if (!kept(url)) continue;
    url.hash = "";
    if (await caches.match(url.href, MATCH)) {
      counts.kept += 1;
      continue;
    }
    try {
      const response = await fetch(url.href, { credentials: "same-origin" });
      if (!cacheable(response)) throw new Error(String(response.status));
      await (isModelFile(url) ? await caches.open(MODELS) : pages).put(url.href, response);
      counts.added += 1;
    } catch {
      counts.failed += 1;
    }
  }
  return counts;
}

self.addEventListener("message", (event) => {
  if (event.data?.type !== "precache") return;
  const port = event.ports[0];
  event.waitUntil(precache(event.data.urls || []).then(
    (counts) => port?.postMessage({ ok: counts.failed === 0, ...counts }),
    (error) => port?.postMessage({ ok: false, error: String(error) }),
  ));
});
