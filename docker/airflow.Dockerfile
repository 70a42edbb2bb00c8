# Airflow 3 with kgbuild installed, for docker-compose.yml. Build context: the repository root.
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11
COPY --chown=airflow:root pyproject.toml README.md /opt/kgbuild/
COPY --chown=airflow:root kgbuild /opt/kgbuild/kgbuild
COPY --chown=airflow:root cypher /opt/kgbuild/cypher
COPY --chown=airflow:root dags /opt/kgbuild/dags
RUN pip install --no-cache-dir -e /opt/kgbuild
ENV HF_HUB_OFFLINE=1
