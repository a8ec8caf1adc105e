// The local Slack console: one channel of the Slack stand-in, drawn like Slack, acting as a chosen user,
// or the app's Home tab as the bot last published it for that user.
//
// It only ever talks to the stand-in's /_console/ API (console_api.py), which turns what happens here
// into the signed requests Slack would send the bot. The transcript is long-polled: the stand-in answers
// when the workspace changes, with only the messages changed since the last answer.

import { el, mrkdwn, plainText, renderBlocks, textObject } from "./blockkit.js";

const $ = (selector) => document.querySelector(selector);

const app = {
  users: {}, // id -> display name
  channelNames: {}, // id -> name, for <#C123> mentions
  user: "",
  channel: "",
  channels: [],
  commands: [], // [{name, usage, summary, example}]
  slash: "/ramp",
  rev: 0,
  version: "",
  keys: "",
  messages: new Map(), // ts -> message json
  items: new Map(), // ts -> {item, body, thread}
  viewHash: null,
  home: false, // showing the app's Home tab instead of the channel
  homeHash: null,
  poller: null,
};

async function call(name, body) {
  const response = await fetch(`/_console/${name}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: app.user, channel: app.channel, ...body }),
  });
  const reply = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!reply.ok && !(reply.errors && Object.keys(reply.errors).length)) toast(reply.error || "Something went wrong.");
  return reply;
}

function toast(text) {
  const node = el("div", { class: "toast", role: "status" }, text);
  $("#toasts").append(node);
  setTimeout(() => node.remove(), 8000);
}

// the transcript ----------------------------------------------------------------------------------------

function resetTranscript() {
  app.rev = 0;
  app.version = "";
  app.keys = "";
  app.messages.clear();
  app.items.clear();
  $("#messages").replaceChildren();
  app.homeHash = null;
  $("#home").replaceChildren(el("p", { class: "home-waiting" }, "Opening the Home tab…"));
  if (app.poller) app.poller.abort();
}

async function pollForever() {
  for (;;) {
    const controller = new AbortController();
    app.poller = controller;
    const query = new URLSearchParams({
      channel: app.channel,
      user: app.user,
      since: app.rev,
      version: app.version,
      wait: app.version ? 20 : 0,
    });
    try {
      const response = await fetch(`/_console/transcript?${query}`, { signal: controller.signal });
      const data = await response.json();
      if (controller.signal.aborted) continue;
      apply(data);
      setOnline(true);
    } catch (error) {
      if (controller.signal.aborted) continue;
      setOnline(false);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function setOnline(online) {
  $("#offline").hidden = online;
}

function apply(data) {
  const list = $("#messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  for (const message of data.messages) {
    app.messages.set(message.ts, message);
    const slot = slotFor(message.ts);
    slot.body.replaceWith((slot.body = renderMessage(message)));
  }
  const keys = data.keys.join(",");
  const added = keys !== app.keys;
  if (added) {
    layout(data.keys);
    app.keys = keys;
  }
  app.rev = data.rev;
  app.version = data.version;
  document.body.dataset.rev = data.rev;
  showView(data.view);
  showHome(data.home);
  if (data.channels !== undefined && data.channels !== app.channels.length) loadState();
  // Follow the conversation when it grows or when the reader is at the end; an update in place
  // (a progress bar) does not pull a reader away from what they scrolled back to.
  if (nearBottom || added) list.scrollTop = list.scrollHeight;
}

function slotFor(ts) {
  let slot = app.items.get(ts);
  if (!slot) {
    const body = el("div");
    const thread = el("div", { class: "thread", hidden: true });
    slot = { item: el("div", { class: "item", dataset: { ts } }, body, thread), body, thread };
    app.items.set(ts, slot);
  }
  return slot;
}

// Thread replies go under their parent (a thread pane in Slack); a reply whose parent this user cannot
// see stays in the channel.
function layout(keys) {
  const list = $("#messages");
  const visible = new Set(keys);
  for (const [ts, slot] of app.items) {
    if (!visible.has(ts)) {
      slot.item.remove();
      app.items.delete(ts);
      app.messages.delete(ts);
    }
  }
  // Move only what is out of place: a new message at the end touches nothing else.
  const lastIn = new Map(); // container -> the item placed last in it
  for (const ts of keys) {
    const message = app.messages.get(ts);
    const slot = slotFor(ts);
    const parent = message && message.thread_ts && message.thread_ts !== ts ? app.items.get(message.thread_ts) : null;
    const container = parent && visible.has(message.thread_ts) ? parent.thread : list;
    slot.item.classList.toggle("reply", container !== list);
    const previous = lastIn.get(container);
    const wanted = previous ? previous.nextSibling : container.firstChild;
    if (slot.item !== wanted) container.insertBefore(slot.item, wanted);
    lastIn.set(container, slot.item);
  }
  for (const slot of app.items.values()) {
    const replies = String(slot.thread.children.length);
    if (slot.thread.dataset.replies !== replies) {
      slot.thread.dataset.replies = replies;
      slot.thread.hidden = replies === "0";
    }
  }
}

function renderMessage(m) {
  const ctx = blockContext({ ts: m.ts });
  const time = new Date(parseFloat(m.ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const initials = (m.author || "?").split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
  const header = el(
    "div",
    { class: "msg-header" },
    el("span", { class: "author" }, m.author),
    m.is_bot ? el("span", { class: "badge" }, "APP") : null,
    el("span", { class: "time", title: m.ts }, time),
    m.edited ? el("span", { class: "edited" }, "(edited)") : null,
  );
  const content = el("div", { class: "msg-content" }, header);
  if (m.ephemeral) content.append(el("div", { class: "ephemeral-note" }, "👁 Only visible to you"));
  if (m.blocks && m.blocks.length) content.append(renderBlocks(m.blocks, ctx));
  else if (m.text) content.append(el("div", { class: "msg-text" }, mrkdwn(m.text, ctx)));
  for (const file of m.files || []) {
    // An image is shown inline, as Slack shows an uploaded PNG (the summary's chart), then its link.
    if ((file.mimetype || "").startsWith("image/")) {
      content.append(el("img", { class: "file-image", src: file.url, alt: file.title || file.name }));
    }
    content.append(
      el(
        "a",
        { class: "file", href: file.url, download: file.name },
        el("span", { class: "file-icon" }, (file.filetype || "file").slice(0, 4).toUpperCase()),
        el("span", { class: "file-name" }, file.title || file.name),
        el("span", { class: "file-size" }, humanSize(file.size)),
      ),
    );
  }
  const classes = ["msg", m.ephemeral ? "ephemeral" : "", m.is_bot ? "from-bot" : "from-user"].filter(Boolean);
  return el("div", { class: classes.join(" "), dataset: { ts: m.ts, rev: m.rev } }, el("div", { class: "avatar" }, initials), content);
}

function humanSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function blockContext(where) {
  return {
    users: app.users,
    channels: app.channelNames,
    confirm: confirmDialog,
    act: (element, block, extra) =>
      call("action", {
        ...where,
        block_id: block.block_id,
        action_id: element.action_id,
        ...extra,
      }),
  };
}

// the Home tab ------------------------------------------------------------------------------------------

// The transcript carries the user's Home view; it is redrawn when the bot publishes a new one (new hash).
// Its elements name the view they are in, so a click presses the Home button even when a message has an
// element with the same action_id (Slack sends such clicks with a "view" container).
function showHome(view) {
  if (!view || view.hash === app.homeHash) return;
  app.homeHash = view.hash;
  const blocks = renderBlocks(view.blocks, blockContext({ view_id: view.id }));
  $("#home").replaceChildren(el("div", { class: "home-view", dataset: { viewId: view.id } }, blocks));
}

function showPane() {
  $("#messages").hidden = app.home;
  $("#composer").hidden = app.home;
  $("#home").hidden = !app.home;
}

// modals ------------------------------------------------------------------------------------------------

function showView(view) {
  const overlay = $("#modal-overlay");
  if (!view) {
    overlay.hidden = true;
    overlay.replaceChildren();
    app.viewHash = null;
    return;
  }
  if (view.hash === app.viewHash) return;
  app.viewHash = view.hash;
  const inputs = [];
  const ctx = { ...blockContext({ view_id: view.id }), inputs, errors: {} };
  const submit = view.submit
    ? el("button", { class: "bk-button primary", type: "submit" }, plainText(view.submit))
    : null;
  const close = el("button", { class: "bk-button", type: "button", onclick: () => call("close", { view_id: view.id }) }, plainText(view.close) || "Close");
  const form = el(
    "form",
    { class: "modal", id: "modal", dataset: { viewId: view.id, callbackId: view.callback_id || "" } },
    el("div", { class: "modal-header" }, el("h2", {}, plainText(view.title)), el("button", { class: "modal-x", type: "button", "aria-label": "Close", onclick: () => close.click() }, "×")),
    el("div", { class: "modal-body" }, renderBlocks(view.blocks, ctx)),
    el("div", { class: "modal-footer" }, close, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let missing = false;
    const values = {};
    for (const input of inputs) {
      const value = input.read();
      input.error.textContent = "";
      if (!input.optional && input.empty(value)) {
        input.error.textContent = "Please complete this required field.";
        missing = true;
      }
      (values[input.block_id] ||= {})[input.action_id] = value;
    }
    if (missing) return;
    submit.disabled = true;
    const reply = await call("submit", { view_id: view.id, values });
    submit.disabled = false;
    for (const [blockId, text] of Object.entries(reply.errors || {})) {
      const input = inputs.find((i) => i.block_id === blockId);
      if (input) input.error.textContent = text;
      else toast(`${blockId}: ${text}`);
    }
  });
  overlay.replaceChildren(form);
  overlay.hidden = false;
  const first = form.querySelector("input, textarea, select");
  if (first) first.focus();
}

function confirmDialog(dialog) {
  return new Promise((resolve) => {
    const overlay = $("#confirm-overlay");
    const done = (answer) => {
      overlay.hidden = true;
      overlay.replaceChildren();
      resolve(answer);
    };
    const style = dialog.style === "danger" ? "danger" : "primary";
    overlay.replaceChildren(
      el(
        "div",
        { class: "modal confirm", role: "dialog", id: "confirm" },
        el("div", { class: "modal-header" }, el("h2", {}, plainText(dialog.title) || "Are you sure?")),
        el("div", { class: "modal-body" }, textObject(dialog.text, { users: app.users, channels: app.channelNames })),
        el(
          "div",
          { class: "modal-footer" },
          el("button", { class: "bk-button", type: "button", onclick: () => done(false) }, plainText(dialog.deny) || "Cancel"),
          el("button", { class: `bk-button ${style}`, type: "button", onclick: () => done(true) }, plainText(dialog.confirm) || "Yes"),
        ),
      ),
    );
    overlay.hidden = false;
  });
}

// the composer --------------------------------------------------------------------------------------------

const composer = { picked: 0, shown: [], navigated: false };

function suggestions(text) {
  const match = text.match(/^(\/\S*)(?:\s+(\S*))?$/);
  if (!match) return [];
  const [, typed, sub] = match;
  if (sub === undefined) {
    if (!app.slash.startsWith(typed)) return [];
    return app.commands;
  }
  if (typed !== app.slash) return [];
  const word = sub.toLowerCase();
  return app.commands.filter((c) => c.name.startsWith(word) && c.name !== word);
}

function showSuggestions() {
  const input = $("#composer-input");
  const box = $("#suggestions");
  composer.shown = suggestions(input.value);
  composer.picked = Math.min(composer.picked, Math.max(composer.shown.length - 1, 0));
  box.replaceChildren(
    ...composer.shown.map((c, i) =>
      el(
        "li",
        {
          class: i === composer.picked ? "picked" : "",
          role: "option",
          dataset: { name: c.name },
          onmousedown: (event) => {
            event.preventDefault();
            pick(i);
          },
        },
        el("span", { class: "usage" }, c.usage),
        el("span", { class: "summary" }, c.summary),
      ),
    ),
  );
  box.hidden = composer.shown.length === 0;
  const chosen = app.commands.find((c) => input.value.startsWith(`${app.slash} ${c.name} `));
  $("#composer-hint").textContent = chosen ? `${chosen.usage} — e.g. ${chosen.example}` : "";
}

function pick(i) {
  const input = $("#composer-input");
  input.value = `${app.slash} ${composer.shown[i].name} `;
  composer.picked = 0;
  composer.navigated = false;
  input.focus();
  showSuggestions();
}

async function send() {
  const input = $("#composer-input");
  const text = input.value.trim();
  if (!text) return;
  const reply = await call("command", { text });
  if (reply.ok) {
    input.value = "";
    showSuggestions();
  }
}

function onComposerKey(event) {
  const open = !$("#suggestions").hidden && composer.shown.length;
  if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    composer.picked = (composer.picked + step + composer.shown.length) % composer.shown.length;
    composer.navigated = true;
    showSuggestions();
  } else if (open && event.key === "Tab") {
    event.preventDefault();
    pick(composer.picked);
  } else if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    // As in Slack, Enter takes the highlighted suggestion once one is chosen or half typed.
    const partial = (event.target.value.split(/\s+/)[1] || "") !== "";
    if (open && (composer.navigated || partial)) pick(composer.picked);
    else send();
  } else if (event.key === "Escape") {
    $("#suggestions").hidden = true;
  }
}

// files ---------------------------------------------------------------------------------------------------

async function uploadFiles(files) {
  if (app.home) {
    toast("Open a channel to share a file there.");
    return;
  }
  for (const file of files) {
    const buffer = new Uint8Array(await file.arrayBuffer());
    let binary = "";
    for (let i = 0; i < buffer.length; i += 0x8000) binary += String.fromCharCode(...buffer.subarray(i, i + 0x8000));
    await call("upload", { name: file.name, content_b64: btoa(binary) });
  }
}

function setUpDropZone() {
  const zone = $("#main");
  let depth = 0;
  zone.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    zone.classList.add("dropping");
  });
  zone.addEventListener("dragover", (event) => event.preventDefault());
  zone.addEventListener("dragleave", () => {
    depth -= 1;
    if (depth <= 0) zone.classList.remove("dropping");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    zone.classList.remove("dropping");
    uploadFiles(event.dataTransfer.files);
  });
  $("#attach").addEventListener("click", () => $("#file-input").click());
  $("#file-input").addEventListener("change", async (event) => {
    await uploadFiles(event.target.files);
    event.target.value = "";
  });
}

// people and channels ---------------------------------------------------------------------------------------

async function loadState() {
  const state = await (await fetch("/_console/state")).json();
  app.users = Object.fromEntries(state.users.map((u) => [u.id, u.real_name]));
  app.users[state.bot_user_id] = "Ramp bot";
  app.commands = state.commands;
  app.slash = (state.commands[0] && state.commands[0].usage.split(" ")[0]) || "/ramp";
  app.channels = state.channels;
  app.channelNames = Object.fromEntries(state.channels.filter((c) => c.name).map((c) => [c.id, c.name]));
  if (!app.user) app.user = state.default_user;
  if (!app.channel) app.channel = state.default_channel;
  const who = $("#user");
  who.replaceChildren(...state.users.map((u) => el("option", { value: u.id, selected: u.id === app.user }, u.real_name)));
  drawChannels();
}

function drawChannels() {
  const list = $("#channels");
  const mine = app.channels.filter((c) => !c.im_user || c.im_user === app.user);
  list.replaceChildren(
    ...mine.map((c) =>
      el(
        "li",
        {
          class: c.id === app.channel && !app.home ? "active" : "",
          dataset: { channel: c.id },
          onclick: () => switchTo(app.user, c.id),
        },
        c.im_user ? "💬 Ramp bot" : `# ${c.name}`,
      ),
    ),
  );
  $("#open-home").classList.toggle("active", app.home);
  const current = app.channels.find((c) => c.id === app.channel);
  const name = current ? (current.im_user ? "Ramp bot" : `# ${current.name}`) : app.channel;
  $("#channel-name").textContent = app.home ? "Ramp bot · Home" : name;
}

// On the Home tab the channel's transcript keeps coming (hidden), so going back shows it as it is.
function switchTo(user, channel, home = false) {
  app.user = user;
  app.channel = channel;
  app.home = home;
  drawChannels();
  resetTranscript();
  showPane();
  if (home) call("home", {}); // Slack sends app_home_opened each time the tab is opened
}

async function start() {
  await loadState();
  $("#user").addEventListener("change", (event) => switchTo(event.target.value, app.channel, app.home));
  $("#open-home").addEventListener("click", () => switchTo(app.user, app.channel, true));
  const input = $("#composer-input");
  input.addEventListener("input", () => {
    composer.navigated = false;
    showSuggestions();
  });
  input.addEventListener("focus", showSuggestions);
  input.addEventListener("blur", () => setTimeout(() => ($("#suggestions").hidden = true), 150));
  input.addEventListener("keydown", onComposerKey);
  $("#send").addEventListener("click", send);
  setUpDropZone();
  drawChannels();
  document.body.dataset.ready = "1";
  pollForever();
}

start();
