# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test venv browser lint sample-site bench clean

venv: $(STAMP)

# torch first and pinned: argostranslate pulls it through stanza, and an unpinned resolve
# downloads several GB of CUDA wheels.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: venv
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/demo.sh

test: venv browser
	$(PY) -m pytest -q

# The review report's browser test drives Debian's headless Chromium.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "installing chromium and chromium-driver (Debian packages) for the browser test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver \
	  || echo "WARNING: could not install chromium; the browser test will be skipped"; }

lint: venv
	$(VENV)/bin/ruff check .

sample-site: venv
	$(PY) data/sample_site/build.py

bench: venv
	$(PY) bench/crawl.py

clean:
	rm -rf data/output .pytest_cache
