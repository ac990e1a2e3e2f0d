"""The reports' storage: ``counts.py`` the grouped counts and sums of the persons and deals
lists' selections, ``dashboards.py`` the dashboards and their tiles (migration 0023)."""
