"""The domain rules: touches and their sources, validation, the data points a submission
sets, sessions of page views, privacy of addresses, a person's export and erasure, retention."""
