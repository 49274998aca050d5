/*
 * 12345 hotline agent console — plain JavaScript, no dependencies, no build step.
 *
 * The token is kept in sessionStorage (this tab only) and sent as "Authorization: Bearer …" with
 * every API call. All content is put on the page with textContent; links only when http(s).
 * Keyboard: "/" search, ↑/↓ move in results, Enter open, "c" copy the SMS text, Esc back to results.
 *
 * Takeover: 接听 takes a hand-off and opens the conversation in the right column (transcript with
 * personal numbers masked, matter and district, a reply box); 结束人工服务 gives it back to the
 * assistant. The queue shows how long each person has waited, the longest wait on top.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "daofu.agentToken";
  var POLL_MS = 4000;
  var TALK_POLL_MS = 2000;

  var state = {
    token: null,
    agent: null,
    hits: [],
    selected: -1,
    guide: null,
    query: "",
    searchRegion: "",
    confirmedRegion: "",
    pollTimer: null,
    tickTimer: null,
    handoffs: [],
    receivedAt: 0,
    talking: null,
    talkTimer: null,
    talkCount: -1,
  };

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function httpUrl(value) {
    if (typeof value !== "string") return null;
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function days(value) {
    if (typeof value !== "number") return "—";
    return value === 0 ? "即办（当场办结）" : value + " 个工作日";
  }

  function readToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch (e) {
      return null;
    }
  }

  function writeToken(token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      /* storage disabled: the token lives in memory for this page */
    }
  }

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }

  /** Call the console API; rejects with ApiError (401 sends the agent back to the login). */
  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(
      function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            if (!response.ok) {
              if (response.status === 401 && state.agent) logout("登录已失效，请重新登录。");
              throw new ApiError(response.status, (data && data.error) || "请求失败（HTTP " + response.status + "）");
            }
            return data;
          });
      },
      function () {
        throw new ApiError(0, "无法连接服务，请检查网络后重试。");
      }
    );
  }

  function setStatus(id, text, problem) {
    var node = $(id);
    node.textContent = text || "";
    node.classList.toggle("problem", Boolean(problem));
  }

  // --- views ---------------------------------------------------------------------------------

  function show(view) {
    ["not-configured", "login", "console", "report"].forEach(function (id) {
      $(id).hidden = id !== view;
    });
    var inside = view === "console" || view === "report";
    $("who").hidden = !inside;
    $("report-button").hidden = !inside;
    $("logout-button").hidden = !inside;
  }

  function start() {
    fetch("/api/agent/status", { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        if (result.status === 503) {
          $("not-configured-detail").textContent = (result.data && result.data.error) || "";
          show("not-configured");
          return;
        }
        var saved = readToken();
        if (saved) {
          login(saved, true);
        } else {
          show("login");
          $("token").focus();
        }
      })
      .catch(function () {
        show("login");
        setStatus("login-error", "无法连接服务，请稍后刷新页面。");
      });
  }

  function login(token, silent) {
    state.token = token;
    api("GET", "/api/agent/me")
      .then(function (me) {
        state.agent = me.agent_id;
        writeToken(token);
        $("who").textContent = "坐席：" + me.agent_id;
        setStatus("login-error", "");
        show("console");
        loadRegions();
        pollHandoffs();
        $("q").focus();
      })
      .catch(function (error) {
        state.token = null;
        writeToken(null);
        show("login");
        if (!silent || error.status !== 401) {
          setStatus("login-error", error.status === 401 ? "令牌无效，请核对后重试。" : error.message);
        }
        $("token").focus();
      });
  }

  function logout(message) {
    state.token = null;
    state.agent = null;
    writeToken(null);
    if (state.pollTimer) clearTimeout(state.pollTimer);
    state.pollTimer = null;
    closeTalk();
    show("login");
    setStatus("login-error", message || "");
    $("token").value = "";
    $("token").focus();
  }

  function loadRegions() {
    api("GET", "/api/agent/regions")
      .then(function (data) {
        ["region", "guide-district"].forEach(function (id) {
          var select = $(id);
          while (select.options.length > 1) select.remove(1);
          (data.regions || []).forEach(function (region) {
            var option = el("option", "", region.name);
            option.value = region.name;
            select.appendChild(option);
          });
        });
      })
      .catch(function () {
        /* the filter stays "全市"; searching still works */
      });
  }

  // --- search --------------------------------------------------------------------------------

  function search() {
    var q = $("q").value.trim();
    if (!q) {
      setStatus("search-status", "请输入来电人想办的事。");
      return;
    }
    var region = $("region").value;
    state.query = q;
    state.searchRegion = region;
    clearGuide();
    setStatus("search-status", "正在查询…");
    var path = "/api/agent/search?top_k=10&q=" + encodeURIComponent(q) + (region ? "&region=" + encodeURIComponent(region) : "");
    api("GET", path)
      .then(function (result) {
        state.hits = result.hits || [];
        renderResults(result);
      })
      .catch(function (error) {
        state.hits = [];
        renderResults(null);
        setStatus("search-status", error.message);
      });
  }

  function renderResults(result) {
    var list = $("results");
    list.textContent = "";
    state.selected = -1;
    if (!result) return;
    var status = "找到 " + state.hits.length + " 个事项";
    if (result.no_match) status = "没有把握的匹配，以下结果仅供参考，请向来电人确认。";
    if (result.district) status += "（区县：" + result.district + "）";
    setStatus("search-status", status);
    state.hits.forEach(function (hit, index) {
      var item = el("li", "result");
      item.id = "result-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.tabIndex = -1;
      var title = el("span", "result-name", hit.name);
      item.appendChild(title);
      var meta = el("span", "result-meta", [hit.region, hit.department].filter(Boolean).join(" · "));
      item.appendChild(meta);
      if (hit.needs_region) item.appendChild(el("span", "badge warn", hit.note || "需确认区县"));
      item.addEventListener("click", function () {
        select(index, true);
        openGuide(index);
      });
      list.appendChild(item);
    });
    if (state.hits.length) select(0, false);
  }

  function select(index, focus) {
    var items = $("results").children;
    if (!items.length) return;
    index = Math.max(0, Math.min(items.length - 1, index));
    for (var i = 0; i < items.length; i++) {
      items[i].setAttribute("aria-selected", i === index ? "true" : "false");
      items[i].tabIndex = i === index ? 0 : -1;
    }
    state.selected = index;
    if (focus) items[index].focus();
  }

  // --- guide detail --------------------------------------------------------------------------

  /** Close the guide on screen (a new search must never leave the previous one to copy). */
  function clearGuide() {
    state.guide = null;
    state.confirmedRegion = "";
    $("detail-body").hidden = true;
    $("detail-body").textContent = "";
    $("detail-actions").hidden = true;
    $("sms-box").hidden = true;
    $("sms-text").value = "";
    $("detail-empty").hidden = false;
    setStatus("action-status", "");
  }

  function openGuide(index) {
    var hit = state.hits[index];
    if (!hit) return;
    loadGuide(hit.guide_id, hit.needs_region);
  }

  function loadGuide(guideId, needsRegion, region) {
    var path = "/api/agent/guides/" + encodeURIComponent(guideId) + "?q=" + encodeURIComponent(state.query);
    setStatus("action-status", "");
    api("GET", path)
      .then(function (guide) {
        showGuide(guide, needsRegion, region || state.searchRegion);
        $("detail").focus();
      })
      .catch(function (error) {
        setStatus("action-status", error.message);
      });
  }

  /** Put ``guide`` on screen; a per-district matter counts as confirmed only for ``region``. */
  function showGuide(guide, needsRegion, region) {
    state.guide = guide;
    state.confirmedRegion = guide.per_district && region && region === guide.region ? region : "";
    renderGuide(guide, needsRegion || (guide.per_district && !state.confirmedRegion));
    var row = $("district-row");
    row.hidden = !guide.per_district;
    $("guide-district").value = state.confirmedRegion;
  }

  /** The agent chose the caller's district: open that district's guide of the same matter. */
  function chooseDistrict() {
    var region = $("guide-district").value;
    if (!state.guide || !region) return;
    var path = "/api/agent/matters/" + encodeURIComponent(state.guide.matter_code) + "/guide?region=" +
      encodeURIComponent(region) + "&q=" + encodeURIComponent(state.query);
    api("GET", path)
      .then(function (guide) {
        showGuide(guide, false, region);
        setStatus("action-status", "已切换为" + region + "的办事指南。");
      })
      .catch(function (error) {
        setStatus("action-status", error.message);
      });
  }

  /** The district the SMS and link are for: required for a per-district matter. */
  function smsRegion() {
    return state.guide && state.guide.per_district ? state.confirmedRegion : "";
  }

  function needDistrict() {
    if (state.guide && state.guide.per_district && !state.confirmedRegion) {
      setStatus("action-status", "「" + state.guide.name + "」由各区县分别办理：请先在上方选择来电人所在的区县。", true);
      $("guide-district").focus();
      return true;
    }
    return false;
  }

  function fact(list, label, value) {
    list.appendChild(el("dt", "", label));
    var dd = el("dd", "", value === undefined || value === null || value === "" ? "—" : value);
    list.appendChild(dd);
    return dd;
  }

  function renderGuide(guide, needsRegion) {
    var body = $("detail-body");
    body.textContent = "";
    var head = el("div", "guide-head");
    head.appendChild(el("h3", "guide-name", guide.name));
    if (needsRegion) head.appendChild(el("span", "badge warn", "需确认区县"));
    if (guide.per_district && !needsRegion) head.appendChild(el("span", "badge", "适用：" + guide.region));
    if (guide.demo) head.appendChild(el("span", "badge demo", "演示数据"));
    body.appendChild(head);
    body.appendChild(el("p", "guide-sub", [guide.region, guide.department, guide.guide_id].filter(Boolean).join(" · ")));

    var facts = el("dl", "facts");
    fact(facts, "承诺时限", days(guide.promised_days));
    fact(facts, "法定时限", days(guide.legal_days));
    fact(facts, "收费", guide.fee);
    fact(facts, "办理地点", guide.address);
    fact(facts, "办公时间", guide.hours);
    fact(facts, "咨询电话", guide.phone);
    var online = guide.online || {};
    fact(facts, "网上办理", online.web ? "可网上办" : "不支持");
    fact(facts, "掌上办理", online.mobile ? "浙里办可办" : "不支持");
    fact(facts, "零跑腿", online.zero_visit ? "是" : "否");
    fact(facts, "最多跑", typeof online.max_visits === "number" ? online.max_visits + " 次" : "—");
    var formCell = fact(facts, "申报链接", "");
    var url = httpUrl(guide.form_url);
    formCell.textContent = "";
    if (url) {
      var link = el("a", "form-link", url);
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      formCell.appendChild(link);
    } else {
      formCell.textContent = "未开通网上申报";
    }
    fact(facts, "服务对象", (guide.service_object || []).join("、"));
    body.appendChild(facts);

    if (guide.conditions) {
      body.appendChild(el("h4", "", "受理条件"));
      body.appendChild(el("p", "conditions", guide.conditions));
    }

    body.appendChild(el("h4", "", "申请材料"));
    var table = el("table", "materials");
    var headRow = el("tr");
    ["材料", "形式", "份数", "必需", "电子证照", "说明"].forEach(function (label) {
      headRow.appendChild(el("th", "", label));
    });
    var thead = el("thead");
    thead.appendChild(headRow);
    table.appendChild(thead);
    var tbody = el("tbody");
    (guide.materials || []).forEach(function (material) {
      var row = el("tr");
      row.appendChild(el("td", "", material.name));
      row.appendChild(el("td", "", material.form));
      row.appendChild(el("td", "", material.copies));
      row.appendChild(el("td", "", material.required ? "必需" : "视情形"));
      row.appendChild(el("td", "", material.e_license ? "可用" : "—"));
      row.appendChild(el("td", "", material.note || ""));
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    body.appendChild(table);

    if ((guide.steps || []).length) {
      body.appendChild(el("h4", "", "办理流程"));
      var steps = el("ol", "steps");
      guide.steps.forEach(function (step) {
        steps.appendChild(el("li", "", step));
      });
      body.appendChild(steps);
    }
    if ((guide.faq || []).length) {
      body.appendChild(el("h4", "", "常见问题"));
      var faq = el("dl", "faq");
      guide.faq.forEach(function (entry) {
        faq.appendChild(el("dt", "", entry.q));
        faq.appendChild(el("dd", "", entry.a));
      });
      body.appendChild(faq);
    }
    if (guide.demo_notice) body.appendChild(el("p", "demo-notice", guide.demo_notice));

    $("detail-empty").hidden = true;
    body.hidden = false;
    $("detail-actions").hidden = false;
    $("sms-box").hidden = true;
    $("detail").scrollTop = 0;
  }

  // --- SMS and links -------------------------------------------------------------------------

  function copyText(text) {
    var textarea = $("sms-text");
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return legacyCopy(textarea);
      });
    }
    return Promise.resolve(legacyCopy(textarea));
  }

  function legacyCopy(textarea) {
    textarea.focus();
    textarea.select();
    try {
      if (!document.execCommand("copy")) throw new Error("copy refused");
    } catch (e) {
      throw new Error("浏览器不允许自动复制，请手动复制短信内容。");
    }
  }

  function copySms() {
    if (!state.guide || needDistrict()) return;
    var guideId = state.guide.guide_id;
    var path = "/api/agent/guides/" + encodeURIComponent(guideId) + "/sms?q=" + encodeURIComponent(state.query) +
      (smsRegion() ? "&region=" + encodeURIComponent(smsRegion()) : "");
    api("GET", path)
      .then(function (sms) {
        if (!state.guide || state.guide.guide_id !== sms.guide_id) return; // another guide opened meanwhile
        $("sms-text").value = sms.text;
        $("sms-count").textContent = sms.length + " / " + sms.limit + " 字 · " + sms.region;
        $("sms-box").hidden = false;
        return copyText(sms.text).then(
          function () {
            setStatus("action-status", "短信内容已复制（" + sms.region + "，" + sms.length + " 字）。");
          },
          function (error) {
            setStatus("action-status", error.message, true);
          }
        );
      })
      .catch(function (error) {
        setStatus("action-status", error.message, true);
      });
  }

  function sendLink() {
    if (!state.guide || needDistrict()) return;
    var phone = $("phone").value.trim();
    var body = { q: state.query };
    if (phone) body.phone = phone;
    if (smsRegion()) body.region = smsRegion();
    api("POST", "/api/agent/guides/" + encodeURIComponent(state.guide.guide_id) + "/send-link", body)
      .then(function (result) {
        $("sms-text").value = result.sms;
        $("sms-count").textContent = result.sms.length + " / 300 字";
        $("sms-box").hidden = false;
        setStatus(
          "action-status",
          "已记录发送办理链接" + (result.phone ? "至 " + result.phone : "") + "（" + result.region + "）。" + (result.note || "")
        );
        $("phone").value = "";
      })
      .catch(function (error) {
        setStatus("action-status", error.message, true);
      });
  }

  // --- hand-off queue ------------------------------------------------------------------------

  function pollHandoffs() {
    if (state.pollTimer) clearTimeout(state.pollTimer);
    if (!state.token) return;
    Promise.all([api("GET", "/api/agent/handoffs?status=active"), api("GET", "/api/agent/callbacks")])
      .then(function (results) {
        state.handoffs = results[0].handoffs || [];
        state.receivedAt = Date.now();
        renderHandoffs(state.handoffs);
        renderCallbacks(results[1].callbacks || []);
        setStatus("queue-status", "");
      })
      .catch(function (error) {
        setStatus("queue-status", error.message, true);
      })
      .then(function () {
        if (state.token) state.pollTimer = setTimeout(pollHandoffs, POLL_MS);
      });
  }

  var CHANNELS = { widget: "网页", wechat: "微信", api: "接口", agent: "热线" };

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return seconds + " 秒";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " 分 " + (seconds % 60) + " 秒";
    return Math.floor(minutes / 60) + " 小时 " + (minutes % 60) + " 分";
  }

  /** "web-0123…cdef": long conversation ids shortened for the eye, whole in the tooltip. */
  function shortId(id) {
    id = String(id || "");
    return id.length > 18 ? id.slice(0, 10) + "…" + id.slice(-4) : id;
  }

  /** The waiting times count up every second between two polls. */
  function tickWaits() {
    var elapsed = (Date.now() - state.receivedAt) / 1000;
    var nodes = document.querySelectorAll("#handoffs .handoff-wait[data-waiting]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = "已等待 " + duration(Number(nodes[i].dataset.waiting) + elapsed);
    }
  }

  function renderHandoffs(handoffs) {
    var list = $("handoffs");
    var focusedId = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.handoff : null;
    var focusedAction = focusedId ? document.activeElement.dataset.action : null;
    list.textContent = "";
    var waiting = handoffs.filter(function (h) {
      return h.status === "open";
    }).length;
    $("queue-count").textContent = String(waiting);
    if (!handoffs.length) {
      list.appendChild(el("li", "muted", "暂无待处理的转人工会话。"));
      return;
    }
    handoffs.forEach(function (handoff) {
      var item = el("li", "handoff " + handoff.status);
      item.dataset.id = String(handoff.id);
      var head = el("div", "handoff-head");
      head.appendChild(el("span", "handoff-id", "#" + handoff.id));
      head.appendChild(el("span", "badge", CHANNELS[handoff.channel] || handoff.channel));
      head.appendChild(
        el("span", "badge " + (handoff.status === "open" ? "warn" : ""), handoff.status === "open" ? "待接听" : "已接听 · " + (handoff.taken_by || ""))
      );
      item.appendChild(head);
      if (handoff.status === "open" && typeof handoff.waiting_seconds === "number") {
        var wait = el("p", "handoff-wait" + (handoff.waiting_seconds >= 120 ? " long" : ""), "已等待 " + duration(handoff.waiting_seconds));
        wait.dataset.waiting = String(handoff.waiting_seconds);
        item.appendChild(wait);
      }
      var when = new Date(handoff.created_at);
      item.appendChild(el("p", "muted", (isNaN(when) ? "" : when.toLocaleTimeString("zh-CN")) + (handoff.region ? " · " + handoff.region : "")));
      if (handoff.matter_name || handoff.matter_code) {
        item.appendChild(el("p", "handoff-matter", "事项：" + (handoff.matter_name || handoff.matter_code)));
      }
      item.appendChild(el("p", "handoff-summary", handoff.summary || "（无摘要）"));
      var sender = el("p", "muted handoff-sender", "会话 " + shortId(handoff.sender_id));
      sender.title = handoff.sender_id;
      item.appendChild(sender);
      var actions = el("div", "handoff-actions");
      var addButton = function (label, action, handler, primary) {
        var button = el("button", primary ? "primary small" : "small", label);
        button.type = "button";
        button.dataset.handoff = String(handoff.id);
        button.dataset.action = action;
        button.addEventListener("click", handler);
        actions.appendChild(button);
        if (focusedId === String(handoff.id) && focusedAction === action) button.focus();
      };
      if (handoff.status === "open") {
        addButton("接听", "take", function () {
          takeHandoff(handoff);
        }, true);
      } else if (handoff.taken_by === state.agent) {
        addButton("继续对话", "talk", function () {
          openTalk(handoff);
        }, true);
      }
      if (handoff.status === "open" || handoff.taken_by === state.agent) {
        addButton("结束", "close", function () {
          updateHandoff(handoff.id, "closed");
        });
      }
      if (handoff.guide_id) {
        addButton("查看指南", "guide", function () {
          loadGuide(handoff.guide_id, false, handoff.region || "");
        });
      }
      item.appendChild(actions);
      list.appendChild(item);
    });
  }

  function renderCallbacks(callbacks) {
    var list = $("callbacks");
    list.textContent = "";
    $("callback-count").textContent = String(callbacks.length);
    if (!callbacks.length) {
      list.appendChild(el("li", "muted", "暂无回电预约。"));
      return;
    }
    callbacks.forEach(function (callback) {
      var item = el("li", "handoff callback " + callback.status);
      item.dataset.callback = String(callback.id);
      var head = el("div", "handoff-head");
      head.appendChild(el("span", "handoff-id", "回电 #" + callback.id));
      head.appendChild(el("span", "badge", CHANNELS[callback.channel] || callback.channel));
      head.appendChild(el("span", "callback-phone", callback.phone || "—"));
      item.appendChild(head);
      var when = new Date(callback.created_at);
      item.appendChild(el("p", "muted", (isNaN(when) ? "" : when.toLocaleString("zh-CN")) + (callback.region ? " · " + callback.region : "")));
      var actions = el("div", "handoff-actions");
      var button = el("button", "small", callback.status === "taken" ? "已回电" : "回电");
      button.type = "button";
      button.addEventListener("click", function () {
        api("POST", "/api/agent/callbacks/" + callback.id, { status: callback.status === "taken" ? "done" : "taken" })
          .then(pollHandoffs)
          .catch(function (error) {
            setStatus("queue-status", error.message, true);
          });
      });
      actions.appendChild(button);
      item.appendChild(actions);
      list.appendChild(item);
    });
  }

  function takeHandoff(handoff) {
    api("POST", "/api/agent/handoffs/" + handoff.id, { status: "taken" })
      .then(function (taken) {
        setStatus("queue-status", "已接听 #" + handoff.id);
        openTalk(taken);
        pollHandoffs();
      })
      .catch(function (error) {
        setStatus("queue-status", error.message, true);
        pollHandoffs();
      });
  }

  function updateHandoff(id, status) {
    api("POST", "/api/agent/handoffs/" + id, { status: status })
      .then(function () {
        setStatus("queue-status", status === "taken" ? "已接听 #" + id : "已结束 #" + id);
        if (state.talking && state.talking.id === id) closeTalk();
        pollHandoffs();
      })
      .catch(function (error) {
        setStatus("queue-status", error.message, true);
      });
  }

  // --- the conversation an agent holds ------------------------------------------------------

  function openTalk(handoff) {
    state.talking = handoff;
    state.talkCount = -1;
    $("queue-view").hidden = true;
    $("talk").hidden = false;
    $("console").classList.add("talking");
    $("talk-title").textContent = "对话 #" + handoff.id;
    $("talk-log").textContent = "";
    setStatus("talk-status", "");
    renderTalkFacts(handoff);
    if (handoff.guide_id) loadGuide(handoff.guide_id, false, handoff.region || "");
    pollTalk();
    $("talk-input").focus();
  }

  function closeTalk() {
    if (state.talkTimer) clearTimeout(state.talkTimer);
    state.talkTimer = null;
    state.talking = null;
    $("talk").hidden = true;
    $("queue-view").hidden = false;
    $("console").classList.remove("talking");
  }

  function renderTalkFacts(handoff) {
    var facts = [
      "事项：" + (handoff.matter_name || handoff.matter_code || "未确定"),
      "区县：" + (handoff.region || "未说明"),
      "渠道：" + (CHANNELS[handoff.channel] || handoff.channel),
    ];
    $("talk-facts").textContent = facts.join(" · ");
  }

  function pollTalk() {
    if (state.talkTimer) clearTimeout(state.talkTimer);
    var handoff = state.talking;
    if (!handoff || !state.token) return;
    api("GET", "/api/agent/handoffs/" + handoff.id + "/transcript")
      .then(function (data) {
        if (!state.talking || state.talking.id !== handoff.id) return;
        state.talking = data.handoff;
        renderTalkFacts(data.handoff);
        renderTranscript(data.transcript || []);
        if (data.handoff.status === "closed") {
          setStatus("talk-status", "这次人工服务已结束。");
        }
      })
      .catch(function (error) {
        setStatus("talk-status", error.message, true);
      })
      .then(function () {
        if (state.talking && state.talking.id === handoff.id && state.talking.status !== "closed") {
          state.talkTimer = setTimeout(pollTalk, TALK_POLL_MS);
        }
      });
  }

  var AUTHORS = { citizen: "来电人", bot: "智能导服", agent: "坐席", notice: "系统" };

  function renderTranscript(lines) {
    if (lines.length === state.talkCount) return;
    var log = $("talk-log");
    var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.textContent = "";
    lines.forEach(function (line) {
      var item = el("li", "line " + line.from);
      item.appendChild(el("span", "line-who", AUTHORS[line.from] || line.from));
      item.appendChild(el("span", "line-text", line.text));
      log.appendChild(item);
    });
    if (atBottom || state.talkCount < 0) log.scrollTop = log.scrollHeight;
    state.talkCount = lines.length;
  }

  function sendTalk() {
    var handoff = state.talking;
    var text = $("talk-input").value.trim();
    if (!handoff || !text) return;
    $("talk-send").disabled = true;
    api("POST", "/api/agent/handoffs/" + handoff.id + "/messages", { text: text })
      .then(function (sent) {
        $("talk-input").value = "";
        setStatus("talk-status", sent.live ? "已发送。" : "已发送（来电人当前不在线，重新打开对话时可看到）。");
        pollTalk();
      })
      .catch(function (error) {
        setStatus("talk-status", error.message, true);
      })
      .then(function () {
        $("talk-send").disabled = false;
        $("talk-input").focus();
      });
  }

  function releaseTalk() {
    var handoff = state.talking;
    if (!handoff) return;
    api("POST", "/api/agent/handoffs/" + handoff.id + "/release", {})
      .then(function () {
        closeTalk();
        setStatus("queue-status", "#" + handoff.id + " 已交还智能导服，并已请来电人评价。");
        pollHandoffs();
      })
      .catch(function (error) {
        setStatus("talk-status", error.message, true);
      });
  }

  // --- monthly report ------------------------------------------------------------------------

  function openReport() {
    show("report");
    var input = $("report-month");
    if (!input.value) {
      var now = new Date();
      input.value = now.getFullYear() + "-" + ("0" + (now.getMonth() + 1)).slice(-2);
    }
    loadReport();
    input.focus();
  }

  function table(headers, rows) {
    var node = el("table", "report-table");
    var head = el("tr");
    headers.forEach(function (label) {
      head.appendChild(el("th", "", label));
    });
    node.appendChild(head);
    rows.forEach(function (cells) {
      var row = el("tr");
      cells.forEach(function (cell) {
        row.appendChild(el("td", "", cell));
      });
      node.appendChild(row);
    });
    return node;
  }

  function loadReport() {
    var body = $("report-body");
    body.textContent = "正在生成…";
    api("GET", "/api/agent/report?month=" + encodeURIComponent($("report-month").value))
      .then(function (report) {
        body.textContent = "";
        var lookups = report.lookups || {};
        body.appendChild(el("h3", "", report.month + " 汇总"));
        body.appendChild(
          table(
            ["查询", "查看指南", "复制短信", "发送链接", "无结果查询", "转人工", "评价数", "满意率"],
            [[
              lookups.search, lookups.view, lookups.sms, lookups.send_link, report.searches_without_result,
              report.handoffs ? report.handoffs.total : "—",
              report.ratings ? report.ratings.total : "—",
              report.ratings && report.ratings.satisfied_share !== null ? Math.round(report.ratings.satisfied_share * 100) + "%" : "—",
            ]]
          )
        );
        if (report.service) renderService(body, report.service);
        body.appendChild(el("h3", "", "按坐席"));
        body.appendChild(
          table(["坐席", "合计", "查询", "查看", "短信", "链接"], (report.agents || []).map(function (a) {
            return [a.agent_id, a.total, a.search, a.view, a.sms, a.send_link];
          }))
        );
        body.appendChild(el("h3", "", "常查事项"));
        body.appendChild(
          table(["事项", "指南编号", "次数"], (report.top_guides || []).map(function (g) {
            return [g.name || "—", g.guide_id, g.count];
          }))
        );
        body.appendChild(el("h3", "", "常见查询（已脱敏）"));
        body.appendChild(
          table(["查询", "次数"], (report.top_queries || []).map(function (q) {
            return [q.query, q.count];
          }))
        );
      })
      .catch(function (error) {
        body.textContent = error.message;
      });
  }

  function percent(value) {
    return typeof value === "number" ? Math.round(value * 1000) / 10 + "%" : "—";
  }

  function seconds(value) {
    return typeof value === "number" ? value + " 秒" : "—";
  }

  /** Horizontal bars drawn with CSS (no chart library, no images that would need the token). */
  function bars(title, rows, tone) {
    var box = el("figure", "bars " + (tone || ""));
    box.appendChild(el("figcaption", "", title));
    var most = Math.max.apply(null, rows.map(function (row) { return row[1]; }).concat([1]));
    rows.forEach(function (row) {
      var line = el("div", "bar-row");
      var label = el("span", "bar-label", row[0]);
      label.title = row[0];
      line.appendChild(label);
      var track = el("span", "bar-track");
      var fill = el("span", "bar-fill");
      fill.style.width = Math.round((row[1] / most) * 100) + "%";
      track.appendChild(fill);
      line.appendChild(track);
      line.appendChild(el("span", "bar-value", row[1]));
      box.appendChild(line);
    });
    if (!rows.length) box.appendChild(el("p", "muted", "本月没有数据"));
    return box;
  }

  /** The service report (the same figures as `daofu report`): every quoted text via textContent. */
  function renderService(body, s) {
    body.appendChild(el("h3", "", "服务概况（与 daofu report 相同口径）"));
    body.appendChild(
      table(
        ["会话", "已解决", "解决率", "转人工率", "评价", "满意率", "未能回答"],
        [[s.conversations, s.resolved, percent(s.resolved_share), percent(s.handoff_rate), s.rated,
          percent(s.satisfied_share), s.unanswered]]
      )
    );
    body.appendChild(
      table(
        ["渠道", "会话", "解决率", "转人工率", "评价", "满意率"],
        (s.channels || []).map(function (c) {
          return [c.name, c.conversations, percent(c.resolved_share), percent(c.handoff_rate), c.ratings, percent(c.satisfied_share)];
        })
      )
    );
    body.appendChild(el("h3", "", "人工坐席"));
    var h = s.handoffs || {};
    body.appendChild(el("p", "", "转人工 " + (h.asked || 0) + " 次：接入 " + (h.taken || 0) + "，超时 " + (h.timeout || 0) +
      "，未接入即结束 " + (h.closed || 0) + "，排队中 " + (h.waiting || 0) + "。"));
    body.appendChild(
      table(["时间", "次数", "中位数", "90% 分位", "最长"], [
        ["等待接入", s.wait.count, seconds(s.wait.median), seconds(s.wait.p90), seconds(s.wait.longest)],
        ["首次回复", s.first_response.count, seconds(s.first_response.median), seconds(s.first_response.p90), seconds(s.first_response.longest)],
      ])
    );
    var charts = el("div", "report-charts");
    charts.appendChild(bars("好差评分布", Object.keys(s.ratings || {}).map(function (k) { return [k, s.ratings[k]]; }), "rating"));
    charts.appendChild(bars("差评原因", Object.keys(s.reasons || {}).filter(function (k) { return s.reasons[k]; })
      .map(function (k) { return [k, s.reasons[k]]; }), "bad"));
    charts.appendChild(bars("热门事项", (s.top_matters || []).map(function (m) { return [m.name, m.guides + m.forms]; })));
    charts.appendChild(bars("知识缺口（未能回答，按相似合并）", (s.gaps || []).map(function (g) { return [g.question, g.count]; }), "gap"));
    body.appendChild(charts);
    if ((s.reason_quotes || []).length) {
      body.appendChild(el("h3", "", "用户写下的差评原因（已脱敏）"));
      var list = el("ul", "quotes");
      s.reason_quotes.forEach(function (quote) {
        list.appendChild(el("li", "", quote));
      });
      body.appendChild(list);
    }
  }

  // --- keyboard ------------------------------------------------------------------------------

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function onKey(event) {
    if ($("console").hidden || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (event.key === "/" && !typing(target)) {
      event.preventDefault();
      $("q").focus();
      $("q").select();
      return;
    }
    var inResults = target && target.getAttribute && target.getAttribute("role") === "option";
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && (inResults || target === $("q"))) {
      if (!state.hits.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = inResults ? state.selected + step : event.key === "ArrowDown" ? Math.max(state.selected, 0) : state.selected;
      select(next, true);
      return;
    }
    if (event.key === "Enter" && inResults) {
      event.preventDefault();
      openGuide(state.selected);
      return;
    }
    if ((event.key === "c" || event.key === "C") && !typing(target) && state.guide) {
      event.preventDefault();
      copySms();
      return;
    }
    if (event.key === "Escape" && state.hits.length && !inResults) {
      select(state.selected, true);
    }
  }

  // --- wiring --------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var token = $("token").value.trim();
      if (!token) {
        setStatus("login-error", "请输入坐席令牌。");
        return;
      }
      login(token, false);
    });
    $("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      search();
    });
    $("copy-sms").addEventListener("click", copySms);
    $("guide-district").addEventListener("change", chooseDistrict);
    $("talk-form").addEventListener("submit", function (event) {
      event.preventDefault();
      sendTalk();
    });
    $("talk-input").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        sendTalk();
      }
    });
    $("talk-release").addEventListener("click", releaseTalk);
    $("talk-back").addEventListener("click", function () {
      closeTalk();
      pollHandoffs();
    });
    state.tickTimer = setInterval(tickWaits, 1000);
    $("send-link").addEventListener("click", sendLink);
    $("logout-button").addEventListener("click", function () {
      logout("已退出。");
    });
    $("report-button").addEventListener("click", openReport);
    $("report-load").addEventListener("click", loadReport);
    $("report-close").addEventListener("click", function () {
      show("console");
      $("q").focus();
    });
    document.addEventListener("keydown", onKey);
    start();
  });
})();
