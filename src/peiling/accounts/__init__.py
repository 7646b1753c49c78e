"""Who may see or do what: researcher accounts and their permissions (``permissions``)."""
