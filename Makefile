# Two entry points for a fresh machine: `make app` and `make test`. Each builds .venv/ on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT   ?= 8501
# Loopback: only this machine can open the app (README, "Security and privacy").
ADDRESS ?= 127.0.0.1

.PHONY: app test lint format system-deps fonts benchmark clean

$(STAMP): pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e ".[ray,test]"
	touch $(STAMP)

# Debian's packages for the tests: Chromium (Playwright drives it; it never downloads a browser),
# PostgreSQL (the storage tests start a throwaway server of their own) and poppler-utils (pdftoppm
# renders the PDF report to pictures).
# The PDF report's fonts (vision/pdf_fonts.py): DejaVu Sans for Latin, Greek, Cyrillic and Arabic,
# WenQuanYi Zen Hei for Chinese, Japanese and Korean, Symbola for emoji.
FONT_PACKAGES := fonts-dejavu-core fonts-dejavu-extra fonts-wqy-zenhei fonts-symbola
SYSTEM_PACKAGES := chromium postgresql poppler-utils $(FONT_PACKAGES)
define apt_install
missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi
endef
system-deps:
	@$(call apt_install,$(SYSTEM_PACKAGES))

# The app runs without them (the PDF then draws only Latin names): a machine without apt still gets the app.
fonts:
	-@$(call apt_install,$(FONT_PACKAGES))

app: $(STAMP) fonts
	$(VENV)/bin/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true \
	  --browser.gatherUsageStats false

test: $(STAMP) system-deps lint
	$(PY) -m pytest

# ruff (settings in pyproject.toml): lint and formatting are checked by `make test`; `make format` fixes.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

benchmark: $(STAMP)
	$(PY) benchmarks/bench_pipeline.py
	$(PY) benchmarks/bench_batch.py
	$(PY) benchmarks/bench_accuracy.py
	$(PY) benchmarks/bench_heel_trace.py
	$(PY) benchmarks/bench_live.py
	$(PY) benchmarks/bench_upload_queue.py
	$(PY) benchmarks/bench_upload_memory.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
