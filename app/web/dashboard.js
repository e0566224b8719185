// recotrack dashboard: every number on the page comes from the JSON API with the same filters.
"use strict";

const STATUSES = [
  ["unassessed", "#98a2b3"], ["not_started", "#f97066"], ["in_progress", "#fdb022"],
  ["partially_implemented", "#84caff"], ["implemented", "#12b76a"],
  ["not_implemented", "#912018"], ["superseded", "#6941c6"],
];
const COLOR = Object.fromEntries(STATUSES);
const label = (status) => status.replaceAll("_", " ");
const $ = (selector) => document.querySelector(selector);
const PAGE = 50;
let offset = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "style") node.style.cssText = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function api(path, params) {
  const url = new URL(path, location.origin);
  for (const [key, value] of params) url.searchParams.append(key, value);
  const response = await fetch(url, { headers: { accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

function filters() {
  const params = [];
  for (const name of ["q", "status", "actor", "document", "as_of"]) {
    const value = $("#" + name).value.trim();
    if (value) params.push([name, value]);
  }
  return params;
}

function pill(status) {
  return el("span", { class: "pill", style: `--swatch:${COLOR[status]}` }, label(status));
}

// A snippet is stored text with matches wrapped in <mark>: build nodes, never parse HTML.
function highlighted(snippet) {
  const out = document.createDocumentFragment();
  snippet.split(/(<mark>.*?<\/mark>)/s).forEach((part) => {
    const m = part.match(/^<mark>(.*)<\/mark>$/s);
    out.append(m ? el("mark", {}, m[1]) : document.createTextNode(part));
  });
  return out;
}

function renderTotals(stats) {
  $("#total").textContent = `${stats.total} recommendations`;
  $("#totals").replaceChildren(...STATUSES.map(([status, color]) =>
    el("div", { class: "card", style: `--swatch:${color}`, "data-status": status },
      el("b", {}, String(stats.counts[status] ?? 0)), label(status))));
}

function renderActors(stats) {
  const head = el("tr", {}, el("th", {}, "Addressee"), el("th", { class: "num" }, "total"),
    ...STATUSES.map(([s]) => el("th", { class: "num" }, label(s))),
    el("th", { class: "num", title: "implemented / assessed" }, "% implemented"));
  $("#actors thead").replaceChildren(head);
  $("#actors tbody").replaceChildren(...stats.rows.map((row) => el("tr", {},
    el("td", {}, row.key ? row.key.name : "(no addressee)"),
    el("td", { class: "num" }, String(row.total)),
    ...STATUSES.map(([s]) => el("td", { class: "num" }, String(row.counts[s]))),
    el("td", { class: "num" }, row.implemented_share == null ? "–"
      : `${Math.round(row.implemented_share * 100)}%`))));
}

function renderTimeline(timeline) {
  const periods = timeline.periods;
  const box = $("#timeline");
  if (!periods.length) { box.replaceChildren("No data yet."); return; }
  const ns = "http://www.w3.org/2000/svg";
  const width = 900, height = 240, pad = 28, band = (width - pad) / periods.length;
  const max = Math.max(1, ...periods.map((p) => p.total));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height + 20}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Recommendations by status at the end of each period");
  periods.forEach((period, i) => {
    let y = height;
    for (const [status, color] of STATUSES) {
      const n = period.counts[status];
      if (!n) continue;
      const h = (n / max) * (height - 10);
      y -= h;
      const rect = document.createElementNS(ns, "rect");
      Object.entries({ x: pad + i * band + 2, y, width: Math.max(1, band - 4), height: h,
        fill: color, "data-status": status, "data-count": n }).forEach(([k, v]) => rect.setAttribute(k, v));
      const title = document.createElementNS(ns, "title");
      title.textContent = `${period.period}: ${n} ${label(status)}`;
      rect.append(title);
      svg.append(rect);
    }
    if (periods.length <= 24 || i % Math.ceil(periods.length / 24) === 0) {
      const text = document.createElementNS(ns, "text");
      text.setAttribute("x", pad + i * band + band / 2);
      text.setAttribute("y", height + 14);
      text.setAttribute("text-anchor", "middle");
      text.textContent = period.period;
      svg.append(text);
    }
  });
  const axis = document.createElementNS(ns, "text");
  axis.setAttribute("x", 0); axis.setAttribute("y", 12);
  axis.textContent = String(max);
  svg.append(axis);
  const legend = el("div", { class: "legend" },
    ...STATUSES.map(([s, c]) => el("span", {}, el("i", { style: `background:${c}` }), label(s))));
  box.replaceChildren(svg, legend);
}

function resultRow(item) {
  const quote = el("td", { class: "quote" },
    item.snippet ? highlighted(item.snippet) : item.text);
  if (item.source_start != null) {
    const href = `/documents/${item.document.id}?start=${item.source_start}&end=${item.source_end}#quote`;
    quote.append(" ", el("a", { href, title: "See it in its source" }, "source ↗"));
  }
  return el("tr", { "data-id": item.id },
    el("td", {}, item.document.title, el("div", { class: "muted" },
      item.document.published_on ? item.document.published_on.slice(0, 4) : "undated")),
    el("td", {}, item.label ?? ""),
    el("td", { title: item.addressee_raw ?? "" }, addressee(item)),
    quote,
    el("td", {}, pill(item.status)));
}

function addressee(item) {
  const names = item.actors.map((a) => a.name).join(", ");
  const raw = item.addressee_raw ?? "";
  // A long lead-in paragraph is not a heading: show who it names instead.
  return raw && raw.length <= 90 ? raw : names || raw.slice(0, 90) + "…";
}

async function loadResults(append) {
  const params = [...filters(), ["limit", PAGE], ["offset", offset]];
  const page = await api("/api/v1/recommendations", params);
  const rows = page.items.map(resultRow);
  if (append) $("#results tbody").append(...rows);
  else $("#results tbody").replaceChildren(...rows);
  $("#results-count").textContent = `${page.total} found`;
  $("#more").hidden = offset + PAGE >= page.total;
}

async function refresh() {
  $("#error").hidden = true;
  offset = 0;
  const params = filters();
  try {
    const [byStatus, byActor, timeline] = await Promise.all([
      api("/api/v1/stats", [...params, ["by", "status"]]),
      api("/api/v1/stats", [...params, ["by", "actor"], ["rollup", "true"]]),
      api("/api/v1/stats/timeline", [...params, ["interval", "year"]]),
      loadResults(false),
    ]);
    renderTotals(byStatus);
    renderActors(byActor);
    renderTimeline(timeline);
    document.body.dataset.loaded = "true";
  } catch (error) {
    $("#error").textContent = error.message;
    $("#error").hidden = false;
  }
}

async function fillChoices() {
  STATUSES.forEach(([s]) => $("#status").append(el("option", { value: s }, label(s))));
  const [actors, documents] = await Promise.all([
    api("/api/v1/actors", [["limit", 500]]), api("/api/v1/documents", [["limit", 500], ["sort", "published_on"]]),
  ]);
  actors.items.forEach((a) => $("#actor").append(el("option", { value: a.id }, a.name)));
  documents.items.forEach((d) => $("#document").append(
    el("option", { value: d.slug }, `${d.published_on ? d.published_on.slice(0, 4) + " · " : ""}${d.title}`)));
}

$("#filters").addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
$("#filters").addEventListener("reset", () => setTimeout(refresh));
$("#more").addEventListener("click", () => { offset += PAGE; loadResults(true); });
fillChoices().catch(() => {}).finally(refresh);
