"""Leadsource ingest service: tenant-scoped form submissions turned into attributed leads."""
