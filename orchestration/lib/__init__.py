"""Pure Python building blocks (no Dagster import): API clients, parsing, landing, loading."""
