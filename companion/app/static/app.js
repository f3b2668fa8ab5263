// The app's pages: a job's calm progress bar, its track handed to the one player when it is
// ready, and the before/after ratings kept without leaving the page (the sound goes on).
(function () {
  "use strict";
  var box = document.getElementById("job");
  var player = window.companionPlayer;

  function follow(id) {
    var bar = document.getElementById("bar"), doing = document.getElementById("doing");
    var play = document.getElementById("play"), links = document.getElementById("links");
    var added = false, linesKnown = -1;
    function ask() {
      fetch("/jobs/" + id, { headers: { accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (job.error) { job = { state: "failed", message: job.error, percent: 0 }; }  // gone (the app was restarted)
          bar.value = job.percent;
          doing.textContent = job.state === "failed" ? job.message : job.doing;
          if (job.track && !added && play && player) {
            player.add(job.track, play);
            added = true;
            play.disabled = false;
            doing.textContent = job.state === "failed" ? job.message : "Ready";  // stopped as it was written
            var title = document.getElementById("title");
            if (title) { title.textContent = job.track.label; document.title = job.track.label + " · companion"; }
          }
          // issue 30, now playing: the words placed so far, for the player to show as they are spoken
          if (added && job.lines && job.lines.length !== linesKnown) {
            linesKnown = job.lines.length;
            player.lines(job.track.src, job.lines);
          }
          // issue 36, point 2: the tone's first rise placed when Play was pressed
          if (added && job.track && job.track.breaths && player.breaths) { player.breaths(job.track.src, job.track.breaths); }
          if (job.state === "failed") { box.classList.add("failed"); doing.setAttribute("role", "alert"); return; }
          if (job.state === "done") {
            if (box.dataset.reload) { window.location.reload(); return; }  // the page says what came of it
            if (links) { links.hidden = false; }
            var notes = document.getElementById("notes-link");
            if (notes) { notes.hidden = !job.has_notes; }
            var words = document.getElementById("captions-link");
            if (words) { words.hidden = !job.has_captions; }
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
    if (ended === "stopped" && player) { player.pause(); }  // finished listening: the sound stops too
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
      fetch(form.getAttribute("action"), { method: "POST", body: data, headers: { accept: "application/json" } })
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

// The Massage page's live track: its state pushed by the server, its keys without a reload.
(function () {
  "use strict";
  var box = document.getElementById("live"), keys = document.getElementById("live-keys");
  if (!box || !keys) { return; }
  var shown = { left: "live-left", region: "live-region", next_chime: "live-next", volume: "live-volume" };
  function show(state) {
    box.dataset.state = state.state;
    document.getElementById("live-title").textContent = state.title || "Starting";
    Object.keys(shown).forEach(function (k) { if (state[k] !== undefined) { document.getElementById(shown[k]).textContent = state[k]; } });

    var said = state.error || (state.state === "ended" ? ("Ended. " + (state.note || "")).trim() : state.said || "");
    document.getElementById("live-said").textContent = said;
    document.getElementById("live-pause").textContent = state.state === "paused" ? "Go on" : "Pause";
    Array.prototype.forEach.call(keys.querySelectorAll("button"), function (b) {
      b.disabled = state.state === "ended" || state.state === "failed";
    });
  }
  var events = new EventSource("/massage/live/events");
  events.onmessage = function (e) {
    var state = JSON.parse(e.data);
    show(state);
    if (state.state === "ended" || state.state === "failed") { events.close(); }
  };
  keys.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData();
    data.append("action", event.submitter.value);
    fetch(keys.getAttribute("action"), { method: "POST", body: data, headers: { accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (answer) {  // the track's state, or why the key did nothing
        if (answer.state) { show(answer); } else { document.getElementById("live-said").textContent = answer.error; }
      });
  });
})();

// Recording a phrase in the page, where the browser gives the microphone (a secure page):
// a level meter while recording, the take to hear back, and kept through the form's own
// file field. Elsewhere the file field stays: the phone's own recorder makes the take.
(function () {
  "use strict";
  var mic = document.getElementById("mic"), input = document.getElementById("take");
  if (!mic || !input || !window.isSecureContext || !navigator.mediaDevices || !window.MediaRecorder) { return; }
  var rec = document.getElementById("rec"), level = document.getElementById("level");
  var back = document.getElementById("back"), recorder = null, chunks = [], stream = null, context = null;
  mic.hidden = false;
  document.getElementById("file-way").hidden = true;

  function meter(analyser) {
    var data = new Float32Array(analyser.fftSize);
    (function draw() {
      if (recorder === null || recorder.state !== "recording") { level.value = 0; return; }
      analyser.getFloatTimeDomainData(data);
      var sum = 0;
      for (var i = 0; i < data.length; i++) { sum += data[i] * data[i]; }
      level.value = Math.min(1, Math.sqrt(sum / data.length) * 4);
      window.requestAnimationFrame(draw);
    })();
  }

  function stop() {
    recorder.stop();
    stream.getTracks().forEach(function (t) { t.stop(); });
    if (context) { context.close(); }
    rec.textContent = "Record again";
  }

  rec.addEventListener("click", function () {
    if (recorder !== null && recorder.state === "recording") { stop(); return; }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
      stream = s;
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", function (e) { if (e.data.size) { chunks.push(e.data); } });
      recorder.addEventListener("stop", function () {
        var kind = (recorder.mimeType || "audio/webm").split(";")[0];
        var blob = new Blob(chunks, { type: kind });
        var files = new DataTransfer();
        files.items.add(new File([blob], "take" + (kind === "audio/mp4" ? ".m4a" : ".webm"), { type: kind }));
        input.files = files.files;
        back.src = URL.createObjectURL(blob);
        back.hidden = false;
      });
      context = new AudioContext();
      var analyser = context.createAnalyser();
      context.createMediaStreamSource(stream).connect(analyser);
      recorder.start();
      rec.textContent = "Stop";
      meter(analyser);
    }).catch(function () {  // no microphone, or not allowed: the phone's recorder instead
      mic.hidden = true;
      document.getElementById("file-way").hidden = false;
    });
  });
})();

// issue 30 part 1: the Menu (a <details>, which opens without script) closes on Escape, its
// focus back on Menu, and when a tap or the focus goes elsewhere on the page.
(function () {
  "use strict";
  var menu = document.getElementById("menu");
  if (!menu) { return; }
  var summary = menu.querySelector("summary");
  menu.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && menu.open) { menu.open = false; summary.focus(); }
  });
  document.addEventListener("click", function (e) { if (menu.open && !menu.contains(e.target)) { menu.open = false; } });
  document.addEventListener("focusin", function (e) { if (menu.open && !menu.contains(e.target)) { menu.open = false; } });
})();

// Issue 30, part 5: a massage plan's picture (HTML and SVG made by the server), put in the
// page once the plan is made; the form above keeps its rows meanwhile.
(function () {
  var box = document.getElementById("plan-picture");
  if (!box) { return; }
  fetch(box.dataset.src, { headers: { accept: "text/html" } }).then(function (r) {
    return r.text().then(function (text) { return r.ok ? text : Promise.reject(text); });
  }).then(function (html) {
    box.innerHTML = html;
    box.setAttribute("aria-busy", "false");
  }, function () {
    box.querySelector(".doing").textContent = "The plan could not be made. Please try again.";
    box.setAttribute("aria-busy", "false");
  });
})();

// issue 33: the person picker (a <details>, as the Menu) closes as the Menu does: on Escape,
// and when a tap or the focus goes elsewhere on the page.
(function () {
  "use strict";
  var whose = document.getElementById("whose");
  if (!whose) { return; }
  var summary = whose.querySelector("summary");
  whose.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && whose.open) { whose.open = false; summary.focus(); }
  });
  document.addEventListener("click", function (e) { if (whose.open && !whose.contains(e.target)) { whose.open = false; } });
  document.addEventListener("focusin", function (e) { if (whose.open && !whose.contains(e.target)) { whose.open = false; } });
})();
// end of issue 33
// Issue 36: tap along. The circle is tapped (or pressed with Enter or Space) once as each
// breath in begins; the page times the taps itself (performance.now) and sends only the
// intervals, so a network's delay does not matter. The rate and its words are the library's
// (POST /taps); the form carries the intervals and the time since the last tap.
(function () {
  "use strict";
  var circle = document.getElementById("tap-circle");
  if (!circle) { return; }
  var said = document.getElementById("tap-said"), clear = document.getElementById("tap-clear");
  var intervals = document.getElementById("tap-intervals"), since = document.getElementById("tap-since");
  var KEEP = 12, LEAST = 4, taps = [], asked = 0;

  function gaps() {
    var out = [];
    for (var i = 1; i < taps.length; i++) { out.push(((taps[i] - taps[i - 1]) / 1000).toFixed(3)); }
    return out.join(",");
  }
  function ask() {
    var mine = ++asked, data = new URLSearchParams();
    data.set("tap_intervals", gaps());
    data.set("tap_since", ((performance.now() - taps[taps.length - 1]) / 1000).toFixed(3));
    fetch("/taps", { method: "POST", body: data, headers: { accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (mine !== asked) { return; }  // a later tap's answer is on its way
        said.textContent = answer.error || answer.said;
        circle.dataset.rate = answer.rate === null || answer.rate === undefined ? "" : String(answer.rate);
        // the form carries the taps from now on (a form sent by a script of its own reads them too)
        intervals.value = circle.dataset.rate ? gaps() : "";
        since.value = circle.dataset.rate ? "0" : "";
        if (answer.again || answer.error) { taps = []; }
      });
  }
  circle.addEventListener("click", function () {
    taps.push(performance.now());
    if (taps.length > KEEP) { taps.shift(); }
    clear.hidden = false;
    circle.classList.remove("tapped");
    void circle.offsetWidth;  // the pulse starts again at each tap
    circle.classList.add("tapped");
    if (taps.length < LEAST) {
      var more = LEAST - taps.length;
      said.textContent = more + " more tap" + (more > 1 ? "s" : "") + ", please.";
      return;
    }
    ask();
  });
  clear.addEventListener("click", function () {
    taps = []; asked++; said.textContent = ""; circle.dataset.rate = ""; clear.hidden = true; circle.focus();
    intervals.value = ""; since.value = "";
  });
  circle.form.addEventListener("submit", function () {
    var enough = taps.length >= LEAST && circle.dataset.rate;
    intervals.value = enough ? gaps() : "";
    since.value = enough ? ((performance.now() - taps[taps.length - 1]) / 1000).toFixed(3) : "";
  });
})();
// Issue 36, point 2: the now-playing circle follows taps. The page tells the server where its
// audio is (on play, pause and seek, and every few seconds while it plays), so the stream is
// served only a little ahead of it; taps on the circle (or Enter or Space on it) are timed
// here and sent as intervals, with where the audio was as they were sent, and the rest of the
// tone is re-timed to them. The words are the server's (the library's for the rate).
(function () {
  "use strict";
  var tap = document.getElementById("follow-tap"), box = document.getElementById("job");
  var player = window.companionPlayer;
  if (!tap || !box || !player) { return; }
  var audio = player.audio, said = document.getElementById("follow-said");
  var base = "/session/" + box.dataset.job, src = base + "/audio.wav";
  var KEEP = 12, LEAST = 4, EVERY_MS = 3000, NEW_RUN_MS = 27000, taps = [], asked = 0, reported = 0, count = 0;

  function ours() { return audio.src.slice(-src.length) === src; }
  function where(data) {  // numbered: a report overtaken on the way by a later one is not taken
    data.set("position", audio.currentTime.toFixed(3));
    data.set("playing", audio.paused ? "no" : "yes");
    data.set("report", String(++count));
    return data;
  }
  function send(path, data) {
    return fetch(base + path, { method: "POST", body: data, headers: { accept: "application/json" }, keepalive: true });
  }
  function report() {
    if (!ours()) { return; }
    reported = Date.now();
    send("/playhead", where(new URLSearchParams()))
      .then(function (r) { return r.json(); })
      .then(function (answer) { if (answer.breaths) { player.breaths(src, answer.breaths); } })  // placed at Play
      .catch(function () {});  // the stream runs on without it
  }
  ["play", "pause", "seeking", "seeked", "ended"].forEach(function (name) { audio.addEventListener(name, report); });
  audio.addEventListener("timeupdate", function () { if (!audio.paused && Date.now() - reported > EVERY_MS) { report(); } });

  function gaps() {
    var out = [];
    for (var i = 1; i < taps.length; i++) { out.push(((taps[i] - taps[i - 1]) / 1000).toFixed(3)); }
    return out.join(",");
  }
  tap.addEventListener("click", function () {
    var now = performance.now();
    if (taps.length && now - taps[taps.length - 1] > NEW_RUN_MS) { taps = []; }  // a new run of taps
    taps.push(now);
    if (taps.length > KEEP) { taps.shift(); }
    tap.classList.remove("tapped");
    void tap.offsetWidth;  // the pulse starts again at each tap
    tap.classList.add("tapped");
    if (taps.length < LEAST) {
      var more = LEAST - taps.length;
      said.textContent = more + " more tap" + (more > 1 ? "s" : "") + ", please.";
      return;
    }
    var mine = ++asked, data = where(new URLSearchParams());
    data.set("tap_intervals", gaps());
    data.set("tap_since", ((performance.now() - taps[taps.length - 1]) / 1000).toFixed(3));
    send("/follow", data)
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (mine !== asked) { return; }  // a later tap's answer is on its way
        said.textContent = answer.error || answer.said;
        if (answer.breaths) { player.breaths(src, answer.breaths); }
        if (answer.again || answer.error) { taps = []; }
      })
      .catch(function () { said.textContent = "The taps could not be sent; please tap again."; taps = []; });
  });
})();
// end of issue 36, point 2
