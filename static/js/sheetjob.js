// Progress of a spreadsheet job (templates/jobs/*.html): polls the job's JSON endpoint and updates the bar,
// the counts and the error table as errors are found; reloads the page once the job has ended, so the final
// state (summary, download link) is the server's own. Without JavaScript the page refreshes itself instead.
(function () {
  "use strict";
  var box = document.getElementById("sheet-job");
  if (!box || box.dataset.finished === "1") return;
  var url = box.dataset.progressUrl;
  var errorsBox = document.getElementById("job-errors");
  // Once the user leaves (a link, the cancel button), a late answer must not start a reload of its own.
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });
  document.addEventListener("submit", function () { leaving = true; });

  function set(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (!el || value === undefined) return;
    if (name === "percent") { el.value = value; el.textContent = value + "%"; return; }
    el.textContent = value === null ? "—" : Number(value).toLocaleString("zh-CN");
  }

  function addErrors(errors) {
    if (!errorsBox || !errors) return;
    var body = errorsBox.querySelector('[data-field="errors"]');
    for (var i = body.rows.length; i < errors.length; i++) {
      var tr = document.createElement("tr");
      errors[i].forEach(function (cell) {
        var td = document.createElement("td");
        td.textContent = cell; // text, never markup
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    if (errors.length) errorsBox.classList.remove("hidden");
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        if (leaving) return;
        ["rows_total", "rows_read", "rows_checked", "rows_written", "error_count", "percent"].forEach(function (k) {
          set(k, s[k]);
        });
        var label = box.querySelector('[data-field="status_label"]');
        if (label) label.textContent = s.status_label;
        addErrors(s.errors);
        if (s.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { if (!leaving) window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
