"""Synthetic data made through the importer: the Điện Biên demo (plan, workbooks, load) and
the national benchmark data. It may depend on the importer; the domain (`units`) never does."""
