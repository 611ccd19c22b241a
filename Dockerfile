# One image for the user-code gRPC server, the webserver, the daemon and every run they launch.
FROM python:3.11-slim

WORKDIR /opt/trade-warehouse
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/home \
    WAREHOUSE_PATH=/data/warehouse/warehouse.duckdb \
    SERVING_PATH=/data/serving/serving.duckdb \
    REPORTS_DIR=/data/serving/reports \
    LANDING_DIR=/data/landing

COPY pyproject.toml constraints.txt README.md ./
COPY orchestration ./orchestration
COPY dbt_project ./dbt_project
# Editable: the code location finds dbt_project/ beside the package. The dbt manifest and the
# DuckDB extensions of the other warehouse targets are fetched here, so containers start without
# running dbt or reaching the network.
RUN pip install --no-cache-dir -c constraints.txt -e . \
    && dbt parse --quiet --project-dir dbt_project --profiles-dir dbt_project \
    && python -c "import duckdb; duckdb.sql('install ducklake; install postgres; install httpfs; install motherduck')" \
    && mkdir -p /data/warehouse /data/landing /data/serving /opt/dagster/home

COPY deploy/dagster.yaml /opt/dagster/home/dagster.yaml
COPY deploy/workspace.yaml /opt/dagster/workspace.yaml
EXPOSE 3000 4000
CMD ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", "4000", "-m", "orchestration.definitions"]
