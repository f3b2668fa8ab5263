// The one player: every track plays through one <audio> in a panel along the bottom. The
// breathing circle follows the playing track's own breath schedule, read from its clock
// (currentTime): it stays with the tone after a seek, and stands still while paused. Play and
// pause fade the sound in and out; where each track was left is kept on this device and
// found again; lock-screen and headset keys work through the Media Session API.
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
  var FADE_MS = 800, SKIP_S = 15;
  var current = -1, fader = null, savedAt = 0, pausing = false;
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
    var t = audio.currentTime;
    circle.style.transform = "scale(" + size(tracks[current].breaths, t).toFixed(3) + ")";
    circle.dataset.t = t.toFixed(3);  // the moment the circle shows (a test reads it)
    if (!audio.paused) { window.requestAnimationFrame(draw); }
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
  }

  function key(i) { return "companion-position:" + tracks[i].src; }

  function keep() {
    if (store === null || current < 0) { return; }
    try { store.setItem(key(current), String(audio.currentTime)); } catch (e) { /* full: no resume */ }
  }

  function fade(to, then) {
    if (fader !== null) { window.clearInterval(fader); }
    var from = audio.volume, start = Date.now();
    fader = window.setInterval(function () {
      var u = Math.min((Date.now() - start) / FADE_MS, 1);
      audio.volume = from + (to - from) * ease(u);
      if (u >= 1) { window.clearInterval(fader); fader = null; if (then) { then(); } }
    }, 20);
  }

  function play() {
    pausing = false;
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
      b.textContent = playing ? "Pause" : "Play";
      b.setAttribute("aria-pressed", playing ? "true" : "false");
      b.setAttribute("aria-label", (playing ? "Pause: " : "Play: ") + tracks[i].label);
    });
    toggle.textContent = on ? "Pause" : "Play";
    toggle.setAttribute("aria-label", (on ? "Pause: " : "Play: ") + (current >= 0 ? tracks[current].label : ""));
  }

  function room() {  // the page keeps the panel's height free: focus and the last card stay in view
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
    title.textContent = tracks[i].label;
    now.hidden = false;
    room();
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
    add: function (track, button) { tracks.push(track); buttons.push(button); bind(button, tracks.length - 1); labels(); }
  };
  toggle.addEventListener("click", playOrPause);
  document.getElementById("back").addEventListener("click", function () { skip(-SKIP_S); });
  document.getElementById("forward").addEventListener("click", function () { skip(SKIP_S); });
  seek.addEventListener("input", function () { audio.currentTime = Number(seek.value); moved(); });

  audio.addEventListener("loadedmetadata", function () {  // found again where it was left
    var was = store === null ? 0 : Number(store.getItem(key(current)) || 0);
    if (was > 5 && was < audio.duration - 10) { audio.currentTime = was; }
    showTime();
  });
  audio.addEventListener("play", function () { labels(); window.requestAnimationFrame(draw); });
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
