// The one player: every track plays through one <audio> in a panel along the bottom. The
// breathing circle follows the playing track's own breath schedule, read from its clock
// (currentTime): it stays with the tone after a seek, and stands still while paused. Play and
// pause fade the sound in and out; where each track was left is kept on this device and
// found again; lock-screen and headset keys work through the Media Session API. The words
// being spoken show line by line, timed from the session's plan (a track's `lines`: [start,
// end, text], the same as the .vtt beside it), unless turned off; a sleep timer fades the
// sound out over SLEEP_FADE_S and pauses it. On the app's session page (`.stage`) the player
// is the page's whole "now playing" view, and the one pause/play control while it plays.
(function () {
  "use strict";
  var data = document.getElementById("tracks-data");
  var tracks = data === null ? [] : JSON.parse(data.textContent);  // the app adds its tracks as they are made
  var audio = document.getElementById("player"), now = document.getElementById("now");
  var circle = document.getElementById("circle"), title = document.getElementById("now-title");
  var toggle = document.getElementById("toggle"), seek = document.getElementById("seek");
  var elapsed = document.getElementById("elapsed"), left = document.getElementById("left");
  var buttons = Array.prototype.slice.call(document.querySelectorAll(".card .play[data-i]"));
  var theme = document.getElementById("theme"), root = document.documentElement;
  var FADE_MS = 800, SKIP_S = 15, SLEEP_FADE_S = 30, LINGER_S = 1.5;
  var current = -1, fader = null, savedAt = 0, pausing = false;
  var stage = now.classList.contains("stage"), words = document.getElementById("words");
  var wordsToggle = document.getElementById("words-toggle"), sleep = document.getElementById("sleep");
  var sleepLeft = document.getElementById("sleep-left"), sleepAt = null, sleepFading = false, shownLine = -1;
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var store = null;
  try { store = window.localStorage; store.getItem("x"); } catch (e) { store = null; }

  function ease(u) { return (1 - Math.cos(Math.PI * Math.min(Math.max(u, 0), 1))) / 2; }

  function size(b, t) {
    var n = b.length / 3, lo = 0, hi = n - 1;
    if (n === 0 || t < b[0]) { return 0.5; }
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (b[mid * 3] <= t) { lo = mid; } else { hi = mid - 1; } }
    var x = t - b[lo * 3], inhale = b[lo * 3 + 1], exhale = b[lo * 3 + 2];
    return x < inhale ? 0.5 + 0.5 * ease(x / inhale) : 1 - 0.5 * ease((x - inhale) / exhale);
  }

  function draw() {
    if (current < 0) { return; }
    var t = audio.currentTime, s = size(tracks[current].breaths, t);
    if (still) {  // reduced motion: the circle keeps its size and its colour deepens and fades
      circle.style.transform = stage ? "scale(1)" : "scale(0.8)";
      circle.style.opacity = (0.35 + 1.3 * (s - 0.5)).toFixed(3);
    } else {
      circle.style.transform = "scale(" + (stage ? 0.6 + 0.8 * (s - 0.5) : s).toFixed(3) + ")";
    }
    circle.dataset.t = t.toFixed(3);  // the moment the circle shows (a test reads it)
    showWords(t);
    if (!audio.paused) { window.requestAnimationFrame(draw); }
  }

  // -- the words, as they are spoken -----------------------------------------------
  function lineAt(lines, t) {  // the line being spoken, or just said (until the next begins)
    for (var i = lines.length - 1; i >= 0; i--) {
      if (lines[i][0] <= t) { return t < lines[i][1] + LINGER_S ? i : -1; }
    }
    return -1;
  }
  function showWords(t) {
    if (!words) { return; }
    var lines = current >= 0 ? tracks[current].lines || [] : [];
    var i = lineAt(lines, t);
    if (i !== shownLine) { shownLine = i; words.textContent = i < 0 ? "" : lines[i][2]; }
  }
  function wordsOn(on) {
    if (!words) { return; }
    words.hidden = !on;
    if (wordsToggle) { wordsToggle.setAttribute("aria-pressed", on ? "true" : "false"); }
  }
  function captionsFor(i) {  // a pack's .vtt, as the audio's own captions (players that show them)
    Array.prototype.forEach.call(audio.querySelectorAll("track"), function (t) { t.remove(); });
    if (!tracks[i].captions) { return; }
    var track = document.createElement("track");
    track.kind = "captions"; track.srclang = "en"; track.label = "Words"; track.src = tracks[i].captions;
    audio.appendChild(track);
  }

  // -- the sleep timer: a 30-second fade, then pause ---------------------------------
  function setSleep(value) {
    sleepAt = value === "" ? null : value === "end" ? "end" : Date.now() + Number(value) * 60000;
    sleepFading = false;
    if (sleepLeft) { sleepLeft.textContent = ""; }
    sleepTick();
  }
  function sleepTick() {
    if (!sleepLeft) { return; }
    if (sleepAt === null || current < 0) { return; }  // what it last said stays (it paused the sound)
    var wait = sleepAt === "end" ? (audio.duration || Infinity) - audio.currentTime - SLEEP_FADE_S
      : (sleepAt - Date.now()) / 1000;
    if (wait <= 0 && !sleepFading && audio.paused) {  // already paused when its time came: nothing to fade
      sleepDone();
    } else if (wait <= 0 && !sleepFading) {
      sleepFading = true;
      sleepLeft.textContent = "Fading out now.";
      var fadeS = sleepAt === "end" ? Math.max(wait + SLEEP_FADE_S, 0.1) : SLEEP_FADE_S;
      fade(0, function () { audio.pause(); sleepDone(); }, fadeS * 1000);
    } else if (!sleepFading) {
      sleepLeft.textContent = sleepAt === "end" ? "Fading out at the end of this session."
        : "Fading out in " + Math.max(1, Math.ceil(wait / 60)) + " min.";
    }
  }
  function sleepDone() {
    sleepAt = null; sleepFading = false;
    if (sleep) { sleep.value = ""; }
    if (sleepLeft) { sleepLeft.textContent = "The sleep timer paused the sound."; }
  }

  function clock(s) {
    s = Math.max(0, Math.floor(s || 0));
    var m = Math.floor(s / 60), r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  function showTime() {
    var t = audio.currentTime, d = audio.duration || 0;
    seek.max = String(Math.floor(d));
    seek.value = String(Math.floor(t));
    seek.setAttribute("aria-valuetext", clock(t) + " of " + clock(d));
    elapsed.textContent = clock(t);
    left.textContent = clock(d - t) + " left";
    showWords(t);
  }

  function key(i) { return "companion-position:" + tracks[i].src; }

  function keep() {
    if (store === null || current < 0) { return; }
    try { store.setItem(key(current), String(audio.currentTime)); } catch (e) { /* full: no resume */ }
  }

  function fade(to, then, ms) {
    if (fader !== null) { window.clearInterval(fader); }
    var from = audio.volume, start = Date.now(), length = ms || FADE_MS;
    fader = window.setInterval(function () {
      var u = Math.min((Date.now() - start) / length, 1);
      audio.volume = from + (to - from) * ease(u);
      if (u >= 1) { window.clearInterval(fader); fader = null; if (then) { then(); } }
    }, 20);
  }

  function play() {
    pausing = false;
    if (sleepFading) { setSleep(""); if (sleep) { sleep.value = ""; } }  // played again during its fade: the timer is off
    audio.volume = 0;
    var p = audio.play();
    if (p && p.catch) { p.catch(function () {}); }
    fade(1);
  }
  function pause() { pausing = true; fade(0, function () { audio.pause(); }); }
  function playOrPause() { if (audio.paused || pausing) { play(); } else { pause(); } }

  function labels() {
    var on = current >= 0 && !audio.paused;
    buttons.forEach(function (b, i) {
      var playing = on && i === current;
      if (stage && b.id !== "toggle") {  // the page's own Play gives way to the one control below
        var gone = i === current;
        if (gone && document.activeElement === b) { toggle.focus(); }
        b.hidden = gone;
      }
      b.textContent = playing ? "Pause" : "Play";
      b.setAttribute("aria-pressed", playing ? "true" : "false");
      b.setAttribute("aria-label", (playing ? "Pause: " : "Play: ") + tracks[i].label);
    });
    toggle.textContent = on ? "Pause" : "Play";
    toggle.setAttribute("aria-label", (on ? "Pause: " : "Play: ") + (current >= 0 ? tracks[current].label : ""));
  }

  function room() {  // the page keeps the panel's height free: focus and the last card stay in view
    if (stage) { return; }  // in the page, not over it
    var h = now.hidden ? 0 : now.offsetHeight + 8;
    root.style.scrollPaddingBottom = h + "px";
    document.body.style.paddingBottom = h + "px";
  }

  function mediaSession(i) {
    if (!("mediaSession" in navigator)) { return; }
    navigator.mediaSession.metadata = new window.MediaMetadata({
      title: tracks[i].label, artist: "companion", album: document.title,
      artwork: [{ src: document.body.dataset.cover || "cover.png", sizes: "1000x1000", type: "image/png" }]
    });
  }

  function choose(i) {
    if (i === current) { playOrPause(); return; }
    keep();
    current = i;
    audio.src = tracks[i].src;
    captionsFor(i);
    shownLine = -1;
    title.textContent = tracks[i].label;
    var first = now.hidden;
    now.hidden = false;
    room();
    labels();
    if (stage && first) { now.scrollIntoView({ block: "start" }); }
    mediaSession(i);
    play();
  }

  function skip(by) {
    if (current < 0) { return; }
    audio.currentTime = Math.min(Math.max(audio.currentTime + by, 0), audio.duration || 0);
    moved();
  }

  function moved() { showTime(); draw(); keep(); }

  function bind(b, i) { b.addEventListener("click", function () { choose(i); }); }
  buttons.forEach(bind);
  // the app's pages: a track made while the page is open, with its own Play button
  window.companionPlayer = {
    audio: audio,
    add: function (track, button) { tracks.push(track); buttons.push(button); bind(button, tracks.length - 1); labels(); },
    lines: function (src, lines) {  // a track's words as they become known (the voice still being made)
      tracks.forEach(function (t) { if (t.src === src) { t.lines = lines; } });
      shownLine = -1;
      showWords(audio.currentTime);
    },
    breaths: function (src, breaths) {  // issue 36, point 2: the tone re-timed by taps; the circle follows it
      tracks.forEach(function (t) { if (t.src === src) { t.breaths = breaths; } });
    },
    pause: function () { if (!audio.paused && !pausing) { pause(); } },
    sleepFadeS: SLEEP_FADE_S,
    sleepIn: function (seconds) { sleepAt = Date.now() + seconds * 1000; sleepFading = false; }  // tests only: no key offers it
  };
  if (wordsToggle) {
    var wordsKept = store === null ? null : store.getItem("companion-words");
    wordsOn(wordsKept !== "off");
    wordsToggle.addEventListener("click", function () {
      var on = words.hidden;
      wordsOn(on);
      if (store !== null) { try { store.setItem("companion-words", on ? "on" : "off"); } catch (e) { /* kept for now only */ } }
    });
  }
  var sleepUsual = sleep ? sleep.value : "";  // issue 33: the person's usual timer, started with the sound
  if (sleep) {
    sleep.addEventListener("change", function () { sleepUsual = ""; setSleep(sleep.value); });
    window.setInterval(sleepTick, 250);
  }
  toggle.addEventListener("click", playOrPause);
  document.getElementById("back").addEventListener("click", function () { skip(-SKIP_S); });
  document.getElementById("forward").addEventListener("click", function () { skip(SKIP_S); });
  seek.addEventListener("input", function () { audio.currentTime = Number(seek.value); moved(); });

  audio.addEventListener("loadedmetadata", function () {  // found again where it was left
    var was = store === null ? 0 : Number(store.getItem(key(current)) || 0);
    if (was > 5 && was < audio.duration - 10) { audio.currentTime = was; }
    showTime();
  });
  audio.addEventListener("play", function () {
    if (sleepUsual !== "") { setSleep(sleepUsual); sleepUsual = ""; }  // counted from the first play, not the page
    labels(); window.requestAnimationFrame(draw);
  });
  audio.addEventListener("pause", function () { labels(); keep(); draw(); });
  audio.addEventListener("timeupdate", function () {
    showTime();
    if (Date.now() - savedAt > 5000) { savedAt = Date.now(); keep(); }
  });
  audio.addEventListener("ended", function () {  // the track's own long fade has ended it; nothing follows
    labels();
    if (store !== null) { try { store.removeItem(key(current)); } catch (e) { /* nothing kept */ } }
  });
  window.addEventListener("resize", room);
  window.addEventListener("pagehide", keep);

  if ("mediaSession" in navigator) {
    var actions = {
      play: play, pause: pause,
      seekbackward: function () { skip(-SKIP_S); }, seekforward: function () { skip(SKIP_S); },
      previoustrack: function () { if (current > 0) { choose(current - 1); } },
      nexttrack: function () { if (current < tracks.length - 1) { choose(current + 1); } },
      seekto: function (d) { audio.currentTime = d.seekTime; moved(); }
    };
    Object.keys(actions).forEach(function (name) {
      try { navigator.mediaSession.setActionHandler(name, actions[name]); } catch (e) { /* not offered here */ }
    });
  }

  function setTheme(dim) {
    root.classList.toggle("dim", dim);
    root.classList.toggle("light", !dim);
    theme.textContent = dim ? "Brighten the page" : "Dim the page";  // what a press will do (issue 30)
  }
  var chosen = store === null ? null : store.getItem("companion-theme");
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  setTheme(chosen === null ? dark : chosen === "dim");
  theme.addEventListener("click", function () {
    var dim = !root.classList.contains("dim");
    setTheme(dim);
    if (store !== null) { try { store.setItem("companion-theme", dim ? "dim" : "light"); } catch (e) { /* kept for now only */ } }
  });
})();
