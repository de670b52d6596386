"""Suite-wide settings.

Hypothesis: no per-example deadline and no "too slow" health check — the suite runs on a
shared two-core machine and in CI, where generation time says nothing about the code under
test (what the properties assert is unchanged)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("reattune", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("reattune")
