// Live self-check on the figures step: posts the form's figures to the precheck API as the county
// official types, and shows the engine's verdict. Without JavaScript the verdict shows after saving.
(function () {
  "use strict";
  var form = document.getElementById("step-form");
  var out = document.getElementById("selfcheck");
  if (!form || !out || !form.dataset.precheckUrl) return;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var timer = null;
  var latest = 0;

  function value(name) {
    var el = form.elements[name];
    return el ? el.value.trim() : "";
  }
  function checked(name) {
    var el = form.elements[name];
    return Boolean(el && el.checked);
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function render(data) {
    out.replaceChildren();
    out.appendChild(el("p", "outcome " + data.outcome, data.outcome_label));
    data.criteria.forEach(function (c) {
      var box = el("div", "verdict " + c.status);
      box.appendChild(el("strong", "", c.label));
      box.appendChild(document.createTextNode("：" + c.status_label));
      box.appendChild(el("br"));
      box.appendChild(el("small", "", c.message));
      out.appendChild(box);
    });
    out.appendChild(el("p", "muted", "依据认定标准 " + data.policy + "（实时自检，保存后生效）"));
  }
  function renderErrors(errors) {
    out.replaceChildren();
    out.appendChild(el("p", "outcome ineligible", "数据有误，暂不能自检"));
    Object.keys(errors).forEach(function (field) {
      var label = form.querySelector("label[for=id_" + field + "]");
      out.appendChild(el("p", "error", (label ? label.textContent.replace("*", "") : field) + "：" + [].concat(errors[field]).join("；")));
    });
  }
  function run() {
    var payload = {
      sector: form.dataset.sector,
      annual_output_wan: value("annual_output_wan"),
      anchor_enterprises: Number(form.dataset.anchor),
      supporting_enterprises: Number(form.dataset.supporting),
      provincial_share_pct: value("provincial_share_pct") || null,
      national_market: checked("national_market"),
      traditional_feature: checked("traditional_feature"),
      local_jobs: value("local_jobs"),
    };
    if (!payload.annual_output_wan || !payload.local_jobs) return;
    var mine = ++latest;
    fetch(form.dataset.precheckUrl + "?policy=" + encodeURIComponent(form.dataset.policy), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(payload),
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (mine !== latest) return; // a newer keystroke's answer is on its way
        if (result.ok) render(result.data);
        else renderErrors(result.data);
      })
      .catch(function () {});
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 50);
  });
  run(); // figures typed before the script loaded are checked at once
})();
