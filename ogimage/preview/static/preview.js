// ogimage preview: plain JavaScript, no build step, no outside request.
// Every card is drawn by the service itself: <img src="/api/og/..."> and /api/layout.
"use strict";

const FIELDS = ["title", "description", "site", "author", "date", "tags", "lang"];
const DEBOUNCE_MS = 250;
const POLL_MS = 1000;
const SAMPLES = [
  ["ja", "ja 日本語", "日本語の見出しは文節で改行され、約物の禁則も守られます"],
  ["zh-Hans", "zh 中文", "中文标题按词语换行，标点符号遵守避头尾规则"],
  ["ko", "ko 한국어", "한국어 제목은 띄어쓰기 단위로 줄을 바꿉니다"],
  ["en", "en", "How we made Open Graph cards fast, pretty and correct"],
  ["ar", "ar العربية", "العناوين العربية تُكتب من اليمين إلى اليسار بخط واضح"],
  ["he", "he עברית", "כותרות בעברית נכתבות מימין לשמאל"],
  ["th", "th ไทย", "ภาษาไทยตัดคำโดยไม่มีช่องว่างระหว่างคำ"],
  ["en", "very long", "A very long title that keeps going well past what any card can hold, so the fitting step " +
    "shrinks it to the smallest size it allows, lets it grow into the space of an empty description, and then " +
    "still cuts it with an ellipsis at a break point, never inside a word and never after an article"],
  ["", "emoji", "Launch day 🚀 emoji drawn in colour 👩‍💻🇯🇵✨"],
];

const $ = (sel, root = document) => root.querySelector(sel);
const form = $("#fields");
const ui = { card: $("#card"), overlay: $("#overlay"), viewport: $("#viewport"), grid: $("#grid"),
  platforms: $("#platforms"), warnings: $("#warnings"), cardError: $("#card-error"),
  reloadError: $("#reload-error"), toast: $("#toast"), download: $("#download") };
const state = { templates: [], platforms: [], generation: null, reload: false, urls: null, layout: null,
  overlay: false, zoom: "fit", timer: 0, controller: null, seq: 0 };

function fieldValues() {
  const out = {};
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (value) out[name] = value;
  }
  return out;
}

function currentTemplate() { return form.elements.template.value || "default"; }
function domain() { return form.elements.domain.value.trim() || "example.com"; }
function templateInfo(name) {
  return state.templates.find((t) => t.name === name) || { width: 1200, height: 630, name };
}

// -- the page's state lives in its URL ------------------------------------------

function readUrl() {
  const params = new URLSearchParams(location.search);
  for (const name of [...FIELDS, "domain"]) {
    if (params.has(name)) form.elements[name].value = params.get(name);
  }
  if (params.has("template")) form.elements.template.dataset.want = params.get("template");
  state.overlay = params.get("overlay") === "1";
  state.zoom = params.get("zoom") === "100" ? "100" : "fit";
}

function writeUrl() {
  const params = new URLSearchParams({ template: currentTemplate(), ...fieldValues() });
  if (domain() !== "example.com") params.set("domain", domain());
  if (state.overlay) params.set("overlay", "1");
  if (state.zoom !== "fit") params.set("zoom", state.zoom);
  history.replaceState(null, "", `${location.pathname}?${params}`);
}

// -- talking to the service --------------------------------------------------------

async function getJson(url, signal) {
  const response = await fetch(url, { signal, cache: "no-store", headers: { accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) {
    const err = body && body.error ? body.error : { reason: response.statusText };
    throw Object.assign(new Error(err.reason), { field: err.field, status: response.status });
  }
  return body;
}

function cardUrlsFor(template, fields, signal) {
  return getJson(`/preview/api/card/${encodeURIComponent(template)}?${new URLSearchParams(fields)}`, signal);
}

async function loadState() {
  const body = await getJson("/preview/api/state");
  state.templates = body.templates;
  state.platforms = body.platforms;
  state.reload = body.reload;
  showReloadError(body.error);
  const changed = state.generation !== body.generation;
  state.generation = body.generation;
  document.body.dataset.generation = body.generation;
  fillTemplates();
  return changed;
}

function fillTemplates() {
  const select = form.elements.template;
  const want = select.dataset.want || select.value || "default";
  delete select.dataset.want;
  select.replaceChildren(...state.templates.map((t) => new Option(t.name, t.name)));
  const names = state.templates.map((t) => t.name);
  select.value = names.includes(want) ? want : names.includes("default") ? "default" : names[0] || "";
}

function showReloadError(message) {
  ui.reloadError.hidden = !message;
  ui.reloadError.textContent = message
    ? `Reload failed; still serving the last good version.\n${message}` : "";
}

// -- updating everything after an edit ---------------------------------------------

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(update, DEBOUNCE_MS);
}

async function update() {
  if (state.controller) state.controller.abort(); // cancel the stale requests
  const controller = state.controller = new AbortController();
  const seq = ++state.seq;
  const template = currentTemplate();
  const fields = fieldValues();
  writeUrl();
  if (!fields.title) { showCardError({ field: "title", message: "is required" }); return; }
  try {
    const urls = await cardUrlsFor(template, fields, controller.signal);
    if (seq !== state.seq) return;
    showCardError(null);
    state.urls = urls;
    setCard(urls, template);
    updatePlatforms(fields);
    updateGrid(fields, template, controller.signal);
    const layout = await getJson(urls.layout, controller.signal);
    if (seq !== state.seq) return;
    state.layout = layout;
    showWarnings(layout);
    drawOverlay();
  } catch (err) {
    if (err.name !== "AbortError" && seq === state.seq) showCardError(err);
  }
}

function showCardError(err) {
  ui.cardError.hidden = !err;
  ui.cardError.textContent = err ? `${err.field ? err.field + ": " : ""}${err.message}` : "";
}

function setCard(urls, template) {
  if (ui.card.getAttribute("src") !== urls.image) ui.card.src = urls.image;
  ui.card.alt = altText();
  ui.card.dataset.template = template;
  ui.download.href = urls.image;
  ui.download.download = `${template}.png`;
  const info = templateInfo(template);
  ui.overlay.setAttribute("viewBox", `0 0 ${info.width} ${info.height}`);
  for (const img of ui.platforms.querySelectorAll("img")) {
    if (img.getAttribute("src") !== urls.image) img.src = urls.image;
  }
}

function showWarnings(layout) {
  const badges = [];
  for (const [name, box] of Object.entries(layout.boxes)) {
    if (box.truncated) badges.push(`${name} truncated (at ${box.font_size}px)`);
  }
  const missing = layout.missing_glyphs || [];
  if (missing.length) {
    const chars = missing.map((c) => `${c} U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
    badges.push(`missing glyphs: ${chars.join(", ")}`);
  }
  ui.warnings.replaceChildren(...badges.map((text) => {
    const span = document.createElement("span");
    span.className = "badge";
    span.textContent = `⚠ ${text}`;
    return span;
  }));
  ui.warnings.hidden = badges.length === 0;
}

// -- the grid: one title on every template -------------------------------------------

function updateGrid(fields, current, signal) {
  const figures = new Map([...ui.grid.children].map((f) => [f.dataset.template, f]));
  const wanted = state.templates.map((t) => t.name);
  for (const [name, fig] of figures) if (!wanted.includes(name)) fig.remove();
  for (const name of wanted) {
    let fig = figures.get(name);
    if (!fig) {
      fig = document.createElement("figure");
      fig.dataset.template = name;
      fig.innerHTML = `<img alt=""><figcaption></figcaption>`;
      fig.querySelector("figcaption").textContent = name;
      fig.addEventListener("click", () => { form.elements.template.value = name; update(); });
      ui.grid.append(fig);
    }
    fig.classList.toggle("current", name === current);
    cardUrlsFor(name, fields, signal).then((urls) => {
      const img = fig.querySelector("img");
      if (img.getAttribute("src") !== urls.image) img.src = urls.image;
      img.alt = `${name}: ${fields.title}`;
    }).catch(() => {});
  }
}

// -- copy, zoom, samples -----------------------------------------------------------------

function absolute(path) { return new URL(path, location.origin).href; }

function altText() {
  const f = fieldValues();
  return [f.title, f.description].filter(Boolean).join(" — ");
}

function metaTags() {
  const url = absolute(state.urls.share);
  const info = templateInfo(currentTemplate());
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return [
    `<meta property="og:image" content="${esc(url)}">`,
    `<meta property="og:image:width" content="${info.width}">`,
    `<meta property="og:image:height" content="${info.height}">`,
    `<meta property="og:image:type" content="image/png">`,
    `<meta property="og:image:alt" content="${esc(altText())}">`,
    `<meta name="twitter:card" content="summary_large_image">`,
    `<meta name="twitter:image" content="${esc(url)}">`,
  ].join("\n");
}

async function copy(kind) {
  if (!state.urls) return;
  const text = kind === "url" ? absolute(state.urls.share) : kind === "meta" ? metaTags() : altText();
  document.body.dataset.copied = text;
  try {
    await navigator.clipboard.writeText(text);
    toast("Copied");
  } catch {
    const area = el("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    toast(ok ? "Copied" : "Copy failed: select and copy by hand");
  }
}

function toast(text) {
  ui.toast.textContent = text;
  setTimeout(() => { if (ui.toast.textContent === text) ui.toast.textContent = ""; }, 1500);
}

function setZoom(zoom) {
  state.zoom = zoom;
  ui.viewport.classList.toggle("fit", zoom === "fit");
  ui.viewport.classList.toggle("actual", zoom !== "fit");
  for (const b of document.querySelectorAll("[data-zoom]")) b.setAttribute("aria-pressed", String(b.dataset.zoom === zoom));
  writeUrl();
}

function buildSamples() {
  $("#samples").replaceChildren(...SAMPLES.map(([lang, name, title]) => {
    const b = el("button", "", name);
    b.type = "button";
    b.dataset.sample = name;
    b.title = title;
    b.addEventListener("click", () => {
      form.elements.title.value = title;
      form.elements.lang.value = lang;
      update();
    });
    return b;
  }));
}

// -- development: follow `ogimage serve --reload` ----------------------------------------

function poll() {
  setTimeout(async () => {
    try {
      if (await loadState()) update();
    } catch { /* server restarting: try again */ }
    poll();
  }, POLL_MS);
}

async function start() {
  buildSamples();
  readUrl();
  await loadState();
  $("#overlay-toggle").checked = state.overlay;
  setZoom(state.zoom);
  form.addEventListener("input", schedule);
  form.elements.template.addEventListener("change", update);
  $("#overlay-toggle").addEventListener("change", (e) => { state.overlay = e.target.checked; drawOverlay(); writeUrl(); });
  for (const b of document.querySelectorAll("[data-zoom]")) b.addEventListener("click", () => setZoom(b.dataset.zoom));
  for (const b of document.querySelectorAll("[data-copy]")) b.addEventListener("click", () => copy(b.dataset.copy));
  await update();
  if (state.reload) poll();
}

start();
