"""
Settings of the fault tests' own app server (tests/faults/test_servers.py):
the development settings, with Redis and PostgreSQL from FAULTS_REDIS_URL and
FAULTS_DATABASE_URL. tests/servers.py keeps the test run's own REDIS_URL and
DATABASE_URL away from its servers, so these come under other names and go
through the base settings' own wiring.
"""

import os

for _name in ("REDIS_URL", "DATABASE_URL"):
    if os.environ.get("FAULTS_" + _name):
        os.environ[_name] = os.environ["FAULTS_" + _name]

from newsroom.settings.dev import *  # noqa: E402, F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
