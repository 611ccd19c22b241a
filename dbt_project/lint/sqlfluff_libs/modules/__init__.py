"""dbt's `modules` context object, for sqlfluff's jinja templater (lint only)."""

import datetime
import re

__all__ = ["datetime", "re"]
