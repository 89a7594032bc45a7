"""The HTTP API over the ERA report workflow: powertools resolver, routes, error mapping, the store port."""
