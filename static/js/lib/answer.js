// The answer students see, from one picture's model outputs and the version's signature: the JavaScript twin of
// ml_models/core/answer.py (answer, decide, explained_classes), tags.py (tags_for) and cam.py (evidence_map,
// per_photo_scale, colorize, heatmap_png). `tables` is /edge/answer-data.json (edge/answer_data.py): the
// ImageNet names and groups and the heatmap's colours come from Python, never from a copy here.
// tests/fixtures/answer_cases.json holds outputs and Python's answers; tests/test_edge_js_browser.py checks this
// module gives the same ones.
import { FILTERS, resizeFloatLikePillow } from "./pixels.js";

/** Class indices of inclusive [first, last] runs (contract.indices). */
export function indices(runs) {
  const out = [];
  for (const [first, last] of runs) for (let i = first; i <= last; i += 1) out.push(i);
  return out;
}

function mass(data, classes) {
  let total = 0;
  for (const index of classes) total += data[index];
  return total;
}

const clip01 = (value) => Math.min(1, Math.max(0, value));

/** Cat, dog or unusual by the signature's decision rule: {label, cat, dog, unusual_score, unusual_threshold}
 * (answer.decide; `outputs` = {name: {dims, data}} without the batch axis). */
export function decide(outputs, signature, tables) {
  const { labels } = tables;
  const decision = signature.decision;
  const probabilities = outputs[decision.output].data;
  const catMass = mass(probabilities, indices(decision.classes[labels.cat]));
  const dogMass = mass(probabilities, indices(decision.classes[labels.dog]));
  const cat = catMass + dogMass > 0 ? catMass / (catMass + dogMass) : 0.5;
  const unusual = decision.unusual;
  const score = clip01(1.0 - mass(outputs[unusual.output].data, indices(unusual.classes)));
  const threshold = Number(unusual.threshold);
  const label = score >= threshold ? labels.unusual : cat >= 0.5 ? labels.cat : labels.dog;
  return { label, cat, dog: 1.0 - cat, unusual_score: score, unusual_threshold: threshold };
}

const groupLabel = (group) => ({ tag: group.tag, label_es: group.label_es, label_en: group.label_en });
const classLabel = (tables, index) => {
  const entry = tables.classes[index];
  return { tag: entry.tag, label_es: entry.label_es, label_en: entry.label_en };
};

/** ASCII slug like tags._slug: "Niño pequeño" -> "nino-pequeno". */
export const slug = (text) => text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase()
  .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");

/** A trained model's class name in both languages when it is one of the ImageNet groups (tags.name_label). */
export function nameLabel(name, tables) {
  const group = tables.groups.find((entry) => entry.tag === name);
  return group ? groupLabel(group) : { tag: slug(name), label_es: name, label_en: name };
}

function groupMasses(probabilities, tables) {
  const masses = new Float64Array(tables.groups.length);
  tables.classes.forEach((entry, index) => { masses[entry.group] += probabilities[index]; });
  return masses;
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i += 1) if (values[i] > values[best]) best = i;
  return best;
}

// the `count` largest values' indices, largest first (ties: the lower index first)
function topIndices(values, count) {
  const top = [];
  for (let i = 0; i < values.length; i += 1) {
    if (top.length === count && values[i] <= values[top[top.length - 1]]) continue;
    let at = top.length;
    while (at > 0 && values[i] > values[top[at - 1]]) at -= 1;
    top.splice(at, 0, i);
    if (top.length > count) top.pop();
  }
  return top;
}

/** {tags, agree} for one picture's ImageNet probabilities (tags.tags_for): groups holding at least
 * min_group_confidence, up to max_class_tags classes of at least min_class_confidence, most confident first,
 * the verdict's group first when the verdict is cat or dog; `agree`: the likeliest group is the verdict. */
export function tagsFor(probabilities, { verdict, min_group_confidence: minGroup, min_class_confidence: minClass,
  max_class_tags: maxClasses }, tables) {
  const source = tables.tag_source;
  const masses = groupMasses(probabilities, tables);
  const groups = [];
  tables.groups.forEach((group, index) => {
    if (masses[index] >= minGroup || group.tag === verdict) {
      groups.push({ ...groupLabel(group), kind: "group", source, confidence: masses[index] });
    }
  });
  const classes = [];
  for (const index of topIndices(probabilities, maxClasses)) {
    const confidence = probabilities[index];
    if (confidence < minClass) break;
    classes.push({ ...classLabel(tables, index), kind: "class", source, imagenet_index: index, confidence });
  }
  const byConfidence = [...groups, ...classes].sort((a, b) => b.confidence - a.confidence); // stable, as Python's
  const isGroup = tables.groups.some((group) => group.tag === verdict);
  const tags = isGroup
    ? byConfidence.sort((a, b) => Number(!(a.kind === "group" && a.tag === verdict)) - Number(!(b.kind === "group" && b.tag === verdict)))
    : byConfidence;
  const agree = !isGroup || tables.groups[argmax(masses)].tag === verdict;
  return { tags, agree };
}

/** [towards, against, explained, against label] for this verdict (answer.explained_classes). */
export function explainedClasses(verdict, probabilities, signature, tables) {
  const { labels } = tables;
  const groups = signature.decision.classes;
  if (verdict.label === labels.unusual && signature.class_names === tables.imagenet_classes) {
    const top = argmax(probabilities);
    const others = [];
    for (let i = 0; i < probabilities.length; i += 1) if (i !== top) others.push(i);
    return [[top], others, classLabel(tables, top), { ...tables.other_imagenet_classes }];
  }
  const winner = verdict.label !== labels.unusual ? verdict.label : verdict.cat >= 0.5 ? labels.cat : labels.dog;
  const loser = winner === labels.cat ? labels.dog : labels.cat;
  return [indices(groups[winner]), indices(groups[loser]), nameLabel(winner, tables), nameLabel(loser, tables)];
}

function weightsOf(probabilities, classes) {
  let weights = classes.map((index) => probabilities[index]);
  let total = weights.reduce((sum, w) => sum + w, 0);
  if (total <= 0) { // no probability at all on the group: weigh its classes equally
    weights = classes.map(() => 1);
    total = classes.length;
  }
  return weights.map((w) => w / total);
}

/** (H, W, K) class maps -> {height, width, data: Float32Array (H*W)}: each cell's share, in logits, of the
 * log-odds of `towards` against `against` (cam.evidence_map). */
export function evidenceMap(classMaps, probabilities, towards, against) {
  const [height, width, channels] = classMaps.dims;
  const maps = classMaps.data;
  const forWeights = weightsOf(probabilities, towards);
  const againstWeights = weightsOf(probabilities, against);
  const cells = height * width;
  const data = new Float32Array(cells);
  for (let cell = 0; cell < cells; cell += 1) {
    const base = cell * channels;
    let plus = 0;
    for (let i = 0; i < towards.length; i += 1) plus += maps[base + towards[i]] * forWeights[i];
    let minus = 0;
    for (let i = 0; i < against.length; i += 1) minus += maps[base + against[i]] * againstWeights[i];
    data[cell] = (plus - minus) / cells;
  }
  return { height, width, data };
}

/** The evidence for the answer in [0, 1], divided by this photo's largest value, negative cut to 0
 * (cam.per_photo_scale; float32 like Python's). */
export function perPhotoScale(evidence) {
  const positive = evidence.data.map((value) => Math.max(value, 0));
  const top = positive.reduce((best, value) => Math.max(best, value), 0);
  return { height: evidence.height, width: evidence.width, data: top > 0 ? positive.map((value) => value / top) : positive };
}

// numpy rounds halves to even
function roundHalfEven(value) {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Values in [0, 1] -> RGB bytes (3 per value) on the heatmap ramp (cam.colorize). */
export function colorize(values, ramp) {
  const stops = ramp.length - 1;
  const out = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i += 1) {
    const position = Math.fround(clip01(values[i]) * stops);
    const low = Math.min(stops - 1, Math.max(0, Math.floor(position)));
    const fraction = position - low;
    for (let c = 0; c < 3; c += 1) {
      out[i * 3 + c] = roundHalfEven(ramp[low][c] * (1 - fraction) + ramp[low + 1][c] * fraction);
    }
  }
  return out;
}

/** The whole answer for one picture's outputs (answer.answer), with the numbers Python gives:
 * {label, probabilities: {cat, dog}, unusual_score, unusual_threshold, distribution: {cat, dog, neither}, tags,
 *  tags_agree, evidence: {height, width, data}, cam: {height, width, data, style}, explained, against}. */
export function answer(outputs, signature, tables) {
  const verdict = decide(outputs, signature, tables);
  const tagRule = signature.tags;
  const { tags, agree } = tagsFor(outputs[tagRule.output].data, { ...tagRule, verdict: verdict.label }, tables);
  const camRule = signature.cam;
  const probabilities = outputs[camRule.classes_of].data;
  const [towards, against, explained, againstLabel] = explainedClasses(verdict, probabilities, signature, tables);
  const evidence = evidenceMap(outputs[camRule.output], probabilities, towards, against);
  const pet = 1.0 - verdict.unusual_score;
  return {
    label: verdict.label,
    probabilities: { cat: verdict.cat, dog: verdict.dog },
    unusual_score: verdict.unusual_score,
    unusual_threshold: verdict.unusual_threshold,
    distribution: { cat: verdict.cat * pet, dog: verdict.dog * pet, neither: verdict.unusual_score },
    tags,
    tags_agree: agree,
    evidence,
    cam: { ...perPhotoScale(evidence), style: tables.cam },
    explained,
    against: againstLabel,
  };
}

/** The heatmap's RGBA pixels as cam.heatmap_png makes them: the grid upsampled smoothly (Pillow's bicubic) to
 * the photo's aspect ratio, at most `maxSide` pixels, on the ramp, transparent where 0.
 * -> {width, height, rgba: Uint8ClampedArray}. */
export function overlayPixels(cam, { width, height, maxSide = null, style = cam.style } = {}) {
  const side = maxSide ?? style.overlay_max_side;
  const scale = Math.min(1.0, side / Math.max(width, height));
  const targetWidth = Math.max(1, roundHalfEven(width * scale));
  const targetHeight = Math.max(1, roundHalfEven(height * scale));
  const smooth = resizeFloatLikePillow(cam.data, cam.width, cam.height, targetWidth, targetHeight, FILTERS.bicubic)
    .map(clip01);
  const rgb = colorize(smooth, style.ramp);
  const alpha = Math.fround(style.max_alpha);
  const rgba = new Uint8ClampedArray(targetWidth * targetHeight * 4);
  for (let i = 0; i < smooth.length; i += 1) {
    rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = roundHalfEven(Math.fround(Math.fround(smooth[i] * alpha) * 255));
  }
  return { width: targetWidth, height: targetHeight, rgba };
}

/** Draws the heatmap of `cam` (answer(...).cam) on `canvas`, sized like the PNG the server makes for a photo of
 * width x height; CSS stretches the canvas over the photo. Returns {width, height} of the canvas. */
export function drawOverlay(canvas, cam, { width, height, maxSide = null } = {}) {
  const pixels = overlayPixels(cam, { width, height, maxSide });
  canvas.width = pixels.width;
  canvas.height = pixels.height;
  canvas.getContext("2d").putImageData(new ImageData(pixels.rgba, pixels.width, pixels.height), 0, 0);
  return { width: pixels.width, height: pixels.height };
}
