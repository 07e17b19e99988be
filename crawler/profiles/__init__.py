"""Site profiles, one module per publisher."""

from __future__ import annotations

from crawler.profiles.enab import PROFILE as ENAB
from pipeline.profile import SiteProfile

PROFILES: dict[str, SiteProfile] = {ENAB.name: ENAB}
