"""The comfort journal: ratings before and after sessions in a SQLite file in the user's
data folder, owner-only (store), the pictures drawn off-screen with matplotlib: the
journal over time, a session's plan, a pack's cover (pictures), and one printable page of
it for the care team (report).

May import: plan and sound (a plan and its loudness, for its picture) and the leaves.
"""
