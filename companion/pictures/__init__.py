"""Pictures: the comfort journal's chart, a session plan's picture and a pack's cover, drawn
off-screen with matplotlib as PNG (draw). They are the front ends' and the pack's to show; the
journal and the plan only hand over their data.

May import: journal (its entries), plan (a plan's data) and the leaves.
"""
