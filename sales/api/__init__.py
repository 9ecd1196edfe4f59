"""Bot API (/api/bot/v1/): the only way a tenant's bot reads the catalog and sells."""
