"""Site profiles: one class per publisher (a module here), registered by name below. A site
with Enab's shape needs only a profile file, and one with hreflang alternates not even that
(pipeline/profiles/files.py reads both)."""

from __future__ import annotations

from pipeline.profile import SiteProfile
from pipeline.profiles.enab import PROFILE as ENAB

PROFILES: dict[str, SiteProfile] = {ENAB.name: ENAB}
