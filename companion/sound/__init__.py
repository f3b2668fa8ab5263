"""Sound: a SessionPlan -> a stream of float32 (frames, channels) blocks.

Holds the renderer (renderer), the layers it mixes (layers/: the breath tone and noise bed,
the narration, the chimes), the gain curves (envelopes: swell, fades, ducking), the limiter
(mixer) and the loudness meters used while rendering (loudness). Nothing is held whole: a
60-minute session streams in constant memory.

May import: plan and the leaves (cache, errors, ...). Not voice: a clip reaches the
renderer as a function from phrase to samples.
"""
