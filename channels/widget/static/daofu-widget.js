/*
 * 甬导服 portal chat widget — plain JavaScript, no dependencies, no build step.
 *
 * Embed on any page:
 *   <script src="https://SERVICE/widget/daofu-widget.js"></script>
 *   <script>DaofuWidget.init({server: "https://SERVICE"});</script>
 *
 * The widget lives in a shadow root, so the portal's styles do not reach it and its styles do not
 * leak out. It talks to the service over a WebSocket (/widget/ws), reconnects by itself with
 * growing pauses, and rebuilds the conversation after a reload from /widget/history, keyed by a
 * random sender id kept in localStorage.
 *
 * When a hotline agent takes the conversation over, the service pushes the agent's words over the
 * same socket ("push" frames, not answers to a message): they are shown as coming from a person
 * (agent_joined / agent_text / agent_left), apart from the assistant's bubbles.
 *
 * Safety: every text from the bot or the person is put on the page with textContent; links are
 * used only when they are http(s). Nothing from a message is ever parsed as HTML.
 */
(function (global) {
  "use strict";

  if (global.DaofuWidget) {
    return;
  }

  var SCRIPT_SRC = document.currentScript ? document.currentScript.src : "";
  var KEY_SENDER = "daofu.sender";
  var KEY_ELDER = "daofu.elder";
  var KEY_OPEN = "daofu.open";
  var MAX_CHARS = 2000;
  var FIRST_RETRY_MS = 1000;
  var MAX_RETRY_MS = 30000;
  var TYPING_TIMEOUT_MS = 60000;
  var RECOVER_TRIES = 30; // the dialogue client gives up on a turn after 30 s
  var DEMO_TEXT = "演示系统：办事指南为演示数据，不作为正式办事依据。";

  // --- small helpers -------------------------------------------------------------------------

  function readStore(store, key) {
    try {
      return store.getItem(key);
    } catch (e) {
      return null; // storage disabled (privacy mode): the widget still works for this page
    }
  }

  function writeStore(store, key, value) {
    try {
      if (value === null) {
        store.removeItem(key);
      } else {
        store.setItem(key, value);
      }
    } catch (e) {
      /* storage disabled: nothing to keep */
    }
  }

  function randomSender() {
    var bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) {
      hex += ("0" + bytes[i].toString(16)).slice(-2);
    }
    return "web-" + hex;
  }

  function validSender(value) {
    return typeof value === "string" && /^web-[A-Za-z0-9_-]{16,64}$/.test(value);
  }

  /** The URL when it is absolute http(s), else null: no javascript:, data: or relative links. */
  function httpUrl(value) {
    if (typeof value !== "string") {
      return null;
    }
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function str(value) {
    return typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
  }

  /** createElement + class + textContent: the only way this script puts content on the page. */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = str(text);
    }
    return node;
  }

  function defaultServer() {
    if (SCRIPT_SRC) {
      try {
        return new URL(SCRIPT_SRC).origin;
      } catch (e) {
        /* fall through */
      }
    }
    return global.location.origin;
  }

  /** A speech-bubble icon drawn as SVG (no icon font, no emoji font needed). */
  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "dw-launcher-icon");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  /** Lock a rating request's buttons and press the one whose title is ``title`` (if any). */
  function markRated(node, title) {
    var buttons = node.querySelectorAll(".dw-rate");
    var chosen = null;
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].querySelector(".dw-rate-title").textContent === title) {
        chosen = buttons[i];
      }
    }
    if (!chosen) {
      return;
    }
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].disabled = true;
      buttons[j].setAttribute("aria-pressed", buttons[j] === chosen ? "true" : "false");
    }
  }

  function daysText(days) {
    if (typeof days !== "number") {
      return "";
    }
    return days === 0 ? "即办（当场办结）" : days + " 个工作日";
  }

  // --- the widget ----------------------------------------------------------------------------

  function Widget(options) {
    this.server = (options.server || defaultServer()).replace(/\/+$/, "");
    this.title = options.title || "甬导服 · 智能导服";
    this.sender = readStore(global.localStorage, KEY_SENDER);
    if (!validSender(this.sender)) {
      this.sender = randomSender();
      writeStore(global.localStorage, KEY_SENDER, this.sender);
    }
    var storedElder = readStore(global.localStorage, KEY_ELDER);
    this.elder = storedElder === null ? Boolean(options.elderMode) : storedElder === "1";
    this.socket = null;
    this.everConnected = false;
    this.started = false;
    this.retries = 0;
    this.retryTimer = null;
    this.queue = []; // frames not sent yet
    this.inFlight = 0; // frames sent whose answer has not come
    this.awaiting = 0; // messages the person is waiting on (queued + in flight)
    this.typingTimer = null;
    this.build();
    this.applyElder();
    if (options.open || readStore(global.sessionStorage, KEY_OPEN) === "1") {
      this.open(false);
    }
  }

  Widget.prototype.build = function () {
    var self = this;
    var host = el("div");
    host.id = "daofu-widget";
    var shadow = host.attachShadow({ mode: "open" });
    this.host = host;
    this.shadow = shadow;

    var style = el("link");
    style.rel = "stylesheet";
    style.href = this.server + "/widget/daofu-widget.css";
    var root = el("div", "dw-root");
    root.style.visibility = "hidden"; // until the style sheet is there: no flash of raw markup
    style.addEventListener("load", function () {
      root.style.visibility = "";
    });
    style.addEventListener("error", function () {
      root.style.visibility = "";
    });
    shadow.appendChild(style);
    shadow.appendChild(root);
    this.root = root;

    var launcher = el("button", "dw-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "dw-panel");
    launcher.appendChild(chatIcon());
    launcher.appendChild(el("span", "dw-launcher-text", "智能导服"));
    launcher.addEventListener("click", function () {
      self.open(true);
    });
    this.launcher = launcher;
    root.appendChild(launcher);

    var panel = el("section", "dw-panel");
    panel.id = "dw-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "false");
    panel.setAttribute("aria-labelledby", "dw-title");
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") {
        event.preventDefault();
        self.close(true);
      }
    });
    this.panel = panel;

    var header = el("header", "dw-header");
    var heading = el("h2", "dw-title", this.title);
    heading.id = "dw-title";
    header.appendChild(heading);
    header.appendChild(el("span", "dw-demo-tag", "演示"));
    var elderButton = el("button", "dw-elder-toggle", "长者模式");
    elderButton.type = "button";
    elderButton.title = "放大字号、加大按钮、提高对比度";
    elderButton.addEventListener("click", function () {
      self.setElderMode(!self.elder);
    });
    this.elderButton = elderButton;
    header.appendChild(elderButton);
    var closeButton = el("button", "dw-close");
    closeButton.type = "button";
    closeButton.setAttribute("aria-label", "关闭对话窗口");
    closeButton.appendChild(el("span", "", "×")).setAttribute("aria-hidden", "true");
    closeButton.addEventListener("click", function () {
      self.close(true);
    });
    header.appendChild(closeButton);
    panel.appendChild(header);

    this.status = el("div", "dw-status");
    this.status.setAttribute("role", "status");
    this.status.hidden = true;
    panel.appendChild(this.status);

    var log = el("div", "dw-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "off"); // bot messages are announced through the live region below
    log.setAttribute("aria-label", "对话记录");
    log.tabIndex = 0;
    this.log = log;
    this.history = el("div", "dw-history");
    this.live = el("div", "dw-thread");
    this.typing = el("div", "dw-msg dw-bot dw-typing");
    this.typing.hidden = true;
    var dots = el("p", "dw-bubble dw-typing-bubble");
    dots.appendChild(el("span", "dw-sr-only", "正在输入"));
    for (var i = 0; i < 3; i++) {
      dots.appendChild(el("span", "dw-dot")).setAttribute("aria-hidden", "true");
    }
    this.typing.appendChild(dots);
    log.appendChild(this.history);
    log.appendChild(this.live);
    log.appendChild(this.typing);
    panel.appendChild(log);

    this.announcer = el("div", "dw-sr-only dw-announcer");
    this.announcer.setAttribute("aria-live", "polite");
    this.announcer.setAttribute("aria-atomic", "true");
    panel.appendChild(this.announcer);

    var form = el("form", "dw-composer");
    form.setAttribute("novalidate", "");
    var label = el("label", "dw-sr-only", "输入您的问题");
    label.htmlFor = "dw-input";
    var input = el("input", "dw-input");
    input.id = "dw-input";
    input.type = "text";
    input.maxLength = MAX_CHARS;
    input.autocomplete = "off";
    input.placeholder = "请输入您想办的事，如：身份证到期怎么换";
    var send = el("button", "dw-send", "发送");
    send.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (text) {
        input.value = "";
        self.sendText(text, null);
      }
      input.focus();
    });
    this.input = input;
    panel.appendChild(form);
    panel.appendChild(el("p", "dw-footnote", DEMO_TEXT));
    root.appendChild(panel);

    global.addEventListener("online", function () {
      if (self.started && !self.socket) {
        self.connect();
      }
    });

    var attach = function () {
      document.body.appendChild(host);
    };
    if (document.body) {
      attach();
    } else {
      document.addEventListener("DOMContentLoaded", attach);
    }
  };

  // --- opening, closing, elder mode ---------------------------------------------------------

  Widget.prototype.open = function (focus) {
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    writeStore(global.sessionStorage, KEY_OPEN, "1");
    if (!this.started) {
      this.started = true;
      this.loadHistory();
      this.connect();
    }
    this.scrollDown();
    if (focus !== false) {
      this.input.focus();
    }
  };

  Widget.prototype.close = function (focus) {
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    writeStore(global.sessionStorage, KEY_OPEN, null);
    if (focus !== false) {
      this.launcher.focus();
    }
  };

  Widget.prototype.setElderMode = function (on) {
    this.elder = Boolean(on);
    writeStore(global.localStorage, KEY_ELDER, this.elder ? "1" : "0");
    this.applyElder();
    this.announce(this.elder ? "已开启长者模式" : "已关闭长者模式");
  };

  Widget.prototype.applyElder = function () {
    this.root.classList.toggle("dw-elder", this.elder);
    this.elderButton.setAttribute("aria-pressed", this.elder ? "true" : "false");
  };

  // --- the connection -----------------------------------------------------------------------

  Widget.prototype.socketUrl = function () {
    return this.server.replace(/^http/, "ws") + "/widget/ws?sender=" + encodeURIComponent(this.sender);
  };

  Widget.prototype.connect = function () {
    var self = this;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (this.socket) {
      return;
    }
    var socket;
    try {
      socket = new WebSocket(this.socketUrl());
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", function () {
      var again = self.everConnected;
      self.everConnected = true;
      self.retries = 0;
      self.setStatus("");
      if (again && self.inFlight > 0) {
        var lost = self.inFlight;
        self.inFlight = 0;
        self.recover(lost, 0).then(function () {
          self.flush();
        });
        return;
      }
      self.flush();
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      self.onFrame(frame);
    });
    socket.addEventListener("close", function (event) {
      if (self.socket === socket) {
        self.socket = null;
      }
      if (event.code === 4400) {
        // The server refused the sender id: start a new conversation with a fresh one.
        self.sender = randomSender();
        writeStore(global.localStorage, KEY_SENDER, self.sender);
      }
      self.scheduleReconnect();
    });
  };

  Widget.prototype.scheduleReconnect = function () {
    var self = this;
    if (this.retryTimer) {
      return;
    }
    var base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * Math.pow(2, this.retries));
    var delay = Math.round(base * (0.5 + Math.random() * 0.5)); // jitter: not every page at once
    this.retries += 1;
    this.setStatus("连接已断开，正在重新连接…");
    this.retryTimer = setTimeout(function () {
      self.retryTimer = null;
      self.connect();
    }, delay);
  };

  Widget.prototype.flush = function () {
    while (this.queue.length && this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(this.queue.shift()));
      this.inFlight += 1;
    }
  };

  Widget.prototype.onFrame = function (frame) {
    if (!frame || typeof frame !== "object") {
      return;
    }
    if (frame.type === "typing") {
      this.showTyping(true);
    } else if (frame.type === "bot" || frame.type === "push") {
      if (frame.type === "bot") {
        this.replyArrived();
      }
      var messages = Array.isArray(frame.messages) ? frame.messages : [];
      var spoken = [];
      for (var i = 0; i < messages.length; i++) {
        var node = this.render(messages[i]);
        if (node) {
          this.live.appendChild(node);
          spoken.push(this.plainText(messages[i]));
        }
      }
      this.scrollDown();
      this.announce(spoken.join(" "));
    } else if (frame.type === "error") {
      this.replyArrived();
      var notice = el("p", "dw-error", str(frame.message) || "出现问题，请稍后再试。");
      this.live.appendChild(notice);
      this.scrollDown();
      this.announce(notice.textContent);
    }
  };

  Widget.prototype.replyArrived = function () {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.awaiting = Math.max(0, this.awaiting - 1);
    if (this.awaiting === 0) {
      this.showTyping(false);
    }
  };

  Widget.prototype.setStatus = function (text) {
    this.status.textContent = text;
    this.status.hidden = !text;
  };

  Widget.prototype.showTyping = function (on) {
    var self = this;
    this.typing.hidden = !on;
    if (this.typingTimer) {
      clearTimeout(this.typingTimer);
      this.typingTimer = null;
    }
    if (on) {
      this.typingTimer = setTimeout(function () {
        self.typing.hidden = true; // never spin forever
      }, TYPING_TIMEOUT_MS);
      this.scrollDown();
    }
  };

  // --- history ------------------------------------------------------------------------------

  /** The conversation so far from the service (an empty list when it cannot be read). */
  Widget.prototype.fetchHistory = function () {
    var url = this.server + "/widget/history?sender=" + encodeURIComponent(this.sender);
    return fetch(url, { credentials: "omit" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .catch(function () {
        return null;
      })
      .then(function (body) {
        return body && Array.isArray(body.messages) ? body.messages : null;
      });
  };

  /** Show the history above what was said on this page (or instead of everything, with ``replace``). */
  Widget.prototype.showHistory = function (messages, replace) {
    if (replace) {
      this.history.textContent = "";
      this.live.textContent = "";
    }
    var rating = null; // the last rating request shown, until the person's next message
    for (var i = 0; i < messages.length; i++) {
      var node = this.render(messages[i]);
      if (!node) {
        continue;
      }
      this.history.appendChild(node);
      if (node.querySelector(".dw-rating")) {
        rating = node;
      } else if (rating && messages[i].from === "user") {
        markRated(rating, messages[i].text); // a rating given before the reload stays given
        rating = null;
      }
    }
    if (!messages.length && !this.live.childNodes.length && !this.history.childNodes.length) {
      this.history.appendChild(
        el("p", "dw-hint", "您好！请直接告诉我您想办的事，例如“身份证快到期了怎么换”“开小吃店要办什么证”。")
      );
    }
    this.scrollDown();
  };

  Widget.prototype.loadHistory = function () {
    var self = this;
    return this.fetchHistory().then(function (messages) {
      self.showHistory(messages || [], false);
    });
  };

  /**
   * After a reconnect, rebuild the conversation from the tracker: answers sent over the old
   * connection were lost with it. The dialogue may still be working on the last message, so the
   * history is read again (once a second, up to RECOVER_TRIES times) until it holds every message
   * the person sent.
   */
  Widget.prototype.recover = function (lost, attempt) {
    var self = this;
    var sent = this.root.querySelectorAll(".dw-user").length - this.queue.length;
    return this.fetchHistory().then(function (messages) {
      var users = (messages || []).filter(function (message) {
        return message && message.from === "user";
      }).length;
      if ((messages === null || users < sent) && attempt < RECOVER_TRIES) {
        return new Promise(function (resolve) {
          setTimeout(resolve, 1000);
        }).then(function () {
          return self.recover(lost, attempt + 1);
        });
      }
      self.awaiting = Math.max(0, self.awaiting - lost);
      self.showTyping(self.awaiting > 0);
      if (messages === null || users < sent) {
        // The history cannot be read, or a message never reached the service: keep what the page
        // shows and say so, rather than hide what the person wrote.
        var notice = el("p", "dw-error", "连接曾中断，最后的消息可能没有送达，请重新发送。");
        self.live.appendChild(notice);
        self.announce(notice.textContent);
        self.scrollDown();
        return;
      }
      var queued = self.queue.slice();
      self.showHistory(messages, true);
      queued.forEach(function (frame) {
        self.live.appendChild(self.render({ from: "user", text: frame.text })); // still to be sent
      });
      self.scrollDown();
    });
  };

  // --- sending ------------------------------------------------------------------------------

  /** Show ``text`` as the person's message and send ``payload`` (a button's) or the text itself. */
  Widget.prototype.sendText = function (text, payload) {
    var shown = str(text).slice(0, MAX_CHARS);
    if (!shown.trim() && !payload) {
      return;
    }
    var hint = this.history.querySelector(".dw-hint");
    if (hint) {
      hint.remove();
    }
    this.live.appendChild(this.render({ from: "user", text: shown }));
    var frame = { type: "message", text: shown, elder_mode: this.elder };
    if (payload) {
      frame.payload = payload;
    }
    this.queue.push(frame);
    this.awaiting += 1;
    this.showTyping(true);
    this.scrollDown();
    if (!this.started) {
      this.open(false);
    }
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.flush();
    } else {
      this.connect();
    }
  };

  /** Tell the service the application form was opened (it then asks for the 好差评). */
  Widget.prototype.formOpened = function () {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "form_opened", elder_mode: this.elder }));
    }
  };

  // --- rendering ----------------------------------------------------------------------------

  Widget.prototype.plainText = function (message) {
    var parts = [];
    if (message.text) {
      parts.push(str(message.text));
    }
    if (message.custom && message.custom.text && parts.indexOf(str(message.custom.text)) < 0) {
      parts.push(str(message.custom.text));
    }
    return parts.join(" ");
  };

  Widget.prototype.render = function (message) {
    if (!message || typeof message !== "object") {
      return null;
    }
    if (message.from === "user") {
      var mine = el("div", "dw-msg dw-user");
      mine.appendChild(el("p", "dw-bubble", message.text));
      return mine;
    }
    var box = el("div", "dw-msg dw-bot");
    if (message.text) {
      box.appendChild(el("p", "dw-bubble", message.text));
    }
    if (message.custom && typeof message.custom === "object") {
      var custom = this.renderCustom(message.custom);
      if (custom) {
        box.appendChild(custom);
      }
    }
    if (Array.isArray(message.buttons) && message.buttons.length) {
      box.appendChild(this.renderButtons(message.buttons));
    }
    return box.childNodes.length ? box : null;
  };

  Widget.prototype.renderButtons = function (buttons) {
    var self = this;
    var group = el("div", "dw-buttons");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "可选项");
    buttons.forEach(function (button) {
      if (!button || typeof button.title !== "string" || typeof button.payload !== "string") {
        return;
      }
      var node = el("button", "dw-choice", button.title);
      node.type = "button";
      node.addEventListener("click", function () {
        self.sendText(button.title, button.payload);
      });
      group.appendChild(node);
    });
    return group;
  };

  Widget.prototype.renderCustom = function (custom) {
    switch (custom.type) {
      case "guide_card":
        return this.renderGuideCard(custom);
      case "form_handoff":
        return this.renderFormHandoff(custom);
      case "human_handoff":
        return this.renderHumanHandoff(custom);
      case "rating_request":
        return this.renderRating(custom);
      case "agent_joined":
      case "agent_left":
        return this.renderAgentNotice(custom);
      case "agent_text":
        return this.renderAgentText(custom);
      default:
        return custom.text ? el("p", "dw-bubble", custom.text) : null;
    }
  };

  Widget.prototype.renderGuideCard = function (card) {
    var node = el("article", card.district_pending ? "dw-card dw-card-pending" : "dw-card");
    node.setAttribute("aria-label", "办事指南：" + str(card.name));
    node.appendChild(el("h3", "dw-card-title", card.name || "办事指南"));
    var where = card.district_pending
      ? "各区县相同 · 选择区县后显示办理地点"
      : [card.region, card.department].filter(Boolean).map(str).join(" · ");
    if (where) {
      node.appendChild(el("p", "dw-card-sub", where));
    }
    var facts = el("dl", "dw-facts");
    var addFact = function (label, value) {
      if (value === undefined || value === null || value === "") {
        return;
      }
      facts.appendChild(el("dt", "", label));
      facts.appendChild(el("dd", "", value));
    };
    addFact("承诺时限", daysText(card.promised_days));
    addFact("法定时限", daysText(card.legal_days));
    addFact("收费", card.fee);
    addFact("办理地点", card.address);
    addFact("咨询电话", card.phone);
    if (facts.childNodes.length) {
      node.appendChild(facts);
    }
    var online = card.online && typeof card.online === "object" ? card.online : null;
    if (online) {
      var badges = el("ul", "dw-badges");
      badges.setAttribute("aria-label", "办理方式");
      if (online.web) badges.appendChild(el("li", "dw-badge", "可网上办"));
      if (online.mobile) badges.appendChild(el("li", "dw-badge", "浙里办掌上办"));
      if (online.zero_visit) badges.appendChild(el("li", "dw-badge", "零跑腿"));
      if (typeof online.max_visits === "number" && !online.zero_visit) {
        badges.appendChild(el("li", "dw-badge", "最多跑 " + online.max_visits + " 次"));
      }
      if (badges.childNodes.length) {
        node.appendChild(badges);
      }
    }
    if (Array.isArray(card.materials) && card.materials.length) {
      node.appendChild(el("h4", "dw-card-heading", "所需材料"));
      var list = el("ul", "dw-materials");
      card.materials.slice(0, 12).forEach(function (item) {
        var name = item && typeof item === "object" ? item.name : item;
        if (name) {
          list.appendChild(el("li", "", name));
        }
      });
      node.appendChild(list);
    }
    var url = httpUrl(card.form_url);
    if (url) {
      var link = el("a", "dw-card-link", "在线办理");
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      node.appendChild(link);
    }
    if (card.demo !== false) {
      node.appendChild(el("p", "dw-card-demo", "演示数据，仅供参考"));
    }
    return node;
  };

  Widget.prototype.renderFormHandoff = function (handoff) {
    var url = httpUrl(handoff.form_url);
    if (!url) {
      return handoff.text ? el("p", "dw-bubble", handoff.text) : null;
    }
    var node = el("div", "dw-handoff");
    var name = str(handoff.name);
    var region = str(handoff.region);
    node.appendChild(el("p", "dw-handoff-text", "已为您准备好申报表：" + name + (region ? "（" + region + "）" : "")));
    var link = el("a", "dw-handoff-link", "去办理：" + (name || "在线申报"));
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    var self = this;
    link.addEventListener("click", function () {
      self.formOpened(); // the 好差评 of this service comes now, not before the form is opened
    });
    node.appendChild(link);
    node.appendChild(el("p", "dw-handoff-note", "将在新窗口打开申报页面，已知信息会自动填好。"));
    return node;
  };

  Widget.prototype.renderHumanHandoff = function (handoff) {
    var node = el("div", "dw-human");
    node.setAttribute("role", "note");
    node.appendChild(el("strong", "dw-human-title", "人工服务"));
    node.appendChild(el("p", "dw-human-text", handoff.text || "已为您转接人工客服，请稍候。"));
    if (typeof handoff.position === "number" && handoff.position > 0) {
      var facts = el("p", "dw-human-queue");
      facts.appendChild(el("span", "dw-human-place", "排队第 " + handoff.position + " 位"));
      if (typeof handoff.wait_minutes === "number" && handoff.wait_minutes > 0) {
        facts.appendChild(el("span", "dw-human-wait", "预计等待约 " + handoff.wait_minutes + " 分钟"));
      }
      node.appendChild(facts);
    }
    return node;
  };

  /** "A person has joined / left": a line across the conversation, not a bubble. */
  Widget.prototype.renderAgentNotice = function (notice) {
    var node = el("p", "dw-agent-notice" + (notice.type === "agent_joined" ? " dw-agent-joined" : ""), notice.text);
    node.setAttribute("role", "note");
    return node;
  };

  /** The agent's words: a bubble marked as a person's (工作人员), never as the assistant's. */
  Widget.prototype.renderAgentText = function (message) {
    var node = el("div", "dw-agent");
    node.appendChild(el("span", "dw-agent-name", "工作人员" + (message.agent ? " · " + str(message.agent) : "")));
    node.appendChild(el("p", "dw-bubble dw-agent-bubble", message.text));
    return node;
  };

  Widget.prototype.renderRating = function (request) {
    var self = this;
    var node = el("div", "dw-rating");
    node.setAttribute("role", "group");
    node.setAttribute("aria-label", "好差评");
    node.appendChild(el("p", "dw-rating-text", request.text || "请对本次服务进行评价："));
    var row = el("div", "dw-rating-options");
    var options = Array.isArray(request.options) ? request.options : [];
    var buttons = [];
    options.forEach(function (option) {
      if (!option || typeof option.payload !== "string" || typeof option.title !== "string") {
        return;
      }
      var level = typeof option.level === "number" ? Math.max(0, Math.min(5, option.level)) : 0;
      var button = el("button", "dw-rate");
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.dataset.level = String(level);
      button.appendChild(el("span", "dw-stars", "★★★★★".slice(0, level))).setAttribute("aria-hidden", "true");
      button.appendChild(el("span", "dw-rate-title", option.title));
      button.addEventListener("click", function () {
        buttons.forEach(function (other) {
          other.disabled = true;
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
        self.sendText(option.title, option.payload);
      });
      buttons.push(button);
      row.appendChild(button);
    });
    node.appendChild(row);
    return node;
  };

  Widget.prototype.scrollDown = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  Widget.prototype.announce = function (text) {
    var announcer = this.announcer;
    announcer.textContent = "";
    if (text) {
      setTimeout(function () {
        announcer.textContent = text; // set after clearing, so a repeated text is read again
      }, 50);
    }
  };

  // --- public API ---------------------------------------------------------------------------

  var instance = null;

  global.DaofuWidget = {
    /** Put the widget on the page (once); options: server, title, open, elderMode. */
    init: function (options) {
      if (!instance) {
        instance = new Widget(options || {});
      }
      return instance;
    },
    open: function () {
      if (instance) instance.open(true);
    },
    close: function () {
      if (instance) instance.close(true);
    },
    /** Open the panel and send ``text`` as if typed (the portal's search box uses it). */
    ask: function (text) {
      if (instance && str(text).trim()) {
        instance.open(true);
        instance.sendText(str(text).trim(), null);
      }
    },
    setElderMode: function (on) {
      if (instance) instance.setElderMode(on);
    },
  };
})(window);
