"""
A request that meets an unreachable PostgreSQL is answered 503 + Retry-After
with a short page, wherever the error comes from (a view, a middleware);
other database errors are not (tests/faults/test_servers.py restarts a real
PostgreSQL).
"""

import logging
import sqlite3
from unittest import mock

import psycopg
import pytest
from django.db import utils
from django.test import Client

from articles.models import SiteSettings


def wrapped(cause, kind=utils.OperationalError):
    """The error Django raises for a driver's error (its cause kept)."""
    error = kind(str(cause))
    error.__cause__ = cause
    return error


def refused():
    return wrapped(psycopg.OperationalError("connection failed: Connection refused"))


@pytest.fixture
def reader():
    return Client(raise_request_exception=False)


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Back in a moment" in body
    assert "Traceback" not in body


@pytest.mark.django_db
def test_an_error_in_a_view_is_a_503(reader):
    with mock.patch("newsroom.site_files.SiteSettings") as settings_model:
        settings_model.load.side_effect = refused()
        assert_unavailable(reader.get("/site.webmanifest"))


@pytest.mark.django_db
def test_an_error_in_a_middleware_is_a_503_logged_in_one_line(reader, caplog):
    caplog.set_level(logging.WARNING)
    with mock.patch.object(SiteSettings, "read_row", side_effect=refused()):
        response = reader.get("/")
    assert_unavailable(response)
    lines = [r for r in caplog.records if r.name == "django.request"]
    assert any("Database unavailable" in r.getMessage() for r in lines)
    assert not any(r.exc_info for r in lines)


@pytest.mark.django_db
def test_a_closed_connection_and_a_shutdown_are_503s(reader):
    shutdown = psycopg.errors.AdminShutdown("terminating connection")
    for error in (
        wrapped(
            psycopg.InterfaceError("the connection is closed"), utils.InterfaceError
        ),
        wrapped(shutdown),
    ):
        with mock.patch.object(SiteSettings, "read_row", side_effect=error):
            assert_unavailable(reader.get("/"))


@pytest.mark.django_db
def test_other_database_errors_stay_500s(reader):
    for error in (
        wrapped(sqlite3.OperationalError("database is locked")),
        wrapped(psycopg.errors.QueryCanceled("canceling statement")),
    ):
        with mock.patch.object(SiteSettings, "read_row", side_effect=error):
            assert reader.get("/").status_code == 500


@pytest.mark.django_db
def test_the_page_speaks_the_readers_language(reader):
    with mock.patch.object(SiteSettings, "read_row", side_effect=refused()):
        response = reader.get("/", HTTP_ACCEPT_LANGUAGE="hi")
    assert response.status_code == 503
    assert '<html lang="hi">' in response.content.decode()
