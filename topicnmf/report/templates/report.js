"use strict";
(function () {
  // Data arrives as JSON text; every piece of it is written with textContent, never as markup.
  var data = JSON.parse(document.getElementById("page-data").textContent);

  // Relevance slider: lambda log p(w|t) + (1 - lambda) log(p(w|t) / p(w)), per topic card.
  var slider = document.getElementById("lambda");
  var shown = document.getElementById("lambda-value");
  function rank() {
    var lam = parseFloat(slider.value);
    shown.textContent = lam.toFixed(1);
    document.querySelectorAll("table.terms").forEach(function (table) {
      var body = table.tBodies[0];
      var n = parseInt(table.getAttribute("data-show"), 10);
      var rows = Array.prototype.slice.call(body.rows);
      rows.forEach(function (row, i) {
        var lp = parseFloat(row.getAttribute("data-lp")), lw = parseFloat(row.getAttribute("data-lw"));
        row._score = lam * lp + (1 - lam) * (lp - lw);
        if (row._order === undefined) { row._order = i; }
      });
      rows.sort(function (a, b) { return (b._score - a._score) || (a._order - b._order); });
      rows.forEach(function (row, i) { row.hidden = i >= n; body.appendChild(row); });
    });
  }
  slider.addEventListener("input", rank);

  // Document table: search, strongest-topic filter, order, shown in pages of 200 rows.
  var PAGE = 100;
  var search = document.getElementById("doc-search");
  var topic = document.getElementById("doc-topic");
  var order = document.getElementById("doc-sort");
  var more = document.getElementById("doc-more");
  var counter = document.getElementById("doc-count");
  var tbody = document.getElementById("doc-table").tBodies[0];
  var limit = PAGE;
  var docs = data.docs.map(function (d, i) {
    return { id: d[0], topic: d[1], share: d[2], label: d[3], title: d[4], text: d[5], index: i,
             haystack: [d[0], d[3] || "", d[4], d[5]].join("\n").toLowerCase() };
  });
  var names = {};
  data.topics.forEach(function (t) { names[t[0]] = t[1]; });

  function cell(row, text, cls, name) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    if (name) { td.setAttribute("data-name", name); }
    row.appendChild(td);
    return td;
  }
  function render() {
    var q = search.value.trim().toLowerCase();
    var t = topic.value === "" ? null : parseInt(topic.value, 10);
    var rows = docs.filter(function (d) {
      return (t === null || d.topic === t) && (q === "" || d.haystack.indexOf(q) !== -1);
    });
    var how = order.value;
    rows.sort(function (a, b) {
      if (how === "id") { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; }
      var s = how === "share-asc" ? a.share - b.share : b.share - a.share;
      return s || (a.index - b.index);
    });
    var frag = document.createDocumentFragment();
    rows.slice(0, limit).forEach(function (d) {
      var tr = document.createElement("tr");
      cell(tr, d.id, "docid");
      cell(tr, String(d.topic), "num", "topic").title = names[d.topic] || "";
      cell(tr, (100 * d.share).toFixed(0) + "%", "num", "share");
      if (data.labels) { cell(tr, d.label === null ? "" : d.label, "", "label"); }
      var td = cell(tr, "", "snippet");
      if (d.title) {
        var b = document.createElement("b");
        b.textContent = d.title;
        td.appendChild(b);
      }
      td.appendChild(document.createTextNode(d.text));
      frag.appendChild(tr);
    });
    tbody.replaceChildren(frag);
    var n = Math.min(limit, rows.length);
    counter.textContent = (rows.length === docs.length ? "" : rows.length.toLocaleString("en") + " of ") +
      docs.length.toLocaleString("en") + " documents" + (n < rows.length ? "; showing the first " + n.toLocaleString("en") : "");
    more.hidden = n >= rows.length;
  }
  function fresh() { limit = PAGE; render(); }
  search.addEventListener("input", fresh);
  topic.addEventListener("change", fresh);
  order.addEventListener("change", fresh);
  more.addEventListener("click", function () { limit += PAGE; render(); });
  document.querySelectorAll("a.show-docs").forEach(function (a) {
    a.addEventListener("click", function () {
      topic.value = a.getAttribute("data-topic");
      search.value = "";
      fresh();
    });
  });
  render();
})();
