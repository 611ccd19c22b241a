"""dbt's `exceptions` context object, for sqlfluff's jinja templater (lint only)."""


def raise_compiler_error(message):
    raise ValueError(message)
