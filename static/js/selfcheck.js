// The application wizard's live self-check and submit checklist. Without JavaScript both are rendered by the
// server after every save and the submit button is disabled (and refused by the server) while anything is missing.
//
// With it, as the county official types (basics: the target tier; firms: the roles chosen on this page; figures:
// the figures and claims), the page's values go to the application's check API, which answers the criteria
// engine's verdict and the submit checklist for exactly what the page shows. The submit button stays disabled
// while the checklist is not empty or the page has unsaved changes (submitting sends what is saved).
// Also: the firm picker's "tick the whole page" box and live counts, and "use the firms' totals" on figures.
(function () {
  "use strict";
  var form = document.getElementById("step-form");
  var out = document.getElementById("selfcheck");
  var checklist = document.getElementById("checklist");
  if (!form || !out || !checklist || !form.dataset.checkUrl) return;
  var step = form.dataset.step;
  var ready = document.getElementById("ready");
  var unsaved = document.getElementById("unsaved");
  var submit = document.getElementById("submit-button");
  var why = document.getElementById("submit-why");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var FIELDS = {
    basics: ["target_tier"],
    figures: [
      "figures_year", "annual_output_wan", "local_jobs", "provincial_share_pct", "national_market",
      "national_market_evidence", "traditional_feature", "traditional_feature_kind", "traditional_feature_evidence",
    ],
  };
  var NOT_CONTENT = ["csrfmiddlewaretoken", "q", "role", "listed", "pick", "bulk_role", "bulk_scope"];
  var timer = null;
  var latest = 0;
  var lastMissing = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- what the page holds ------------------------------------------------------------------------------------
  function snapshot() {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || NOT_CONTENT.indexOf(field.name) >= 0 || field.type === "submit" || field.type === "file") return;
      values.push(field.name + "=" + (field.type === "checkbox" ? field.checked : field.value));
    });
    return values.join("&");
  }
  var saved = snapshot();

  function counts() {
    var anchor = Number(form.dataset.anchor), supporting = Number(form.dataset.supporting);
    form.querySelectorAll("tr[data-saved]").forEach(function (row) {
      var select = row.querySelector("select");
      if (!select || select.value === row.dataset.saved) return;
      if (row.dataset.saved === "anchor") anchor -= 1;
      if (row.dataset.saved === "supporting") supporting -= 1;
      if (select.value === "anchor") anchor += 1;
      if (select.value === "supporting") supporting += 1;
    });
    return { anchor: anchor, supporting: supporting };
  }

  function dirty() {
    if (form.dataset.unsaved === "1") return true;
    if (step !== "firms") return snapshot() !== saved;
    return Array.prototype.some.call(form.querySelectorAll("tr[data-saved]"), function (row) {
      var select = row.querySelector("select");
      return select && select.value !== row.dataset.saved;
    });
  }

  function payload() {
    var data = {};
    (FIELDS[step] || []).forEach(function (name) {
      var field = form.elements[name];
      if (!field) return;
      if (field.type === "checkbox") data[name] = field.checked;
      else if (/^(figures_year|local_jobs|annual_output_wan|provincial_share_pct)$/.test(name)) data[name] = field.value.trim() || null;
      else data[name] = field.value;
    });
    if (step === "firms") {
      var c = counts();
      data.anchor_enterprises = c.anchor;
      data.supporting_enterprises = c.supporting;
    }
    return data;
  }

  // --- showing the answer -------------------------------------------------------------------------------------
  function renderVerdict(verdict, policyNote) {
    out.replaceChildren();
    if (!verdict) {
      out.appendChild(el("p", "muted", "填写年产值和就业人数后显示自检结果。"));
      return;
    }
    out.appendChild(el("p", "outcome " + verdict.outcome, verdict.outcome_label));
    verdict.criteria.forEach(function (c) {
      var box = el("div", "verdict " + c.status);
      box.appendChild(el("strong", "", c.label));
      box.appendChild(document.createTextNode("：" + c.status_label));
      box.appendChild(el("br"));
      box.appendChild(el("small", "", c.message));
      out.appendChild(box);
    });
    out.appendChild(el("p", "muted", "依据认定标准 " + verdict.policy + "（" + policyNote + "）"));
  }

  function renderErrors(errors) {
    out.replaceChildren();
    out.appendChild(el("p", "outcome ineligible", "数据有误，暂不能自检"));
    Object.keys(errors).forEach(function (field) {
      var label = form.querySelector("label[for=id_" + field + "]");
      var name = label ? label.textContent.replace("*", "") : field;
      out.appendChild(el("p", "error", name + "：" + [].concat(errors[field]).join("；")));
    });
  }

  function renderChecklist(missing) {
    if (missing) lastMissing = missing;
    missing = lastMissing || Array.prototype.map.call(checklist.children, function (li) { return li.textContent.replace(/^✗ /, ""); });
    checklist.replaceChildren();
    missing.forEach(function (m) { checklist.appendChild(el("li", "missing", "✗ " + m)); });
    var changed = dirty();
    if (ready) ready.hidden = missing.length > 0 || changed; // complete but unsaved: the unsaved note says so
    if (unsaved) unsaved.hidden = !changed;
    var blocked = missing.length > 0 || changed;
    if (submit) submit.disabled = blocked;
    if (why) why.hidden = !blocked;
  }

  function renderCounts() {
    var box = document.getElementById("firm-counts");
    if (!box || step !== "firms") return;
    form.querySelectorAll("tr[data-saved]").forEach(function (row) {
      var select = row.querySelector("select");
      row.classList.toggle("changed", Boolean(select) && select.value !== row.dataset.saved);
    });
    var c = counts();
    box.querySelector("[data-count=anchor]").textContent = c.anchor;
    box.querySelector("[data-count=supporting]").textContent = c.supporting;
    var changed = dirty();
    box.classList.toggle("unsaved", changed);
    var note = box.querySelector(".unsaved-note");
    if (note) note.hidden = !changed;
  }

  // --- asking the server --------------------------------------------------------------------------------------
  function run() {
    var mine = ++latest;
    renderCounts();
    renderChecklist(null);
    if (step === "attachments") return;
    fetch(form.dataset.checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(payload()),
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (mine !== latest) return; // a newer change's answer is on its way
        if (!result.ok) {
          renderErrors(result.data);
          return;
        }
        renderVerdict(result.data.verdict, dirty() ? "实时自检，保存后生效" : "运政办发〔2023〕8号 三");
        renderChecklist(result.data.missing);
      })
      .catch(function () {});
  }

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(run, ms);
  }

  form.addEventListener("input", function (event) {
    if (NOT_CONTENT.indexOf(event.target.name) >= 0) return;
    later(250);
  });
  form.addEventListener("change", function (event) {
    if (NOT_CONTENT.indexOf(event.target.name) >= 0) return;
    later(50);
  });

  // --- the firm picker: tick the whole page ------------------------------------------------------------------
  var all = document.getElementById("pick-all");
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      form.querySelectorAll("input[name=pick]").forEach(function (box) { box.checked = all.checked; });
    });
  }

  // --- figures: use the firms' totals as the starting values -------------------------------------------------
  var use = document.getElementById("use-totals");
  if (use) {
    use.addEventListener("click", function (event) {
      event.preventDefault();
      var values = { figures_year: use.dataset.year, annual_output_wan: use.dataset.output, local_jobs: use.dataset.jobs };
      Object.keys(values).forEach(function (name) {
        if (form.elements[name]) form.elements[name].value = values[name];
      });
      var note = document.getElementById("totals-filled");
      if (note) note.hidden = false;
      later(0);
    });
  }

  run(); // the page as loaded: proposals preselected, values typed before the script loaded, offered totals
})();
