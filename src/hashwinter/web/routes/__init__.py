"""One module per API resource (shutdown, data, catalog, farms, jobs) and the pages."""
