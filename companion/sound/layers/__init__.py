"""The layers the renderer mixes: the breath tone and noise bed (accompaniment, tone, noise),
the voice's clips placed on the timeline (narration) and the soft cues (chime).

May import: sound's own modules, plan and the leaves.
"""
