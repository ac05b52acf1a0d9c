# syntax=docker/dockerfile:1
# Airflow 3.3.2 (API server, scheduler, DAG processor) with shoplake installed,
# Java 17 for the Spark driver and the connector jars; built from the repository root.

FROM maven:3.9.11-eclipse-temurin-17 AS jars
WORKDIR /build
COPY pom.xml .
RUN mvn -q -f pom.xml dependency:copy-dependencies -DoutputDirectory=/build/jars -DincludeScope=runtime

FROM apache/airflow:3.3.2-python3.11
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /usr/lib/jvm/java-17 \
 && mkdir -p /var/lib/shoplake \
 && chown airflow:0 /var/lib/shoplake
ENV JAVA_HOME=/usr/lib/jvm/java-17 \
    SHOPLAKE_JARS_DIR=/opt/shoplake/jars \
    SHOPLAKE_PROFILE=compose

COPY --chown=airflow:0 . /opt/shoplake
COPY --from=jars --chown=airflow:0 /build/jars /opt/shoplake/jars
USER airflow
RUN pip install --no-cache-dir -c /opt/shoplake/constraints.txt -e /opt/shoplake
