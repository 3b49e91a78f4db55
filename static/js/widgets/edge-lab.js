// Widget "edge-lab": the compression lab (lib/edge_lab.js) inside a lesson, on the reader's current class's model
// running in their browser. Its data (edge.widget_data.edge_context) holds the same addresses as the /edge/ page:
// {model_info_url, class_id, test_set_url, server_answers_url, device_measurements_url, ...}.
import { mountLab } from "../lib/edge_lab.js";
import { loadData, ready, showMessage } from "../lib/widget_parts.js";

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (!data) return;
  const { strings } = context;
  if (typeof WebAssembly === "undefined") {
    showMessage(element, strings.lab_error, "danger");
    return;
  }
  const [{ createEdge }, { loadOrt }] = await Promise.all([import("../lib/edge.js"), import("../lib/ort_script.js")]);
  const lab = await mountLab(element, {
    edge: loadOrt().then(() => createEdge({ modelInfoUrl: data.model_info_url })),
    strings,
    testSetUrl: data.test_set_url,
    serverAnswersUrl: data.server_answers_url,
    deviceMeasurementsUrl: data.device_measurements_url,
    classId: data.class_id ?? context.classId,
  });
  if (!lab) element.dataset.state = "error";
  ready(element);
}
