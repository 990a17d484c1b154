// curate review: the page's only script. Plain JavaScript, no libraries.
// Every string from the data goes in through textContent, never as HTML.
"use strict";

const token = document.querySelector('meta[name="curate-token"]').content;
const $ = (sel) => document.querySelector(sel);
const st = {
  offset: 0, total: 0, cards: [], cur: 0, sel: new Set(), anchor: -1,
  focus: false, busy: false, gen: 0,
};

function filterParams() {
  const p = new URLSearchParams();
  for (const el of $("#filters").elements) {
    if (el.name && el.name !== "limit" && el.value !== "") p.set(el.name, el.value);
  }
  return p;
}
function limit() { return parseInt($("#filters").elements.limit.value, 10); }

async function api(path, body) {
  const opt = { headers: { "X-Curate-Token": token } };
  if (body !== undefined) {
    opt.method = "POST";
    opt.headers["Content-Type"] = "application/json";
    opt.body = JSON.stringify(body);
  }
  const r = await fetch(path, opt);
  if (!r.ok) throw new Error((await r.text()).trim() || r.statusText);
  return r.json();
}

function say(msg, err) {
  const s = $("#status");
  s.textContent = msg;
  s.className = err ? "err" : "";
}

async function load(keepCursor) {
  const gen = ++st.gen;
  const p = filterParams();
  p.set("offset", st.offset);
  p.set("limit", limit());
  try {
    const page = await api("/api/cards?" + p);
    if (gen !== st.gen) return;
    if (page.cards.length === 0 && st.offset > 0 && page.total > 0) {
      st.offset = Math.max(0, Math.floor((page.total - 1) / limit()) * limit());
      return load(false);
    }
    st.total = page.total;
    st.cards = page.cards;
    if (!keepCursor) st.cur = 0;
    st.cur = Math.min(st.cur, Math.max(0, st.cards.length - 1));
    render();
  } catch (e) {
    say(e.message, true);
  }
  loadBalance();
}

async function loadBalance() {
  try {
    const rows = await api("/api/balance");
    const tb = $("#balance tbody");
    tb.replaceChildren();
    let acc = 0, rej = 0, pos = 0, left = 0, target = 1;
    for (const b of rows) {
      acc += b.accepted; rej += b.rejected; pos += b.positive; left += b.unreviewed; target = b.target_ratio;
      const tr = document.createElement("tr");
      if (b.negatives_after < b.wanted) tr.className = "short";
      tr.title = `${b.name}: wants ${b.wanted} negatives for ${b.positives_after} positives`;
      const name = td(b.name);
      const meter = el("div", "meter");
      const fill = el("div");
      fill.style.width = Math.min(100, b.wanted ? (100 * b.negatives_after) / b.wanted : 100) + "%";
      meter.append(fill);
      name.append(meter);
      tr.append(name,
        td(arrow(b.positives, b.positives_after), "num"),
        td(arrow(b.negatives, b.negatives_after), "num"),
        td(arrow(b.ratio.toFixed(2), b.ratio_after.toFixed(2)), "num"),
        td(`${b.accepted} / ${b.rejected} / ${b.positive} / ${b.unreviewed}`, "num"));
      tb.append(tr);
    }
    $("#balhint").textContent = `before → after the decisions; target ${target} negatives per positive (short in amber)`;
    $("#totals").textContent = `${acc + rej + pos + left} suggestions · ${acc} accepted · ${rej} rejected · ${pos} positive · ${left} left`;
  } catch (e) {
    say(e.message, true);
  }
}

function arrow(a, b) { return String(a) === String(b) ? String(a) : `${a} → ${b}`; }
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function td(text, cls) { return el("td", cls, text); }

function media(c) {
  const m = el("div", "media");
  if (c.url && (c.kind === "video")) {
    const v = el("video"); v.src = c.url; v.controls = true; v.preload = "metadata"; m.append(v);
  } else if (c.url && c.kind === "audio") {
    const a = el("audio"); a.src = c.url; a.controls = true; a.preload = "none"; m.append(a);
  } else if (c.text) {
    m.append(el("div", "text", c.text));
  } else if (c.url && c.kind !== "text") {
    const i = el("img"); i.src = c.url; i.alt = c.input_id; i.loading = "lazy"; i.referrerPolicy = "no-referrer"; m.append(i);
  } else if (c.url) {
    m.append(el("div", "text", c.url));
  } else {
    m.append(el("div", "none", c.missing ? "not in the source" : "no media"));
  }
  return m;
}

function card(c, pos) {
  const d = el("div", "card");
  d.dataset.i = c.i;
  d.dataset.pos = pos;
  d.dataset.decision = c.decision;
  if (c.decision) d.classList.add("d-" + c.decision);
  if (pos === st.cur) d.classList.add("cur");
  if (st.sel.has(c.i)) d.classList.add("sel");
  d.append(media(c));
  const b = el("div", "body");
  const q = el("div", "q");
  if (c.value === 1) {
    q.append("is ", el("b", "", c.concept_name), "?");
  } else {
    q.append("not ", el("b", "", c.concept_name), "?");
  }
  b.append(q);
  const chips = el("div", "chips");
  for (const p of c.positives) chips.append(el("span", "chip", p));
  b.append(chips);
  b.append(el("div", "meta", `score ${c.score.toFixed(2)}` + (c.source_name ? ` · from ${c.source_name}` : "") + ` · ${c.input_id}`));
  if (c.reason) b.append(el("div", "reason", c.reason));
  d.append(b);
  if (c.decision) d.append(el("span", "badge " + c.decision, c.decision));
  return d;
}

function render() {
  const grid = $("#grid");
  grid.replaceChildren(...st.cards.map(card));
  const n = st.cards.length;
  const pages = Math.max(1, Math.ceil(st.total / limit()));
  $("#pageinfo").textContent = n ? `${st.offset + 1}–${st.offset + n} of ${st.total} · page ${Math.floor(st.offset / limit()) + 1} of ${pages}` : "nothing matches";
  for (const s of document.querySelectorAll(".nmatch")) s.textContent = st.total;
  $("#selinfo").textContent = `${st.sel.size} selected`;
  renderFocus();
  const cur = grid.children[st.cur];
  if (cur && !st.focus) cur.scrollIntoView({ block: "nearest" });
}

function renderFocus() {
  const f = $("#focus");
  f.hidden = !st.focus;
  $("#grid").hidden = st.focus;
  $("#view").textContent = st.focus ? "Grid view" : "Focus view";
  if (!st.focus) return;
  const c = st.cards[st.cur];
  if (!c) { f.replaceChildren(el("p", "hint", "nothing matches")); return; }
  const d = card(c, st.cur);
  const acts = el("div", "actions");
  for (const [k, name, label] of [["a", "accept", "Accept (a)"], ["r", "reject", "Reject (r)"], ["p", "positive", "It is " + c.concept_name + " (p)"], ["s", "", "Skip (s)"]]) {
    const btn = el("button", "", label);
    btn.type = "button";
    if (name) btn.dataset.d = name;
    btn.addEventListener("click", () => key({ key: k, preventDefault() {} }));
    acts.append(btn);
  }
  d.querySelector(".body").append(acts);
  f.replaceChildren(d);
}

function moveTo(pos) {
  if (pos >= st.cards.length) {
    if (st.offset + st.cards.length < st.total) return page(1);
    pos = st.cards.length - 1;
  }
  if (pos < 0) {
    if (st.offset > 0) { st.cur = limit() - 1; st.offset = Math.max(0, st.offset - limit()); return load(true); }
    pos = 0;
  }
  st.cur = pos;
  render();
}

function page(dir) {
  const next = st.offset + dir * limit();
  if (next < 0 || next >= st.total) return;
  st.offset = next;
  st.cur = 0;
  load(true);
}

async function decide(items, decision, filter) {
  if (st.busy) return;
  st.busy = true;
  try {
    const body = { decision };
    if (filter) body.filter = Object.fromEntries([...filterParams()].map(([k, v]) => [k, [v]]));
    else body.items = items;
    const r = await api("/api/decide", body);
    say(`${r.changed} suggestion(s) marked ${decision || "unreviewed"} · saved`);
    return r;
  } catch (e) {
    say("not saved: " + e.message, true);
  } finally {
    st.busy = false;
  }
}

async function decideCurrent(decision) {
  const c = st.cards[st.cur];
  if (!c) return;
  const r = await decide([c.i], decision);
  if (!r) return;
  // Without a decision filter the card stays: move on to the next one.
  // With one it leaves the list, and the next card takes its place.
  if (!$("#filters").elements.decision.value) {
    if (st.cur + 1 < st.cards.length) st.cur++;
    else if (st.offset + st.cards.length < st.total) { st.offset += limit(); st.cur = 0; }
  }
  await load(true);
}

async function bulk(kind, decision) {
  let r;
  if (kind === "filter") {
    if (!confirm(`Mark all ${st.total} matching suggestions ${decision}?`)) return;
    r = await decide(null, decision, true);
  } else {
    const items = kind === "selected" && st.sel.size ? [...st.sel] : st.cards.map((c) => c.i);
    r = await decide(items, decision);
  }
  if (r) { st.sel.clear(); load(true); }
}

async function undo() {
  try {
    const r = await api("/api/undo", {});
    say(r.changed ? `undid ${r.changed} decision(s)` : "nothing to undo");
    if (r.items && r.items.length === 1) {
      const pos = st.cards.findIndex((c) => c.i === r.items[0]);
      if (pos >= 0) st.cur = pos;
    }
    load(true);
  } catch (e) {
    say("undo failed: " + e.message, true);
  }
}

function toggleSelect(pos, range) {
  if (range && st.anchor >= 0) {
    const [a, b] = st.anchor < pos ? [st.anchor, pos] : [pos, st.anchor];
    for (let k = a; k <= b; k++) st.sel.add(st.cards[k].i);
  } else {
    const i = st.cards[pos].i;
    if (st.sel.has(i)) st.sel.delete(i); else st.sel.add(i);
    st.anchor = pos;
  }
  st.cur = pos;
  render();
}

function key(e) {
  if (e.target && /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
  if (e.ctrlKey || e.metaKey || e.altKey) {
    if ((e.ctrlKey || e.metaKey) && e.key === "z") { e.preventDefault(); undo(); }
    return;
  }
  switch (e.key) {
    case "a": decideCurrent("accept"); break;
    case "r": decideCurrent("reject"); break;
    case "p": decideCurrent("positive"); break;
    case "c": decideCurrent(""); break;
    case "s": case " ": moveTo(st.cur + 1); break;
    case "u": case "z": undo(); break;
    case "j": case "ArrowRight": case "ArrowDown": moveTo(st.cur + 1); break;
    case "k": case "ArrowLeft": case "ArrowUp": moveTo(st.cur - 1); break;
    case "x": if (st.cards.length) toggleSelect(st.cur, false); break;
    case "A": bulk("selected", "accept"); break;
    case "R": bulk("selected", "reject"); break;
    case "]": case "n": case "PageDown": page(1); break;
    case "[": case "b": case "PageUp": page(-1); break;
    case "f": case "Enter": st.focus = !st.focus; render(); break;
    case "Escape": st.sel.clear(); st.focus = false; render(); break;
    case "?": $("#keys").scrollIntoView(); break;
    default: return;
  }
  e.preventDefault();
}

document.addEventListener("keydown", key);
$("#grid").addEventListener("click", (e) => {
  const d = e.target.closest(".card");
  if (!d) return;
  toggleSelect(parseInt(d.dataset.pos, 10), e.shiftKey);
});
$("#grid").addEventListener("dblclick", (e) => {
  const d = e.target.closest(".card");
  if (!d) return;
  st.cur = parseInt(d.dataset.pos, 10);
  st.focus = true;
  render();
});
$("#filters").addEventListener("change", () => { st.offset = 0; st.sel.clear(); load(false); });
$("#filters").addEventListener("submit", (e) => e.preventDefault());
for (const b of document.querySelectorAll("[data-bulk]")) b.addEventListener("click", () => bulk(b.dataset.bulk, b.dataset.d));
$("#undo").addEventListener("click", undo);
$("#prev").addEventListener("click", () => page(-1));
$("#next").addEventListener("click", () => page(1));
$("#view").addEventListener("click", () => { st.focus = !st.focus; render(); });
$("#help-btn").addEventListener("click", () => $("#keys").scrollIntoView());
load(false);
