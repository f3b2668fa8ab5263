"""Pictures: the comfort journal's chart, a session plan's picture and a pack's cover. What
they say is worked out once (facts); the app's pages show it as HTML and SVG (markup, made
in about half a millisecond, no matplotlib), files and the command line as PNG drawn
off-screen with matplotlib (draw). They are the front ends' and the pack's to show; the
journal and the plan only hand over their data.

May import: journal (its entries), plan (a plan's data) and the leaves.
"""
