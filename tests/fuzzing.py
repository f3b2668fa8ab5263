"""What every fuzzer in the tests shares: how deep it goes in each layer, and that it is
repeatable. A fuzzer draws the same cases on every run (derandomize), so a failure is never
by chance; each case it ever found is kept as an explicit @example on its test, since no
example database is kept (database=None: nothing written into the repository).

FAST is the fast layer's few cases per parameter (`make test-fast`); DEEP is `make test`'s
profile, at least 100 cases per parameter.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

_COMMON: dict[str, Any] = dict(
    database=None,
    derandomize=True,
    deadline=None,  # speed is measured in benchmarks/, never in a test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    print_blob=False,
)
FAST = settings(max_examples=5, **_COMMON)
DEEP = settings(max_examples=100, **_COMMON)


def after_listed(profile: settings, listed: int, least: int = 40) -> settings:
    """The profile for a test that first tries `listed` explicit examples (every listed hostile
    value, say): as many drawn ones as make up the profile's cases, and never fewer than
    `least`, so each parameter still gets at least max_examples cases, part listed, part drawn.
    Without listed examples, the profile as it is."""
    if not listed:
        return profile
    return settings(profile, max_examples=max(least, profile.max_examples - listed))
