"""dbt's `adapter` context object, for sqlfluff's jinja templater (lint only): no relation exists."""


def get_relation(database=None, schema=None, identifier=None):
    return None
