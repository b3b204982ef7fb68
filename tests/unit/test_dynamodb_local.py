"""benchmarks/dynamodb_local.py: where DynamoDB Local comes from and why it cannot run, in one line.

Nothing is fetched or started here: the npm tarball is a small one made in the test, in the
layout of `amplify-dynamodb-simulator` (the emulator under package/emulator/).
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from benchmarks import dynamodb_local


def npm_tarball(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_only_the_emulator_is_taken_from_the_npm_package(tmp_path):
    # Given the npm package's tarball: the emulator beside the wrapper's own code
    tarball = npm_tarball(tmp_path / "simulator.tgz", {
        "package/emulator/DynamoDBLocal.jar": b"jar",
        "package/emulator/DynamoDBLocal_lib/libsqlite4java-linux-amd64.so": b"so",
        "package/emulator/README.txt": b"2024-11-06 (1.25.1)\n",
        "package/index.js": b"module.exports = {}",
    })  # fmt: skip
    cache = tmp_path / "cache"
    # When the emulator is extracted
    dynamodb_local._extract_emulator(tarball, cache)
    # Then the jar and its libraries are at the top of the cache, the wrapper is not, and the version reads
    assert sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()) == [
        "DynamoDBLocal.jar", "DynamoDBLocal_lib/libsqlite4java-linux-amd64.so", "README.txt",
    ]  # fmt: skip
    assert dynamodb_local.version(cache / "DynamoDBLocal.jar") == "1.25.1"


def test_a_cached_jar_is_used_without_npm(tmp_path, monkeypatch):
    (tmp_path / "DynamoDBLocal.jar").write_bytes(b"jar")
    monkeypatch.setattr(dynamodb_local.shutil, "which", lambda name: None)  # no npm, no java
    assert dynamodb_local.ensure_jar(tmp_path) == tmp_path / "DynamoDBLocal.jar"


def test_without_npm_or_java_the_reason_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(dynamodb_local.shutil, "which", lambda name: None)
    with pytest.raises(dynamodb_local.DynamoDBLocalUnavailable, match=r"^npm is not on PATH"):
        dynamodb_local.ensure_jar(tmp_path / "empty")
    with pytest.raises(dynamodb_local.DynamoDBLocalUnavailable, match=r"^java is not on PATH"), \
            dynamodb_local.serving(tmp_path / "DynamoDBLocal.jar"):  # fmt: skip
        pass
