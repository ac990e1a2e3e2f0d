"""Reports and dashboards (issue 14, seed 004): ``spec.py`` what a report is (measure,
grouping, period, filters) and its checks; ``run.py`` a report's numbers, each with the list
behind it, one function per measure for the tiles and the API; ``tiles.py`` what a tile may
be and the default dashboards; ``report_csv.py`` a report as CSV."""
