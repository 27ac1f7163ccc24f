// ogimage preview: the platform mock-ups and the overlay (loaded before preview.js, whose
// globals `state`, `ui`, `$`, `domain`, `altText`, `currentTemplate` and `templateInfo`
// these functions use when they are called). Crop rules come from /preview/api/state,
// which reads ogimage/preview/platforms.toml.
"use strict";

// -- platform mock-ups -------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function frame(view, aspect, withDomain) {
  const box = el("div", "frame");
  box.style.width = `${view.width}px`;
  box.style.aspectRatio = String(view.aspect || aspect);
  box.style.borderRadius = `${view.radius || 0}px`;
  box.append(el("img"));
  if (withDomain) box.append(el("span", "domain", domain()));
  return box;
}

function renderView(view, aspect, fields) {
  const title = fields.title || "";
  const site = fields.site || domain();
  const wrap = el("div", "view");
  wrap.dataset.view = view.label;
  if (view.frame === "x") {
    wrap.append(el("div", "post-text", `${title} ${domain()}/…`), frame(view, aspect, true));
  } else if (view.frame === "below") {
    const meta = el("div", "meta-below");
    meta.append(el("div", "dom", domain()), el("div", "ttl", title));
    meta.style.width = `${view.width}px`;
    meta.style.maxWidth = "100%";
    wrap.append(frame(view, aspect, false), meta);
  } else if (view.frame === "thumb") {
    const row = el("div", "thumb-row");
    const text = el("div");
    text.append(el("div", "ttl", title), el("div", "dom", domain()));
    row.append(frame(view, aspect, false), text);
    row.style.maxWidth = `${view.width + 260}px`;
    wrap.append(row);
  } else {
    const box = el("div", view.frame === "embed" ? "embed" : "slack meta-above");
    box.append(el("div", "site", site), el("div", "ttl", title), frame(view, aspect, false));
    wrap.append(box);
  }
  wrap.append(el("div", "label", view.label));
  return wrap;
}

function updatePlatforms(fields) {
  const info = templateInfo(currentTemplate());
  const aspect = info.width / info.height;
  ui.platforms.replaceChildren(...state.platforms.map((p) => {
    const section = el("div", "platform");
    section.dataset.platform = p.id;
    const views = el("div", "views");
    views.append(...p.views.map((v) => renderView(v, aspect, fields)));
    section.append(el("h3", "", p.name), views);
    return section;
  }));
  if (state.urls) for (const img of ui.platforms.querySelectorAll("img")) {
    img.src = state.urls.image;
    img.alt = altText();
  }
}

// -- overlay: template boxes, line boxes, platform safe areas -------------------------

const SVG = "http://www.w3.org/2000/svg";
function rect(cls, x, y, w, h, colour) {
  const r = document.createElementNS(SVG, "rect");
  r.setAttribute("class", cls);
  for (const [k, v] of Object.entries({ x, y, width: Math.max(w, 0), height: Math.max(h, 0) })) r.setAttribute(k, v);
  if (colour) { r.setAttribute("stroke", colour); if (cls === "cover") r.setAttribute("fill", colour); }
  return r;
}

function label(text, x, y, colour) {
  const t = document.createElementNS(SVG, "text");
  t.setAttribute("x", x); t.setAttribute("y", y);
  if (colour) t.setAttribute("fill", colour);
  t.textContent = text;
  return t;
}

function visibleRect(view, width, height) {
  const aspect = view.aspect || width / height;
  if (aspect >= width / height) {
    const h = width / aspect;
    return { x: 0, y: (height - h) / 2, w: width, h };
  }
  const w = height * aspect;
  return { x: (width - w) / 2, y: 0, w, h: height };
}

function drawOverlay() {
  const svg = ui.overlay;
  svg.classList.toggle("on", state.overlay); // SVG elements have no `hidden` property
  $("#legend").hidden = !state.overlay;
  const layout = state.layout;
  if (!layout) return;
  const nodes = [];
  for (const [name, box] of Object.entries(layout.boxes)) {
    const b = box.box;
    nodes.push(rect("tbox", b.x, b.y, b.width, b.height), label(name, b.x + 4, b.y + 18, "#fbbf24"));
    for (const line of box.lines) nodes.push(rect("line-box", line.x, line.y, line.width, box.line_height));
    for (const chip of box.chips || []) nodes.push(rect("chip-box", chip.x, chip.y, chip.width, chip.height));
  }
  // Frames that show the same part of the card (within 4 px) share one outline.
  const frames = [];
  const near = (a, b) => ["x", "y", "w", "h"].every((k) => Math.abs(a[k] - b[k]) <= 4);
  for (const p of state.platforms) {
    for (const view of p.views) {
      const v = visibleRect(view, layout.width, layout.height);
      let frame = frames.find((f) => near(f.v, v));
      if (!frame) frames.push(frame = { v, colour: p.colour, names: [], ids: [] });
      frame.names.push(`${p.name} ${view.label}`);
      frame.ids.push(p.id);
      for (const c of view.covers || []) {
        const w = c.width * v.w, h = c.height * v.h;
        const x = c.corner.endsWith("left") ? v.x : v.x + v.w - w;
        const y = c.corner.startsWith("bottom") ? v.y + v.h - h : v.y;
        nodes.push(rect("cover", x, y, w, h, p.colour));
      }
    }
  }
  const legend = frames.map(({ v, colour, names, ids }, n) => {
    const inset = 2 + 4 * n;
    const safe = rect("safe", v.x + inset, v.y + inset, v.w - 2 * inset, v.h - 2 * inset, colour);
    safe.dataset.platforms = ids.join(" ");
    nodes.push(safe);
    const item = el("li");
    const key = el("span", "key");
    key.style.borderColor = colour;
    key.style.borderStyle = "solid";
    item.append(key, ` ${names.join(", ")}: ${Math.round(v.w)} × ${Math.round(v.h)} of the card`);
    return item;
  });
  $("#safe-legend").replaceChildren(...legend);
  svg.replaceChildren(...nodes);
}
