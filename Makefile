# The two commands for a fresh machine (Debian 12, Python 3.11):
#   make demo   installs what is needed and runs the contact center on the simulated switch
#   make test   installs what is needed and runs the test suite
PYTHON ?= python3
PIP_FLAGS ?= --quiet --disable-pip-version-check --root-user-action=ignore

.PHONY: install install-test hold-music demo test bench

install:
	scripts/install-system-deps
	$(PYTHON) -m pip install $(PIP_FLAGS) -e .
	$(MAKE) hold-music

# Hold music for local_stream://moh: sounds/moh gets a generated piece (sox) when it holds no music.
hold-music:
	$(PYTHON) -m cli conf render --only moh --out var/freeswitch

install-test:
	scripts/install-system-deps
	$(PYTHON) -m pip install $(PIP_FLAGS) -e '.[test]'
	$(MAKE) hold-music

demo: install
	$(PYTHON) -m cli demo

# The suites that deal in dates run once more with the wall clock a year ahead (tests/conftest.py).
DATED_SUITES = tests/relay tests/ivr tests/store tests/reports tests/dialer tests/simulate tests/integration \
	tests/api tests/acd_service/test_acd_service_units.py tests/notify
DAYS_AHEAD ?= 366

test: install-test
	$(PYTHON) -m pytest -q -p no:cacheprovider --junitxml=.test-results.xml
	FSAPP_TEST_DAYS_AHEAD=$(DAYS_AHEAD) $(PYTHON) -m pytest -q -p no:cacheprovider -m "not postgres" $(DATED_SUITES)

bench: install-test
	$(PYTHON) -m pip install $(PIP_FLAGS) -e '.[bench]'
	for script in bench/*.py; do $(PYTHON) $$script; done
