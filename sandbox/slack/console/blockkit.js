// Block Kit and mrkdwn as DOM, for the local Slack console.
//
// Nothing is ever parsed as HTML: every string from the bot becomes a text node, so a merchant called
// "<img onerror=...>" shows as text, as in Slack. What this file cannot draw is shown as its JSON,
// never dropped. Element behaviour follows docs.slack.dev/reference/block-kit.

// The shortcodes the bot's templates use (tests/test_sandbox_slack.py checks every one in templates/
// is here), as Slack's client draws them; an unknown one stays as typed.
const EMOJI = {
  no_bell: "🔕", bell: "🔔", double_vertical_bar: "⏸️", arrow_forward: "▶️", stopwatch: "⏱️",
  white_small_square: "▫️",
  warning: "⚠️", white_check_mark: "✅", x: "❌", no_entry: "⛔", hourglass: "⌛",
  hourglass_flowing_sand: "⏳", white_circle: "⚪", large_green_circle: "🟢", red_circle: "🔴",
  repeat: "🔁", lock: "🔒", grey_question: "❔", electric_plug: "🔌", tada: "🎉", inbox_tray: "📥",
  outbox_tray: "📤", page_facing_up: "📄", bar_chart: "📊", moneybag: "💰", calendar: "📅",
  heavy_check_mark: "✔️", information_source: "ℹ️", bulb: "💡", sunrise: "🌅", clock9: "🕘",
  sunny: "☀️", clock3: "🕒", mag: "🔍", arrows_counterclockwise: "🔄", card_index_dividers: "🗂️", books: "📚", link: "🔗",
};

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const unescape = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const emojify = (s) => s.replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI[name] || all);

// Inline mrkdwn: `code`, <links|and mentions>, *bold*, _italic_, ~strike~, :emoji:.
const INLINE =
  /`([^`\n]+)`|<([^<>\n]+)>|(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])|(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])|(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])|:([a-z0-9_+-]+):/g;

function inline(text, parent, ctx) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) parent.append(unescape(text.slice(last, m.index)));
    last = m.index + m[0].length;
    if (m[1] !== undefined) parent.append(el("code", {}, unescape(m[1])));
    else if (m[2] !== undefined) parent.append(angle(m[2], ctx));
    else if (m[3] !== undefined) inline(m[3], parent.appendChild(el("b")), ctx);
    else if (m[4] !== undefined) inline(m[4], parent.appendChild(el("i")), ctx);
    else if (m[5] !== undefined) inline(m[5], parent.appendChild(el("s")), ctx);
    else parent.append(EMOJI[m[6]] || m[0]);
  }
  if (last < text.length) parent.append(unescape(text.slice(last)));
}

// <https://x|label>, <@U123>, <#C123|name>, <!channel>, <!subteam^S1|@team>, <!date^...|fallback>
function angle(inner, ctx) {
  const [target, label] = inner.split("|", 2);
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return el("span", { class: "mention" }, "@" + ((ctx.users && ctx.users[id]) || label || id));
  }
  if (target.startsWith("#")) {
    // <#C123> shows the channel's name, as Slack's client does; <#C123|name> its label.
    const id = target.slice(1);
    return el("span", { class: "mention" }, "#" + (label || (ctx.channels && ctx.channels[id]) || id));
  }
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    const text = label ? unescape(label) : "@" + word;
    return el("span", { class: word === "date" ? "" : "mention" }, text);
  }
  const href = unescape(target);
  const safe = /^(https?:|mailto:)/i.test(href);
  return safe
    ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }, unescape(label || target))
    : document.createTextNode(unescape(label || target));
}

export function mrkdwn(text, ctx = {}) {
  const out = el("span", { class: "mrkdwn" });
  const parts = String(text || "").split(/```([\s\S]*?)```/);
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      out.append(el("pre", {}, unescape(part.replace(/^\n/, ""))));
      return;
    }
    const lines = part.split("\n");
    lines.forEach((line, j) => {
      const quote = line.match(/^(?:&gt;|>) ?(.*)$/);
      if (quote) {
        const q = out.appendChild(el("blockquote"));
        inline(quote[1], q, ctx);
        return;
      }
      inline(line, out, ctx);
      if (j < lines.length - 1) out.append(el("br"));
    });
  });
  return out;
}

export function textObject(obj, ctx = {}) {
  if (obj === null || obj === undefined) return document.createTextNode("");
  if (typeof obj === "string") return mrkdwn(obj, ctx);
  if (obj.type === "mrkdwn") return mrkdwn(obj.text, ctx);
  if (obj.type === "plain_text") {
    return el("span", { class: "plain" }, obj.emoji === false ? obj.text : emojify(obj.text || ""));
  }
  return unknown(obj);
}

export function plainText(obj) {
  if (!obj) return "";
  return typeof obj === "string" ? obj : emojify(obj.text || "");
}

export function unknown(obj, why = "not drawn by this console") {
  return el(
    "details",
    { class: "bk-unknown", open: true },
    el("summary", {}, `${obj && obj.type ? obj.type : "?"}: ${why}`),
    el("pre", {}, JSON.stringify(obj, null, 2)),
  );
}

// Blocks --------------------------------------------------------------------------------------------

// ctx: {users, act(element, block, extra), confirm(dialog) -> Promise<bool>, inputs: [], errors: {}}
export function renderBlocks(blocks, ctx) {
  const out = el("div", { class: "bk-blocks" });
  for (const block of blocks || []) {
    let node;
    try {
      node = (BLOCKS[block.type] || ((b) => unknown(b)))(block, ctx);
    } catch (error) {
      node = unknown(block, `could not draw: ${error.message}`);
    }
    if (block.block_id) node.dataset.blockId = block.block_id;
    out.append(node);
  }
  return out;
}

const BLOCKS = {
  header: (b) => el("div", { class: "bk-header" }, plainText(b.text)),
  divider: () => el("hr", { class: "bk-divider" }),
  image: (b) =>
    el(
      "figure",
      { class: "bk-image" },
      b.title ? el("figcaption", {}, plainText(b.title)) : null,
      el("img", { src: b.image_url, alt: b.alt_text || "" }),
    ),
  context: (b, ctx) =>
    el(
      "div",
      { class: "bk-context" },
      (b.elements || []).map((e) =>
        e.type === "image"
          ? el("img", { class: "bk-context-image", src: e.image_url, alt: e.alt_text || "" })
          : e.type === "mrkdwn" || e.type === "plain_text"
            ? textObject(e, ctx)
            : unknown(e),
      ),
    ),
  section: (b, ctx) => {
    const body = el("div", { class: "bk-section-body" });
    if (b.text) body.append(el("div", { class: "bk-section-text" }, textObject(b.text, ctx)));
    if (b.fields && b.fields.length) {
      body.append(el("div", { class: "bk-fields" }, b.fields.map((f) => el("div", {}, textObject(f, ctx)))));
    }
    const node = el("div", { class: "bk-section" }, body);
    if (b.accessory) node.append(el("div", { class: "bk-accessory" }, element(b.accessory, b, ctx)));
    return node;
  },
  actions: (b, ctx) => el("div", { class: "bk-actions" }, (b.elements || []).map((e) => element(e, b, ctx))),
  input: (b, ctx) => inputBlock(b, ctx),
};

// Interactive elements --------------------------------------------------------------------------------

function element(e, block, ctx) {
  const make = ELEMENTS[e.type];
  if (!make) return unknown(e);
  const node = make(e, block, ctx);
  if (e.action_id) node.dataset.actionId = e.action_id;
  return node;
}

async function confirmed(e, ctx) {
  return !e.confirm || (await ctx.confirm(e.confirm));
}

function button(e, block, ctx) {
  const style = e.style === "primary" || e.style === "danger" ? e.style : "";
  const node = el("button", { class: `bk-button ${style}`.trim(), type: "button" }, plainText(e.text));
  node.addEventListener("click", async () => {
    if (e.url) window.open(e.url, "_blank", "noopener");
    if (!(await confirmed(e, ctx))) return;
    node.disabled = true;
    try {
      await ctx.act(e, block, {});
    } finally {
      node.disabled = false;
    }
  });
  return node;
}

function overflow(e, block, ctx) {
  const menu = el("div", { class: "bk-menu", role: "menu", hidden: true });
  const toggle = el("button", { class: "bk-overflow-toggle", type: "button", "aria-label": "More actions" }, "⋯");
  const node = el("div", { class: "bk-overflow" }, toggle, menu);
  for (const option of e.options || []) {
    menu.append(
      el(
        "button",
        {
          class: "bk-menu-item",
          type: "button",
          role: "menuitem",
          dataset: { value: option.value || "" },
          onclick: async () => {
            menu.hidden = true;
            if (option.url) window.open(option.url, "_blank", "noopener");
            if (await confirmed(e, ctx)) await ctx.act(e, block, { option: option.value });
          },
        },
        plainText(option.text),
      ),
    );
  }
  toggle.addEventListener("click", (event) => {
    event.stopPropagation();
    const wasHidden = menu.hidden;
    document.querySelectorAll(".bk-menu").forEach((m) => (m.hidden = true));
    menu.hidden = !wasHidden;
  });
  return node;
}

function allOptions(e) {
  const groups = e.option_groups || [];
  return groups.length ? groups.flatMap((g) => g.options || []) : e.options || [];
}

function selectNode(e) {
  const node = el("select", { class: "bk-select" });
  const initial = e.initial_option ? e.initial_option.value : null;
  node.append(el("option", { value: "", disabled: true, selected: initial === null }, plainText(e.placeholder) || "Select…"));
  const add = (parent, option) =>
    parent.append(el("option", { value: option.value, selected: option.value === initial }, plainText(option.text)));
  if (e.option_groups) {
    for (const group of e.option_groups) {
      const g = node.appendChild(el("optgroup", { label: plainText(group.label) }));
      (group.options || []).forEach((o) => add(g, o));
    }
  } else {
    (e.options || []).forEach((o) => add(node, o));
  }
  return node;
}

function staticSelect(e, block, ctx) {
  const node = selectNode(e);
  let previous = node.value;
  node.addEventListener("change", async () => {
    if (!(await confirmed(e, ctx))) {
      node.value = previous;
      return;
    }
    previous = node.value;
    await ctx.act(e, block, { option: node.value });
  });
  return node;
}

function choiceList(e, kind) {
  const initial = new Set((e.initial_options || (e.initial_option ? [e.initial_option] : [])).map((o) => o.value));
  const name = `${kind}-${Math.random().toString(36).slice(2)}`;
  return el(
    "div",
    { class: `bk-${kind}` },
    (e.options || []).map((option) =>
      el(
        "label",
        { class: "bk-choice" },
        el("input", {
          type: kind === "checkboxes" ? "checkbox" : "radio",
          name,
          value: option.value,
          checked: initial.has(option.value),
        }),
        el("span", {}, textObject(option.text), option.description ? el("small", {}, textObject(option.description)) : null),
      ),
    ),
  );
}

function checkedOptions(e, node) {
  const values = new Set([...node.querySelectorAll("input:checked")].map((i) => i.value));
  return (e.options || []).filter((o) => values.has(o.value));
}

function checkboxes(e, block, ctx) {
  const node = choiceList(e, "checkboxes");
  node.addEventListener("change", () => ctx.act(e, block, { value: checkedOptions(e, node) }));
  return node;
}

function radioButtons(e, block, ctx) {
  const node = choiceList(e, "radio_buttons");
  node.addEventListener("change", () => {
    const picked = checkedOptions(e, node)[0];
    if (picked) ctx.act(e, block, { option: picked.value });
  });
  return node;
}

const ELEMENTS = {
  button,
  overflow,
  static_select: staticSelect,
  checkboxes,
  radio_buttons: radioButtons,
  image: (e) => el("img", { class: "bk-accessory-image", src: e.image_url, alt: e.alt_text || "" }),
};

// Inputs in modals: each registers how to read its value for view_submission --------------------------

const INPUTS = {
  plain_text_input: (e) => {
    const attrs = {
      class: "bk-text-input",
      placeholder: plainText(e.placeholder) || null,
      maxlength: e.max_length || null,
    };
    const node = e.multiline ? el("textarea", { ...attrs, rows: 4 }) : el("input", { ...attrs, type: "text" });
    node.value = e.initial_value || "";
    return [node, () => node.value || null];
  },
  number_input: (e) => {
    const node = el("input", { class: "bk-text-input", type: "number", step: e.is_decimal_allowed ? "any" : "1" });
    node.value = e.initial_value || "";
    return [node, () => node.value || null];
  },
  datepicker: (e) => {
    const node = el("input", { class: "bk-text-input", type: "date" });
    node.value = e.initial_date || "";
    return [node, () => node.value || null];
  },
  static_select: (e) => {
    const node = selectNode(e);
    return [node, () => node.value || null];
  },
  checkboxes: (e) => {
    const node = choiceList(e, "checkboxes");
    return [node, () => checkedOptions(e, node).map((o) => o.value)];
  },
  radio_buttons: (e) => {
    const node = choiceList(e, "radio_buttons");
    return [node, () => (checkedOptions(e, node)[0] || {}).value || null];
  },
};

function inputBlock(b, ctx) {
  const e = b.element || {};
  const error = el("div", { class: "bk-error", role: "alert" }, (ctx.errors || {})[b.block_id] || "");
  const label = el(
    "label",
    { class: "bk-label" },
    plainText(b.label),
    b.optional ? el("span", { class: "bk-optional" }, " (optional)") : null,
  );
  const make = INPUTS[e.type];
  let control;
  if (make) {
    const [node, read] = make(e);
    if (e.action_id) node.dataset.actionId = e.action_id;
    control = node;
    const empty = (v) => v === null || (Array.isArray(v) && v.length === 0);
    (ctx.inputs || []).push({ block_id: b.block_id, action_id: e.action_id, read, optional: !!b.optional, empty, error });
  } else {
    control = unknown(e);
  }
  return el(
    "div",
    { class: "bk-input" },
    label,
    control,
    b.hint ? el("div", { class: "bk-hint" }, plainText(b.hint)) : null,
    error,
  );
}

document.addEventListener("click", () => document.querySelectorAll(".bk-menu").forEach((m) => (m.hidden = true)));
