# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test venv browser services pywb demo-distributed lint typecheck sample-site bench clean

venv: $(STAMP)

# torch first and pinned: argostranslate pulls it through stanza, and an unpinned resolve
# downloads several GB of CUDA wheels.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "torch==2.13.0"
	@# setuptools' editable-install notice (a warning in the build backend) is no news to a user
	PYTHONWARNINGS=ignore $(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: venv
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/demo.sh

test: venv browser services pywb
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -n 2 --dist loadfile

# pywb, for the WARC replay test, in a venv of its own: it pins redis==2.10.6 (the shared crawl
# frontier needs redis>=5); the test runs its wb-manager and wayback as subprocesses.
PYWB_STAMP := .venv-pywb/.installed
pywb: $(PYWB_STAMP)
$(PYWB_STAMP):
	@{ $(PYTHON) -m venv .venv-pywb && .venv-pywb/bin/python -m pip install -q "pywb>=2.10,<3" \
	  && touch $(PYWB_STAMP); } || echo "WARNING: could not install pywb; the WARC replay test will be skipped"

# The review report's browser test drives Debian's headless Chromium.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "installing chromium and chromium-driver (Debian packages) for the browser test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver \
	  || echo "WARNING: could not install chromium; the browser test will be skipped"; }

# The scale-out tests start Debian's redis-server and PostgreSQL on loopback (tests/services.py).
services:
	@{ command -v redis-server && { command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; }; } >/dev/null 2>&1 || { \
	  echo "installing redis-server and postgresql (Debian packages) for the scale-out tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q redis-server postgresql \
	  || echo "WARNING: could not install redis-server/postgresql; the scale-out tests will be skipped"; }

# Two crawlers and two workers on Redis + PostgreSQL against the sample site inflated to 300 pairs,
# compared with one process into SQLite.
demo-distributed: venv services
	$(PY) scripts/demo_distributed.py --pairs 300

lint: venv
	$(VENV)/bin/ruff check .

# mypy over pipeline/ and crawler/ ([tool.mypy] in pyproject.toml)
typecheck: venv
	$(VENV)/bin/mypy

sample-site: venv
	$(PY) data/sample_site/build.py
	$(PY) data/sample_site_hreflang/build.py
	$(PY) data/sample_site_content/build.py

bench: venv
	$(PY) bench/crawl.py

clean:
	rm -rf data/output .pytest_cache
