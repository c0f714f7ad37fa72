"""A client-side tempo guide: a bar that paces push-hold-return, with an optional audio tick.

It runs in the browser (JavaScript), so its rhythm never depends on the server or the network.
"""

from __future__ import annotations

import json

from vision.protocols import ExerciseProtocol

REST_S = 2.0
SEGMENT_COLOURS = ("#2ea043", "#e6aa14", "#aa46c8")  # push, hold, return: the overlay's phase colours
REST_COLOUR = "#78828c"
BUTTON_STYLE = (
    "padding:6px 14px; border-radius:8px; border:1px solid #1f7a5a; background:#1f7a5a; color:white; cursor:pointer;"
)


def guide_html(protocol: ExerciseProtocol, audio: bool) -> str:
    # The exercise's kind paces it: a tempo's push, hold and return, or an isometric push, hold and release.
    phases = protocol.exercise_kind.guide(protocol)
    segments = [(name, seconds, SEGMENT_COLOURS[i % len(SEGMENT_COLOURS)]) for i, (name, seconds) in enumerate(phases)]
    segments.append(("REST", REST_S, REST_COLOUR))
    segments = [s for s in segments if s[1] > 0]
    data = json.dumps([{"name": n, "dur": d, "colour": c} for n, d, c in segments])
    return f"""
<div style="font-family: sans-serif;">
  <div style="display:flex; align-items:center; gap:12px; margin-bottom:6px;">
    <button id="go" style="{BUTTON_STYLE}">Start tempo guide</button>
    <span id="label" style="font-size:1.25rem; font-weight:700; color:#1d2a25;">ready</span>
    <span id="count" style="font-size:1.25rem; color:#5b6b64;"></span>
  </div>
  <div id="bar" style="position:relative; display:flex; height:22px; border-radius:6px; overflow:hidden;"></div>
</div>
<script>
const segs = {data};
const audio = {str(audio).lower()};
const total = segs.reduce((a, s) => a + s.dur, 0);
const bar = document.getElementById("bar");
segs.forEach(s => {{
  const d = document.createElement("div");
  d.style.width = (100 * s.dur / total) + "%"; d.style.background = s.colour; d.style.opacity = 0.45;
  d.title = s.name + " " + s.dur + " s"; bar.appendChild(d);
}});
const marker = document.createElement("div");
marker.style.cssText = "position:absolute;top:0;bottom:0;width:4px;background:#1d2a25;left:0";
bar.appendChild(marker);
let ctx = null, start = null, lastTick = -1;
function tick(freq) {{
  if (!audio || !ctx) return;
  const o = ctx.createOscillator(), g = ctx.createGain();
  o.frequency.value = freq; g.gain.value = 0.15; o.connect(g); g.connect(ctx.destination);
  o.start(); o.stop(ctx.currentTime + 0.06);
}}
function frame(now) {{
  const t = ((now - start) / 1000) % total;
  marker.style.left = (100 * t / total) + "%";
  let acc = 0;
  for (const s of segs) {{
    if (t < acc + s.dur) {{
      const into = t - acc;
      document.getElementById("label").textContent = s.name;
      document.getElementById("label").style.color = s.colour;
      document.getElementById("count").textContent = Math.ceil(s.dur - into) + " s";
      const whole = Math.floor((now - start) / 1000);
      if (whole !== lastTick) {{ lastTick = whole; tick(into < 1 ? 880 : 660); }}
      break;
    }}
    acc += s.dur;
  }}
  requestAnimationFrame(frame);
}}
document.getElementById("go").onclick = () => {{
  if (audio && !ctx) ctx = new (window.AudioContext || window.webkitAudioContext)();
  if (start === null) {{ start = performance.now(); requestAnimationFrame(frame); }}
  else {{ start = performance.now(); }}
  document.getElementById("go").textContent = "Restart guide";
}};
</script>
"""
