"""The domain: names and kinds of units, reporting dates, the precomputed coverage (its
rebuild), reference units and published figures. Depends on nothing but `units.models`."""
