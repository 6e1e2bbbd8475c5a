/* fsapp citizen chat widget: one script tag, no build step.
 *   <script src="https://contact.city.example/chat/widget.js" data-queue="roads" data-language="nb" async></script>
 * Texts from the server and from people are shown as text (textContent), never as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.fsappChat) { return; }
  var base = script.src.replace(/\/widget\.js(\?.*)?$/, "");
  var queue = script.getAttribute("data-queue") || "";
  var language = script.getAttribute("data-language") || "";
  var TEXTS = {
    en: {button: "Chat with us", title: "Chat with the city", name: "Name (optional)",
         phone: "Phone (optional)", email: "E-mail (optional)", message: "Your message", start: "Start chat",
         send: "Send", end: "End chat", closed: "We are closed now. Leave a message, or ask us to call you back.",
         callback: "Call me back", leave: "Send message", left: "Thank you. We have your message.",
         position: "You are number {p} in line", wait: ", about {m} min", joined: "You are talking to {o}",
         over: "The chat has ended. Thank you.", busy: "Please try again in a moment.",
         unsent: "Not sent: we cannot be reached just now. Your text is kept; press Send again.", anon: "Anonymous unless you give a phone number or an e-mail address."},
    nb: {button: "Chat med oss", title: "Chat med kommunen", name: "Navn (valgfritt)",
         phone: "Telefon (valgfritt)", email: "E-post (valgfritt)", message: "Din melding", start: "Start chat",
         send: "Send", end: "Avslutt", closed: "Vi har stengt nå. Legg igjen en melding, eller be oss ringe deg.",
         callback: "Ring meg tilbake", leave: "Send melding", left: "Takk. Vi har fått meldingen din.",
         position: "Du er nummer {p} i køen", wait: ", omtrent {m} min", joined: "Du snakker med {o}",
         over: "Chatten er avsluttet. Takk.", busy: "Prøv igjen om litt.",
         unsent: "Ikke sendt: vi kan ikke nås akkurat nå. Teksten din er tatt vare på; trykk Send igjen.", anon: "Anonym med mindre du oppgir telefon eller e-post."}
  };
  var t = TEXTS[language] || TEXTS[(navigator.language || "en").slice(0, 2)] || TEXTS.en;
  // mine: the numbers of the messages this page showed as it sent them (a page opened again shows them all)
  var state = {id: sessionStorage.getItem("fsappChatId"), after: 0, timer: null, mine: {}};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }
  function call(method, path, body) {
    return fetch(base + path, {method: method, headers: body ? {"Content-Type": "application/json"} : {},
                               body: body ? JSON.stringify(body) : undefined, credentials: "omit"})
      .then(function (r) { return r.json().then(function (data) { data._status = r.status; return data; }); });
  }

  var css = "#fsapp-chat-button{position:fixed;right:16px;bottom:16px;z-index:2147483000;padding:10px 16px;" +
    "border:0;border-radius:20px;background:#0b5394;color:#fff;font:15px sans-serif;cursor:pointer}" +
    "#fsapp-chat-panel{position:fixed;right:16px;bottom:64px;z-index:2147483000;width:320px;max-height:480px;" +
    "display:none;flex-direction:column;overflow-y:auto;background:#fff;border:1px solid #999;border-radius:8px;" +
    "font:14px sans-serif}#fsapp-chat-panel>*{flex-shrink:0}" +
    "#fsapp-chat-panel input,#fsapp-chat-panel textarea{margin:4px 8px;padding:4px}" +
    "#fsapp-chat-log{flex:1 1 auto;overflow-y:auto;padding:8px;min-height:60px;max-height:240px}" +
    "#fsapp-chat-log p{margin:4px 0;white-space:pre-wrap}.fsapp-operator{color:#0b5394}.fsapp-system{color:#666}" +
    "#fsapp-chat-status{padding:4px 8px;color:#444}";
  document.head.appendChild(el("style", {}, css));
  var button = el("button", {id: "fsapp-chat-button", type: "button"}, t.button);
  var panel = el("div", {id: "fsapp-chat-panel", role: "dialog", "aria-label": t.title});
  var status = el("div", {id: "fsapp-chat-status", "aria-live": "polite"});
  var log = el("div", {id: "fsapp-chat-log"});
  var form = el("div", {id: "fsapp-chat-form"});
  var name = el("input", {id: "fsapp-chat-name", placeholder: t.name, maxlength: "80"});
  var phone = el("input", {id: "fsapp-chat-phone", placeholder: t.phone, maxlength: "40", type: "tel"});
  var email = el("input", {id: "fsapp-chat-email", placeholder: t.email, maxlength: "200", type: "email"});
  var text = el("textarea", {id: "fsapp-chat-text", placeholder: t.message, maxlength: "2000", rows: "3"});
  var send = el("button", {id: "fsapp-chat-send", type: "button"}, t.start);
  var end = el("button", {id: "fsapp-chat-end", type: "button"}, t.end);
  var callbackBox = el("label", {id: "fsapp-chat-callback-label"});
  var callback = el("input", {id: "fsapp-chat-callback", type: "checkbox"});
  callbackBox.appendChild(callback);
  callbackBox.appendChild(document.createTextNode(" " + t.callback));
  [name, phone, email].forEach(function (input) { form.appendChild(input); });
  form.appendChild(el("div", {id: "fsapp-chat-anon", "class": "fsapp-system"}, t.anon));
  end.style.display = "none";
  callbackBox.style.display = "none";
  [el("strong", {}, t.title), status, log, form, callbackBox, text, send, end].forEach(function (n) { panel.appendChild(n); });
  document.body.appendChild(button);
  document.body.appendChild(panel);

  function say(author, words) {
    log.appendChild(el("p", {"class": "fsapp-" + author}, words));
    log.scrollTop = log.scrollHeight;
  }
  function showStatus(view) {
    if (view.state === "waiting" && view.position) {
      status.textContent = t.position.replace("{p}", view.position) +
        (view.wait !== null && view.wait !== undefined ? t.wait.replace("{m}", Math.max(1, Math.round(view.wait / 60))) : "");
    } else if (view.state === "talking") {
      status.textContent = t.joined.replace("{o}", view.operator || "");
    } else if (view.state === "closed") {
      finish();
    }
  }
  function finish() {
    clearTimeout(state.timer);
    state.id = null;
    sessionStorage.removeItem("fsappChatId");
    status.textContent = t.over;
    text.style.display = send.style.display = end.style.display = "none";
  }
  function poll() {
    if (!state.id) { return; }
    call("GET", "/v1/chats/" + encodeURIComponent(state.id) + "?after=" + state.after).then(function (view) {
      if (view._status === 404) { finish(); return; }
      (view.messages || []).forEach(function (m) {
        state.after = Math.max(state.after, m.seq);
        if (m.author !== "citizen" || !state.mine[m.seq]) { say(m.author, m.text); }
      });
      showStatus(view);
      if (state.id) { state.timer = setTimeout(poll, 2000); }
    }, function () { state.timer = setTimeout(poll, 5000); });
  }
  function talking() {
    form.style.display = "none";
    send.textContent = t.send;
    end.style.display = "";
    poll();
  }
  function start(words) {
    call("POST", "/v1/chats", {text: words, name: name.value, phone: phone.value, email: email.value,
                               queue: queue, language: language}).then(function (view) {
      if (view._status !== 201) { status.textContent = view._status === 503 ? t.busy : view.error; return; }
      text.value = "";
      state.id = view.id;
      sessionStorage.setItem("fsappChatId", view.id);
      say("citizen", words);
      (view.messages || []).forEach(function (m) { state.after = Math.max(state.after, m.seq); state.mine[m.seq] = true; });
      showStatus(view);
      talking();
    }, function () { status.textContent = t.unsent; });
  }
  function leave(words) {
    call("POST", "/v1/messages", {text: words, name: name.value, phone: phone.value, email: email.value,
                                  queue: queue, language: language, callback: callback.checked}).then(function (r) {
      if (r._status !== 201) { status.textContent = r.error; return; }
      status.textContent = t.left;
      text.style.display = send.style.display = form.style.display = callbackBox.style.display = "none";
    });
  }
  send.addEventListener("click", function () {
    var words = text.value.trim();
    if (!words) { return; }
    if (panel.getAttribute("data-mode") === "closed") { leave(words); return; }
    if (!state.id) { start(words); return; }
    // the text stays in the box until the server has kept it: nothing is lost while it cannot be reached
    call("POST", "/v1/chats/" + encodeURIComponent(state.id) + "/messages", {text: words}).then(function (r) {
      if (r._status === 201) {
        if (text.value.trim() === words) { text.value = ""; }
        state.mine[r.seq] = true;
        say("citizen", words);
      } else { status.textContent = r.error || t.unsent; }
    }, function () { status.textContent = t.unsent; });
  });
  end.addEventListener("click", function () {
    if (state.id) { call("POST", "/v1/chats/" + encodeURIComponent(state.id) + "/close", {}).then(finish); }
  });
  button.addEventListener("click", function () {
    var opening = panel.style.display !== "flex";
    panel.style.display = opening ? "flex" : "none";
    if (!opening || panel.getAttribute("data-mode")) { return; }
    if (state.id) { panel.setAttribute("data-mode", "open"); talking(); return; }
    call("GET", "/v1/status?queue=" + encodeURIComponent(queue)).then(function (s) {
      panel.setAttribute("data-mode", s.open ? "open" : "closed");
      if (!s.open) {
        status.textContent = t.closed;
        callbackBox.style.display = "";
        send.textContent = t.leave;
      }
    });
  });
  window.fsappChat = {open: function () { if (panel.style.display !== "flex") { button.click(); } }};
})();
