"""The read-only data API (``/api/v1/``) for scripts, dashboards and data warehouses."""
