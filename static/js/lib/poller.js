// One poller for every background job (training runs, learning curves, augmentation previews).
import { apiFetch } from "./api.js";

// Answers that may change if we ask again: offline, a busy or restarting server, a proxy's page.
const transient = (error) => error.status === 0 || error.status === 408 || error.status === 429
  || error.status >= 500 || error.code === "not_json";

/** Fetches `url` now and then every `intervalMs` until `onUpdate(body)` returns true (finished).
 * A failed fetch is retried at the next tick; an answer that asking again cannot change (a 4xx:
 * not found, not allowed, logged out) ends the polling and rejects `done` with its ApiError.
 * Returns { done, stop }: `done` resolves with the last body; `stop()` ends it early. */
export function poll(url, { onUpdate, intervalMs = 2000 }) {
  let timer = null;
  let stopped = false;
  let last = null;
  let settle;
  let fail;
  const done = new Promise((resolve, reject) => { settle = resolve; fail = reject; });

  async function tick() {
    timer = null;
    try {
      last = await apiFetch(url);
      if (stopped) return;
      if (onUpdate(last)) {
        stopped = true;
        settle(last);
        return;
      }
    } catch (error) {
      if (stopped) return;
      if (!transient(error)) {
        stopped = true;
        fail(error);
        return;
      }
    }
    timer = setTimeout(tick, intervalMs);
  }

  function stop() {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    settle(last);
  }

  tick();
  return { done, stop };
}
