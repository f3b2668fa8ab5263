"""The safety notes shown (and confirmed) before any caregiver massage, and the one rule that
nothing for a caregiver's massage is made until they are; docs/defaults.md says where they
come from."""

from __future__ import annotations

from collections.abc import Callable

from companion.errors import BadInput

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


def confirm_safety(confirmed: bool, confirm: Callable[[str], bool] | None) -> None:
    """Nothing for a caregiver's massage is made until its safety notes are read and accepted:
    `confirmed` says the caller has shown and had them accepted already, else `confirm(notes)`
    shows them and returns True once they are accepted."""
    if confirmed:
        return
    if confirm is None:
        raise BadInput(
            "a caregiver's massage needs its safety notes read and confirmed first (companion.SAFETY_SCREEN)",
            field="safety_confirmed",
            value=False,
            allowed=(True,),
        )
    if not confirm(SAFETY_SCREEN):
        raise BadInput(
            "not confirmed; nothing was made. Check with the care team if you are unsure",
            field="safety_confirmed",
            value=False,
        )
