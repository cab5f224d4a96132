"""Apache Kafka's classpath, resolved by Maven from infra/kafka/pom.xml and cached beside it.

The cache file is named after the pom's hash, so editing the pom (a new Kafka version) resolves
again, and an unchanged pom costs one file read. `python -m infra.stack.classpath` resolves it
ahead of time (infra/bootstrap.sh does that, so the first `mca stack up` does not wait on Maven).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
from pathlib import Path

from infra.stack.process import StackError

logger = logging.getLogger(__name__)

KAFKA_DIR = Path(__file__).resolve().parents[1] / "kafka"
POM = KAFKA_DIR / "pom.xml"
BROKER_LOG_CONFIG = KAFKA_DIR / "log4j2.xml"
TOOLS_LOG_CONFIG = KAFKA_DIR / "tools-log4j2.xml"
CACHE_DIR = KAFKA_DIR / "lib"
MAVEN_TIMEOUT_S = 900.0


def java_executable() -> str:
    """The `java` to run Kafka with: $JAVA_HOME/bin/java when set, else the one on PATH.

    Raises StackError when there is none.
    """
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise StackError("Java is not installed; run `source infra/bootstrap.sh && mca_bootstrap`")
    return java


def cache_file(pom: Path = POM) -> Path:
    """Where the classpath resolved from this exact pom is kept."""
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    return CACHE_DIR / f"classpath-{digest}.txt"


def _usable(entries: list[str]) -> bool:
    return bool(entries) and all(Path(entry).is_file() for entry in entries)


def kafka_classpath(pom: Path = POM) -> str:
    """The Kafka jars as a `java -cp` string; runs Maven only when the cache is missing or stale.

    Raises StackError when Maven is not installed or cannot resolve the pom.
    """
    cached = cache_file(pom)
    if cached.is_file():
        entries = cached.read_text().strip().split(":")
        if _usable(entries):
            return ":".join(entries)
        logger.info("cached Kafka classpath names missing jars; resolving again")
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("Maven (mvn) is not installed; run `source infra/bootstrap.sh && mca_bootstrap`")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".tmp")
    logger.info("resolving Kafka jars with Maven from %s", pom)
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(pom), "dependency:build-classpath", f"-Dmdep.outputFile={partial}"],
        capture_output=True, text=True, timeout=MAVEN_TIMEOUT_S, check=False,
    )
    if result.returncode != 0 or not partial.is_file():
        raise StackError(f"Maven could not resolve {pom}:\n{(result.stdout + result.stderr)[-2000:]}")
    entries = partial.read_text().strip().split(":")
    if not _usable(entries):
        raise StackError(f"Maven resolved {pom} to a classpath with missing jars")
    partial.replace(cached)
    for stale in CACHE_DIR.glob("classpath-*.txt"):
        if stale != cached:
            stale.unlink(missing_ok=True)
    return ":".join(entries)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logger.info("Kafka classpath: %d jars, cached in %s", len(kafka_classpath().split(":")), cache_file())
