# One image for the Dagster webserver and daemon (and the runs they launch).
FROM python:3.11-slim

WORKDIR /opt/trade-warehouse
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/home \
    WAREHOUSE_PATH=/data/warehouse.duckdb \
    SERVING_PATH=/data/serving.duckdb \
    LANDING_DIR=/data/landing

COPY pyproject.toml constraints.txt README.md ./
COPY orchestration ./orchestration
COPY dbt_project ./dbt_project
# Editable: the code location finds dbt_project/ beside the package. The manifest is parsed at
# build time, so containers start without running dbt.
RUN pip install --no-cache-dir -c constraints.txt -e . \
    && dbt parse --quiet --project-dir dbt_project --profiles-dir dbt_project

COPY deploy/local/dagster.yaml /opt/dagster/home/dagster.yaml
EXPOSE 3000
CMD ["dagster-webserver", "-h", "0.0.0.0", "-p", "3000", "-m", "orchestration.definitions"]
