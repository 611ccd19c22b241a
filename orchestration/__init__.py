"""U.S. trade and tariff warehouse: Dagster code location and CLI."""
