# Airflow 3 with kgbuild installed from its wheel, for docker-compose.yml. Build context: the repository root.
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11
COPY --chown=airflow:root pyproject.toml README.md /tmp/kgbuild-src/
COPY --chown=airflow:root kgbuild /tmp/kgbuild-src/kgbuild
# A regular install of the wheel: the Cypher files and the DAG ship inside the package.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /tmp/wheels /tmp/kgbuild-src \
    && pip install --no-cache-dir /tmp/wheels/kgbuild-*.whl \
    && rm -rf /tmp/wheels /tmp/kgbuild-src
USER root
# The DAG folder is the installed package's; the work and catalog folders belong to the Airflow user (uid 50000),
# so the named volume created from /data/work is writable by it.
RUN ln -s "$(su airflow -c "python -c 'import kgbuild, pathlib; print(pathlib.Path(kgbuild.__file__).parent / \"dags\")'")" \
        /opt/kgbuild-dags \
    && mkdir -p /data/work /data/catalogs && chown -R airflow:root /data
USER airflow
ENV HF_HUB_OFFLINE=1
