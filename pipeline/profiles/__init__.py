"""Site profiles: one class per publisher (a module here), registered by name below. A site
with Enab's shape needs only a profile file, and one with hreflang alternates not even that
(pipeline/profiles/files.py reads both). Each crawl stores its profile's `source` with its run,
so that later stages (`bitext extract --from-store`) read the site as the crawl did."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.profile import SiteProfile
from pipeline.profiles.enab import PROFILE as ENAB

PROFILES: dict[str, SiteProfile] = {ENAB.name: ENAB}


def profile_of(source: Mapping[str, Any]) -> SiteProfile | None:
    """The profile a crawl stored (SiteProfile.source), made again; None if it cannot be (a
    registered profile this release no longer has, a file's fields it no longer accepts)."""
    from pydantic import ValidationError

    from pipeline.profiles.files import ProfileFile

    if "registered" in source:
        return PROFILES.get(str(source["registered"]))
    if "profile_file" in source:
        try:
            return ProfileFile.model_validate(source["profile_file"]).profile()
        except ValidationError:
            return None
    return None


def _from_arguments(args: Mapping[str, Any]) -> SiteProfile | None:
    """A crawl recorded before profiles were stored: its profile made again from its spider
    arguments (-a site= -a languages=, or -a profile=FILE while the file is there)."""
    from pathlib import Path

    from pipeline.profiles.files import ProfileRefused, hreflang_profile, load_profile_file

    try:
        if args.get("profile"):
            return load_profile_file(Path(str(args["profile"])))
        if args.get("site") and args.get("languages"):
            return hreflang_profile(str(args["site"]), str(args["languages"]))
    except ProfileRefused:
        return None
    return None


def crawled_profiles(
    crawls: Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any]]],
) -> dict[str, SiteProfile]:
    """Site name -> profile, from a store's crawls ((stored profile source, spider arguments),
    oldest first: a later crawl of a site wins), over the registered profiles."""
    found = dict(PROFILES)
    for source, args in crawls:
        profile = profile_of(source) if source else _from_arguments(args)
        if profile is not None:
            found[profile.name] = profile
    return found
