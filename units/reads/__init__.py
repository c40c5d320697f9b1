"""Reads behind the pages and exports: one selector per page, table or chart (unit pages,
the coverage table and its filters, targets, search). They never write."""
