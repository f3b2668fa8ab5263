// The breathing guide: the circle's size follows the playing track's breath schedule, read
// from its own clock (currentTime), so it stays with the tone after a pause or a seek.
(function () {
  "use strict";
  var breaths = JSON.parse(document.getElementById("breaths").textContent);
  var audios = Array.prototype.slice.call(document.querySelectorAll("audio[data-i]"));
  var buttons = Array.prototype.slice.call(document.querySelectorAll(".card .play"));
  var now = document.getElementById("now"), circle = document.getElementById("circle");
  var nowTitle = document.getElementById("now-title"), pause = document.getElementById("pause");
  var playing = null;

  function ease(u) { return (1 - Math.cos(Math.PI * Math.min(Math.max(u, 0), 1))) / 2; }

  function size(b, t) {
    var n = b.length / 3, lo = 0, hi = n - 1;
    if (n === 0 || t < b[0]) { return 0.5; }
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (b[mid * 3] <= t) { lo = mid; } else { hi = mid - 1; } }
    var x = t - b[lo * 3], inhale = b[lo * 3 + 1], exhale = b[lo * 3 + 2];
    return x < inhale ? 0.5 + 0.5 * ease(x / inhale) : 1 - 0.5 * ease((x - inhale) / exhale);
  }

  function draw() {
    if (playing === null) { return; }
    var t = playing.currentTime, s = size(breaths[Number(playing.dataset.i)], t);
    circle.style.transform = "scale(" + s.toFixed(3) + ")";
    circle.dataset.t = t.toFixed(3);  // the moment the circle shows (a test reads it)
    window.requestAnimationFrame(draw);
  }

  function label(i, on) {
    var b = buttons[i], name = audios[i].getAttribute("aria-label");
    b.textContent = on ? "Pause" : "Play";
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.setAttribute("aria-label", (on ? "Pause: " : "Play: ") + name);
  }

  audios.forEach(function (audio, i) {
    audio.addEventListener("play", function () {
      audios.forEach(function (other) { if (other !== audio) { other.pause(); } });
      playing = audio;
      label(i, true);
      nowTitle.textContent = audio.getAttribute("aria-label");
      now.hidden = false;
      window.requestAnimationFrame(draw);
    });
    function stopped() {
      label(i, false);
      if (playing === audio) { playing = null; now.hidden = true; }
    }
    audio.addEventListener("pause", stopped);
    audio.addEventListener("ended", stopped);
    buttons[i].addEventListener("click", function () {
      if (audio.paused) { audio.play(); } else { audio.pause(); }
    });
  });
  pause.addEventListener("click", function () { if (playing !== null) { playing.pause(); } });
})();
