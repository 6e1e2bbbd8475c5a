// The operator's desk: the live picture over server-sent events, the call panel, forms posted with the CSRF token.
// No build step; plain DOM. Every text from the server is set with textContent (never as HTML), except the
// call panel and the lists, which are rendered (and escaped) by the server's templates.
(function () {
  "use strict";
  var body = document.body;
  var meta = document.querySelector('meta[name="csrf"]');
  var csrf = meta ? meta.content : "";
  var prefix = "/desk";
  var myAgent = body.dataset.agent || "";
  var myQueues = JSON.parse(body.dataset.queues || "[]");
  var stateNames = JSON.parse(body.dataset.states || "{}");
  var texts = JSON.parse(body.dataset.texts || "{}");
  var picture = null;
  var shownCall = null;
  var loading = null;

  function $(selector, root) { return (root || document).querySelector(selector); }
  function say(message, bad) {
    var status = $("#status");
    if (!status) { return; }
    status.textContent = message;
    status.className = bad ? "status error" : "status ok";
  }

  function post(url, form) {
    var data = new URLSearchParams(new FormData(form));
    return fetch(url, {method: "POST", credentials: "same-origin", body: data,
      headers: {"Accept": "application/json", "X-CSRF-Token": csrf}})
      .then(function (reply) {
        return reply.json().then(function (json) { return {ok: reply.ok, json: json}; });
      });
  }

  // -- live picture ---------------------------------------------------------------------------------------
  var KEYS = {queue: ["queues", "name"], agent: ["agents", "id"], call: ["calls", "uuid"], supervision: ["supervision", "id"]};

  function upsert(kind, row) {
    var where = KEYS[kind];
    var rows = picture[where[0]];
    for (var i = 0; i < rows.length; i++) {
      if (rows[i][where[1]] === row[where[1]]) { rows[i] = row; return; }
    }
    rows.push(row);
  }
  function remove(kind, row) {
    var where = KEYS[kind];
    picture[where[0]] = picture[where[0]].filter(function (r) { return r[where[1]] !== row[where[1]]; });
  }

  function connect() {
    var live = $("#live");
    var source = new EventSource(prefix + "/events");
    source.addEventListener("open", function () { if (live) { live.textContent = texts.live || "live"; } });
    source.addEventListener("error", function () { if (live) { live.textContent = texts.offline || "…"; } });
    source.addEventListener("snapshot", function (e) { picture = JSON.parse(e.data); render(); });
    Object.keys(KEYS).forEach(function (kind) {
      source.addEventListener(kind, function (e) { if (picture) { upsert(kind, JSON.parse(e.data)); render(); } });
      source.addEventListener(kind + "-ended", function (e) { if (picture) { remove(kind, JSON.parse(e.data)); render(); } });
    });
    source.addEventListener("end", function () { source.close(); });
  }

  function render() {
    renderAgent();
    renderQueues();
    renderWaiting();
    renderWallboardAgents();
  }

  function me() {
    return picture.agents.filter(function (a) { return a.id === myAgent; })[0];
  }

  function renderAgent() {
    var agent = myAgent && me();
    var label = $("#agent-state");
    if (!agent || !label) { return; }
    label.textContent = (stateNames[agent.state] || agent.state) + (agent.reason ? " (" + agent.reason + ")" : "");
    label.dataset.state = agent.state;
    if (agent.call_uuid && agent.call_uuid !== shownCall && agent.call_uuid !== loading) {
      loadCall(agent.call_uuid);
    }
    var panel = $("#call-panel");
    if (panel) {
      panel.dataset.phase = agent.call_uuid === panel.dataset.uuid ? agent.state : "ended";
      var wrapCall = $("#wrapup-call");
      if (wrapCall) { wrapCall.value = panel.dataset.uuid; }
    }
  }

  function renderQueues() {
    picture.queues.forEach(function (q) {
      var row = document.querySelector('tr[data-queue="' + CSS.escape(q.name) + '"]');
      if (!row) { return; }
      row.querySelector(".waiting").textContent = q.waiting;
      row.querySelector(".longest").textContent = q.longest_wait === null ? "" : Math.round(q.longest_wait);
      row.querySelector(".available").textContent = q.available;
    });
  }

  function renderWaiting() {
    var list = $("#waiting-calls");
    var template = $("#pick-template");
    if (!list || !template) { return; }
    list.replaceChildren();
    picture.calls.filter(function (c) { return c.state === "waiting" && myQueues.indexOf(c.queue) >= 0; })
      .forEach(function (c) {
        var item = document.createElement("li");
        var text = document.createElement("span");
        text.textContent = c.caller + " · " + c.queue + " · " + Math.round(c.waited || 0) + " s ";
        item.appendChild(text);
        if (myAgent) {
          var form = template.cloneNode(true);
          form.removeAttribute("id");
          form.hidden = false;
          form.querySelector('input[name="uuid"]').value = c.uuid;
          form.querySelector("button").setAttribute("aria-label", (texts.pick || "pick") + " " + c.caller);
          item.appendChild(form);
        }
        list.appendChild(item);
      });
  }

  function renderWallboardAgents() {
    picture.agents.forEach(function (a) {
      var row = document.querySelector('tr[data-agent="' + CSS.escape(a.id) + '"]');
      if (!row) { return; }
      row.querySelector(".state").textContent = (stateNames[a.state] || a.state) + (a.reason ? " (" + a.reason + ")" : "");
      row.querySelectorAll("button").forEach(function (b) { b.disabled = !a.call_uuid; });
    });
  }

  // -- the call panel ---------------------------------------------------------------------------------------
  function loadCall(uuid) {
    loading = uuid;
    fetch(prefix + "/call/" + encodeURIComponent(uuid), {credentials: "same-origin"})
      .then(function (reply) { return reply.ok ? reply.text() : Promise.reject(reply.status); })
      .then(function (html) {
        var holder = $("#call");
        holder.innerHTML = html;   // rendered and escaped by the server's template
        shownCall = uuid;
        loading = null;
        var heading = $("#call-h", holder);
        say((texts.incoming || "") + ": " + (heading ? heading.textContent : uuid));
        holder.focus();
        if (picture) { renderAgent(); }
      })
      .catch(function () { loading = null; });
  }

  function showCategory(code) {
    document.querySelectorAll("#case-form [data-category]").forEach(function (part) {
      var on = part.dataset.category === code;
      part.hidden = !on;
      if (part.tagName === "FIELDSET") { part.disabled = !on; }
    });
  }

  function chooseCitizen(citizen) {
    document.querySelectorAll(".citizen-id").forEach(function (input) { input.value = citizen.id; });
    var chosen = $("#case-citizen");
    var line = (texts.chosen || "{name}").replace("{name}", citizen.name);
    if (chosen) { chosen.textContent = line; }
    say(line);
  }

  function searchCitizens(form) {
    var q = form.querySelector('input[name="q"]').value;
    fetch(prefix + "/citizens?q=" + encodeURIComponent(q), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (reply) { return reply.json(); })
      .then(function (found) {
        var list = $("#citizen-results");
        list.replaceChildren();
        found.forEach(function (citizen) {
          var item = document.createElement("li");
          item.textContent = citizen.name + " · " + (citizen.phones || []).join(", ") + " · " + citizen.address + " ";
          var use = document.createElement("button");
          use.type = "button";
          use.textContent = texts.use || "Use";
          use.addEventListener("click", function () { chooseCitizen(citizen); });
          item.appendChild(use);
          list.appendChild(item);
        });
      });
  }

  // -- chats and messages beside the call ---------------------------------------------------------------------
  // The lists come rendered (and escaped) by the server; a chat's new messages come as JSON and are shown with
  // textContent. The page asks every few seconds (no push for work items).
  var workBox = $("#work");
  var workTexts = workBox ? JSON.parse(workBox.dataset.texts || "{}") : {};
  var workHtml = "";
  var itemPoll = null;

  function refreshWork() {
    if (!workBox) { return Promise.resolve(); }
    return fetch(prefix + "/work", {credentials: "same-origin"})
      .then(function (reply) { return reply.ok ? reply.text() : Promise.reject(reply.status); })
      .then(function (html) {
        if (html !== workHtml) { workHtml = html; workBox.innerHTML = html; }   // rendered and escaped by the server
        var panel = $("#item-panel");
        var first = $("#held-items .open-item");
        if (!panel && first) { openItem(first.dataset.item); }
      })
      .catch(function () { return null; });
  }

  function openItem(id) {
    fetch(prefix + "/work/" + encodeURIComponent(id), {credentials: "same-origin"})
      .then(function (reply) { return reply.ok ? reply.text() : Promise.reject(reply.status); })
      .then(function (html) {
        var holder = $("#item");
        holder.innerHTML = html;   // rendered and escaped by the server's template
        if (itemPoll) { clearTimeout(itemPoll); }
        var panel = $("#item-panel");
        if (panel && panel.dataset.open === "yes") { itemPoll = setTimeout(pollItem, 1500); }
      })
      .catch(function () { return null; });
  }

  function showMessage(list, m) {
    var item = document.createElement("li");
    item.className = "msg " + m.author;
    item.dataset.seq = m.seq;
    var author = document.createElement("span");
    author.className = "author";
    author.textContent = workTexts[m.author] || m.author;
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    item.appendChild(author);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(text);
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function pollItem() {
    itemPoll = null;
    var panel = $("#item-panel");
    if (!panel || panel.dataset.open !== "yes") { return; }
    var id = panel.dataset.item;
    fetch(prefix + "/work/" + encodeURIComponent(id) + "/messages?after=" + encodeURIComponent(panel.dataset.after),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (reply) { return reply.ok ? reply.json() : Promise.reject(reply.status); })
      .then(function (found) {
        var current = $("#item-panel");
        if (current !== panel) { return; }
        var list = $("#item-messages");
        found.messages.forEach(function (m) {
          if (m.seq > Number(panel.dataset.after)) { showMessage(list, m); panel.dataset.after = m.seq; }
        });
        if (!found.open) {
          panel.dataset.open = "no";
          var ended = $("#chat-ended");
          if (ended) { ended.hidden = false; }
          return;
        }
        itemPoll = setTimeout(pollItem, 1500);
      })
      .catch(function () {
        var current = $("#item-panel");
        if (current === panel) { itemPoll = setTimeout(pollItem, 4000); }
      });
  }

  function workDone(form, json) {
    if (form.hasAttribute("data-accept")) {
      refreshWork().then(function () { openItem(form.dataset.accept); });
      return true;
    }
    if (form.hasAttribute("data-send")) {
      form.reset();
      if (itemPoll) { clearTimeout(itemPoll); }
      pollItem();
      if (!$("#item-panel") || $("#item-panel").dataset.open !== "yes") { say(texts.saved || "saved"); }
      return true;
    }
    if (form.hasAttribute("data-close")) {
      if (itemPoll) { clearTimeout(itemPoll); itemPoll = null; }
      var holder = $("#item");
      var done = document.createElement("p");
      done.className = "muted";
      done.id = "item-closed";
      done.textContent = workTexts.closed || "closed";
      holder.replaceChildren(done);
      say(workTexts.closed || "closed");
      refreshWork();
      refreshLists();
      return true;
    }
    return false;
  }

  document.addEventListener("click", function (e) {
    var target = e.target;
    if (target.classList && target.classList.contains("open-item")) { openItem(target.dataset.item); }
  });

  // -- forms --------------------------------------------------------------------------------------------------
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.id === "citizen-search") { e.preventDefault(); searchCitizens(form); return; }
    if (!form.hasAttribute("data-action")) { return; }
    e.preventDefault();
    if (form.hasAttribute("data-extension")) {
      var extension = $("#sv-extension");
      form.querySelector('input[name="extension"]').value = extension ? extension.value : "";
    }
    var button = form.querySelector('button[type="submit"]');
    if (button) { button.disabled = true; }
    post(form.getAttribute("action"), form).then(function (result) {
      if (button) { button.disabled = false; }
      if (!result.ok) { say(result.json.error || "error", true); return; }
      if (form.id === "new-citizen-form") { chooseCitizen(result.json); return; }
      if (workDone(form, result.json)) { return; }
      if (result.json.reference) {
        say((texts.case_saved || "{reference}").replace("{reference}", result.json.reference));
        form.reset();
        showCategory("");
        refreshLists();
        return;
      }
      say(texts.saved || "saved");
    }).catch(function () { if (button) { button.disabled = false; } say("network error", true); });
  });

  document.addEventListener("change", function (e) {
    if (e.target.id === "category") { showCategory(e.target.value); }
  });

  function refreshLists() {
    var holder = $("#lists");
    if (!holder) { return; }
    fetch(prefix + "/lists", {credentials: "same-origin"})
      .then(function (reply) { return reply.ok ? reply.text() : Promise.reject(reply.status); })
      .then(function (html) { holder.innerHTML = html; });
  }
  document.addEventListener("click", function (e) {
    if (e.target.id === "refresh-lists") { refreshLists(); }
  });

  connect();
  if (workBox) {
    refreshWork();
    setInterval(refreshWork, 3000);
  }
}());
