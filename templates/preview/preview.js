// roadmap-cards preview: search by text or tag, and a night-mode toggle that uses Anki's own classes.
(function () {
  "use strict";
  var NIGHT = "roadmap-cards-night";

  function setNight(on) {
    document.body.classList.toggle("pv-dark", on);
    document.querySelectorAll(".card").forEach(function (card) {
      card.classList.toggle("nightMode", on);
      card.classList.toggle("night_mode", on);
    });
    var button = document.querySelector(".pv-night");
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
    try { localStorage.setItem(NIGHT, on ? "1" : "0"); } catch (e) { /* file:// may refuse storage */ }
  }

  function terms(query) {
    return query.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function matches(text, tags, words) {
    return words.every(function (word) {
      if (word.indexOf("tag:") === 0) {
        var wanted = word.slice(4);
        return tags.some(function (tag) { return tag.toLowerCase().indexOf(wanted) !== -1; });
      }
      return text.indexOf(word) !== -1;
    });
  }

  function filterStage(words) {
    var shown = 0;
    document.querySelectorAll(".pv-card").forEach(function (card) {
      var tags = (card.dataset.tags || "").split(" ");
      var hit = matches(card.dataset.search || "", tags, words);
      card.hidden = !hit;
      if (hit) { shown += 1; }
    });
    document.querySelectorAll(".pv-topic").forEach(function (topic) {
      topic.hidden = !topic.querySelector(".pv-card:not([hidden])");
    });
    var counter = document.querySelector(".pv-shown");
    if (counter) { counter.textContent = String(shown); }
  }

  function searchIndex(words) {
    var box = document.querySelector(".pv-results");
    var list = document.querySelector(".pv-result-list");
    if (!box || !list) { return; }
    list.textContent = "";
    if (!words.length) { box.hidden = true; return; }
    var hits = (window.RC_SEARCH || []).filter(function (item) { return matches(item.text, item.tags, words); });
    hits.slice(0, 200).forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.href;
      a.textContent = item.question;
      li.appendChild(a);
      var meta = document.createElement("span");
      meta.className = "pv-result-meta";
      meta.textContent = " " + item.id + " · " + item.label + " — " + item.stage + " › " + item.topic;
      li.appendChild(meta);
      list.appendChild(li);
    });
    document.querySelector(".pv-result-count").textContent = "(" + hits.length + ")";
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var stored = null;
    try { stored = localStorage.getItem(NIGHT); } catch (e) { stored = null; }
    setNight(stored === "1");
    document.querySelector(".pv-night").addEventListener("click", function () {
      setNight(!document.body.classList.contains("pv-dark"));
    });
    var input = document.querySelector(".pv-search");
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) { input.value = params.get("q"); }
    function run() {
      var words = terms(input.value);
      if (document.querySelector(".pv-card")) { filterStage(words); } else { searchIndex(words); }
    }
    input.addEventListener("input", run);
    run();
    document.body.dataset.ready = "true";
  });
}());
