"""Live play: a Session streamed to an Output with gentle controls (player), the plan
swapped under the playhead when the voice is ready or five more minutes are asked for
(swaps), and the fades every control acts through (transport).

May import: session, output, sound, dsp, plan and the leaves. The command line's keys and view
reach it only as callables.
"""
