# Two entry points for a fresh machine: `make app` and `make test`. Each builds .venv/ on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT   ?= 8501
# Loopback: only this machine can open the app (README, "Security and privacy").
ADDRESS ?= 127.0.0.1

.PHONY: app clinic uploads turn test lint format system-deps fonts benchmark clean

$(STAMP): pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e ".[ray,test]"
	touch $(STAMP)

# Debian's packages for the tests: Chromium (Playwright drives it; it never downloads a browser),
# PostgreSQL (the storage tests start a throwaway server of their own), poppler-utils (pdftoppm
# renders the PDF report to pictures), and Caddy, coturn and libnss3-tools (certutil trusts Caddy's
# internal CA in the test browser's own certificate store) for the HTTPS and TURN tests, which are also
# what a clinic server runs (make clinic, make turn).
# The PDF report's fonts (vision/pdf_fonts.py): DejaVu Sans for Latin, Greek, Cyrillic and Arabic,
# WenQuanYi Zen Hei for Chinese, Japanese and Korean, Symbola for emoji.
FONT_PACKAGES := fonts-dejavu-core fonts-dejavu-extra fonts-wqy-zenhei fonts-symbola
SYSTEM_PACKAGES := chromium postgresql poppler-utils caddy coturn libnss3-tools $(FONT_PACKAGES)
define apt_install
missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi
endef
# Debian's caddy package starts a caddy service on port 80 of every interface when systemd runs: a test machine
# must not serve anything to the network, so a caddy installed here has that service stopped and disabled.
system-deps:
	@had_caddy=$$(dpkg -s caddy >/dev/null 2>&1 && echo yes); \
	$(call apt_install,$(SYSTEM_PACKAGES)); \
	if [ -z "$$had_caddy" ] && [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now caddy; fi

# The app runs without them (the PDF then draws only Latin names): a machine without apt still gets the app.
fonts:
	-@$(call apt_install,$(FONT_PACKAGES))

app: $(STAMP) fonts
	$(VENV)/bin/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true \
	  --browser.gatherUsageStats false

# HTTPS in front of `make app` (deploy/Caddyfile; README, "Run calfcheck for a clinic"). SITE is the name athletes
# type; TLS=internal on a clinic LAN (Caddy's own CA), or an e-mail address for a public name (a certificate from
# Let's Encrypt). Streamlit stays on loopback: run `make app` beside it.
SITE ?=
TLS  ?= internal
UPLOAD_PORT ?= 8502
clinic:
	@test -n "$(SITE)" || { echo "usage: make clinic SITE=<the name athletes type> [TLS=internal|you@clinic.example]"; exit 2; }
	CALFCHECK_SITE=$(SITE) CALFCHECK_TLS=$(TLS) CALFCHECK_PORT=$(PORT) CALFCHECK_UPLOAD_PORT=$(UPLOAD_PORT) \
	  caddy run --config deploy/Caddyfile --adapter caddyfile

# A clinic on PostgreSQL: athletes' clips stream to this upload server (loopback; Caddy sends it /_calfcheck/upload),
# never whole in memory (README, "Uploads from phones"). Run it beside `make app` and `make clinic`, with the same
# CALFCHECK_DB and data folder as the app.
uploads: $(STAMP)
	$(PY) -m vision upload-server --port $(UPLOAD_PORT)

# The TURN relay for live coaching across networks (deploy/turnserver.conf, copied and edited).
TURN_CONF ?= /etc/turnserver.conf
turn:
	@! grep -q "CHANGE-ME" $(TURN_CONF) || { echo "$(TURN_CONF): set static-auth-secret (deploy/turnserver.conf says how)"; exit 2; }
	turnserver -c $(TURN_CONF)

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
	$(PY) benchmarks/bench_voice.py
	$(PY) benchmarks/bench_live_capacity.py
	$(PY) benchmarks/bench_gate.py
	$(PY) benchmarks/bench_upload_queue.py
	$(PY) benchmarks/bench_upload_memory.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
