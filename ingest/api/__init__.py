"""The JSON API for integrations, scoped by API key, and its OpenAPI document."""
