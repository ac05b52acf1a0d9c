"""Find a Java 17 for Spark 3.5 and pin JAVA_HOME to it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from shoplake.errors import JavaError

REQUIRED_MAJOR = 17
CANDIDATE_HOMES = ("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-17-openjdk-arm64",
                   "/usr/lib/jvm/temurin-17-jdk-amd64", "/usr/lib/jvm/java-17-openjdk")


def java_major_version(java_home: Path) -> int:
    """Run `<java_home>/bin/java -version` and return its major version."""
    binary = java_home / "bin" / "java"
    if not binary.is_file():
        raise JavaError(f"Java not found: {binary} does not exist; install OpenJDK 17 and set JAVA_HOME to it")
    output = subprocess.run([str(binary), "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', output)
    if not match:
        raise JavaError(f"could not read the Java version from {binary}: {output.strip()!r}")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def ensure_java17() -> Path:
    """Return a Java 17 home and export it as JAVA_HOME; raise JavaError naming the fix."""
    configured = os.environ.get("JAVA_HOME")
    candidates = [Path(configured)] if configured else [Path(home) for home in CANDIDATE_HOMES]
    for home in candidates:
        if not (home / "bin" / "java").is_file():
            continue
        major = java_major_version(home)
        if major == REQUIRED_MAJOR:
            os.environ["JAVA_HOME"] = str(home)
            return home
        if configured:
            raise JavaError(
                f"JAVA_HOME={configured} is Java {major}, but Spark 3.5 needs Java {REQUIRED_MAJOR}; "
                f"set JAVA_HOME to a Java {REQUIRED_MAJOR} home such as {CANDIDATE_HOMES[0]}"
            )
    where = configured or ", ".join(CANDIDATE_HOMES)
    raise JavaError(f"Java {REQUIRED_MAJOR} not found (looked in {where}); install OpenJDK {REQUIRED_MAJOR} "
                    "(apt-get install openjdk-17-jdk-headless) and set JAVA_HOME to it")
