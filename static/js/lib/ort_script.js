// onnxruntime-web's script (the global `ort` edge.js runs the model with) for pages that do not load it
// themselves (the lesson and look-inside pages): added once, from the app's own static files, beside its wasm.
const ORT_URL = new URL("../../vendor/onnxruntime-web/ort.wasm.min.js", import.meta.url).href;
let loading = null;

/** Resolves once `globalThis.ort` exists; rejects when the script cannot be loaded. */
export function loadOrt() {
  if (globalThis.ort) return Promise.resolve(globalThis.ort);
  loading ||= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = ORT_URL;
    script.onload = () => (globalThis.ort ? resolve(globalThis.ort) : reject(new Error("onnxruntime-web")));
    script.onerror = () => {
      loading = null;
      script.remove();
      reject(new Error("onnxruntime-web"));
    };
    document.head.append(script);
  });
  return loading;
}
