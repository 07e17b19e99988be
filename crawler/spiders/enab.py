"""`scrapy crawl enab`: Enab Baladi's English articles, each paired with its Arabic original.

The generic bilingual spider (crawler/spiders/bilingual.py) with Enab Baladi's profile
(pipeline/profiles/enab.py); its arguments are the generic ones less the site:
  -a since=YYYY-MM-DD -a until=YYYY-MM-DD   only articles published in that window
  -a limit=N                                 at most N English articles
  -a urls=URL,URL                            just these English articles (no discovery)
  -a base_url_en=... -a base_url_ar=...      a mirror, or the bundled sample site
"""

from __future__ import annotations

from crawler.spiders.bilingual import BilingualSpider
from pipeline.profiles.enab import PROFILE


class EnabSpider(BilingualSpider):
    name = "enab"
    registered_profile = PROFILE
    ARGUMENTS = ("since", "until", "limit", "urls", "base_url_en", "base_url_ar")
