// Widget "time-machine": a run's probe photos with the model's answer and heatmap after each epoch, on an epoch
// slider synced to the run's loss and accuracy curves (lib/time_machine.js, shared with the run page).
import { chartLibrary } from "../lib/charts.js";
import { mountTimeMachine } from "../lib/time_machine.js";
import { loadData, ready, runLine } from "../lib/widget_parts.js";

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (data) {
    await chartLibrary();
    element.replaceChildren(runLine(data.summary, context.strings));
    mountTimeMachine(element, data, context.strings);
  }
  ready(element);
}
