// Numbers and dates as the page's language writes them ("0,5" in Spanish, "0.5" in English).
// Every number a user reads goes through here; toFixed() is only for CSS values.
import { format } from "./dom.js";

/** The page's language ("es" or "en"), for Intl and for Chart.js's `locale` option. */
export const language = () => document.documentElement.lang || "es";

function numberFormat(options) {
  return new Intl.NumberFormat(language(), options);
}

/** 0.873 -> "87,3 %" (es) / "87.3%" (en). */
export function percent(value, digits = 1) {
  return numberFormat({ style: "percent", maximumFractionDigits: digits }).format(value);
}

/** 1234.5 -> "1234,5" (es) / "1,234.5" (en), at most `digits` decimals. */
export function number(value, digits = 2) {
  return numberFormat({ maximumFractionDigits: digits }).format(value);
}

/** Logits with their sign: 0.43 -> "+0,43" (es) / "+0.43" (en). */
export const logits = (value) => `${value > 0 ? "+" : ""}${number(value, 2)}`;

/** The page's language's name of something the API names in both (tags, what a heatmap explains). */
export const localized = (item) => (language() === "en" ? item.label_en : item.label_es);

/** A duration in milliseconds, one decimal; with a template such as "%(value)s ms", the unit too. */
export function milliseconds(value, template = null) {
  const text = number(value, 1);
  return template ? format(template, { value: text }) : text;
}

/** A size in bytes as megabytes (10^6 bytes), two decimals; with a template such as "%(value)s MB", the unit too. */
export function megabytes(bytes, template = null) {
  const text = number(bytes / 1e6, 2);
  return template ? format(template, { value: text }) : text;
}

/** An ISO 8601 time (the server writes UTC) in the visitor's time zone: "05/03/2025, 14:07". */
export function localDateTime(isoString) {
  return new Intl.DateTimeFormat(language(), {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).format(new Date(isoString));
}
