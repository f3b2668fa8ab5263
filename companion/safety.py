"""The safety notes shown (and confirmed) before any caregiver massage; docs/defaults.md says where they come from."""

SAFETY_SCREEN = """\
Before a gentle hand or foot massage, please read this.

Do not massage over:
  - tumours or bone metastases
  - ports, drains or lines
  - surgical sites, or skin treated with radiotherapy
  - fragile, broken or sore skin
  - a limb at risk of lymphoedema (swelling)
With a known clot (DVT): avoid that limb.
With fever or infection: no massage today.
With low platelets or blood thinners: light touch only.
When you are unsure: check with the care team first.

Use very light pressure only: a resting hand or slow, light stroking.
Ask first, every time. Watch their face and breathing, and stop if they tense.
A resting hand is a whole session.
"""
