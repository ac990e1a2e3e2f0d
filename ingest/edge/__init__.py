"""The visitor-facing edge: what customers' sites and visitors' browsers talk to (the
script, hosted forms, submissions, page views), and what guards it (hosts, origins, rate
limits, bounded bodies, the one middleware)."""
