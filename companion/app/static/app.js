// The app's pages: a job's calm progress bar, its track handed to the one player when it is
// ready, and the before/after ratings kept without leaving the page (the sound goes on).
(function () {
  "use strict";
  var box = document.getElementById("job");
  var player = window.companionPlayer;

  function follow(id) {
    var bar = document.getElementById("bar"), doing = document.getElementById("doing");
    var play = document.getElementById("play"), links = document.getElementById("links");
    var added = false;
    function ask() {
      fetch("/jobs/" + id, { headers: { accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          bar.value = job.percent;
          doing.textContent = job.state === "failed" ? job.message : job.doing;
          if (job.track && !added && play && player) {
            player.add(job.track, play);
            added = true;
            play.disabled = false;
            doing.textContent = "Ready";
            var title = document.getElementById("title");
            if (title) { title.textContent = job.track.label; document.title = job.track.label + " · companion"; }
          }
          if (job.state === "failed") { box.classList.add("failed"); doing.setAttribute("role", "alert"); return; }
          if (job.state === "done") {
            if (links) { links.hidden = false; }
            var notes = document.getElementById("notes-link");
            if (notes) { notes.hidden = !job.has_notes; }
            return;
          }
          window.setTimeout(ask, added ? 1000 : 300);
        })
        .catch(function () { window.setTimeout(ask, 1000); });
    }
    ask();
  }
  if (box) { follow(box.dataset.job); }

  var after = document.getElementById("after");
  function finished(ended) {
    if (!after || !after.hidden) { return; }
    var audio = player ? player.audio : null;
    var form = after.querySelector("form");
    form.elements.heard_s.value = audio && audio.currentTime ? String(Math.round(audio.currentTime)) : "";
    form.elements.ended.value = ended;
    after.hidden = false;
    var done = document.getElementById("done");
    if (done) { done.hidden = true; }
    document.getElementById("after-title").focus();
  }
  if (after && player) {
    player.audio.addEventListener("ended", function () { finished("finished"); });
    document.getElementById("done").addEventListener("click", function () { finished("stopped"); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.rate[action^='/session/']"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      if (event.submitter && event.submitter.name) { data.append(event.submitter.name, event.submitter.value); }
      fetch(form.action, { method: "POST", body: data, headers: { accept: "application/json" } })
        .then(function (r) { return r.json().then(function (answer) { return [r.ok, answer]; }); })
        .then(function (result) {
          var said = document.createElement("p");
          said.className = result[0] ? "kept" : "error";
          said.setAttribute("role", result[0] ? "status" : "alert");
          said.textContent = result[0] ? (result[1].kept ? "Kept in your journal. Thank you." : "Nothing was kept.")
            : result[1].error;
          if (result[0]) { form.replaceWith(said); } else { form.prepend(said); }
        });
    });
  });
})();
