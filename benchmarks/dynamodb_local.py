"""AWS's DynamoDB Local on 127.0.0.1, for running the storm against a real DynamoDB engine.

AWS publishes DynamoDB Local as a jar on its own download site, which this machine cannot reach;
the npm package `amplify-dynamodb-simulator` (AWS Amplify's, Apache-2.0 wrapper) ships the same
jar, its libraries and sqlite4java's native library inside the tarball. `ensure_jar()` takes
that tarball once with `npm pack` (only the package, none of its dependencies) into
`.cache/dynamodb-local/`; `serving()` starts it in memory with telemetry off on a free loopback
port, waits until it answers, warms the JVM up, and stops it afterwards. It needs `java` (Debian's
`default-jre-headless`) and `npm` on PATH; when either is missing, or npm cannot fetch,
`DynamoDBLocalUnavailable` says which in one line.

    .venv/bin/python benchmarks/dynamodb_local.py     # fetch if needed, start, print the version, stop
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "dynamodb-local"
NPM_PACKAGE = "amplify-dynamodb-simulator@2.9.30"  # ships DynamoDB Local 1.25.1
JAR = "DynamoDBLocal.jar"
START_TIMEOUT_S = 60.0
WARM_UP_TRANSACTIONS = 300
SCRATCH_TABLE = "warm-up"


class DynamoDBLocalUnavailable(RuntimeError):
    """DynamoDB Local cannot run here; the message says why in one line."""


def ensure_jar(cache: Path = CACHE) -> Path:
    """The emulator directory (the jar and DynamoDBLocal_lib/), fetched from npm on first use."""
    jar = cache / JAR
    if jar.exists():
        return jar
    if shutil.which("npm") is None:
        raise DynamoDBLocalUnavailable("npm is not on PATH (needed once to fetch DynamoDB Local)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            ["npm", "pack", NPM_PACKAGE, "--pack-destination", scratch, "--silent"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        tarballs = list(Path(scratch).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            reason = (done.stderr.strip().splitlines() or ["no tarball"])[-1]
            raise DynamoDBLocalUnavailable(f"npm pack {NPM_PACKAGE} failed: {reason}")
        _extract_emulator(tarballs[0], cache)
    if not jar.exists():
        raise DynamoDBLocalUnavailable(f"{NPM_PACKAGE} has no emulator/{JAR}")
    return jar


def _extract_emulator(tarball: Path, cache: Path) -> None:
    prefix = "package/emulator/"
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if not member.name.startswith(prefix) or not (member.isfile() or member.isdir()):
                continue
            member.name = member.name.removeprefix(prefix)
            if member.name:
                archive.extract(member, cache, filter="data")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(jar: Path | None = None) -> Iterator[str]:
    """DynamoDB Local running in memory; yields its endpoint URL, stops it on exit."""
    java = shutil.which("java")
    if java is None:
        raise DynamoDBLocalUnavailable("java is not on PATH (apt-get install default-jre-headless)")
    jar = jar or ensure_jar()
    port = _free_port()
    command = [
        java, f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar),
        "-inMemory", "-sharedDb", "-disableTelemetry", "-port", str(port),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = _wait_until_up(endpoint, process)
        _warm_up(client)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _wait_until_up(endpoint: str, process: subprocess.Popen[bytes]) -> Any:
    client = _client(endpoint)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            last = (stderr.strip().splitlines() or [f"exit code {process.returncode}"])[-1]
            raise DynamoDBLocalUnavailable(f"DynamoDB Local stopped at start: {last}")
        try:
            client.list_tables()
            return client
        except Exception:
            time.sleep(0.25)
    raise DynamoDBLocalUnavailable(f"DynamoDB Local did not answer within {START_TIMEOUT_S:.0f} s")


def _warm_up(db: Any) -> None:
    """JIT-compile the request path first, so the storm measures a warm server (as DynamoDB is)."""
    db.create_table(
        TableName=SCRATCH_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(WARM_UP_TRANSACTIONS):
        items = [{"Put": {"TableName": SCRATCH_TABLE, "Item": {"pk": {"S": f"{n}-{i}"}}}} for i in range(4)]
        db.transact_write_items(TransactItems=items)
        db.get_item(TableName=SCRATCH_TABLE, Key={"pk": {"S": f"{n}-0"}}, ConsistentRead=True)
    db.delete_table(TableName=SCRATCH_TABLE)


def version(jar: Path | None = None) -> str:
    """DynamoDB Local's version, from its README's newest release line."""
    readme = (jar or ensure_jar()).parent / "README.txt"
    for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.strip().startswith("20") and "(" in line:
            return line.split("(", 1)[1].split(")", 1)[0]
    return "unknown"


def main() -> int:
    try:
        jar = ensure_jar()
        with serving(jar) as endpoint:
            print(f"DynamoDB Local {version(jar)} answered at {endpoint} (stopped again)")
    except DynamoDBLocalUnavailable as error:
        print(f"DynamoDB Local unavailable: {error}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
