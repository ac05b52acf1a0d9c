# syntax=docker/dockerfile:1
# shoplake's images for the compose profile, built from the repository root:
#   target runtime: the `shoplake` CLI (Firehose service, event runners, replicator)
#   target spark:   a Spark 3.5.9 master or worker from the same Python, pyspark and jars,
#                   so driver and executors agree on the Spark and Python versions.

# Stage 1: the Spark connector jars, fetched by Maven from the checked-in pom.xml.
FROM maven:3.9.11-eclipse-temurin-17 AS jars
WORKDIR /build
COPY pom.xml .
RUN mvn -q -f pom.xml dependency:copy-dependencies -DoutputDirectory=/build/jars -DincludeScope=runtime

# Stage 2: Python 3.11 (as on Glue 5) with Java 17 and shoplake installed.
FROM python:3.11.14-slim-bookworm AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /usr/lib/jvm/java-17
ENV JAVA_HOME=/usr/lib/jvm/java-17 \
    SHOPLAKE_JARS_DIR=/opt/shoplake/jars \
    SHOPLAKE_PROFILE=compose \
    PYTHONUNBUFFERED=1

RUN useradd --create-home --uid 10001 shoplake \
 && mkdir -p /var/lib/shoplake /var/lib/spark-work \
 && chown shoplake /var/lib/shoplake /var/lib/spark-work
WORKDIR /opt/shoplake
COPY --chown=shoplake . .
RUN pip install --no-cache-dir -c constraints.txt -e .
COPY --from=jars --chown=shoplake /build/jars /opt/shoplake/jars

USER shoplake
ENTRYPOINT ["shoplake"]
CMD ["--help"]

# Stage 3: Spark master and worker processes (`spark-class <main class> ...`).
FROM runtime AS spark
ENV SPARK_NO_DAEMONIZE=1
ENTRYPOINT ["spark-class"]
CMD ["org.apache.spark.deploy.master.Master"]
