"""
Consistent snapshots of the database and the media, in one tar file.

SQLite is copied with its online backup API (a consistent copy while readers
and writers carry on); PostgreSQL with `pg_dump`. Media files are read and
written through the storage API, so any storage backend works.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import PurePosixPath

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from newsroom.sequences import reset_sequences

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
POSTGRES_NAME = "database.pgdump"
MEDIA_PREFIX = "media/"


class BackupError(Exception):
    pass


def media_names(storage=default_storage, directory=""):
    """Every file name in the storage, walking its folders."""
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield "%s/%s" % (directory, name) if directory else name
    for folder in sorted(folders):
        yield from media_names(
            storage, "%s/%s" % (directory, folder) if directory else folder
        )


def _pg_env(settings_dict):
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def _pg_args(settings_dict):
    args = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [option, str(settings_dict[key])]
    return args + ["--dbname", settings_dict["NAME"]]


def _dump_database(folder):
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = os.path.join(folder, SQLITE_NAME)
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return SQLITE_NAME
    if connection.vendor == "postgresql":
        target = os.path.join(folder, POSTGRES_NAME)
        settings_dict = connection.settings_dict
        subprocess.run(  # noqa: S603 - arguments from settings, no shell
            [shutil.which("pg_dump") or "pg_dump", "--format=custom", "--no-owner",
             "--file", target, *_pg_args(settings_dict)],
            check=True,
            env=_pg_env(settings_dict),
            capture_output=True,
        )  # fmt: skip
        return POSTGRES_NAME
    raise BackupError(
        "Backups support SQLite and PostgreSQL, not %s." % connection.vendor
    )


def _latest_migrations():
    recorder = MigrationRecorder(connection)
    latest = {}
    for app, name in recorder.applied_migrations():
        latest[app] = max(latest.get(app, name), name)
    return latest


def write_backup(path, storage=default_storage):
    """Write the snapshot to `path` (a .tar file); returns the manifest."""
    with tempfile.TemporaryDirectory() as folder:
        database = _dump_database(folder)
        names = list(media_names(storage))
        manifest = {
            "format": FORMAT,
            "created": datetime.now(UTC).isoformat(),
            "vendor": connection.vendor,
            "database": database,
            "migrations": _latest_migrations(),
            "media": names,
        }
        with tarfile.open(path, "w") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(os.path.join(folder, database), arcname=database)
            for name in names:
                with storage.open(name, "rb") as handle:
                    content = handle.read()
                info = tarfile.TarInfo(MEDIA_PREFIX + name)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return manifest


def _safe_media_name(member_name):
    name = member_name[len(MEDIA_PREFIX) :]
    parts = PurePosixPath(name).parts
    if not name or name.startswith("/") or ".." in parts or "\x00" in name:
        raise BackupError("Refusing the unsafe media name %r." % member_name)
    return name


def read_manifest(archive):
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, ValueError, TypeError):
        raise BackupError("Not a Newsroom backup: no readable manifest.")
    if manifest.get("format") != FORMAT:
        raise BackupError("Unknown backup format %r." % manifest.get("format"))
    return manifest


def _restore_database(archive, manifest, folder):
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            "This backup holds a %s database; this site runs on %s."
            % (manifest["vendor"], connection.vendor)
        )
    member = archive.getmember(manifest["database"])
    archive.extract(member, folder, filter="data")
    source = os.path.join(folder, member.name)
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        snapshot = sqlite3.connect(source)
        try:
            snapshot.backup(connection.connection)
        finally:
            snapshot.close()
        return
    settings_dict = connection.settings_dict
    connection.close()
    subprocess.run(  # noqa: S603 - arguments from settings, no shell
        [shutil.which("pg_restore") or "pg_restore", "--clean", "--if-exists",
         "--no-owner", "--single-transaction", *_pg_args(settings_dict), source],
        check=True,
        env=_pg_env(settings_dict),
        capture_output=True,
    )  # fmt: skip


def restore_backup(path, storage=default_storage):
    """Bring back the database and the media files of a snapshot."""
    with tarfile.open(path, "r") as archive:
        manifest = read_manifest(archive)
        media = [
            member
            for member in archive.getmembers()
            if member.name.startswith(MEDIA_PREFIX) and member.isfile()
        ]
        names = [_safe_media_name(member.name) for member in media]
        with tempfile.TemporaryDirectory() as folder:
            _restore_database(archive, manifest, folder)
        # pg_restore sets the sequences it dumped; this also covers a dump
        # taken while rows were being written with their own ids.
        reset_sequences()
        for member, name in zip(media, names, strict=True):
            if storage.exists(name):
                storage.delete(name)
            storage.save(name, ContentFile(archive.extractfile(member).read()))
    # Every cached page and fragment described the old data.
    cache.clear()
    return manifest
